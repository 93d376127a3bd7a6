//! The supplier's side before completion: scheduling (or moving) the collection, declining
//! with a reason, and marking the devices collected.

use chrono::{NaiveDate, Utc};
use sea_orm::DatabaseConnection;
use serde_json::json;
use uuid::Uuid;

use super::{DisposalView, Side, check_date, get, lock, require_status, save, visible};
use crate::actor::{self, Actor};
use crate::catalogue::deals;
use crate::notifications::{Notice, notify};
use crate::vocab::DisposalStatus;
use crate::{Error, Result, db, validate};

/// `FORBIDDEN` unless the actor is the supplier the request is addressed to (anyone who
/// cannot see it gets `NOT_FOUND`).
async fn as_supplier(db: &DatabaseConnection, actor: &Actor, id: Uuid) -> Result<()> {
    actor.supplier_id()?;
    let (_, side) = visible(db, actor, id).await?;
    if side != Side::Supplier {
        return Err(Error::Forbidden(
            "only the supplier the request is addressed to does this".into(),
        ));
    }
    Ok(())
}

/// The supplier sets the collection date (today to a year ahead) of a REQUESTED request, or
/// moves it while SCHEDULED; the school is told each date.
pub async fn schedule(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    collection_date: NaiveDate,
) -> Result<DisposalView> {
    as_supplier(db, actor, id).await?;
    check_date("collectionDate", collection_date, deals::today())?;
    let tx = actor::begin(db, actor).await?;
    let before = lock(&tx, id).await?;
    require_status(
        &before,
        &[DisposalStatus::Requested, DisposalStatus::Scheduled],
        "scheduled",
    )?;
    let mut after = before.clone();
    after.status = DisposalStatus::Scheduled.code().into();
    after.collection_date = Some(collection_date);
    after.scheduled_at = Some(Utc::now());
    let after = save(&tx, actor, "disposal.scheduled", &before, after).await?;
    let day = collection_date.format("%-d %B %Y");
    notify(
        &tx,
        Notice {
            user_id: None,
            organisation_id: after.school_id,
            kind: "disposal.scheduled",
            subject: format!("Your old devices will be collected on {day}"),
            payload: json!({
                "disposalRequestId": id,
                "collectionDate": collection_date,
                "lot": format!("Lot {}: {}", after.lot_number, after.lot_title),
            }),
            dedupe_key: Some(format!("disposal.scheduled:{id}:{collection_date}")),
        },
    )
    .await?;
    db::commit(tx).await?;
    get(db, actor, id).await
}

/// The supplier turns a REQUESTED request down with a reason; the school is told.
pub async fn decline(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    reason: String,
) -> Result<DisposalView> {
    as_supplier(db, actor, id).await?;
    let reason = reason.trim().to_owned();
    validate::text("reason", &reason, 1, 2000)?;
    let tx = actor::begin(db, actor).await?;
    let before = lock(&tx, id).await?;
    require_status(&before, &[DisposalStatus::Requested], "declined")?;
    let mut after = before.clone();
    after.status = DisposalStatus::Declined.code().into();
    after.decline_reason = Some(reason.clone());
    after.declined_at = Some(Utc::now());
    let after = save(&tx, actor, "disposal.declined", &before, after).await?;
    notify(
        &tx,
        Notice {
            user_id: None,
            organisation_id: after.school_id,
            kind: "disposal.declined",
            subject: "Your request to collect old devices was declined".into(),
            payload: json!({ "disposalRequestId": id, "reason": reason }),
            dedupe_key: Some(format!("disposal.declined:{id}")),
        },
    )
    .await?;
    db::commit(tx).await?;
    get(db, actor, id).await
}

/// The supplier records that it collected the devices of a SCHEDULED request.
pub async fn mark_collected(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<DisposalView> {
    as_supplier(db, actor, id).await?;
    let tx = actor::begin(db, actor).await?;
    let before = lock(&tx, id).await?;
    require_status(&before, &[DisposalStatus::Scheduled], "marked collected")?;
    let mut after = before.clone();
    after.status = DisposalStatus::Collected.code().into();
    after.collected_at = Some(Utc::now());
    save(&tx, actor, "disposal.collected", &before, after).await?;
    db::commit(tx).await?;
    get(db, actor, id).await
}
