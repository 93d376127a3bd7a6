//! The deals catalogue: public reads, batched lookups for loaders, and creation.
//!
//! Policy: a deal is public while it is PUBLISHED and has not ended (`ends_on >= today`, UK
//! dates); upcoming deals are public too, and `activeOn` narrows to deals in force on a date.

use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use crate::actor::{self, Actor};
use crate::entity::{
    category, deal, deal_category, deal_eligibility, lot, lot_supplier, organisation, provider,
};
use crate::pagination::{Cursor, Page, PageArgs};
use crate::vocab::Role;
use crate::vocab::{DealStatus, EstablishmentType, Phase, RouteToMarket, eligibility};
use crate::{Error, Result, audit, db, outbox};

/// Today's date for catalogue rules (UTC; a day's difference from UK time is immaterial for
/// deals whose dates are whole days).
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Filters on the public deals catalogue; all given filters must hold.
#[derive(Debug, Clone, Default)]
pub struct DealFilter {
    pub category: Option<String>,
    /// Provider short name, e.g. "CCS".
    pub provider: Option<String>,
    pub phase: Option<Phase>,
    pub org_type: Option<EstablishmentType>,
    pub active_on: Option<NaiveDate>,
    pub dfe_endorsed: Option<bool>,
    pub supplier_id: Option<Uuid>,
}

impl DealFilter {
    fn condition(&self, today: NaiveDate) -> Condition {
        let mut c = Condition::all()
            .add(deal::Column::Status.eq(DealStatus::Published.code()))
            .add(deal::Column::EndsOn.gte(today));
        let eligible = |kind: &str, value: &str| {
            deal::Column::Id.in_subquery(
                Query::select()
                    .column(deal_eligibility::Column::DealId)
                    .from(deal_eligibility::Entity)
                    .and_where(deal_eligibility::Column::Kind.eq(kind))
                    .and_where(deal_eligibility::Column::Value.eq(value))
                    .to_owned(),
            )
        };
        if let Some(slug) = &self.category {
            c = c.add(
                deal::Column::Id.in_subquery(
                    Query::select()
                        .column(deal_category::Column::DealId)
                        .from(deal_category::Entity)
                        .and_where(deal_category::Column::CategorySlug.eq(slug.as_str()))
                        .to_owned(),
                ),
            );
        }
        if let Some(p) = &self.provider {
            c = c.add(
                deal::Column::ProviderId.in_subquery(
                    Query::select()
                        .column(provider::Column::Id)
                        .from(provider::Entity)
                        .and_where(provider::Column::ShortName.eq(p.as_str()))
                        .to_owned(),
                ),
            );
        }
        if let Some(p) = self.phase {
            c = c.add(eligible(eligibility::PHASE, p.code()));
        }
        if let Some(t) = self.org_type {
            c = c.add(eligible(eligibility::ORG_TYPE, t.code()));
        }
        if let Some(d) = self.active_on {
            c = c
                .add(deal::Column::StartsOn.lte(d))
                .add(deal::Column::EndsOn.gte(d));
        }
        if let Some(e) = self.dfe_endorsed {
            c = c.add(deal::Column::DfeEndorsed.eq(e));
        }
        if let Some(s) = self.supplier_id {
            c = c.add(
                deal::Column::Id.in_subquery(
                    Query::select()
                        .column(lot::Column::DealId)
                        .from(lot::Entity)
                        .and_where(
                            lot::Column::Id.in_subquery(
                                Query::select()
                                    .column(lot_supplier::Column::LotId)
                                    .from(lot_supplier::Entity)
                                    .and_where(lot_supplier::Column::SupplierId.eq(s))
                                    .to_owned(),
                            ),
                        )
                        .to_owned(),
                ),
            );
        }
        c
    }
}

/// A page of public deals in title order.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &DealFilter,
    page: &PageArgs,
) -> Result<Page<deal::Model>> {
    let mut q = deal::Entity::find().filter(filter.condition(today()));
    if let Some(after) = &page.after {
        q = q.filter(
            Condition::any()
                .add(deal::Column::Title.gt(after.key.as_str()))
                .add(
                    Condition::all()
                        .add(deal::Column::Title.eq(after.key.as_str()))
                        .add(deal::Column::Id.gt(after.id)),
                ),
        );
    }
    let rows = q
        .order_by_asc(deal::Column::Title)
        .order_by_asc(deal::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, page, |d| {
        Cursor::new(d.title.clone(), d.id)
    }))
}

pub async fn count(db: &impl ConnectionTrait, filter: &DealFilter) -> Result<u64> {
    Ok(deal::Entity::find()
        .filter(filter.condition(today()))
        .count(db)
        .await?)
}

/// A public deal, or `NOT_FOUND`.
pub async fn get_public(db: &impl ConnectionTrait, id: Uuid) -> Result<deal::Model> {
    deal::Entity::find_by_id(id)
        .filter(deal::Column::Status.eq(DealStatus::Published.code()))
        .filter(deal::Column::EndsOn.gte(today()))
        .one(db)
        .await?
        .ok_or(Error::not_found("deal"))
}

/// Typical savings as a buyer reads them, e.g. "12.5% (up to 20% on devices)".
pub fn savings_display(d: &deal::Model) -> String {
    match d.typical_savings_bps {
        Some(bps) => format!("{}% ({})", f64::from(bps) / 100.0, d.typical_savings),
        None => d.typical_savings.clone(),
    }
}

pub async fn providers_by_id(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, provider::Model>> {
    let rows = provider::Entity::find()
        .filter(provider::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|p| (p.id, p)).collect())
}

/// Categories of each deal, in display order: one query for all ids.
pub async fn categories_of(
    db: &impl ConnectionTrait,
    deal_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<category::Model>>> {
    super::categories_by_owner::<deal_category::Entity>(
        db,
        deal_category::Column::DealId,
        deal_category::Column::CategorySlug,
        deal_ids,
    )
    .await
}

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Eligibility {
    pub org_types: Vec<EstablishmentType>,
    pub phases: Vec<Phase>,
}

pub async fn eligibility_of(
    db: &impl ConnectionTrait,
    deal_ids: &[Uuid],
) -> Result<HashMap<Uuid, Eligibility>> {
    let rows = deal_eligibility::Entity::find()
        .filter(deal_eligibility::Column::DealId.is_in(deal_ids.iter().copied()))
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Eligibility> = HashMap::new();
    for r in rows {
        let e = out.entry(r.deal_id).or_default();
        match r.kind.as_str() {
            eligibility::ORG_TYPE => e.org_types.extend(EstablishmentType::from_code(&r.value)),
            eligibility::PHASE => e.phases.extend(Phase::from_code(&r.value)),
            _ => {}
        }
    }
    for e in out.values_mut() {
        e.org_types.sort();
        e.phases.sort();
    }
    Ok(out)
}

/// Lots of each deal, by number.
pub async fn lots_of(
    db: &impl ConnectionTrait,
    deal_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<lot::Model>>> {
    let rows = lot::Entity::find()
        .filter(lot::Column::DealId.is_in(deal_ids.iter().copied()))
        .order_by_asc(lot::Column::Number)
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<lot::Model>> = HashMap::new();
    for l in rows {
        out.entry(l.deal_id).or_default().push(l);
    }
    Ok(out)
}

/// Suppliers of each lot, by name: two queries for all ids.
pub async fn suppliers_of_lots(
    db: &impl ConnectionTrait,
    lot_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<organisation::Model>>> {
    let links = lot_supplier::Entity::find()
        .filter(lot_supplier::Column::LotId.is_in(lot_ids.iter().copied()))
        .all(db)
        .await?;
    let orgs =
        super::organisations::by_ids(db, &links.iter().map(|l| l.supplier_id).collect::<Vec<_>>())
            .await?;
    let mut out: HashMap<Uuid, Vec<organisation::Model>> = HashMap::new();
    for l in links {
        if let Some(org) = orgs.get(&l.supplier_id) {
            out.entry(l.lot_id).or_default().push(org.clone());
        }
    }
    for v in out.values_mut() {
        v.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Ok(out)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct NewLot {
    pub number: i32,
    pub title: String,
    pub description: String,
    pub supplier_ids: Vec<Uuid>,
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
fn deal_snapshot(d: &deal::Model) -> Result<serde_json::Value> {
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
