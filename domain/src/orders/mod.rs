//! Purchases: a school buyer's order for a product, at list price or through a deal, paid by
//! card or on invoice; the payment provider's events move it to paid, failed or void.
//!
//! Policy:
//! - Prices are integers in pence. VAT is 20% of each line's net amount, rounded half up.
//!   Through a deal, the unit price is the list price less the deal's typical saving; the
//!   order keeps what the quantity costs at list price, so the saving is recorded at purchase
//!   and counted once the order is paid.
//! - An order is written (pending) before anything is asked of the payment provider, and every
//!   provider object made for it carries an idempotency key derived from the order's id. A
//!   request retried with the same `clientKey` resumes that order instead of making another,
//!   so a retry never charges twice. One request at a time asks the provider for an order
//!   (`claims`): concurrent ones wait and answer with what it recorded, and a second, different
//!   payment or invoice for an order is refused and logged as an alert, never recorded.
//! - Provider events are applied at most once each (by event id), in one transaction with the
//!   order's change. Paid is final: a failure or void that arrives after a payment (events come
//!   in any order) changes nothing. A payment for another amount is recorded, not applied.
//! - A paid order with a loan converts that trial loan, which frees its seat for the next
//!   school waiting.

mod claims;
mod events;
mod purchase;
mod spend;

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::actor::Actor;
use crate::entity::{order, order_line};
use crate::vocab::Role;
use crate::{Error, Result};

pub use claims::{CLAIM_FOR, Turn, WAIT_AT_MOST, take_turn};
pub use events::{EventOutcome, apply_event};
pub use purchase::{
    Prepared, ProviderObject, PurchaseRequest, discounted, prepare, record_customer,
    record_provider, record_provider_failure, vat_on,
};
pub use spend::{SpendGroup, SpendRow, spend};

pub const VAT_PERCENT: i64 = 20;
pub const MAX_QUANTITY: i64 = 100_000;

/// An order, to its school's buyers and to admins.
pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: Uuid) -> Result<order::Model> {
    actor.require(&[Role::SchoolBuyer, Role::Admin])?;
    let o = find(db, id).await?;
    if actor.is_admin() || actor.organisation_id == Some(o.school_id) {
        Ok(o)
    } else {
        Err(Error::not_found("order"))
    }
}

/// The lines of an order the caller has read.
pub async fn lines(db: &impl ConnectionTrait, order_id: Uuid) -> Result<Vec<order_line::Model>> {
    lines_of(db, order_id).await
}

/// The school's orders, newest first (at most 200).
pub async fn mine(db: &impl ConnectionTrait, actor: &Actor) -> Result<Vec<order::Model>> {
    let school_id = actor.school_id()?;
    Ok(order::Entity::find()
        .filter(order::Column::SchoolId.eq(school_id))
        .order_by_desc(order::Column::CreatedAt)
        .limit(200)
        .all(db)
        .await?)
}

async fn lines_of(db: &impl ConnectionTrait, order_id: Uuid) -> Result<Vec<order_line::Model>> {
    Ok(order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .order_by_asc(order_line::Column::Position)
        .all(db)
        .await?)
}

async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<order::Model> {
    order::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::not_found("order"))
}

/// Writes `after` over `before` if no one changed it meanwhile; bumps the version.
async fn save(
    tx: &impl ConnectionTrait,
    before: &order::Model,
    mut after: order::Model,
) -> Result<order::Model> {
    after.version = before.version + 1;
    after.updated_at = Utc::now();
    let done = order::Entity::update_many()
        .set(order::ActiveModel::from(after.clone()).reset_all())
        .filter(order::Column::Id.eq(before.id))
        .filter(order::Column::Version.eq(before.version))
        .exec(tx)
        .await?;
    if done.rows_affected == 1 {
        crate::devices::stock::follow_order(tx, &after).await?;
        Ok(after)
    } else {
        Err(Error::Unavailable(
            "the order changed meanwhile; retry".into(),
        ))
    }
}
