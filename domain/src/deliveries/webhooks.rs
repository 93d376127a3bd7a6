//! Webhooks for suppliers: the events written for their endpoints in the transaction of the
//! change (an outbox), and their signed delivery. Endpoints themselves are
//! [`super::endpoints`].
//!
//! Policy:
//! - Each delivery is a `POST` of a JSON body `{ id, type, createdAt, data }` with the header
//!   `Becta-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, as Stripe signs.
//!   After `rotateWebhookSecret` the old secret stays valid for [`ROTATION_GRACE_HOURS`]: the
//!   header then carries a second `v1=` made with it, so a supplier's check passes with either.
//! - A 2xx answer delivers; anything else (or no answer within the time limit) is retried with
//!   exponential backoff until 24 hours after the event, then marked failed. Redirects are not
//!   followed. Events reach an endpoint at least once, in no guaranteed order: the `id` (also
//!   in `Becta-Event-Id`) is the same on every retry.
//! - Workers claim deliveries as the mailer claims email (a lease; `SKIP LOCKED` on PostgreSQL).

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde_json::json;
use sha2::Sha256;
use uuid::Uuid;

use super::{Backoff, LEASE};
use crate::entity::{webhook_delivery, webhook_endpoint};
use crate::{Result, db};

/// How long a rotated-out secret keeps signing.
pub const ROTATION_GRACE_HOURS: i64 = 24;
/// How long an event is retried.
pub const RETRY_HOURS: i64 = 24;

pub use super::endpoints::{
    Endpoint, MAX_ENDPOINTS, check_url, deliveries, mine, register, remove, rotate,
};

/// What a supplier's endpoint may be told about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "graphql", derive(async_graphql::Enum))]
pub enum WebhookEventKind {
    /// A school was granted a trial seat of one of the supplier's products.
    LoanGranted,
    /// A school gave a trial seat back early.
    LoanReturned,
    /// A trial ran to its end.
    LoanExpired,
    /// A school's review of one of the supplier's products was published.
    ReviewPublished,
    /// The vetting team decided on one of the supplier's listings.
    VettingDecided,
    /// The supplier was invited to a further competition (on its publication).
    CompetitionInvited,
}

impl WebhookEventKind {
    pub const ALL: &'static [WebhookEventKind] = &[
        WebhookEventKind::LoanGranted,
        WebhookEventKind::LoanReturned,
        WebhookEventKind::LoanExpired,
        WebhookEventKind::ReviewPublished,
        WebhookEventKind::VettingDecided,
        WebhookEventKind::CompetitionInvited,
    ];

    /// The `type` of the event's body.
    pub fn code(self) -> &'static str {
        match self {
            WebhookEventKind::LoanGranted => "loan.granted",
            WebhookEventKind::LoanReturned => "loan.returned",
            WebhookEventKind::LoanExpired => "loan.expired",
            WebhookEventKind::ReviewPublished => "review.published",
            WebhookEventKind::VettingDecided => "vetting.decided",
            WebhookEventKind::CompetitionInvited => "competition.invited",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.code() == code)
    }
}

/// Writes the event for every active endpoint of the supplier that takes its kind, in the
/// caller's transaction.
pub async fn publish(
    tx: &impl ConnectionTrait,
    supplier_id: Uuid,
    kind: WebhookEventKind,
    data: serde_json::Value,
) -> Result<()> {
    let endpoints: Vec<webhook_endpoint::Model> = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::SupplierId.eq(supplier_id))
        .filter(webhook_endpoint::Column::Active.eq(true))
        .all(tx)
        .await?
        .into_iter()
        .filter(|e| {
            e.kinds
                .as_array()
                .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(kind.code())))
        })
        .collect();
    if endpoints.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    let event_id = Uuid::now_v7();
    let body = json!({
        "id": event_id,
        "type": kind.code(),
        "createdAt": now.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": data,
    })
    .to_string();
    webhook_delivery::Entity::insert_many(endpoints.iter().map(|e| {
        webhook_delivery::ActiveModel {
            id: Set(Uuid::now_v7()),
            endpoint_id: Set(e.id),
            supplier_id: Set(supplier_id),
            event_id: Set(event_id),
            kind: Set(kind.code().into()),
            body: Set(body.clone()),
            status: Set("pending".into()),
            attempts: Set(0),
            next_attempt_at: Set(now),
            last_status_code: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            delivered_at: Set(None),
        }
    }))
    .exec_without_returning(tx)
    .await?;
    Ok(())
}

/// `v1` signature: hex HMAC-SHA256 of `"<t>.<body>"` under `secret`.
pub fn sign(secret: &str, t: i64, body: &str) -> String {
    #[expect(clippy::expect_used, reason = "HMAC takes a key of any length")]
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The `Becta-Signature` header value at `t` (unix seconds).
pub fn signature_header(
    e: &webhook_endpoint::Model,
    t: i64,
    body: &str,
    now: DateTime<Utc>,
) -> String {
    let mut h = format!("t={t},v1={}", sign(&e.secret, t, body));
    if let (Some(prev), Some(until)) = (&e.previous_secret, e.previous_secret_expires_at)
        && until > now
    {
        h.push_str(&format!(",v1={}", sign(prev, t, body)));
    }
    h
}

async fn claim(db: &DatabaseConnection, batch: u64) -> Result<Vec<webhook_delivery::Model>> {
    let now = Utc::now();
    // An idle poll is one read, with no write transaction.
    let due = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq("pending"))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
        .one(db)
        .await?;
    if due.is_none() {
        return Ok(Vec::new());
    }
    let tx = db::begin_write(db).await?;
    let mut q = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq("pending"))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
        .order_by_asc(webhook_delivery::Column::NextAttemptAt)
        .limit(batch);
    if db::is_postgres(db) {
        q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let rows = q.all(&tx).await?;
    if !rows.is_empty() {
        webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::NextAttemptAt,
                Expr::value(now + chrono::Duration::from_std(LEASE).unwrap_or_default()),
            )
            .col_expr(
                webhook_delivery::Column::Attempts,
                Expr::col(webhook_delivery::Column::Attempts).add(1),
            )
            .filter(webhook_delivery::Column::Id.is_in(rows.iter().map(|r| r.id)))
            .exec(&tx)
            .await?;
    }
    db::commit(tx).await?;
    Ok(rows)
}

/// Sends one batch of due deliveries; returns how many it attempted.
pub async fn step(
    db: &DatabaseConnection,
    http: &reqwest::Client,
    backoff: &Backoff,
    batch: u64,
) -> Result<usize> {
    let rows = claim(db, batch).await?;
    let claimed = std::time::Instant::now();
    for d in &rows {
        if claimed.elapsed() > LEASE / 2 {
            // Past half the lease, leave the rest to be claimed again.
            break;
        }
        let attempts = d.attempts + 1;
        let endpoint = webhook_endpoint::Entity::find_by_id(d.endpoint_id)
            .one(db)
            .await?
            .filter(|e| e.active);
        let (code, error) = match &endpoint {
            None => (None, Some("the endpoint was removed".to_owned())),
            Some(e) => {
                let now = Utc::now();
                let sent = http
                    .post(&e.url)
                    .header("content-type", "application/json")
                    .header("user-agent", "BECTA-Webhooks/1")
                    .header("becta-event-id", d.event_id.to_string())
                    .header("becta-event-type", &d.kind)
                    .header(
                        "becta-signature",
                        signature_header(e, now.timestamp(), &d.body, now),
                    )
                    .body(d.body.clone())
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status().is_success() => (Some(r.status().as_u16()), None),
                    Ok(r) => (
                        Some(r.status().as_u16()),
                        Some(format!("the endpoint answered {}", r.status())),
                    ),
                    Err(e) if e.is_timeout() => (None, Some("the endpoint timed out".into())),
                    Err(e) => (None, Some(format!("could not reach the endpoint: {e}"))),
                }
            }
        };
        let now = Utc::now();
        let (status, next) = match &error {
            None => ("delivered", now),
            Some(_) if endpoint.is_none() => ("failed", now),
            Some(_) => {
                let next = now + backoff.after(attempts);
                if next > d.created_at + chrono::Duration::hours(RETRY_HOURS) {
                    ("failed", now)
                } else {
                    ("pending", next)
                }
            }
        };
        if let Some(e) = &error {
            tracing::info!(delivery = %d.id, error = %e, attempts, status, "webhook not delivered");
        }
        webhook_delivery::Entity::update_many()
            .col_expr(webhook_delivery::Column::Status, Expr::value(status))
            .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(next))
            .col_expr(
                webhook_delivery::Column::LastStatusCode,
                Expr::value(code.map(i32::from)),
            )
            .col_expr(webhook_delivery::Column::LastError, Expr::value(error))
            .col_expr(
                webhook_delivery::Column::DeliveredAt,
                Expr::value((status == "delivered").then_some(now)),
            )
            .filter(webhook_delivery::Column::Id.eq(d.id))
            .filter(webhook_delivery::Column::Status.eq("pending"))
            .exec(db)
            .await?;
    }
    Ok(rows.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Reference value from `printf '1700000000.{}' | openssl dgst -sha256 -hmac whsec_x`.
        assert_eq!(
            sign("whsec_x", 1_700_000_000, "{}"),
            "be8cb8325f2202445260a855532f967e30ad2a9394ce28da66ee02880ddcb661"
        );
    }
}
