//! One payment per order. Concurrent requests for one order (the same `clientKey` sent again
//! while the first is still waiting on the provider) must not each ask the payment provider:
//! the first claims the order until a time, asks, and records what was made; the others wait
//! for that record and answer with it. A claim past its time (the process died mid-call) is
//! taken over by the next request, whose idempotency key (derived from the order) lets the
//! provider answer with what it made before.

use std::time::{Duration, Instant};

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::find;
use crate::entity::order;
use crate::vocab::OrderStatus;
use crate::{Error, Result};

/// How long a claim holds: longer than two provider calls at their time limit.
pub const CLAIM_FOR: Duration = Duration::from_secs(60);
/// How long a request waits for another's provider call before giving up.
pub const WAIT_AT_MOST: Duration = Duration::from_secs(45);
const POLL_EVERY: Duration = Duration::from_millis(50);

/// Whose turn it is to ask the payment provider for an order.
pub enum Turn {
    /// This request holds the claim: ask, then record what was made (or the failure).
    Ask,
    /// Another request asked while this one waited: its outcome, to answer with.
    Answered(Box<order::Model>),
}

/// Claims the order for one call to the provider: true for exactly one of any number of
/// concurrent callers, while the order has no payment or invoice yet and no live claim. One
/// statement, so the claim is atomic on SQLite and PostgreSQL alike.
async fn claim(db: &DatabaseConnection, order_id: Uuid) -> Result<bool> {
    let now = Utc::now();
    let until = now
        + chrono::Duration::from_std(CLAIM_FOR)
            .map_err(|e| Error::Internal(format!("claim time: {e}")))?;
    let waiting = [OrderStatus::Pending.code(), OrderStatus::Failed.code()];
    let done = order::Entity::update_many()
        .col_expr(order::Column::ProviderClaimedUntil, Expr::value(until))
        .col_expr(
            order::Column::Version,
            Expr::col(order::Column::Version).add(1),
        )
        .filter(order::Column::Id.eq(order_id))
        .filter(order::Column::StripePaymentIntentId.is_null())
        .filter(order::Column::StripeInvoiceId.is_null())
        .filter(order::Column::Status.is_in(waiting))
        .filter(
            Condition::any()
                .add(order::Column::ProviderClaimedUntil.is_null())
                .add(order::Column::ProviderClaimedUntil.lt(now)),
        )
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Takes the order's turn to ask the provider, or waits for the request that has it and
/// answers with its outcome: the payment or invoice it recorded, or the failure.
pub async fn take_turn(db: &DatabaseConnection, order_id: Uuid) -> Result<Turn> {
    let started = Instant::now();
    loop {
        if claim(db, order_id).await? {
            return Ok(Turn::Ask);
        }
        let o = find(db, order_id).await?;
        let asking = o.provider_claimed_until.is_some_and(|t| t > Utc::now());
        let made = o.stripe_payment_intent_id.is_some() || o.stripe_invoice_id.is_some();
        let pending = o.status == OrderStatus::Pending.code();
        // Made, moved on, or failed while this request waited (a failed order with no live
        // claim would have been claimed above): that is the answer.
        if made || (!asking && !pending) {
            return Ok(Turn::Answered(Box::new(o)));
        }
        if started.elapsed() >= WAIT_AT_MOST {
            return Err(Error::Unavailable(
                "another request for this order is still waiting on the payment provider; retry with the same clientKey".into(),
            ));
        }
        tokio::time::sleep(POLL_EVERY).await;
    }
}
