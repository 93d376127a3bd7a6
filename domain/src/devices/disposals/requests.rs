//! The school's side: asking a lot's supplier to collect old devices, and cancelling before
//! collection.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    DisposalView, MAX_TOTAL_UNITS, Side, check_date, get, lock, require_status, save, status_of,
    visible,
};
use crate::actor::{self, Actor};
use crate::catalogue::{deals, organisations};
use crate::entity::{deal, disposal_line, disposal_request, lot, lot_supplier, organisation};
use crate::notifications::{Notice, notify};
use crate::vocab::{
    DealStatus, DisposalOutcomeWanted, DisposalStatus, ErasureStandard, FormFactor, Role,
};
use crate::{Error, Result, audit, db, validate};

/// The units of one form factor to collect.
#[derive(Debug, Clone, Copy, serde::Serialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "DisposalLineInput")
)]
pub struct DisposalLineInput {
    pub form_factor: FormFactor,
    /// 1 or more; at most 10,000 over the whole request.
    pub units: i32,
}

/// A school's request as it writes it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DisposalInput {
    /// The school it is for: required of a trust-scoped buyer, else the buyer's own school.
    pub school_id: Option<Uuid>,
    /// A lot that offers disposal.
    pub lot_id: Uuid,
    /// One of the lot's suppliers.
    pub supplier_id: Uuid,
    pub lines: Vec<DisposalLineInput>,
    pub erasure_standard: ErasureStandard,
    pub outcome_wanted: DisposalOutcomeWanted,
    /// Where to collect from and whom to ask for.
    pub collection_note: String,
    pub preferred_collection_date: NaiveDate,
}

/// Each form factor once, each 1 or more units, at most [`MAX_TOTAL_UNITS`] in all.
fn check_lines(lines: &[DisposalLineInput]) -> Result<()> {
    if lines.is_empty() {
        return Err(Error::bad_input(
            "lines",
            "give the units of at least one form factor",
        ));
    }
    let mut seen: Vec<FormFactor> = Vec::with_capacity(lines.len());
    let mut total: i64 = 0;
    for l in lines {
        if seen.contains(&l.form_factor) {
            return Err(Error::bad_input(
                "lines.formFactor",
                format!(
                    "{} is given twice: give each form factor once",
                    l.form_factor.label()
                ),
            ));
        }
        seen.push(l.form_factor);
        if l.units < 1 {
            return Err(Error::bad_input(
                "lines.units",
                "each line's units must be 1 or more",
            ));
        }
        total += i64::from(l.units);
    }
    if total > i64::from(MAX_TOTAL_UNITS) {
        return Err(Error::bad_input(
            "lines.units",
            format!("a request collects at most {MAX_TOTAL_UNITS} units: split it into several"),
        ));
    }
    Ok(())
}

/// The school the request is for: the one named (of the actor's scope), or a school buyer's
/// own.
async fn school_for(
    db: &impl ConnectionTrait,
    actor: &Actor,
    school_id: Option<Uuid>,
) -> Result<organisation::Model> {
    actor.require(&[Role::SchoolBuyer])?;
    organisations::school_acted_for(db, actor, school_id, "the devices are collected from").await
}

/// The lot and its deal, when the lot offers disposal, the deal is published and in force
/// today, and the school is eligible for it; bad input naming `lotId` otherwise.
async fn disposal_lot(
    db: &impl ConnectionTrait,
    lot_id: Uuid,
    school: &organisation::Model,
) -> Result<(deal::Model, lot::Model)> {
    let no_lot = || Error::bad_input("lotId", "no such lot");
    let lot = lot::Entity::find_by_id(lot_id)
        .one(db)
        .await?
        .ok_or_else(no_lot)?;
    let deal = deal::Entity::find_by_id(lot.deal_id)
        .one(db)
        .await?
        .ok_or_else(no_lot)?;
    if !lot.offers_disposal {
        return Err(Error::bad_input(
            "lotId",
            "this lot does not offer collection of old devices: choose a lot whose \
             `offersDisposal` is true",
        ));
    }
    let today = deals::today();
    if deal.status != DealStatus::Published.code() || deal.starts_on > today || deal.ends_on < today
    {
        return Err(Error::bad_input(
            "lotId",
            "the lot's deal is not in force today",
        ));
    }
    if !deals::admits(db, deal.id, school).await? {
        return Err(Error::bad_input(
            "lotId",
            "the school is not eligible for this deal",
        ));
    }
    Ok((deal, lot))
}

/// A school buyer asks one of a lot's suppliers to collect old devices (see the module's
/// policy for the checks).
pub async fn request(
    db: &DatabaseConnection,
    actor: &Actor,
    input: DisposalInput,
) -> Result<DisposalView> {
    let school = school_for(db, actor, input.school_id).await?;
    check_lines(&input.lines)?;
    if !input.erasure_standard.is_current() {
        return Err(Error::bad_input(
            "erasureStandard",
            format!(
                "{} is withdrawn: require a current standard",
                input.erasure_standard.label()
            ),
        ));
    }
    let note = input.collection_note.trim().to_owned();
    validate::text("collectionNote", &note, 10, 2000)?;
    check_date(
        "preferredCollectionDate",
        input.preferred_collection_date,
        deals::today(),
    )?;
    let (deal, lot) = disposal_lot(db, input.lot_id, &school).await?;
    let on_lot = lot_supplier::Entity::find()
        .filter(lot_supplier::Column::LotId.eq(lot.id))
        .filter(lot_supplier::Column::SupplierId.eq(input.supplier_id))
        .one(db)
        .await?
        .is_some();
    if !on_lot {
        return Err(Error::bad_input(
            "supplierId",
            "that supplier is not on the lot: choose one of `Lot.suppliers`",
        ));
    }
    let now = Utc::now();
    let r = disposal_request::Model {
        id: Uuid::now_v7(),
        school_id: school.id,
        deal_id: deal.id,
        lot_id: Some(lot.id),
        lot_number: lot.number,
        lot_title: lot.title.clone(),
        supplier_id: input.supplier_id,
        status: DisposalStatus::Requested.code().into(),
        erasure_standard: input.erasure_standard.code().into(),
        outcome_wanted: input.outcome_wanted.code().into(),
        collection_note: note,
        preferred_collection_date: input.preferred_collection_date,
        collection_date: None,
        decline_reason: None,
        cancel_reason: None,
        difference_reason: None,
        requested_by: actor.user_id,
        scheduled_at: None,
        collected_at: None,
        completed_at: None,
        cancelled_at: None,
        declined_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let units: i32 = input.lines.iter().map(|l| l.units).sum();
    let tx = actor::begin(db, actor).await?;
    disposal_request::ActiveModel::from(r.clone())
        .insert(&tx)
        .await?;
    disposal_line::Entity::insert_many(input.lines.iter().map(|l| {
        disposal_line::ActiveModel::from(disposal_line::Model {
            request_id: r.id,
            form_factor: l.form_factor.code().into(),
            units: l.units,
        })
    }))
    .exec_without_returning(&tx)
    .await?;
    notify(
        &tx,
        Notice {
            user_id: None,
            organisation_id: r.supplier_id,
            kind: "disposal.requested",
            subject: format!("{} asks you to collect {units} old devices", school.name),
            payload: json!({
                "disposalRequestId": r.id,
                "school": school.name,
                "units": units,
                "lot": format!("Lot {}: {}", lot.number, lot.title),
                "preferredCollectionDate": r.preferred_collection_date,
            }),
            dedupe_key: Some(format!("disposal.requested:{}", r.id)),
        },
    )
    .await?;
    audit::record(
        &tx,
        actor,
        "disposal.requested",
        "disposal_request",
        r.id,
        None,
        Some(json!({ "request": audit::snapshot(&r)?, "lines": audit::snapshot(&input.lines)? })),
    )
    .await?;
    db::commit(tx).await?;
    get(db, actor, r.id).await
}

/// The school (a buyer of it or of its trust) calls a request off before collection, with an
/// optional reason; the supplier is told.
pub async fn cancel(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    reason: Option<String>,
) -> Result<DisposalView> {
    let (_, side) = visible(db, actor, id).await?;
    if side != Side::School {
        return Err(Error::Forbidden(
            "only the school's buyers cancel a disposal request".into(),
        ));
    }
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if let Some(r) = &reason {
        validate::text("reason", r, 1, 2000)?;
    }
    let tx = actor::begin(db, actor).await?;
    let before = lock(&tx, id).await?;
    require_status(
        &before,
        &[DisposalStatus::Requested, DisposalStatus::Scheduled],
        "cancelled (once collected it runs to completion)",
    )?;
    let mut after = before.clone();
    after.status = DisposalStatus::Cancelled.code().into();
    after.cancel_reason = reason;
    after.cancelled_at = Some(Utc::now());
    let after = save(&tx, actor, "disposal.cancelled", &before, after).await?;
    notify(
        &tx,
        Notice {
            user_id: None,
            organisation_id: after.supplier_id,
            kind: "disposal.cancelled",
            subject: "A school cancelled its request to collect old devices".into(),
            payload: json!({
                "disposalRequestId": id,
                "reason": after.cancel_reason,
                "previousStatus": status_of(&before)?.label(),
            }),
            dedupe_key: Some(format!("disposal.cancelled:{id}")),
        },
    )
    .await?;
    db::commit(tx).await?;
    get(db, actor, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(form_factor: FormFactor, units: i32) -> DisposalLineInput {
        DisposalLineInput { form_factor, units }
    }

    fn field(r: Result<()>) -> Option<String> {
        r.err().and_then(|e| e.field().map(str::to_owned))
    }

    #[test]
    fn lines_give_each_form_factor_once_with_units_and_a_sane_total() {
        assert!(check_lines(&[line(FormFactor::Laptop, 40), line(FormFactor::Tablet, 10)]).is_ok());
        assert_eq!(field(check_lines(&[])).as_deref(), Some("lines"));
        assert_eq!(
            field(check_lines(&[
                line(FormFactor::Laptop, 1),
                line(FormFactor::Laptop, 2)
            ]))
            .as_deref(),
            Some("lines.formFactor")
        );
        assert_eq!(
            field(check_lines(&[line(FormFactor::Laptop, 0)])).as_deref(),
            Some("lines.units")
        );
        assert_eq!(
            field(check_lines(&[
                line(FormFactor::Laptop, MAX_TOTAL_UNITS),
                line(FormFactor::Tablet, 1)
            ]))
            .as_deref(),
            Some("lines.units")
        );
        assert!(check_lines(&[line(FormFactor::Desktop, MAX_TOTAL_UNITS)]).is_ok());
    }
}
