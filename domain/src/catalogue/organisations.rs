//! Organisations (schools, trusts, suppliers, the service), buying-deal providers and
//! categories: reads used by the catalogue and writes used by the seed and admin tools.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::entity::{category, organisation, provider};
use crate::vocab::{EstablishmentType, OrgKind, Phase, Region};
use crate::{Error, Result, validate};

/// A supplier organisation, or `NOT_FOUND`.
pub async fn get_supplier(db: &impl ConnectionTrait, id: Uuid) -> Result<organisation::Model> {
    organisation::Entity::find_by_id(id)
        .filter(organisation::Column::Kind.eq(OrgKind::Supplier.code()))
        .one(db)
        .await?
        .ok_or(Error::not_found("supplier"))
}

/// The schools a SCHOOL_BUYER acts for, by name: their own school, or every school of the
/// trust a trust-scoped buyer names. `FORBIDDEN` for other roles.
pub async fn schools_in_scope(
    db: &impl ConnectionTrait,
    actor: &crate::actor::Actor,
) -> Result<Vec<organisation::Model>> {
    let scope = match actor.trust_id() {
        Ok(trust) => organisation::Column::TrustId.eq(trust),
        Err(_) => organisation::Column::Id.eq(actor.school_id()?),
    };
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Kind.eq(OrgKind::School.code()))
        .filter(scope)
        .order_by_asc(organisation::Column::Name)
        .order_by_asc(organisation::Column::Id)
        .all(db)
        .await?)
}

/// One school the actor buys for: the one named in `school_id` (of the actor's schools), or a
/// school buyer's own; a trust's buyer must name one ("name which of your trust's schools
/// {what}", e.g. "the contract is for").
pub async fn school_acted_for(
    db: &impl ConnectionTrait,
    actor: &crate::actor::Actor,
    school_id: Option<Uuid>,
    what: &str,
) -> Result<organisation::Model> {
    let schools = schools_in_scope(db, actor).await?;
    match school_id {
        Some(id) => schools
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(|| Error::bad_input("schoolId", "that is not a school you act for")),
        None if actor.org_kind == Some(OrgKind::Trust) => Err(Error::bad_input(
            "schoolId",
            format!("name which of your trust's schools {what}"),
        )),
        None => schools
            .into_iter()
            .next()
            .ok_or_else(|| Error::Forbidden("the token names no school".into())),
    }
}

/// The schools a report (spend, carbon) covers for `actor`: a school buyer's school; a trust's
/// buyer's schools, or one `school_id` of them; an admin's every school (`None`) or one. A
/// `school_id` the buyer does not buy for is refused, naming `schoolId`.
pub async fn schools_reported(
    db: &impl ConnectionTrait,
    actor: &crate::actor::Actor,
    school_id: Option<Uuid>,
) -> Result<Option<Vec<Uuid>>> {
    actor.require(&[crate::vocab::Role::SchoolBuyer, crate::vocab::Role::Admin])?;
    if actor.is_admin() {
        return Ok(school_id.map(|s| vec![s]));
    }
    let mine: Vec<Uuid> = schools_in_scope(db, actor)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    match school_id {
        Some(s) if !mine.contains(&s) => Err(crate::Error::bad_input(
            "schoolId",
            "`schoolId` must be a school you buy for",
        )),
        Some(s) => Ok(Some(vec![s])),
        None => Ok(Some(mine)),
    }
}

/// Organisations by id: one query for all ids.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, organisation::Model>> {
    let rows = organisation::Entity::find()
        .filter(organisation::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|o| (o.id, o)).collect())
}

/// Organisations of `kind` whose name contains `name` (in any case), by name: at most `limit`
/// of them, and how many match in all. Schools without a URN are left out, since a token
/// names a school by its URN. For the command line, which shows what a token's `org` may name.
pub async fn named(
    db: &impl ConnectionTrait,
    kind: OrgKind,
    name: Option<&str>,
    limit: u64,
) -> Result<(Vec<organisation::Model>, u64)> {
    let mut q = organisation::Entity::find().filter(organisation::Column::Kind.eq(kind.code()));
    if kind == OrgKind::School {
        q = q.filter(organisation::Column::Urn.is_not_null());
    }
    if let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) {
        // LIKE's wildcards in the name match themselves.
        let mut pattern = String::from("%");
        for c in name.to_lowercase().chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        q = q.filter(
            Expr::expr(Func::lower(Expr::col(organisation::Column::Name)))
                .like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    let total = q.clone().count(db).await?;
    let rows = q
        .order_by_asc(organisation::Column::Name)
        .order_by_asc(organisation::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Every category of one scope ("deal" or "product"), in display order.
pub async fn categories(db: &impl ConnectionTrait, scope: &str) -> Result<Vec<category::Model>> {
    Ok(category::Entity::find()
        .filter(category::Column::Scope.eq(scope))
        .order_by_asc(category::Column::Position)
        .all(db)
        .await?)
}

pub async fn providers(db: &impl ConnectionTrait) -> Result<Vec<provider::Model>> {
    Ok(provider::Entity::find()
        .order_by_asc(provider::Column::ShortName)
        .all(db)
        .await?)
}

pub async fn insert_category(
    tx: &impl ConnectionTrait,
    slug: &str,
    scope: &str,
    name: &str,
    position: i32,
) -> Result<()> {
    validate::code("slug", slug)?;
    if scope != "deal" && scope != "product" {
        return Err(Error::bad_input("scope", "`scope` must be deal or product"));
    }
    category::Entity::insert(category::ActiveModel {
        slug: Set(slug.into()),
        scope: Set(scope.into()),
        name: Set(name.into()),
        position: Set(position),
    })
    .exec(tx)
    .await?;
    Ok(())
}

pub async fn insert_provider(
    tx: &impl ConnectionTrait,
    short_name: &str,
    name: &str,
    website: &str,
    is_sample: bool,
) -> Result<Uuid> {
    validate::text("shortName", short_name, 2, 40)?;
    validate::text("name", name, 2, 200)?;
    validate::url("website", website)?;
    let id = Uuid::now_v7();
    provider::Entity::insert(provider::ActiveModel {
        id: Set(id),
        short_name: Set(short_name.into()),
        name: Set(name.into()),
        website: Set(website.into()),
        is_sample: Set(is_sample),
    })
    .exec(tx)
    .await?;
    Ok(id)
}

/// What is known of a new organisation; fields that do not apply to its kind stay `None`.
#[derive(Debug, Clone)]
pub struct NewOrganisation {
    pub kind: OrgKind,
    pub name: String,
    pub urn: Option<i32>,
    pub establishment_type: Option<EstablishmentType>,
    pub phase: Option<Phase>,
    pub la_code: Option<String>,
    pub la_name: Option<String>,
    pub region: Option<Region>,
    pub trust_id: Option<Uuid>,
    pub group_uid: Option<String>,
    pub pupil_count: Option<i32>,
    pub postcode: Option<String>,
    pub companies_house_number: Option<String>,
    pub website: Option<String>,
    pub is_sample: bool,
}

impl NewOrganisation {
    pub fn new(kind: OrgKind, name: impl Into<String>) -> Self {
        NewOrganisation {
            kind,
            name: name.into(),
            urn: None,
            establishment_type: None,
            phase: None,
            la_code: None,
            la_name: None,
            region: None,
            trust_id: None,
            group_uid: None,
            pupil_count: None,
            postcode: None,
            companies_house_number: None,
            website: None,
            is_sample: false,
        }
    }

    pub fn validate(&self) -> Result<()> {
        validate::text("name", &self.name, 2, 200)?;
        if self.kind == OrgKind::School {
            match self.urn {
                Some(u) if (100_000..=999_999).contains(&u) => {}
                _ => return Err(Error::bad_input("urn", "a school needs a 6-digit URN")),
            }
        }
        if let Some(ch) = &self.companies_house_number
            && !validate::is_companies_house_number(ch)
        {
            return Err(Error::bad_input(
                "companiesHouseNumber",
                "a Companies House number has 8 characters",
            ));
        }
        if let Some(w) = &self.website {
            validate::url("website", w)?;
        }
        Ok(())
    }
}

/// Inserts organisations in batches, in the caller's transaction; returns their ids in order.
pub async fn insert_many(
    tx: &impl ConnectionTrait,
    orgs: Vec<NewOrganisation>,
) -> Result<Vec<Uuid>> {
    let now = Utc::now();
    let mut ids = Vec::with_capacity(orgs.len());
    for chunk in orgs.chunks(500) {
        let mut rows = Vec::with_capacity(chunk.len());
        for o in chunk {
            o.validate()?;
            let id = Uuid::now_v7();
            ids.push(id);
            rows.push(organisation::ActiveModel {
                id: Set(id),
                kind: Set(o.kind.code().into()),
                name: Set(o.name.clone()),
                urn: Set(o.urn),
                establishment_type: Set(o.establishment_type.map(|t| t.code().into())),
                phase: Set(o.phase.map(|p| p.code().into())),
                la_code: Set(o.la_code.clone()),
                la_name: Set(o.la_name.clone()),
                region: Set(o.region.map(|r| r.code().into())),
                trust_id: Set(o.trust_id),
                group_uid: Set(o.group_uid.clone()),
                pupil_count: Set(o.pupil_count),
                postcode: Set(o.postcode.clone()),
                companies_house_number: Set(o.companies_house_number.clone()),
                website: Set(o.website.clone()),
                is_sample: Set(o.is_sample),
                status: Set("open".into()),
                ukprn: Set(None),
                opened_on: Set(None),
                closed_on: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            });
        }
        organisation::Entity::insert_many(rows).exec(tx).await?;
    }
    Ok(ids)
}
