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

use crate::entity::{
    category, product, product_category, product_facet, product_rating, trial_offer,
};
use crate::pagination::{Cursor, Page, PageArgs, after};
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
    pub(crate) fn validate(&self) -> Result<()> {
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

    pub(crate) fn condition(&self) -> Condition {
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
    if let Some(cursor) = &page.after {
        q = q.filter(after(product::Column::Name, product::Column::Id, cursor));
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

/// A product in any status, for records that refer to it (a school's loan of a product that
/// has since been withdrawn still names it).
pub async fn get_any(db: &impl ConnectionTrait, id: Uuid) -> Result<product::Model> {
    product::Entity::find_by_id(id)
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
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
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

/// The review aggregates of several products, by product (none for a product without
/// reviews).
pub async fn ratings_of(
    db: &impl ConnectionTrait,
    product_ids: &[Uuid],
) -> Result<HashMap<Uuid, Option<product_rating::Model>>> {
    let rows = product_rating::Entity::find()
        .filter(product_rating::Column::ProductId.is_in(product_ids.iter().copied()))
        .all(db)
        .await?;
    Ok(rows.into_iter().map(|r| (r.product_id, Some(r))).collect())
}

/// The open trial offers of several products, by product, oldest first.
pub async fn open_trial_offers_of(
    db: &impl ConnectionTrait,
    product_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<trial_offer::Model>>> {
    let mut out: HashMap<Uuid, Vec<trial_offer::Model>> = HashMap::new();
    for offer in crate::lending::open_offers(db, product_ids).await? {
        out.entry(offer.product_id).or_default().push(offer);
    }
    Ok(out)
}

/// What a supplier writes about a product: everything in a listing except who owns it, where
/// it stands in vetting and the badges vetting awards. A pending revision stores one as JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::SimpleObject, async_graphql::InputObject),
    graphql(input_name = "ProductInput")
)]
pub struct ProductContent {
    /// 2 to 200 characters, unique among the supplier's listings.
    pub name: String,
    /// 10 to 500 characters, shown in lists.
    pub summary: String,
    /// 10 to 10,000 characters.
    pub description: String,
    /// Product category slugs, 1 to 10 (see `categories(scope: PRODUCT)`).
    pub categories: Vec<String>,
    /// Curriculum subjects, lower case, at most 30.
    pub subjects: Vec<String>,
    pub key_stages: Vec<KeyStage>,
    pub platforms: Vec<Platform>,
    pub pricing_model: PricingModel,
    /// Price in pence per pricing unit, not negative.
    pub price_pence: i64,
    pub hosting_location: HostingLocation,
    pub cyber_essentials: CyberEssentials,
    /// Link to the WCAG 2.2 AA accessibility statement.
    pub accessibility_statement_url: Option<String>,
    /// A data protection impact assessment is available to schools.
    pub dpia_available: bool,
    pub sso_microsoft: bool,
    pub sso_google: bool,
    /// Integrates with the school's management information system.
    pub mis_integration: bool,
    pub website: Option<String>,
    /// The device facts when the product is a device (laptop, Chromebook, tablet, desktop,
    /// interactive panel); none for software and services.
    #[serde(default)]
    pub device: Option<crate::devices::DeviceSpec>,
}

impl ProductContent {
    pub fn validate(&self) -> Result<()> {
        use crate::validate;
        validate::text("name", &self.name, 2, 200)?;
        validate::text("summary", &self.summary, 10, 500)?;
        validate::text("description", &self.description, 10, 10_000)?;
        if self.price_pence < 0 {
            return Err(Error::bad_input(
                "pricePence",
                "`pricePence` must not be negative",
            ));
        }
        if self.price_pence > 10_000_000_000 {
            return Err(Error::bad_input(
                "pricePence",
                "`pricePence` must be at most 10000000000 (100 million pounds)",
            ));
        }
        if self.categories.is_empty() || self.categories.len() > 10 {
            return Err(Error::bad_input("categories", "give 1 to 10 categories"));
        }
        for c in &self.categories {
            validate::code("categories", c)?;
        }
        if self.subjects.len() > 30 {
            return Err(Error::bad_input("subjects", "give at most 30 subjects"));
        }
        for s in &self.subjects {
            validate::text("subjects", s, 2, 40)?;
        }
        if let Some(u) = &self.accessibility_statement_url {
            validate::url("accessibilityStatementUrl", u)?;
        }
        if let Some(u) = &self.website {
            validate::url("website", u)?;
        }
        if let Some(d) = &self.device {
            d.validate()?;
        }
        Ok(())
    }

    /// Sorted, without repeats: the form stored and compared.
    pub fn normalised(mut self) -> Self {
        self.name = self.name.trim().to_owned();
        self.summary = self.summary.trim().to_owned();
        self.description = self.description.trim().to_owned();
        self.categories = dedup(self.categories.into_iter());
        self.subjects = dedup(self.subjects.into_iter().map(|s| s.trim().to_lowercase()));
        self.key_stages.sort();
        self.key_stages.dedup();
        self.platforms.sort();
        self.platforms.dedup();
        self.device = self.device.map(crate::devices::DeviceSpec::normalised);
        self
    }
}

/// A product listing as the seed (or a supplier's first save) creates it.
#[derive(Debug, Clone)]
pub struct NewProduct {
    pub supplier_id: Uuid,
    pub content: ProductContent,
    pub status: ProductStatus,
    pub badges: Vec<Badge>,
    pub is_sample: bool,
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
        let mut devices = Vec::new();
        for p in chunk {
            p.content.validate()?;
            let id = Uuid::now_v7();
            ids.push(id);
            let c = &p.content;
            let public = p.status == ProductStatus::Approved;
            rows.push(product::ActiveModel {
                id: Set(id),
                supplier_id: Set(p.supplier_id),
                status: Set(p.status.code().into()),
                published_at: Set(public.then_some(now)),
                version: Set(1),
                is_sample: Set(p.is_sample),
                created_at: Set(now),
                ..content_columns(c, now)
            });
            cats.extend(category_rows(id, c));
            facets.extend(facet_rows(id, c));
            facets.extend(badge_rows(id, &p.badges));
            if let Some(d) = &c.device {
                devices.push((id, d));
            }
        }
        product::Entity::insert_many(rows).exec(tx).await?;
        crate::devices::spec::insert_many(tx, devices).await?;
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

/// The product row's content columns (and `updated_at`); the caller sets the rest.
fn content_columns(c: &ProductContent, now: chrono::DateTime<Utc>) -> product::ActiveModel {
    product::ActiveModel {
        name: Set(c.name.clone()),
        summary: Set(c.summary.clone()),
        description: Set(c.description.clone()),
        pricing_model: Set(c.pricing_model.code().into()),
        price_pence: Set(c.price_pence),
        hosting_location: Set(c.hosting_location.code().into()),
        cyber_essentials: Set(c.cyber_essentials.code().into()),
        accessibility_statement_url: Set(c.accessibility_statement_url.clone()),
        dpia_available: Set(c.dpia_available),
        sso_microsoft: Set(c.sso_microsoft),
        sso_google: Set(c.sso_google),
        mis_integration: Set(c.mis_integration),
        website: Set(c.website.clone()),
        updated_at: Set(now),
        ..Default::default()
    }
}

fn category_rows(id: Uuid, c: &ProductContent) -> Vec<product_category::ActiveModel> {
    dedup(c.categories.iter().cloned())
        .into_iter()
        .map(|slug| product_category::ActiveModel {
            product_id: Set(id),
            category_slug: Set(slug),
        })
        .collect()
}

fn facet_row(id: Uuid, name: &str, value: String) -> product_facet::ActiveModel {
    product_facet::ActiveModel {
        product_id: Set(id),
        facet: Set(name.to_owned()),
        value: Set(value),
    }
}

/// Subject, key stage and platform rows: the facets a supplier writes.
fn facet_rows(id: Uuid, c: &ProductContent) -> Vec<product_facet::ActiveModel> {
    let codes = |v: Vec<&'static str>| dedup(v.into_iter().map(str::to_owned));
    let mut rows = Vec::new();
    for v in dedup(c.subjects.iter().cloned()) {
        rows.push(facet_row(id, facet::SUBJECT, v));
    }
    for v in codes(c.key_stages.iter().map(|k| k.code()).collect()) {
        rows.push(facet_row(id, facet::KEY_STAGE, v));
    }
    for v in codes(c.platforms.iter().map(|p| p.code()).collect()) {
        rows.push(facet_row(id, facet::PLATFORM, v));
    }
    rows
}

/// Badge rows: the facets vetting awards.
fn badge_rows(id: Uuid, badges: &[Badge]) -> Vec<product_facet::ActiveModel> {
    dedup(badges.iter().map(|b| b.code().to_owned()))
        .into_iter()
        .map(|v| facet_row(id, facet::BADGE, v))
        .collect()
}

/// Makes `content` the product's live content (row, categories and supplier-written facets),
/// in the caller's transaction. Status, version and badges are the caller's business.
pub async fn replace_content(
    tx: &impl ConnectionTrait,
    id: Uuid,
    content: &ProductContent,
) -> Result<()> {
    content.validate()?;
    product::Entity::update(product::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(id),
        ..content_columns(content, Utc::now())
    })
    .exec(tx)
    .await?;
    product_category::Entity::delete_many()
        .filter(product_category::Column::ProductId.eq(id))
        .exec(tx)
        .await?;
    product_category::Entity::insert_many(category_rows(id, content))
        .exec(tx)
        .await?;
    product_facet::Entity::delete_many()
        .filter(product_facet::Column::ProductId.eq(id))
        .filter(product_facet::Column::Facet.ne(facet::BADGE))
        .exec(tx)
        .await?;
    let rows = facet_rows(id, content);
    if !rows.is_empty() {
        product_facet::Entity::insert_many(rows).exec(tx).await?;
    }
    crate::devices::spec::replace(tx, id, content.device.as_ref()).await
}

/// Replaces the product's badges, in the caller's transaction.
pub async fn replace_badges(tx: &impl ConnectionTrait, id: Uuid, badges: &[Badge]) -> Result<()> {
    product_facet::Entity::delete_many()
        .filter(product_facet::Column::ProductId.eq(id))
        .filter(product_facet::Column::Facet.eq(facet::BADGE))
        .exec(tx)
        .await?;
    let rows = badge_rows(id, badges);
    if !rows.is_empty() {
        product_facet::Entity::insert_many(rows).exec(tx).await?;
    }
    Ok(())
}

/// The live content of a product, read back from its row, categories and facets.
pub async fn content_of(db: &impl ConnectionTrait, p: &product::Model) -> Result<ProductContent> {
    let bad = |column: &str, value: &str| {
        Error::Internal(format!("unknown code {value:?} in products.{column}"))
    };
    let categories: Vec<String> = categories_of(db, &[p.id])
        .await?
        .remove(&p.id)
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.slug)
        .collect();
    let facets = facets_of(db, &[p.id])
        .await?
        .remove(&p.id)
        .unwrap_or_default();
    Ok(ProductContent {
        name: p.name.clone(),
        summary: p.summary.clone(),
        description: p.description.clone(),
        categories: dedup(categories.into_iter()),
        subjects: facets.subjects,
        key_stages: facets.key_stages,
        platforms: facets.platforms,
        pricing_model: PricingModel::from_code(&p.pricing_model)
            .ok_or_else(|| bad("pricing_model", &p.pricing_model))?,
        price_pence: p.price_pence,
        hosting_location: HostingLocation::from_code(&p.hosting_location)
            .ok_or_else(|| bad("hosting_location", &p.hosting_location))?,
        cyber_essentials: CyberEssentials::from_code(&p.cyber_essentials)
            .ok_or_else(|| bad("cyber_essentials", &p.cyber_essentials))?,
        accessibility_statement_url: p.accessibility_statement_url.clone(),
        dpia_available: p.dpia_available,
        sso_microsoft: p.sso_microsoft,
        sso_google: p.sso_google,
        mis_integration: p.mis_integration,
        website: p.website.clone(),
        device: crate::devices::spec::specs_of(db, &[p.id])
            .await?
            .remove(&p.id),
    })
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
