//! The domain error, and the one table of error codes a client can see.
//!
//! Policy: client errors carry a message safe to show and, where it helps, the input field they
//! concern. Database and other internal failures keep their detail for the log only. Every code
//! a client can meet, whether it comes from a domain error or from the HTTP layer (rate limits,
//! body size, webhook signatures), is a [`Code`], with its HTTP status defined here once; the
//! README's error table is tested against [`Code::ALL`].

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
    /// A conflict caused by one input field's value (a duplicate email, an adviser at
    /// capacity): `CONFLICT`, naming the field like bad input does.
    #[error("{message}")]
    ConflictOn { field: String, message: String },
    /// Too late: a deadline of the record has passed (a bid or a clarification question after
    /// a further competition's deadline).
    #[error("{0}")]
    DeadlinePassed(String),
    /// The database (or another dependency) cannot be reached right now.
    #[error("the service is temporarily unavailable, please retry")]
    Unavailable(String),
    /// The server has no payment provider configured.
    #[error("payments are not enabled on this server")]
    PaymentsDisabled,
    /// A webhook delivery whose signature does not verify.
    #[error("{0}")]
    BadSignature(String),
    /// The payment provider did not take the payment or make the invoice; the message says
    /// why and what the school can do (see [`crate::payments::ProviderFailure`]).
    #[error("{}", .0.message)]
    Provider(crate::payments::ProviderFailure),
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

    pub fn conflict_on(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::ConflictOn {
            field: field.into(),
            message: message.into(),
        }
    }

    /// The input field the error concerns, if it names one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::BadInput { field, .. } | Error::ConflictOn { field, .. } => Some(field),
            Error::Provider(f) => f.field,
            _ => None,
        }
    }

    pub fn not_found(entity: &'static str) -> Self {
        Error::NotFound { entity }
    }

    /// The stable code clients match on (`extensions.code` in GraphQL).
    pub fn code(&self) -> Code {
        match self {
            Error::BadInput { .. } => Code::BadUserInput,
            Error::NotFound { .. } => Code::NotFound,
            Error::Unauthenticated(_) => Code::Unauthenticated,
            Error::Forbidden(_) => Code::Forbidden,
            Error::Conflict(_) | Error::ConflictOn { .. } => Code::Conflict,
            Error::DeadlinePassed(_) => Code::DeadlinePassed,
            Error::Unavailable(_) => Code::Unavailable,
            Error::PaymentsDisabled => Code::PaymentsDisabled,
            Error::BadSignature(_) => Code::BadSignature,
            Error::Provider(f) => f.code(),
            Error::Internal(_) => Code::Internal,
        }
    }
}

/// Every error code a client can see, with the HTTP status it is answered with outside GraphQL
/// (a GraphQL answer is HTTP 200 with the code in `extensions.code`, except refusals before it
/// runs: a bad token, a rate limit, an oversized or unreadable body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    BadUserInput,
    NotFound,
    Unauthenticated,
    Forbidden,
    Conflict,
    /// A deadline has passed (a late bid or clarification question).
    DeadlinePassed,
    RateLimited,
    Unavailable,
    PaymentsDisabled,
    PayloadTooLarge,
    BadSignature,
    Internal,
    /// An introspection query (`__schema`, `__type`) on a server with introspection turned off.
    IntrospectionDisabled,
}

impl Code {
    pub const ALL: [Code; 13] = [
        Code::BadUserInput,
        Code::NotFound,
        Code::Unauthenticated,
        Code::Forbidden,
        Code::Conflict,
        Code::DeadlinePassed,
        Code::RateLimited,
        Code::Unavailable,
        Code::PaymentsDisabled,
        Code::PayloadTooLarge,
        Code::BadSignature,
        Code::Internal,
        Code::IntrospectionDisabled,
    ];

    /// The code as clients match on it.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::BadUserInput => "BAD_USER_INPUT",
            Code::NotFound => "NOT_FOUND",
            Code::Unauthenticated => "UNAUTHENTICATED",
            Code::Forbidden => "FORBIDDEN",
            Code::Conflict => "CONFLICT",
            Code::DeadlinePassed => "DEADLINE_PASSED",
            Code::RateLimited => "RATE_LIMITED",
            Code::Unavailable => "UNAVAILABLE",
            Code::PaymentsDisabled => "PAYMENTS_DISABLED",
            Code::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Code::BadSignature => "BAD_SIGNATURE",
            Code::Internal => "INTERNAL",
            Code::IntrospectionDisabled => "INTROSPECTION_DISABLED",
        }
    }

    /// The HTTP status of an answer carrying this code outside a GraphQL result.
    pub fn http_status(self) -> u16 {
        match self {
            Code::BadUserInput | Code::BadSignature => 400,
            Code::Unauthenticated => 401,
            Code::Forbidden | Code::IntrospectionDisabled => 403,
            Code::NotFound => 404,
            Code::Conflict | Code::DeadlinePassed => 409,
            Code::PayloadTooLarge => 413,
            Code::RateLimited => 429,
            Code::Internal => 500,
            Code::Unavailable | Code::PaymentsDisabled => 503,
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
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
