//! The mailer: sends the notification outbox as email over SMTP.
//!
//! Policy:
//! - A worker claims a batch of due rows with a lease (their next attempt moved a few minutes
//!   ahead), in a short transaction: `FOR UPDATE SKIP LOCKED` on PostgreSQL, SQLite's write
//!   lock otherwise. So several workers never take the same row, and no lock is held while
//!   talking to the SMTP server. A worker that dies mid-send leaves its rows to be retried when
//!   the lease runs out: delivery is at least once.
//! - A row is `sent` (and `delivered_at` set) only after the SMTP server accepted the message
//!   for every recipient. A temporary failure (4xx, a refused connection, a timeout) is retried
//!   with exponential backoff; a permanent one (5xx) or the last attempt marks it `failed` with
//!   the server's words, which admins list (`undeliveredEmails`).
//! - Nobody to email (no address on record, or email turned off for the kind) marks the row
//!   `skipped`; the notification stays in the app either way.
//! - Every SMTP conversation has a time limit, per command and as a whole.

use std::time::Duration;

use chrono::Utc;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::recipients::{self, Outcome, Recipient};
use super::templates::{self, Facts};
use super::{Backoff, LEASE};
use crate::entity::{notification, organisation, product};
use crate::{Error, Result, db};

/// After this many attempts a temporarily failing email is given up as failed.
pub const MAX_ATTEMPTS: i32 = 10;

/// How to reach the SMTP server.
#[derive(Clone)]
pub struct SmtpSettings {
    /// `smtp://host:port` (plain, or `?tls=required` / `?tls=opportunistic` for STARTTLS),
    /// `smtps://host:port` (TLS from the start); credentials may be in the URL.
    pub url: String,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender, e.g. `BECTA <notifications@becta.example>`.
    pub from: String,
    /// Limit of each SMTP command, and of the whole conversation times four.
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may carry a password.
        f.debug_struct("SmtpSettings")
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    timeout: Duration,
}

enum SendError {
    Permanent(String),
    Temporary(String),
}

impl Mailer {
    pub fn new(s: &SmtpSettings) -> Result<Self> {
        let bad = |m: String| Error::bad_input("BECTA_SMTP_URL", m);
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::from_url(&s.url)
            .map_err(|e| bad(format!("not a usable SMTP URL: {e}")))?;
        if let (Some(u), Some(p)) = (&s.username, &s.password) {
            b = b.credentials(Credentials::new(u.clone(), p.clone()));
        }
        let from = s
            .from
            .parse()
            .map_err(|e| Error::bad_input("BECTA_SMTP_FROM", format!("not a mailbox: {e}")))?;
        Ok(Mailer {
            transport: b.timeout(Some(s.timeout)).build(),
            from,
            timeout: s.timeout * 4,
        })
    }

    async fn send(&self, to: &Recipient, email: &templates::Email) -> Result<(), SendError> {
        let to_box = Mailbox::new(
            Some(to.name.clone()),
            to.email
                .parse()
                .map_err(|e| SendError::Permanent(format!("bad address {}: {e}", to.email)))?,
        );
        let msg = Message::builder()
            .from(self.from.clone())
            .to(to_box)
            .subject(&email.subject)
            .multipart(MultiPart::alternative_plain_html(
                email.text.clone(),
                email.html.clone(),
            ))
            .map_err(|e| SendError::Permanent(format!("building the message: {e}")))?;
        match tokio::time::timeout(self.timeout, self.transport.send(msg)).await {
            Err(_) => Err(SendError::Temporary("the SMTP server timed out".into())),
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_permanent() => Err(SendError::Permanent(e.to_string())),
            Ok(Err(e)) => Err(SendError::Temporary(e.to_string())),
        }
    }
}

/// Takes up to `batch` due rows for this worker.
async fn claim(db: &DatabaseConnection, batch: u64) -> Result<Vec<notification::Model>> {
    let now = Utc::now();
    let due = || {
        notification::Entity::find()
            .filter(notification::Column::EmailStatus.eq("pending"))
            .filter(
                Condition::any()
                    .add(notification::Column::EmailNextAt.is_null())
                    .add(notification::Column::EmailNextAt.lte(now)),
            )
    };
    // An idle poll is one read, with no write transaction.
    if due().one(db).await?.is_none() {
        return Ok(Vec::new());
    }
    let tx = db::begin_write(db).await?;
    let mut q = notification::Entity::find()
        .filter(notification::Column::EmailStatus.eq("pending"))
        .filter(
            Condition::any()
                .add(notification::Column::EmailNextAt.is_null())
                .add(notification::Column::EmailNextAt.lte(now)),
        )
        .order_by_asc(notification::Column::CreatedAt)
        .limit(batch);
    if db::is_postgres(db) {
        q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = q.all(&tx).await?;
    if !rows.is_empty() {
        notification::Entity::update_many()
            .col_expr(
                notification::Column::EmailNextAt,
                Expr::value(now + chrono::Duration::from_std(LEASE).unwrap_or_default()),
            )
            .col_expr(
                notification::Column::EmailAttempts,
                Expr::col(notification::Column::EmailAttempts).add(1),
            )
            .filter(notification::Column::Id.is_in(rows.iter().map(|r| r.id)))
            .exec(&tx)
            .await?;
    }
    db::commit(tx).await?;
    Ok(rows)
}

async fn facts_of(db: &impl ConnectionTrait, n: &notification::Model) -> Result<Facts> {
    let product = match n
        .payload
        .get("productId")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<Uuid>().ok())
    {
        Some(id) => product::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(|p| p.name),
        None => None,
    };
    let organisation = organisation::Entity::find_by_id(n.organisation_id)
        .one(db)
        .await?
        .map(|o| o.name);
    Ok(Facts {
        recipient: String::new(),
        product,
        organisation,
    })
}

async fn finish(
    db: &DatabaseConnection,
    id: Uuid,
    status: &str,
    error: Option<String>,
    next_at: Option<chrono::DateTime<Utc>>,
) -> Result<()> {
    let mut u = notification::Entity::update_many()
        .col_expr(notification::Column::EmailStatus, Expr::value(status))
        .col_expr(notification::Column::EmailError, Expr::value(error))
        .col_expr(notification::Column::EmailNextAt, Expr::value(next_at));
    if status == "sent" {
        u = u.col_expr(notification::Column::DeliveredAt, Expr::value(Utc::now()));
    }
    u.filter(notification::Column::Id.eq(id))
        .filter(notification::Column::EmailStatus.eq("pending"))
        .exec(db)
        .await?;
    Ok(())
}

/// Sends one batch; returns how many rows it settled or rescheduled.
pub async fn step(
    db: &DatabaseConnection,
    mailer: &Mailer,
    backoff: &Backoff,
    batch: u64,
) -> Result<usize> {
    let rows = claim(db, batch).await?;
    let claimed = std::time::Instant::now();
    for n in &rows {
        if claimed.elapsed() > LEASE / 2 {
            // Past half the lease, leave the rest to be claimed again rather than risk a
            // second worker sending them too.
            break;
        }
        let attempts = n.email_attempts + 1;
        let who = match recipients::of(db, n).await? {
            Outcome::Skip(why) => {
                finish(db, n.id, "skipped", Some(why), None).await?;
                continue;
            }
            Outcome::Send(who) => who,
        };
        let mut facts = facts_of(db, n).await?;
        let mut failure = None;
        for r in &who {
            facts.recipient = r.name.clone();
            let email = templates::render(&n.kind, &n.subject, &n.payload, &facts);
            if let Err(e) = mailer.send(r, &email).await {
                failure = Some(e);
                break;
            }
        }
        match failure {
            None => finish(db, n.id, "sent", None, None).await?,
            Some(SendError::Permanent(e)) => {
                tracing::warn!(notification = %n.id, error = %e, "email refused for good");
                finish(db, n.id, "failed", Some(e), None).await?
            }
            Some(SendError::Temporary(e)) if attempts >= MAX_ATTEMPTS => {
                tracing::warn!(notification = %n.id, error = %e, attempts, "email given up");
                finish(db, n.id, "failed", Some(e), None).await?
            }
            Some(SendError::Temporary(e)) => {
                let next = Utc::now() + backoff.after(attempts);
                tracing::info!(notification = %n.id, error = %e, attempts, "email will be retried");
                finish(db, n.id, "pending", Some(e), Some(next)).await?
            }
        }
    }
    Ok(rows.len())
}

/// Emails that will not be delivered, newest first (for admins).
pub async fn undelivered(
    db: &impl ConnectionTrait,
    first: u64,
) -> Result<Vec<notification::Model>> {
    Ok(notification::Entity::find()
        .filter(notification::Column::EmailStatus.eq("failed"))
        .order_by_desc(notification::Column::CreatedAt)
        .limit(first)
        .all(db)
        .await?)
}
