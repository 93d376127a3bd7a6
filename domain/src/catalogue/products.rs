//! Product listings: public reads, batched lookups for loaders, and creation.
//!
//! Policy: only APPROVED products are public; every other status is invisible to public reads
//! (a hidden product is `NOT_FOUND`, never a hint that it exists).

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::Query;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use uuid::Uuid;

use crate::entity::{category, product, product_category, product_facet};
use crate::pagination::{Cursor, Page, PageArgs};
use crate::vocab::{
    Badge, CyberEssentials, HostingLocation, KeyStage, Phase, Platform, PricingModel,
    ProductStatus, facet,
};
use crate::{Error, Result, outbox};

/// Filters on the public product catalogue; all given filters must hold.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    pub category: Option<String>,
    pub supplier_id: Option<Uuid>,
    pub subject: Option<String>,
    pub key_stage: Option<KeyStage>,
    /// Products covering at least one key stage of the phase.
    pub phase: Option<Phase>,
    pub platform: Option<Platform>,
    pub pricing_model: Option<PricingModel>,
    pub max_price_pence: Option<i64>,
    /// Every badge listed must have been awarded.
    pub badges: Vec<Badge>,
}

impl ProductFilter {
    fn validate(&self) -> Result<()> {
        if let Some(p) = self.max_price_pence
            && p < 0
        {
            return Err(Error::bad_input(
                "filter.maxPricePence",
                "`maxPricePence` must not be negative",
            ));
        }
        Ok(())
    }

    fn condition(&self) -> Condition {
        let mut c =
            Condition::all().add(product::Column::Status.eq(ProductStatus::Approved.code()));
        let with_facet = |name: &str, values: Vec<String>| {
            product::Column::Id.in_subquery(
                Query::select()
                    .column(product_facet::Column::ProductId)
                    .from(product_facet::Entity)
                    .and_where(product_facet::Column::Facet.eq(name))
                    .and_where(product_facet::Column::Value.is_in(values))
                    .to_owned(),
            )
        };
        if let Some(slug) = &self.category {
            c = c.add(
                product::Column::Id.in_subquery(
                    Query::select()
                        .column(product_category::Column::ProductId)
                        .from(product_category::Entity)
                        .and_where(product_category::Column::CategorySlug.eq(slug.as_str()))
                        .to_owned(),
                ),
            );
        }
        if let Some(s) = self.supplier_id {
            c = c.add(product::Column::SupplierId.eq(s));
        }
        if let Some(s) = &self.subject {
            c = c.add(with_facet(facet::SUBJECT, vec![s.clone()]));
        }
        if let Some(k) = self.key_stage {
            c = c.add(with_facet(facet::KEY_STAGE, vec![k.code().to_owned()]));
        }
        if let Some(p) = self.phase {
            let stages = p.key_stages().iter().map(|k| k.code().to_owned()).collect();
            c = c.add(with_facet(facet::KEY_STAGE, stages));
        }
        if let Some(p) = self.platform {
            c = c.add(with_facet(facet::PLATFORM, vec![p.code().to_owned()]));
        }
        if let Some(m) = self.pricing_model {
            c = c.add(product::Column::PricingModel.eq(m.code()));
        }
        if let Some(max) = self.max_price_pence {
            c = c.add(product::Column::PricePence.lte(max));
        }
        for b in &self.badges {
            c = c.add(with_facet(facet::BADGE, vec![b.code().to_owned()]));
        }
        c
    }
}

/// A page of public products in name order.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &ProductFilter,
    page: &PageArgs,
) -> Result<Page<product::Model>> {
    filter.validate()?;
    let mut q = product::Entity::find().filter(filter.condition());
    if let Some(after) = &page.after {
        q = q.filter(
            Condition::any()
                .add(product::Column::Name.gt(after.key.as_str()))
                .add(
                    Condition::all()
                        .add(product::Column::Name.eq(after.key.as_str()))
                        .add(product::Column::Id.gt(after.id)),
                ),
        );
    }
    let rows = q
        .order_by_asc(product::Column::Name)
        .order_by_asc(product::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, page, |p| {
        Cursor::new(p.name.clone(), p.id)
    }))
}

/// How many public products match the filter.
pub async fn count(db: &impl ConnectionTrait, filter: &ProductFilter) -> Result<u64> {
    filter.validate()?;
    Ok(product::Entity::find()
        .filter(filter.condition())
        .count(db)
        .await?)
}

/// A public product, or `NOT_FOUND`.
pub async fn get_public(db: &impl ConnectionTrait, id: Uuid) -> Result<product::Model> {
    product::Entity::find_by_id(id)
        .filter(product::Column::Status.eq(ProductStatus::Approved.code()))
        .one(db)
        .await?
        .ok_or(Error::not_found("product"))
}

/// Categories of each product, in display order: one query for all ids.
pub async fn categories_of(
    db: &impl ConnectionTrait,
    product_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<category::Model>>> {
    super::categories_by_owner::<product_category::Entity>(
        db,
        product_category::Column::ProductId,
        product_category::Column::CategorySlug,
        product_ids,
    )
    .await
}

/// Facets (subjects, key stages, platforms, badges) of each product: one query for all ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductFacets {
    pub subjects: Vec<String>,
    pub key_stages: Vec<KeyStage>,
    pub platforms: Vec<Platform>,
    pub badges: Vec<Badge>,
}

pub async fn facets_of(
    db: &impl ConnectionTrait,
    product_ids: &[Uuid],
) -> Result<HashMap<Uuid, ProductFacets>> {
    let rows = product_facet::Entity::find()
        .filter(product_facet::Column::ProductId.is_in(product_ids.iter().copied()))
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, ProductFacets> = HashMap::new();
    for r in rows {
        let f = out.entry(r.product_id).or_default();
        match r.facet.as_str() {
            facet::SUBJECT => f.subjects.push(r.value),
            facet::KEY_STAGE => f.key_stages.extend(KeyStage::from_code(&r.value)),
            facet::PLATFORM => f.platforms.extend(Platform::from_code(&r.value)),
            facet::BADGE => f.badges.extend(Badge::from_code(&r.value)),
            _ => {}
        }
    }
    for f in out.values_mut() {
        f.subjects.sort();
        f.key_stages.sort();
        f.platforms.sort();
        f.badges.sort();
    }
    Ok(out)
}

/// A product listing as a supplier (or the seed) submits it.
#[derive(Debug, Clone)]
pub struct NewProduct {
    pub supplier_id: Uuid,
    pub name: String,
    pub summary: String,
    pub description: String,
    pub categories: Vec<String>,
    pub subjects: Vec<String>,
    pub key_stages: Vec<KeyStage>,
    pub platforms: Vec<Platform>,
    pub pricing_model: PricingModel,
    pub price_pence: i64,
    pub hosting_location: HostingLocation,
    pub cyber_essentials: CyberEssentials,
    pub accessibility_statement_url: Option<String>,
    pub dpia_available: bool,
    pub sso_microsoft: bool,
    pub sso_google: bool,
    pub mis_integration: bool,
    pub website: Option<String>,
    pub status: ProductStatus,
    pub badges: Vec<Badge>,
    pub is_sample: bool,
}

impl NewProduct {
    pub fn validate(&self) -> Result<()> {
        crate::validate::text("name", &self.name, 2, 200)?;
        crate::validate::text("summary", &self.summary, 10, 500)?;
        crate::validate::text("description", &self.description, 10, 10_000)?;
        if self.price_pence < 0 {
            return Err(Error::bad_input(
                "pricePence",
                "`pricePence` must not be negative",
            ));
        }
        if self.categories.is_empty() {
            return Err(Error::bad_input(
                "categories",
                "at least one category is required",
            ));
        }
        if let Some(u) = &self.accessibility_statement_url {
            crate::validate::url("accessibilityStatementUrl", u)?;
        }
        if let Some(u) = &self.website {
            crate::validate::url("website", u)?;
        }
        Ok(())
    }
}

/// Inserts products with their categories and facets, and queues them for search, in the
/// caller's transaction. Rows go in batches so that 100,000 products load in seconds.
pub async fn insert_many(
    tx: &impl ConnectionTrait,
    products: Vec<NewProduct>,
) -> Result<Vec<Uuid>> {
    const BATCH: usize = 400;
    let now = Utc::now();
    let mut ids = Vec::with_capacity(products.len());
    for chunk in products.chunks(BATCH) {
        let mut rows = Vec::with_capacity(chunk.len());
        let mut cats = Vec::new();
        let mut facets = Vec::new();
        for p in chunk {
            p.validate()?;
            let id = Uuid::now_v7();
            ids.push(id);
            let public = p.status == ProductStatus::Approved;
            rows.push(product::ActiveModel {
                id: Set(id),
                supplier_id: Set(p.supplier_id),
                name: Set(p.name.clone()),
                summary: Set(p.summary.clone()),
                description: Set(p.description.clone()),
                pricing_model: Set(p.pricing_model.code().into()),
                price_pence: Set(p.price_pence),
                hosting_location: Set(p.hosting_location.code().into()),
                cyber_essentials: Set(p.cyber_essentials.code().into()),
                accessibility_statement_url: Set(p.accessibility_statement_url.clone()),
                dpia_available: Set(p.dpia_available),
                sso_microsoft: Set(p.sso_microsoft),
                sso_google: Set(p.sso_google),
                mis_integration: Set(p.mis_integration),
                website: Set(p.website.clone()),
                status: Set(p.status.code().into()),
                published_at: Set(public.then_some(now)),
                version: Set(1),
                is_sample: Set(p.is_sample),
                created_at: Set(now),
                updated_at: Set(now),
            });
            for c in dedup(p.categories.iter().cloned()) {
                cats.push(product_category::ActiveModel {
                    product_id: Set(id),
                    category_slug: Set(c),
                });
            }
            let mut push = |name: &str, values: Vec<String>| {
                for v in dedup(values.into_iter()) {
                    facets.push(product_facet::ActiveModel {
                        product_id: Set(id),
                        facet: Set(name.to_owned()),
                        value: Set(v),
                    });
                }
            };
            push(facet::SUBJECT, p.subjects.clone());
            push(
                facet::KEY_STAGE,
                p.key_stages.iter().map(|k| k.code().to_owned()).collect(),
            );
            push(
                facet::PLATFORM,
                p.platforms.iter().map(|k| k.code().to_owned()).collect(),
            );
            push(
                facet::BADGE,
                p.badges.iter().map(|k| k.code().to_owned()).collect(),
            );
        }
        product::Entity::insert_many(rows).exec(tx).await?;
        for c in cats.chunks(BATCH * 2) {
            product_category::Entity::insert_many(c.to_vec())
                .exec(tx)
                .await?;
        }
        for f in facets.chunks(BATCH * 2) {
            product_facet::Entity::insert_many(f.to_vec())
                .exec(tx)
                .await?;
        }
    }
    outbox::enqueue_many(tx, outbox::EntityType::Product, &ids, outbox::Op::Upsert).await?;
    Ok(ids)
}

fn dedup(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut v: Vec<String> = values.collect();
    v.sort();
    v.dedup();
    v
}

/// Moves a product to `status` (bumping its version) and queues it for search, in the caller's
/// transaction. Publishing sets `published_at` the first time.
pub async fn set_status(
    tx: &impl ConnectionTrait,
    id: Uuid,
    status: ProductStatus,
) -> Result<product::Model> {
    use sea_orm::ActiveModelTrait;
    let current = product::Entity::find_by_id(id)
        .one(tx)
        .await?
        .ok_or(Error::not_found("product"))?;
    let now = Utc::now();
    let published_at = match (status, current.published_at) {
        (ProductStatus::Approved, None) => Some(now),
        (_, p) => p,
    };
    let updated = product::ActiveModel {
        id: Set(id),
        status: Set(status.code().into()),
        published_at: Set(published_at),
        version: Set(current.version + 1),
        updated_at: Set(now),
        ..Default::default()
    }
    .update(tx)
    .await?;
    outbox::enqueue_many(tx, outbox::EntityType::Product, &[id], outbox::Op::Upsert).await?;
    Ok(updated)
}
