//! Stock: the units of a device listing available to order.
//!
//! Policy: only the listing's supplier sets its stock; stock lives apart from the listing's
//! content, so it changes at once, without vetting. Units are never negative (a CHECK on the
//! column as well as here).

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::actor::{self, Actor};
use crate::entity::{device_stock, product_device};
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
