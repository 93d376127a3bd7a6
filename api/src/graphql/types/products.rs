//! Product types: `Product`, `LoadedProduct` (a search hit, answered from memory when it can)
//! and the `products` filter.

use async_graphql::{Context, ID, InputObject, Object, Value};
use becta_domain::catalogue::products;
use becta_domain::entity::product;
use becta_domain::search::ProductRecord;
use becta_domain::vocab::{
    Badge, CyberEssentials, HostingLocation, KeyStage, Phase, Platform, PricingModel, ReviewSort,
};
use chrono::{DateTime, Utc};
use std::sync::Arc;

use super::catalogue::{Category, Supplier, code, load, load_list, loader};
use super::ids::parse_id;
use super::lending::TrialOffer;
use super::plain::{plain_answers, plain_object};
use super::reviews::{RatingSummary, Review, ReviewPage};
use crate::graphql::error::GqlResult;
use crate::graphql::loaders::*;

/// A vetted EdTech product listing.
pub struct Product(pub product::Model);

/// A vetted EdTech product listing.
#[Object]
impl Product {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn supplier(&self, ctx: &Context<'_>) -> async_graphql::Result<Supplier> {
        load(ctx, OrgId(self.0.supplier_id), "supplier")
            .await
            .map(Supplier)
    }
    async fn categories(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Category>> {
        Ok(load_list(ctx, ProductCategories(self.0.id))
            .await?
            .into_iter()
            .map(Category)
            .collect())
    }
    /// Curriculum subjects (empty for products that are not curriculum content).
    async fn subjects(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        Ok(self.facets(ctx).await?.subjects)
    }
    async fn key_stages(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<KeyStage>> {
        Ok(self.facets(ctx).await?.key_stages)
    }
    async fn platforms(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Platform>> {
        Ok(self.facets(ctx).await?.platforms)
    }
    /// Badges awarded in vetting.
    async fn badges(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Badge>> {
        Ok(self.facets(ctx).await?.badges)
    }
    async fn pricing_model(&self) -> async_graphql::Result<PricingModel> {
        code(
            PricingModel::from_code,
            "pricing_model",
            &self.0.pricing_model,
        )
    }
    /// Indicative price in pence (ex VAT), per the pricing model's unit.
    async fn price_pence(&self) -> i64 {
        self.0.price_pence
    }
    /// The indicative price in words, e.g. "£4.50 per pupil per year" or "£1,925 per school per
    /// year".
    async fn price_display(&self) -> async_graphql::Result<String> {
        let model = code(
            PricingModel::from_code,
            "pricing_model",
            &self.0.pricing_model,
        )?;
        Ok(model.display(self.0.price_pence))
    }
    /// Where the product stores school data.
    async fn hosting_location(&self) -> async_graphql::Result<HostingLocation> {
        code(
            HostingLocation::from_code,
            "hosting_location",
            &self.0.hosting_location,
        )
    }
    async fn cyber_essentials(&self) -> async_graphql::Result<CyberEssentials> {
        code(
            CyberEssentials::from_code,
            "cyber_essentials",
            &self.0.cyber_essentials,
        )
    }
    async fn accessibility_statement_url(&self) -> Option<&str> {
        self.0.accessibility_statement_url.as_deref()
    }
    /// A data protection impact assessment is available from the supplier.
    async fn dpia_available(&self) -> bool {
        self.0.dpia_available
    }
    /// Single sign-on with Microsoft accounts.
    async fn sso_microsoft(&self) -> bool {
        self.0.sso_microsoft
    }
    /// Single sign-on with Google accounts.
    async fn sso_google(&self) -> bool {
        self.0.sso_google
    }
    /// Integrates with the school's management information system.
    async fn mis_integration(&self) -> bool {
        self.0.mis_integration
    }
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.published_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Review figures from published reviews: average, count, distribution, per criterion.
    async fn rating(&self, ctx: &Context<'_>) -> async_graphql::Result<RatingSummary> {
        let rating = loader(ctx)?
            .load_one(ProductRatingOf(self.0.id))
            .await
            .map_err(|e| (*e).clone())?
            .flatten();
        Ok(RatingSummary(rating))
    }
    /// Published reviews by schools.
    #[graphql(complexity = "first.unwrap_or(10).max(0) as usize * child_complexity")]
    async fn reviews(
        &self,
        ctx: &Context<'_>,
        #[graphql(default_with = "ReviewSort::Newest")] sort: ReviewSort,
        #[graphql(default)] verified_only: bool,
        phase: Option<Phase>,
        #[graphql(desc = "Page size, 1 to 50 (default 10).")] first: Option<i32>,
        #[graphql(desc = "Reviews to skip, 0 to 10,000.")] offset: Option<i32>,
    ) -> async_graphql::Result<ReviewPage> {
        let page =
            becta_domain::reviews::ReviewPageArgs::new(verified_only, phase, sort, first, offset)
                .gql()?;
        let (rows, total) = loader(ctx)?
            .load_one(ProductReviews {
                product: self.0.id,
                page,
            })
            .await
            .map_err(|e| (*e).clone())?
            .unwrap_or_default();
        Ok(ReviewPage {
            total_count: total,
            items: rows.into_iter().map(Review).collect(),
        })
    }
    /// Open trial offers: schools may borrow seats to try the product before buying.
    async fn trial_offers(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TrialOffer>> {
        Ok(load_list(ctx, ProductTrialOffers(self.0.id))
            .await?
            .into_iter()
            .map(|o| TrialOffer(o, false))
            .collect())
    }
    /// Evidence of impact from schools' trials: figures only from 5 recorded outcomes
    /// (below that, suppressed with the reason).
    async fn evidence(&self, ctx: &Context<'_>) -> async_graphql::Result<super::trials::Evidence> {
        let e = loader(ctx)?
            .load_one(ProductEvidence(self.0.id))
            .await
            .map_err(|e| (*e).clone())?
            .unwrap_or_default();
        Ok(super::trials::Evidence(e))
    }
    /// The device facts, stock and carbon when the product is a device (laptop, Chromebook,
    /// tablet, desktop, interactive panel); null for software and services.
    async fn device(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::devices::DeviceListing>> {
        Ok(loader(ctx)?
            .load_one(ProductDeviceOf(self.0.id))
            .await
            .map_err(|e| (*e).clone())?
            .map(super::devices::DeviceListing))
    }
    /// True for records of the sample dataset.
    async fn is_sample(&self) -> bool {
        self.0.is_sample
    }
}

impl Product {
    async fn facets(&self, ctx: &Context<'_>) -> async_graphql::Result<products::ProductFacets> {
        Ok(loader(ctx)?
            .load_one(ProductFacetsOf(self.0.id))
            .await
            .map_err(|e| (*e).clone())?
            .unwrap_or_default())
    }
}

/// A product as a search hit shows it: the GraphQL type `Product`, answered from memory when
/// the selection is plain (see [`super::plain`]), else by [`Product`]'s resolvers.
pub enum LoadedProduct {
    /// From the hit's stored record: the row with its supplier, categories and facets.
    Record(Arc<ProductRecord>),
    /// Read from the database; its nested rows are in the request's loader.
    Row(Box<Product>),
}

impl LoadedProduct {
    pub(crate) fn row(&self) -> &product::Model {
        match self {
            LoadedProduct::Record(r) => &r.product,
            LoadedProduct::Row(p) => &p.0,
        }
    }

    pub(crate) fn record(&self) -> Option<&ProductRecord> {
        match self {
            LoadedProduct::Record(r) => Some(r),
            LoadedProduct::Row(_) => None,
        }
    }
}

impl async_graphql::OutputType for LoadedProduct {
    fn type_name() -> std::borrow::Cow<'static, str> {
        Product::type_name()
    }

    fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
        Product::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &async_graphql::ContextSelectionSet<'_>,
        field: &async_graphql::Positioned<async_graphql::parser::types::Field>,
    ) -> async_graphql::ServerResult<Value> {
        if plain_answers(ctx)
            && let Some(value) = plain_object(self, &ctx.item.node)
        {
            return Ok(value);
        }
        match self {
            LoadedProduct::Row(p) => p.resolve(ctx, field).await,
            LoadedProduct::Record(r) => {
                // The general resolvers read nested rows through the loader: hand it the
                // record's, so they cost no query.
                if let Ok(loader) = ctx.data::<RequestLoader>() {
                    let id = r.product.id;
                    if let Some(s) = &r.supplier {
                        loader.feed_one(OrgId(s.id), s.clone()).await;
                    }
                    loader
                        .feed_one(ProductCategories(id), r.categories.clone())
                        .await;
                    loader.feed_one(ProductFacetsOf(id), r.facets.clone()).await;
                }
                Product(r.product.clone()).resolve(ctx, field).await
            }
        }
    }
}

/// Filters for `products`; all given filters must hold.
#[derive(InputObject, Default)]
pub struct ProductFilterInput {
    /// A product category slug (see `categories(scope: PRODUCT)`).
    pub category: Option<String>,
    pub supplier_id: Option<ID>,
    /// A curriculum subject code, e.g. `maths`.
    pub subject: Option<String>,
    pub key_stage: Option<KeyStage>,
    /// Products covering at least one key stage taught in this phase.
    pub phase: Option<Phase>,
    pub platform: Option<Platform>,
    pub pricing_model: Option<PricingModel>,
    /// At most this indicative price, in pence.
    pub max_price_pence: Option<i64>,
    /// Products holding every one of these badges.
    pub badges: Option<Vec<Badge>>,
}

impl ProductFilterInput {
    pub fn into_domain(self) -> async_graphql::Result<products::ProductFilter> {
        Ok(products::ProductFilter {
            category: self.category,
            supplier_id: self
                .supplier_id
                .as_ref()
                .map(|s| parse_id("filter.supplierId", s))
                .transpose()?,
            subject: self.subject,
            key_stage: self.key_stage,
            phase: self.phase,
            platform: self.platform,
            pricing_model: self.pricing_model,
            max_price_pence: self.max_price_pence,
            badges: self.badges.unwrap_or_default(),
        })
    }
}
