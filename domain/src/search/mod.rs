//! Search documents: the denormalised shape of a public product or deal that a search engine
//! indexes, built from the database. A record that is not public builds no document, which the
//! indexer turns into a delete.
//!
//! Attribute names here are the names filters, facets and sorts use in every engine: the typed
//! list is [`Attribute`].

mod attributes;
pub mod names;

pub use attributes::Attribute;

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, Statement,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::catalogue::deals::Eligibility;
use crate::catalogue::products::ProductFacets;
use crate::catalogue::{deals, organisations, products};
use crate::entity::{
    category, deal, lot, organisation, product, product_rating, provider, trial_offer,
};
use crate::vocab::{DealStatus, ProductStatus};
use crate::{Result, db};

/// Which index a document belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Products,
    Deals,
}

impl Kind {
    pub fn index_name(self) -> &'static str {
        match self {
            Kind::Products => "products",
            Kind::Deals => "deals",
        }
    }

    pub fn outbox_code(self) -> &'static str {
        match self {
            Kind::Products => "product",
            Kind::Deals => "deal",
        }
    }

    pub fn from_outbox_code(code: &str) -> Option<Self> {
        match code {
            "product" => Some(Kind::Products),
            "deal" => Some(Kind::Deals),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductDocument {
    pub id: String,
    pub name: String,
    pub summary: String,
    pub description: String,
    pub supplier_id: String,
    pub supplier_name: String,
    /// Category slugs (filters, facets).
    pub categories: Vec<String>,
    /// Category names (searched).
    pub category_names: Vec<String>,
    pub subjects: Vec<String>,
    pub key_stages: Vec<String>,
    pub platforms: Vec<String>,
    pub pricing_model: String,
    pub price_pence: i64,
    pub hosting_location: String,
    pub cyber_essentials: String,
    pub badges: Vec<String>,
    /// Average overall rating, 0 when there are no reviews.
    pub rating_average: f64,
    pub rating_count: i64,
    /// An open trial offer has seats on the product.
    pub trial_available: bool,
    /// Trial outcomes recorded.
    #[serde(default)]
    pub evidence_count: i64,
    /// Conversions per completed trial in basis points (0 while evidence is suppressed).
    #[serde(default)]
    pub trial_conversion_bps: i64,
    /// Unix seconds.
    pub published_at: i64,
    pub updated_at: i64,
    /// Grows with every change of the record; an engine never replaces a document by an older one.
    pub version: i64,
    /// A device's facts (empty and zero for other products).
    #[serde(flatten, default)]
    pub device: DeviceFields,
    /// What a hit shows, stored beside the searched attributes (never searched, filtered or
    /// counted), so results need no trip back to the database for their fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<ProductRecord>,
}

/// The device attributes of a product document: lists of one code for a device, empty for
/// other products (so they neither match a device filter nor count in its facets).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeviceFields {
    #[serde(default)]
    pub condition: Vec<String>,
    #[serde(default)]
    pub grade: Vec<String>,
    #[serde(default)]
    pub form_factor: Vec<String>,
    #[serde(default)]
    pub operating_system: Vec<String>,
    /// 100 for a new device with a battery (at its design capacity); 0 without a battery.
    #[serde(default)]
    pub battery_health_percent: i64,
    #[serde(default)]
    pub warranty_months: i64,
    #[serde(default)]
    pub carbon_saved_kg: i64,
}

impl DeviceFields {
    pub fn of(d: &crate::devices::DeviceListing) -> Self {
        let s = &d.spec;
        let battery = match s.battery_health_percent {
            Some(p) => i64::from(p),
            None if !s.is_used() && s.form_factor.has_battery() => 100,
            None => 0,
        };
        DeviceFields {
            condition: vec![s.condition.code().to_owned()],
            grade: s.grade.iter().map(|g| g.code().to_owned()).collect(),
            form_factor: vec![s.form_factor.code().to_owned()],
            operating_system: vec![s.operating_system.clone()],
            battery_health_percent: battery,
            warranty_months: i64::from(s.warranty_months),
            carbon_saved_kg: d.carbon().saved.map_or(0, |f| f.kg),
        }
    }
}

/// A public product as its search hit shows it: the row and the rows its nested fields are
/// resolved from, as they were when the document was built.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProductRecord {
    pub product: product::Model,
    pub supplier: Option<organisation::Model>,
    pub categories: Vec<category::Model>,
    pub facets: ProductFacets,
}

/// A public deal as its search hit shows it (see [`ProductRecord`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DealRecord {
    pub deal: deal::Model,
    pub provider: Option<provider::Model>,
    pub categories: Vec<category::Model>,
    pub eligibility: Eligibility,
    pub lots: Vec<LotRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LotRecord {
    pub lot: lot::Model,
    pub suppliers: Vec<organisation::Model>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LotDocument {
    pub number: i32,
    pub title: String,
    pub suppliers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DealDocument {
    pub id: String,
    pub title: String,
    pub reference: String,
    /// Provider short name (filters, facets).
    pub provider: String,
    pub provider_name: String,
    pub summary: String,
    pub description: String,
    pub categories: Vec<String>,
    pub category_names: Vec<String>,
    pub lots: Vec<LotDocument>,
    pub lot_titles: Vec<String>,
    pub supplier_names: Vec<String>,
    pub eligible_org_types: Vec<String>,
    pub eligible_phases: Vec<String>,
    pub route_to_market: String,
    /// Days since 1970-01-01, for range filters and sorts.
    pub starts_on_days: i64,
    pub ends_on_days: i64,
    pub typical_savings: String,
    pub typical_savings_bps: i64,
    pub dfe_endorsed: bool,
    pub updated_at: i64,
    pub version: i64,
    /// What a hit shows (see [`ProductDocument::record`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub record: Option<DealRecord>,
}

/// Days since the Unix epoch.
pub fn epoch_days(d: NaiveDate) -> i64 {
    (d - NaiveDate::default()).num_days()
}

/// A version that grows with every change: the row's version in the high bits, its update
/// time (milliseconds) breaking ties between equal versions.
fn doc_version(version: i32, updated_at: chrono::DateTime<chrono::Utc>) -> i64 {
    (i64::from(version) << 42) | (updated_at.timestamp_millis() & ((1 << 42) - 1))
}

/// Documents of the public products among `ids` (others are absent: delete them).
pub async fn product_documents(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<Vec<ProductDocument>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let rows: Vec<product::Model> = public_products(db, ids).await?.into_values().collect();
    let ids: Vec<Uuid> = rows.iter().map(|p| p.id).collect();
    let supplier_ids: Vec<Uuid> = rows.iter().map(|p| p.supplier_id).collect();
    let suppliers = organisations::by_ids(db, &supplier_ids).await?;
    let mut categories = products::categories_of(db, &ids).await?;
    let mut facets = products::facets_of(db, &ids).await?;
    let ratings: HashMap<Uuid, product_rating::Model> = product_rating::Entity::find()
        .filter(product_rating::Column::ProductId.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.product_id, r))
        .collect();
    let with_trials: std::collections::HashSet<Uuid> = trial_offer::Entity::find()
        .filter(trial_offer::Column::ProductId.is_in(ids.iter().copied()))
        .filter(trial_offer::Column::Status.eq("open"))
        .all(db)
        .await?
        .into_iter()
        .map(|o| o.product_id)
        .collect();
    let evidence = crate::lending::evidence_of(db, &ids).await?;
    let devices = crate::devices::listings_of(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|p| {
            let e = evidence.get(&p.id).cloned().unwrap_or_default();
            let cats = categories.remove(&p.id).unwrap_or_default();
            let f = facets.remove(&p.id).unwrap_or_default();
            let supplier = suppliers.get(&p.supplier_id).cloned();
            let record = ProductRecord {
                product: p.clone(),
                supplier: supplier.clone(),
                categories: cats.clone(),
                facets: f.clone(),
            };
            let rating = ratings.get(&p.id);
            let (count, sum) = rating
                .map(|r| (r.review_count, r.rating_sum))
                .unwrap_or((0, 0));
            ProductDocument {
                id: p.id.to_string(),
                supplier_id: p.supplier_id.to_string(),
                supplier_name: supplier.map(|s| s.name).unwrap_or_default(),
                categories: cats.iter().map(|c| c.slug.clone()).collect(),
                category_names: cats.into_iter().map(|c| c.name).collect(),
                subjects: f.subjects,
                key_stages: f.key_stages.iter().map(|k| k.code().to_owned()).collect(),
                platforms: f.platforms.iter().map(|k| k.code().to_owned()).collect(),
                badges: f.badges.iter().map(|k| k.code().to_owned()).collect(),
                rating_average: if count > 0 {
                    f64::from(sum) / f64::from(count)
                } else {
                    0.0
                },
                rating_count: i64::from(count),
                trial_available: with_trials.contains(&p.id),
                evidence_count: e.outcomes,
                trial_conversion_bps: if e.suppressed() {
                    0
                } else {
                    (e.conversion_rate() * 10_000.0).round() as i64
                },
                published_at: p.published_at.unwrap_or(p.created_at).timestamp(),
                updated_at: p.updated_at.timestamp(),
                version: doc_version(p.version, p.updated_at),
                device: devices.get(&p.id).map(DeviceFields::of).unwrap_or_default(),
                name: p.name,
                summary: p.summary,
                description: p.description,
                pricing_model: p.pricing_model,
                price_pence: p.price_pence,
                hosting_location: p.hosting_location,
                cyber_essentials: p.cyber_essentials,
                record: Some(record),
            }
        })
        .collect())
}

/// Documents of the published, not yet ended deals among `ids` (others are absent: delete them).
pub async fn deal_documents(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<Vec<DealDocument>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let rows: Vec<deal::Model> = public_deals(db, ids).await?.into_values().collect();
    let ids: Vec<Uuid> = rows.iter().map(|d| d.id).collect();
    let provider_ids: Vec<Uuid> = rows.iter().map(|d| d.provider_id).collect();
    let providers = deals::providers_by_id(db, &provider_ids).await?;
    let mut categories = deals::categories_of(db, &ids).await?;
    let mut eligibility = deals::eligibility_of(db, &ids).await?;
    let mut lots = deals::lots_of(db, &ids).await?;
    let lot_ids: Vec<Uuid> = lots.values().flatten().map(|l| l.id).collect();
    let mut lot_suppliers = deals::suppliers_of_lots(db, &lot_ids).await?;
    Ok(rows
        .into_iter()
        .map(|d| {
            let cats = categories.remove(&d.id).unwrap_or_default();
            let e = eligibility.remove(&d.id).unwrap_or_default();
            let provider = providers.get(&d.provider_id);
            let lot_records: Vec<LotRecord> = lots
                .remove(&d.id)
                .unwrap_or_default()
                .into_iter()
                .map(|l| LotRecord {
                    suppliers: lot_suppliers.remove(&l.id).unwrap_or_default(),
                    lot: l,
                })
                .collect();
            let lots: Vec<LotDocument> = lot_records
                .iter()
                .map(|l| LotDocument {
                    number: l.lot.number,
                    suppliers: l.suppliers.iter().map(|s| s.name.clone()).collect(),
                    title: l.lot.title.clone(),
                })
                .collect();
            let record = DealRecord {
                deal: d.clone(),
                provider: provider.cloned(),
                categories: cats.clone(),
                eligibility: e.clone(),
                lots: lot_records,
            };
            let mut supplier_names: Vec<String> =
                lots.iter().flat_map(|l| l.suppliers.clone()).collect();
            supplier_names.sort();
            supplier_names.dedup();
            DealDocument {
                id: d.id.to_string(),
                provider: provider.map(|p| p.short_name.clone()).unwrap_or_default(),
                provider_name: provider.map(|p| p.name.clone()).unwrap_or_default(),
                categories: cats.iter().map(|c| c.slug.clone()).collect(),
                category_names: cats.into_iter().map(|c| c.name).collect(),
                lot_titles: lots.iter().map(|l| l.title.clone()).collect(),
                lots,
                supplier_names,
                eligible_org_types: e.org_types.iter().map(|t| t.code().to_owned()).collect(),
                eligible_phases: e.phases.iter().map(|p| p.code().to_owned()).collect(),
                starts_on_days: epoch_days(d.starts_on),
                ends_on_days: epoch_days(d.ends_on),
                typical_savings_bps: i64::from(d.typical_savings_bps.unwrap_or(0)),
                updated_at: d.updated_at.timestamp(),
                version: doc_version(d.version, d.updated_at),
                title: d.title,
                reference: d.reference,
                summary: d.summary,
                description: d.description,
                route_to_market: d.route_to_market,
                typical_savings: d.typical_savings,
                dfe_endorsed: d.dfe_endorsed,
                record: Some(record),
            }
        })
        .collect())
}

/// Public products by id, for search hits (one query).
pub async fn public_products(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, product::Model>> {
    Ok(product::Entity::find()
        .filter(product::Column::Id.is_in(ids.iter().copied()))
        .filter(product::Column::Status.eq(ProductStatus::Approved.code()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

/// Which of `ids` are public products (one query): search hits built from their stored
/// records show only what the database shows as public now. The ids are looked up in the
/// `(id, status)` index, which answers without reading product rows; on SQLite the query names
/// it, because without planner statistics SQLite would take the primary key's index and read
/// every row. The status is compared here, not in SQL, so no planner walks the status index.
pub async fn public_product_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<HashSet<Uuid>> {
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    let approved = ProductStatus::Approved.code();
    let rows: Vec<(Uuid, String)> = if db::is_postgres(db) {
        product::Entity::find()
            .select_only()
            .column(product::Column::Id)
            .column(product::Column::Status)
            .filter(product::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(db)
            .await?
    } else {
        let marks = vec!["?"; ids.len()].join(", ");
        let sql = format!(
            "SELECT id, status FROM products INDEXED BY ix_products_id_status WHERE id IN ({marks})"
        );
        let values = ids.iter().map(|id| (*id).into());
        db.query_all_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            sql,
            values,
        ))
        .await?
        .iter()
        .map(|row| Ok((row.try_get("", "id")?, row.try_get("", "status")?)))
        .collect::<Result<_>>()?
    };
    Ok(rows
        .into_iter()
        .filter(|(_, status)| status == approved)
        .map(|(id, _)| id)
        .collect())
}

/// Which of `ids` are public deals (published, not yet ended), as [`public_product_ids`].
pub async fn public_deal_ids(db: &impl ConnectionTrait, ids: &[Uuid]) -> Result<HashSet<Uuid>> {
    let (published, today) = (DealStatus::Published.code(), deals::today());
    Ok(deal::Entity::find()
        .select_only()
        .column(deal::Column::Id)
        .column(deal::Column::Status)
        .column(deal::Column::EndsOn)
        .filter(deal::Column::Id.is_in(ids.iter().copied()))
        .into_tuple::<(Uuid, String, NaiveDate)>()
        .all(db)
        .await?
        .into_iter()
        .filter(|(_, status, ends_on)| status == published && *ends_on >= today)
        .map(|(id, _, _)| id)
        .collect())
}

/// Public deals by id, for search hits (one query).
pub async fn public_deals(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, deal::Model>> {
    Ok(deal::Entity::find()
        .filter(deal::Column::Id.is_in(ids.iter().copied()))
        .filter(deal::Column::Status.eq(DealStatus::Published.code()))
        .filter(deal::Column::EndsOn.gte(deals::today()))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect())
}
