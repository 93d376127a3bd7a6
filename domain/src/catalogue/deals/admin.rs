//! Admin writes: creating, replacing and expiring deals, the insert that seeding shares, and
//! reading any deal whatever its status.

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::actor::{self, Actor};
use crate::entity::{
    category, deal, deal_category, deal_eligibility, lot, lot_supplier, organisation, provider,
};
use crate::vocab::{DealStatus, EstablishmentType, Phase, Role, RouteToMarket, eligibility};
use crate::{Error, Result, audit, db, outbox};

#[derive(Debug, Clone, serde::Serialize)]
pub struct NewLot {
    pub number: i32,
    pub title: String,
    pub description: String,
    pub supplier_ids: Vec<Uuid>,
    /// Whether the lot offers collection of old devices (disposal requests).
    pub offers_disposal: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct NewDeal {
    pub provider_id: Uuid,
    pub reference: String,
    pub title: String,
    pub summary: String,
    pub description: String,
    pub how_to_buy: String,
    pub categories: Vec<String>,
    pub lots: Vec<NewLot>,
    pub eligible_org_types: Vec<EstablishmentType>,
    pub eligible_phases: Vec<Phase>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub route_to_market: RouteToMarket,
    pub typical_savings: String,
    pub typical_savings_bps: Option<i32>,
    pub fees: String,
    pub dfe_endorsed: bool,
    pub url: String,
    pub status: DealStatus,
    pub is_sample: bool,
}

impl NewDeal {
    pub fn validate(&self) -> Result<()> {
        use crate::validate;
        validate::text("title", &self.title, 3, 200)?;
        validate::text("reference", &self.reference, 1, 60)?;
        validate::text("summary", &self.summary, 10, 500)?;
        validate::url("url", &self.url)?;
        if self.ends_on < self.starts_on {
            return Err(Error::bad_input(
                "endsOn",
                "`endsOn` must not be before `startsOn`",
            ));
        }
        if let Some(bps) = self.typical_savings_bps
            && !(0..=10_000).contains(&bps)
        {
            return Err(Error::bad_input(
                "typicalSavingsBps",
                "`typicalSavingsBps` must be 0 to 10000",
            ));
        }
        if self.categories.is_empty() {
            return Err(Error::bad_input(
                "categories",
                "at least one category is required",
            ));
        }
        let mut numbers: Vec<i32> = self.lots.iter().map(|l| l.number).collect();
        numbers.sort_unstable();
        numbers.dedup();
        if numbers.len() != self.lots.len() || numbers.first().is_some_and(|n| *n < 1) {
            return Err(Error::bad_input(
                "lots",
                "lot numbers must be distinct and start at 1",
            ));
        }
        Ok(())
    }
}

/// Inserts a deal with its categories, eligibility and lots, and queues it for search, in the
/// caller's transaction.
pub async fn insert(tx: &impl ConnectionTrait, d: NewDeal) -> Result<Uuid> {
    d.validate()?;
    let now = Utc::now();
    let id = Uuid::now_v7();
    deal::Entity::insert(deal::ActiveModel {
        id: Set(id),
        version: Set(1),
        is_sample: Set(d.is_sample),
        created_at: Set(now),
        ..deal_columns(&d, now)
    })
    .exec(tx)
    .await?;
    insert_parts(tx, id, d).await?;
    outbox::enqueue_many(tx, outbox::EntityType::Deal, &[id], outbox::Op::Upsert).await?;
    Ok(id)
}

/// The deal row's own columns (and `updated_at`); the caller sets the rest.
fn deal_columns(d: &NewDeal, now: chrono::DateTime<Utc>) -> deal::ActiveModel {
    deal::ActiveModel {
        provider_id: Set(d.provider_id),
        reference: Set(d.reference.clone()),
        title: Set(d.title.clone()),
        summary: Set(d.summary.clone()),
        description: Set(d.description.clone()),
        how_to_buy: Set(d.how_to_buy.clone()),
        route_to_market: Set(d.route_to_market.code().into()),
        starts_on: Set(d.starts_on),
        ends_on: Set(d.ends_on),
        typical_savings: Set(d.typical_savings.clone()),
        typical_savings_bps: Set(d.typical_savings_bps),
        fees: Set(d.fees.clone()),
        dfe_endorsed: Set(d.dfe_endorsed),
        url: Set(d.url.clone()),
        status: Set(d.status.code().into()),
        updated_at: Set(now),
        ..Default::default()
    }
}

/// Categories, eligibility and lots of a deal.
async fn insert_parts(tx: &impl ConnectionTrait, id: Uuid, d: NewDeal) -> Result<()> {
    let mut cats = d.categories;
    cats.sort();
    cats.dedup();
    deal_category::Entity::insert_many(cats.into_iter().map(|c| deal_category::ActiveModel {
        deal_id: Set(id),
        category_slug: Set(c),
    }))
    .exec(tx)
    .await?;
    let mut elig: Vec<(&str, &str)> = d
        .eligible_org_types
        .iter()
        .map(|t| (eligibility::ORG_TYPE, t.code()))
        .chain(
            d.eligible_phases
                .iter()
                .map(|p| (eligibility::PHASE, p.code())),
        )
        .collect();
    elig.sort_unstable();
    elig.dedup();
    if !elig.is_empty() {
        deal_eligibility::Entity::insert_many(elig.into_iter().map(|(k, v)| {
            deal_eligibility::ActiveModel {
                deal_id: Set(id),
                kind: Set(k.into()),
                value: Set(v.into()),
            }
        }))
        .exec(tx)
        .await?;
    }
    for l in d.lots {
        let lot_id = Uuid::now_v7();
        lot::Entity::insert(lot::ActiveModel {
            id: Set(lot_id),
            deal_id: Set(id),
            number: Set(l.number),
            title: Set(l.title),
            description: Set(l.description),
            offers_disposal: Set(l.offers_disposal),
        })
        .exec(tx)
        .await?;
        let mut sups = l.supplier_ids;
        sups.sort();
        sups.dedup();
        if !sups.is_empty() {
            lot_supplier::Entity::insert_many(sups.into_iter().map(|s| {
                lot_supplier::ActiveModel {
                    lot_id: Set(lot_id),
                    supplier_id: Set(s),
                }
            }))
            .exec(tx)
            .await?;
        }
    }
    Ok(())
}

/// Checks that the deal's provider, categories and lot suppliers exist.
/// `CONFLICT` naming the field and value when the provider already has another deal with this
/// reference (the unique index still guards a race between two writers).
async fn check_unique_reference(
    db: &impl ConnectionTrait,
    d: &NewDeal,
    except: Option<Uuid>,
) -> Result<()> {
    let mut q = deal::Entity::find()
        .filter(deal::Column::ProviderId.eq(d.provider_id))
        .filter(deal::Column::Reference.eq(d.reference.as_str()));
    if let Some(id) = except {
        q = q.filter(deal::Column::Id.ne(id));
    }
    if q.one(db).await?.is_some() {
        return Err(Error::Conflict(format!(
            "`reference`: the provider already has a deal with the reference {:?}",
            d.reference
        )));
    }
    Ok(())
}

async fn check_references(db: &impl ConnectionTrait, d: &NewDeal) -> Result<()> {
    use sea_orm::PaginatorTrait;
    d.validate()?;
    if provider::Entity::find_by_id(d.provider_id)
        .one(db)
        .await?
        .is_none()
    {
        return Err(Error::bad_input("providerId", "no provider has this id"));
    }
    let mut cats = d.categories.clone();
    cats.sort();
    cats.dedup();
    let known = category::Entity::find()
        .filter(category::Column::Slug.is_in(cats.clone()))
        .filter(category::Column::Scope.eq("deal"))
        .count(db)
        .await?;
    if known != cats.len() as u64 {
        return Err(Error::bad_input(
            "categories",
            "every category must be a deal category (see `categories(scope: DEAL)`)",
        ));
    }
    let mut sups: Vec<Uuid> = d.lots.iter().flat_map(|l| l.supplier_ids.clone()).collect();
    sups.sort();
    sups.dedup();
    if !sups.is_empty() {
        let known = organisation::Entity::find()
            .filter(organisation::Column::Id.is_in(sups.clone()))
            .filter(organisation::Column::Kind.eq(crate::vocab::OrgKind::Supplier.code()))
            .count(db)
            .await?;
        if known != sups.len() as u64 {
            return Err(Error::bad_input(
                "lots.supplierIds",
                "every lot supplier must be a registered supplier",
            ));
        }
    }
    Ok(())
}

fn stale() -> Error {
    Error::Conflict(
        "the deal has changed since you read it: reload it and apply your change to the current version".into(),
    )
}

/// Applies `q` to the deal `current` if it is still at `version`, moving it to the next
/// version; `CONFLICT` when it is not (read here, or changed by a racing writer).
async fn guarded_update(
    tx: &impl ConnectionTrait,
    current: &deal::Model,
    version: i32,
    q: sea_orm::UpdateMany<deal::Entity>,
) -> Result<()> {
    if current.version != version {
        return Err(stale());
    }
    let done = q
        .col_expr(deal::Column::Version, Expr::value(version + 1))
        .filter(deal::Column::Id.eq(current.id))
        .filter(deal::Column::Version.eq(version))
        .exec(tx)
        .await?;
    if done.rows_affected == 1 {
        Ok(())
    } else {
        Err(stale())
    }
}

/// An admin adds a deal to the catalogue (published, or as a draft).
pub async fn create(db: &DatabaseConnection, actor: &Actor, d: NewDeal) -> Result<deal::Model> {
    actor.require(&[Role::Admin])?;
    if d.status == DealStatus::Archived {
        return Err(Error::bad_input(
            "status",
            "a new deal is a draft or published",
        ));
    }
    check_references(db, &d).await?;
    let tx = actor::begin(db, actor).await?;
    check_unique_reference(&tx, &d, None).await?;
    let after = audit::snapshot(&d)?;
    let id = insert(&tx, d).await?;
    audit::record(&tx, actor, "deal.create", "deal", id, None, Some(after)).await?;
    let row = find(&tx, id).await?;
    db::commit(tx).await?;
    Ok(row)
}

/// An admin replaces a deal's content at `version` (lots, eligibility and categories too).
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    d: NewDeal,
) -> Result<deal::Model> {
    actor.require(&[Role::Admin])?;
    check_references(db, &d).await?;
    let tx = actor::begin(db, actor).await?;
    check_unique_reference(&tx, &d, Some(id)).await?;
    let before = find(&tx, id).await?;
    guarded_update(
        &tx,
        &before,
        version,
        deal::Entity::update_many().set(deal_columns(&d, Utc::now())),
    )
    .await?;
    deal_category::Entity::delete_many()
        .filter(deal_category::Column::DealId.eq(id))
        .exec(&tx)
        .await?;
    deal_eligibility::Entity::delete_many()
        .filter(deal_eligibility::Column::DealId.eq(id))
        .exec(&tx)
        .await?;
    lot::Entity::delete_many()
        .filter(lot::Column::DealId.eq(id))
        .exec(&tx)
        .await?;
    let after = audit::snapshot(&d)?;
    insert_parts(&tx, id, d).await?;
    outbox::enqueue_many(&tx, outbox::EntityType::Deal, &[id], outbox::Op::Upsert).await?;
    audit::record(
        &tx,
        actor,
        "deal.update",
        "deal",
        id,
        Some(deal_snapshot(&before)?),
        Some(after),
    )
    .await?;
    let row = find(&tx, id).await?;
    db::commit(tx).await?;
    Ok(row)
}

/// Replaces the content of the deal `id` with `d` in the caller's transaction (its lots,
/// eligibility and categories too), moving it to its next version and queueing it for search;
/// for imports, which have checked `d` already. Returns the row before.
pub async fn replace(tx: &impl ConnectionTrait, id: Uuid, d: NewDeal) -> Result<deal::Model> {
    d.validate()?;
    let before = find(tx, id).await?;
    guarded_update(
        tx,
        &before,
        before.version,
        deal::Entity::update_many().set(deal_columns(&d, Utc::now())),
    )
    .await?;
    deal_category::Entity::delete_many()
        .filter(deal_category::Column::DealId.eq(id))
        .exec(tx)
        .await?;
    deal_eligibility::Entity::delete_many()
        .filter(deal_eligibility::Column::DealId.eq(id))
        .exec(tx)
        .await?;
    lot::Entity::delete_many()
        .filter(lot::Column::DealId.eq(id))
        .exec(tx)
        .await?;
    insert_parts(tx, id, d).await?;
    outbox::enqueue_many(tx, outbox::EntityType::Deal, &[id], outbox::Op::Upsert).await?;
    Ok(before)
}

/// An admin ends a deal early: it is archived and leaves the catalogue and search.
pub async fn expire(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> Result<deal::Model> {
    actor.require(&[Role::Admin])?;
    let tx = actor::begin(db, actor).await?;
    let before = find(&tx, id).await?;
    if before.version == version && before.status == DealStatus::Archived.code() {
        return Err(Error::Conflict("the deal is already archived".into()));
    }
    guarded_update(
        &tx,
        &before,
        version,
        deal::Entity::update_many()
            .col_expr(
                deal::Column::Status,
                Expr::value(DealStatus::Archived.code()),
            )
            // It ends the day it is expired (an end already past stays as it was, and it never
            // ends before it starts).
            .col_expr(
                deal::Column::EndsOn,
                Expr::value(before.ends_on.min(super::today()).max(before.starts_on)),
            )
            .col_expr(deal::Column::UpdatedAt, Expr::value(Utc::now())),
    )
    .await?;
    outbox::enqueue_many(&tx, outbox::EntityType::Deal, &[id], outbox::Op::Upsert).await?;
    let row = find(&tx, id).await?;
    audit::record(
        &tx,
        actor,
        "deal.expire",
        "deal",
        id,
        Some(deal_snapshot(&before)?),
        Some(deal_snapshot(&row)?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(row)
}

/// Any deal by id, whatever its status (admins).
pub async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<deal::Model> {
    deal::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::not_found("deal"))
}

/// What the audit log keeps of a deal row.
pub fn deal_snapshot(d: &deal::Model) -> Result<serde_json::Value> {
    audit::snapshot(&serde_json::json!({
        "title": d.title,
        "reference": d.reference,
        "status": d.status,
        "version": d.version,
        "startsOn": d.starts_on,
        "endsOn": d.ends_on,
        "dfeEndorsed": d.dfe_endorsed,
    }))
}
