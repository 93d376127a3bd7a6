//! Batched lookups for loaders: providers, categories, eligibility, lots and lot suppliers of
//! many deals at once.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::Result;
use crate::catalogue::{categories_by_owner, organisations};
use crate::entity::{
    category, deal_category, deal_eligibility, lot, lot_supplier, organisation, provider,
};
use crate::vocab::{EstablishmentType, Phase, eligibility};

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
    categories_by_owner::<deal_category::Entity>(
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

/// Whether `school` may buy through the deal by its eligibility: its phase among the deal's
/// phases and its kind among the deal's kinds of organisation (an empty list admits all; a
/// school whose kind is not recorded is not refused for it).
pub async fn admits(
    db: &impl ConnectionTrait,
    deal_id: Uuid,
    school: &crate::entity::organisation::Model,
) -> Result<bool> {
    let e = eligibility_of(db, &[deal_id])
        .await?
        .remove(&deal_id)
        .unwrap_or_default();
    let phase = school.phase.as_deref().and_then(Phase::from_code);
    let kind = school
        .establishment_type
        .as_deref()
        .and_then(EstablishmentType::from_code);
    let fits_phase = e.phases.is_empty() || phase.is_some_and(|p| e.phases.contains(&p));
    let fits_kind = e.org_types.is_empty() || kind.is_none_or(|k| e.org_types.contains(&k));
    Ok(fits_phase && fits_kind)
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
        organisations::by_ids(db, &links.iter().map(|l| l.supplier_id).collect::<Vec<_>>()).await?;
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
