//! Provider events: matching an event to its order and applying it at most once.
//!
//! Policy: the final state does not depend on the order events arrive in. Paid is final; a
//! void or a failed payment is not undone by a late "invoiced" (finalized or sent), which only
//! moves an order still waiting for its invoice. An applied event records its payment's or
//! invoice's id on an order whose request lost the provider's answer; an event about a second
//! one for an order is alerted and not applied. A payment makes or extends the school's
//! contract for the product (`contracts::record_paid_order`) in the same transaction.

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;

use super::save;
use crate::entity::{order, stripe_event};
use crate::payments::{PaymentEffect, PaymentEvent};
use crate::vocab::{OrderStatus, PaymentMethod};
use crate::{Result, audit, contracts, db, lending};

/// What an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    Applied,
    /// Seen before: nothing done.
    Duplicate,
    /// Not a kind we act on, or no change for the order's state.
    Ignored,
    /// No order of ours.
    UnknownOrder,
    /// A payment for another amount or currency: recorded, not applied.
    AmountMismatch,
}

impl EventOutcome {
    pub fn code(self) -> &'static str {
        match self {
            EventOutcome::Applied => "applied",
            EventOutcome::Duplicate => "duplicate",
            EventOutcome::Ignored => "ignored",
            EventOutcome::UnknownOrder => "unknown_order",
            EventOutcome::AmountMismatch => "amount_mismatch",
        }
    }
}

/// The order an event is about: by the provider's id of its payment or invoice, else by the
/// order id in the object's metadata.
async fn order_for(tx: &impl ConnectionTrait, e: &PaymentEvent) -> Result<Option<order::Model>> {
    let Some(subject) = &e.subject else {
        return Ok(None);
    };
    let column = match subject.kind {
        PaymentMethod::Invoice => order::Column::StripeInvoiceId,
        PaymentMethod::Card => order::Column::StripePaymentIntentId,
    };
    if !subject.provider_id.is_empty()
        && let Some(found) = order::Entity::find()
            .filter(column.eq(subject.provider_id.as_str()))
            .one(tx)
            .await?
    {
        return Ok(Some(found));
    }
    match subject.order_id {
        Some(order_id) => Ok(order::Entity::find_by_id(order_id).one(tx).await?),
        None => Ok(None),
    }
}

/// Applies a verified provider event, at most once per event id.
pub async fn apply_event(db: &DatabaseConnection, e: &PaymentEvent) -> Result<EventOutcome> {
    let tx = db::begin_write(db).await?;
    let now = Utc::now();
    let first = stripe_event::Entity::insert(stripe_event::ActiveModel {
        id: Set(e.id.clone()),
        kind: Set(e.kind.chars().take(100).collect()),
        order_id: Set(None),
        outcome: Set("received".into()),
        created_at: Set(e.created),
        received_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(stripe_event::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&tx)
    .await?;
    if first == 0 {
        db::commit(tx).await?;
        return Ok(EventOutcome::Duplicate);
    }
    let (outcome, order_id) = match (&e.effect, order_for(&tx, e).await?) {
        (None, o) => (EventOutcome::Ignored, o.map(|o| o.id)),
        (Some(_), None) => (EventOutcome::UnknownOrder, None),
        (Some(effect), Some(o)) => (apply(&tx, e, effect, &o).await?, Some(o.id)),
    };
    stripe_event::Entity::update(stripe_event::ActiveModel {
        id: Set(e.id.clone()),
        order_id: Set(order_id),
        outcome: Set(outcome.code().into()),
        ..Default::default()
    })
    .exec(&tx)
    .await?;
    db::commit(tx).await?;
    Ok(outcome)
}

/// Records the event's payment or invoice on the order when the request that asked for it lost
/// the answer (the event names the order in its metadata); false when the order already has
/// another one, which is alerted and not applied.
fn recorded(e: &PaymentEvent, after: &mut order::Model) -> bool {
    let Some(subject) = &e.subject else {
        return true;
    };
    if subject.provider_id.is_empty() || after.method != subject.kind.code() {
        return true;
    }
    let kept = match subject.kind {
        PaymentMethod::Invoice => &mut after.stripe_invoice_id,
        PaymentMethod::Card => &mut after.stripe_payment_intent_id,
    };
    match kept {
        Some(k) if *k != subject.provider_id => {
            tracing::error!(alert = "second_provider_object", order = %after.id, kept = %k, refused = %subject.provider_id, event = %e.id, "an event is about a second payment or invoice for one order: not applied");
            false
        }
        Some(_) => true,
        None => {
            *kept = Some(subject.provider_id.clone());
            true
        }
    }
}

async fn apply(
    tx: &impl ConnectionTrait,
    e: &PaymentEvent,
    effect: &PaymentEffect,
    before: &order::Model,
) -> Result<EventOutcome> {
    let status = OrderStatus::from_code(&before.status);
    if status == Some(OrderStatus::Paid) {
        return Ok(EventOutcome::Ignored);
    }
    let mut after = before.clone();
    if !recorded(e, &mut after) {
        return Ok(EventOutcome::Ignored);
    }
    match effect {
        PaymentEffect::Paid {
            amount_pence,
            currency,
        } => {
            if *amount_pence != Some(before.total_pence)
                || !currency.eq_ignore_ascii_case(&before.currency)
            {
                tracing::warn!(order = %before.id, event = %e.id, ?amount_pence, expected = before.total_pence, "payment for another amount: not applied");
                return Ok(EventOutcome::AmountMismatch);
            }
            after.status = OrderStatus::Paid.code().into();
            after.paid_at = Some(e.created);
            after.failure_reason = None;
            after.failure_kind = None;
        }
        PaymentEffect::Failed(failure) => {
            if status == Some(OrderStatus::Void) {
                return Ok(EventOutcome::Ignored);
            }
            after.status = OrderStatus::PaymentFailed.code().into();
            after.failure_reason = Some(failure.message.chars().take(500).collect());
            after.failure_kind = Some(failure.kind.code().into());
        }
        PaymentEffect::Invoiced => {
            // Only an order still waiting for its invoice moves: any later state (paid, void, a
            // failed payment) stays, whichever order the events arrive in.
            let waiting = matches!(status, Some(OrderStatus::Pending | OrderStatus::Failed));
            if !waiting || after.stripe_invoice_id.is_none() {
                return Ok(EventOutcome::Ignored);
            }
            after.status = OrderStatus::Invoiced.code().into();
            after.failure_reason = None;
            after.failure_kind = None;
        }
        PaymentEffect::Voided => {
            after.status = OrderStatus::Void.code().into();
        }
    }
    let after = save(tx, before, after).await?;
    if after.status == OrderStatus::Paid.code() {
        if let Some(loan_id) = after.loan_id {
            lending::convert(tx, loan_id).await?;
        }
        // The school's contracts register, in the same transaction.
        contracts::record_paid_order(tx, &after).await?;
    }
    audit::record_system(
        tx,
        &format!("order.{}", after.status),
        "order",
        after.id,
        Some(audit::snapshot(before)?),
        Some(json!({ "order": audit::snapshot(&after)?, "event": e.id })),
    )
    .await?;
    Ok(EventOutcome::Applied)
}
