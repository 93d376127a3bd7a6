//! Stock: the units of a device listing available to order.
//!
//! Policy: only the listing's supplier sets its stock; stock lives apart from the listing's
//! content, so it changes at once, without vetting. Units are never negative (a CHECK on the
//! column as well as here). A new order of a device takes its quantity from stock in the
//! order's transaction, with the same guarantee as a trial seat (a guarded decrement: never
//! given twice); a failed or cancelled order gives it back, and a failed order retried takes
//! it again. An order whose card payment failed keeps its units: the school may pay again.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::actor::{self, Actor};
use crate::entity::{device_reservation, device_stock, order, product_device};
use crate::vocab::OrderStatus;
use crate::{Error, Result, audit, db};

/// The most units a listing may hold in stock.
pub const MAX_UNITS: i64 = 1_000_000;

/// Units available of several device listings, by product (0 when none was ever set).
pub async fn units_of(
    db: &impl ConnectionTrait,
    product_ids: &[Uuid],
) -> Result<HashMap<Uuid, i64>> {
    if product_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(device_stock::Entity::find()
        .filter(device_stock::Column::ProductId.is_in(product_ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.product_id, r.units_available))
        .collect())
}

/// The supplier sets how many units of its device listing are available.
pub async fn set(
    db: &DatabaseConnection,
    actor: &Actor,
    product_id: Uuid,
    units: i64,
) -> Result<i64> {
    actor.supplier_id()?;
    if !(0..=MAX_UNITS).contains(&units) {
        return Err(Error::bad_input(
            "unitsAvailable",
            format!("`unitsAvailable` must be 0 to {MAX_UNITS}"),
        ));
    }
    let tx = actor::begin(db, actor).await?;
    crate::listings::get(&tx, actor, product_id).await?;
    if product_device::Entity::find_by_id(product_id)
        .one(&tx)
        .await?
        .is_none()
    {
        return Err(Error::bad_input(
            "productId",
            "only a device listing has stock: give the listing a `device` first",
        ));
    }
    let before = units_of(&tx, &[product_id]).await?.remove(&product_id);
    device_stock::Entity::insert(device_stock::ActiveModel {
        product_id: Set(product_id),
        units_available: Set(units),
        updated_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(device_stock::Column::ProductId)
            .update_columns([
                device_stock::Column::UnitsAvailable,
                device_stock::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&tx)
    .await?;
    audit::record(
        &tx,
        actor,
        "device.stock.set",
        "product",
        product_id,
        before.map(|u| serde_json::json!({ "unitsAvailable": u })),
        Some(serde_json::json!({ "unitsAvailable": units })),
    )
    .await?;
    db::commit(tx).await?;
    Ok(units)
}

/// Sets the stock of several device listings at once, in the caller's transaction (the sample
/// catalogue's loader: no actor, no audit).
pub async fn insert_many(tx: &impl ConnectionTrait, stock: &[(Uuid, i64)]) -> Result<()> {
    if stock.is_empty() {
        return Ok(());
    }
    let now = Utc::now();
    device_stock::Entity::insert_many(stock.iter().map(|(product_id, units)| {
        device_stock::ActiveModel {
            product_id: Set(*product_id),
            units_available: Set(*units),
            updated_at: Set(now),
        }
    }))
    .exec_without_returning(tx)
    .await?;
    Ok(())
}

/// Takes `units` of a device listing from stock, in the caller's transaction: one guarded
/// `UPDATE ... WHERE units_available >= units`, so concurrent orders (serialised writers on
/// SQLite, a row lock and re-checked condition on PostgreSQL) never take more than there is.
/// False when there are not enough.
async fn take(tx: &impl ConnectionTrait, product_id: Uuid, units: i64) -> Result<bool> {
    let done = device_stock::Entity::update_many()
        .col_expr(
            device_stock::Column::UnitsAvailable,
            Expr::col(device_stock::Column::UnitsAvailable).sub(units),
        )
        .col_expr(device_stock::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(device_stock::Column::ProductId.eq(product_id))
        .filter(device_stock::Column::UnitsAvailable.gte(units))
        .exec(tx)
        .await?;
    Ok(done.rows_affected == 1)
}

async fn give_back(tx: &impl ConnectionTrait, product_id: Uuid, units: i64) -> Result<()> {
    device_stock::Entity::update_many()
        .col_expr(
            device_stock::Column::UnitsAvailable,
            Expr::col(device_stock::Column::UnitsAvailable).add(units),
        )
        .col_expr(device_stock::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(device_stock::Column::ProductId.eq(product_id))
        .exec(tx)
        .await?;
    Ok(())
}

fn not_enough(units: i64) -> Error {
    Error::conflict_on(
        "quantity",
        format!(
            "fewer than {units} units of this device are in stock: order fewer, or ask the supplier"
        ),
    )
}

/// A new order of a device takes its quantity from stock, in the order's transaction, and
/// records the carbon a unit saves as the listing states it now;
/// `CONFLICT` on `quantity` when there are not enough. Products that are not devices take
/// nothing.
pub async fn reserve(
    tx: &impl ConnectionTrait,
    order_id: Uuid,
    product_id: Uuid,
    units: i64,
) -> Result<()> {
    let Some(device) = product_device::Entity::find_by_id(product_id)
        .one(tx)
        .await?
    else {
        return Ok(());
    };
    if !take(tx, product_id, units).await? {
        return Err(not_enough(units));
    }
    let saved =
        crate::devices::carbon::per_unit(&crate::devices::DeviceSpec::from_row(&device)?).saved;
    device_reservation::Entity::insert(device_reservation::ActiveModel {
        order_id: Set(order_id),
        product_id: Set(product_id),
        units: Set(units),
        released_at: Set(None),
        saved_kg_per_unit: Set(saved.as_ref().map(|f| f.kg)),
        saved_source: Set(saved.map(|f| f.source)),
    })
    .exec_without_returning(tx)
    .await?;
    Ok(())
}

/// A failed order retried with its key takes its units again before the provider is asked;
/// `CONFLICT` on `quantity` when they have gone meanwhile.
pub async fn retake_for_retry(tx: &impl ConnectionTrait, order_id: Uuid) -> Result<()> {
    let Some(r) = device_reservation::Entity::find_by_id(order_id)
        .one(tx)
        .await?
    else {
        return Ok(());
    };
    if r.released_at.is_none() {
        return Ok(());
    }
    if !take(tx, r.product_id, r.units).await? {
        return Err(not_enough(r.units));
    }
    set_released(tx, order_id, None).await
}

/// Keeps an order's reservation in step with its status, in the transaction that changes it:
/// a failed or cancelled order gives its units back; one that comes back to life (an invoice
/// made after all) takes them again where they are still there, and otherwise is logged (the
/// provider has already taken the school's order).
pub(crate) async fn follow_order(tx: &impl ConnectionTrait, o: &order::Model) -> Result<()> {
    let Some(r) = device_reservation::Entity::find_by_id(o.id).one(tx).await? else {
        return Ok(());
    };
    let gone = [OrderStatus::Failed.code(), OrderStatus::Void.code()].contains(&o.status.as_str());
    match (gone, r.released_at.is_some()) {
        (true, false) => {
            give_back(tx, r.product_id, r.units).await?;
            set_released(tx, o.id, Some(Utc::now())).await
        }
        (false, true) => {
            if take(tx, r.product_id, r.units).await? {
                set_released(tx, o.id, None).await
            } else {
                tracing::warn!(order = %o.id, units = r.units, "an order came back after its device units were sold elsewhere");
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

async fn set_released(
    tx: &impl ConnectionTrait,
    order_id: Uuid,
    at: Option<chrono::DateTime<Utc>>,
) -> Result<()> {
    device_reservation::Entity::update_many()
        .col_expr(device_reservation::Column::ReleasedAt, Expr::value(at))
        .filter(device_reservation::Column::OrderId.eq(order_id))
        .exec(tx)
        .await?;
    Ok(())
}
