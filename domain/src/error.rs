//! The domain error: one enum for every failure a caller can see, mapped once onto GraphQL
//! `extensions.code` in the api crate.
//!
//! Policy: client errors carry a message safe to show and, where it helps, the input field they
//! concern. Database and other internal failures keep their detail for the log only.

use sea_orm::{DbErr, RuntimeErr, SqlErr};

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input that fails validation; `field` names the argument or input field.
    #[error("{message}")]
    BadInput { field: String, message: String },
    /// The record does not exist or is not visible to the caller.
    #[error("{entity} not found")]
    NotFound { entity: &'static str },
    /// No valid credentials.
    #[error("{0}")]
    Unauthenticated(String),
    /// Valid credentials, wrong party.
    #[error("{0}")]
    Forbidden(String),
    /// The write conflicts with the current state (stale version, duplicate, invalid transition).
    #[error("{0}")]
    Conflict(String),
    /// The database (or another dependency) cannot be reached right now.
    #[error("the service is temporarily unavailable, please retry")]
    Unavailable(String),
    /// The server has no payment provider configured.
    #[error("payments are not enabled on this server")]
    PaymentsDisabled,
    /// Anything else: logged, never shown.
    #[error("internal error")]
    Internal(String),
}

impl Error {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::BadInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn not_found(entity: &'static str) -> Self {
        Error::NotFound { entity }
    }

    /// The stable code clients match on (`extensions.code` in GraphQL).
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadInput { .. } => "BAD_USER_INPUT",
            Error::NotFound { .. } => "NOT_FOUND",
            Error::Unauthenticated(_) => "UNAUTHENTICATED",
            Error::Forbidden(_) => "FORBIDDEN",
            Error::Conflict(_) => "CONFLICT",
            Error::Unavailable(_) => "UNAVAILABLE",
            Error::PaymentsDisabled => "PAYMENTS_DISABLED",
            Error::Internal(_) => "INTERNAL",
        }
    }
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        if let Some(SqlErr::UniqueConstraintViolation(_)) = err.sql_err() {
            return Error::Conflict("a record with the same unique values already exists".into());
        }
        if is_transient(&err) {
            return Error::Unavailable(err.to_string());
        }
        match &err {
            DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => Error::Unavailable(err.to_string()),
            DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))
                if is_connection_error(e) =>
            {
                Error::Unavailable(err.to_string())
            }
            _ => Error::Internal(err.to_string()),
        }
    }
}

/// Contention the client should simply retry: a PostgreSQL deadlock (40P01) or serialisation
/// failure (40001), or SQLite still busy after its timeout (5, 517).
fn is_transient(err: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    e.as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| matches!(c.as_ref(), "40P01" | "40001" | "5" | "517"))
}

/// The database is out of reach: the connection broke, the pool could not get one, or the
/// server is shutting down or starting up (PostgreSQL's 57P01 to 57P03, and class 08).
fn is_connection_error(e: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error as E;
    if let Some(code) = e.as_database_error().and_then(|d| d.code()) {
        return matches!(code.as_ref(), "57P01" | "57P02" | "57P03") || code.starts_with("08");
    }
    matches!(
        e,
        E::Io(_) | E::PoolTimedOut | E::PoolClosed | E::WorkerCrashed | E::Tls(_)
    )
}
