//! Searching deals and products: the GraphQL arguments become a search of the search service
//! (`becta_indexer::service`), and its page becomes the GraphQL results.

use async_graphql::{Context, ID, InputObject, Object};
use becta_domain::vocab::{
    Badge, DealSort, DeviceCondition, DeviceGrade, EstablishmentType, FormFactor, HostingLocation,
    KeyStage, MatchingStrategy, Phase, Platform, PricingModel, ProductSort, RouteToMarket,
};
use becta_indexer::Kind;
use becta_indexer::service::{self, DealFilter, DealSearch, ProductFilter, ProductSearch};
use becta_indexer::suggest;
use chrono::NaiveDate;

use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::search::*;
use crate::state::AppState;

/// Filters for `searchProducts`. Values in one list are alternatives (any of); different
/// filters must all hold; `badges` must all be held.
#[derive(InputObject, Default)]
pub struct ProductSearchFilter {
    /// Product category slugs.
    pub categories: Option<Vec<String>>,
    pub key_stages: Option<Vec<KeyStage>>,
    /// Products covering at least one key stage taught in this phase.
    pub phase: Option<Phase>,
    pub platforms: Option<Vec<Platform>>,
    /// Curriculum subject codes, e.g. `maths`.
    pub subjects: Option<Vec<String>>,
    pub pricing_models: Option<Vec<PricingModel>>,
    pub hosting_locations: Option<Vec<HostingLocation>>,
    /// At most this indicative price, in pence.
    pub max_price_pence: Option<i64>,
    /// At least this average rating (0 to 5).
    pub min_rating: Option<f64>,
    /// Products holding every one of these badges.
    pub badges: Option<Vec<Badge>>,
    /// Only products with (or without) an open trial offer.
    pub trial_available: Option<bool>,
    pub supplier_id: Option<ID>,
    /// Only products with at least this many trial outcomes recorded.
    pub min_evidence: Option<i64>,
    /// Devices in any of these conditions (products that are not devices never match).
    pub condition: Option<Vec<DeviceCondition>>,
    /// Used devices of any of these cosmetic grades.
    pub grades: Option<Vec<DeviceGrade>>,
    /// Devices whose batteries hold at least this percent of design capacity (0 to 100;
    /// a new device's battery counts as 100).
    pub min_battery_health_percent: Option<i64>,
    /// Devices with at least this many months of warranty (0 to 60).
    pub min_warranty_months: Option<i64>,
    pub form_factors: Option<Vec<FormFactor>>,
    /// Operating systems as listings name them, e.g. "ChromeOS" (see the facet).
    pub operating_systems: Option<Vec<String>>,
}

/// Filters for `searchDeals`. Values in one list are alternatives; different filters must all hold.
#[derive(InputObject, Default)]
pub struct DealSearchFilter {
    /// Deal category slugs.
    pub categories: Option<Vec<String>>,
    /// Provider short names, e.g. "CCS".
    pub providers: Option<Vec<String>>,
    pub phases: Option<Vec<Phase>>,
    pub organisation_types: Option<Vec<EstablishmentType>>,
    pub routes_to_market: Option<Vec<RouteToMarket>>,
    pub dfe_endorsed: Option<bool>,
    /// Deals in force on this date.
    pub active_on: Option<NaiveDate>,
    /// Deals ending on or before this date.
    pub ending_by: Option<NaiveDate>,
}

impl ProductSearchFilter {
    pub fn into_domain(self) -> async_graphql::Result<ProductFilter> {
        Ok(ProductFilter {
            categories: self.categories.unwrap_or_default(),
            key_stages: self.key_stages.unwrap_or_default(),
            phase: self.phase,
            platforms: self.platforms.unwrap_or_default(),
            subjects: self.subjects.unwrap_or_default(),
            pricing_models: self.pricing_models.unwrap_or_default(),
            hosting_locations: self.hosting_locations.unwrap_or_default(),
            max_price_pence: self.max_price_pence,
            min_rating: self.min_rating,
            badges: self.badges.unwrap_or_default(),
            trial_available: self.trial_available,
            supplier_id: self
                .supplier_id
                .as_ref()
                .map(|s| parse_id("filter.supplierId", s))
                .transpose()?,
            min_evidence: self.min_evidence,
            conditions: self.condition.unwrap_or_default(),
            grades: self.grades.unwrap_or_default(),
            min_battery_health_percent: self.min_battery_health_percent,
            min_warranty_months: self.min_warranty_months,
            form_factors: self.form_factors.unwrap_or_default(),
            operating_systems: self.operating_systems.unwrap_or_default(),
        })
    }
}

impl DealSearchFilter {
    pub fn into_domain(self) -> DealFilter {
        DealFilter {
            categories: self.categories.unwrap_or_default(),
            providers: self.providers.unwrap_or_default(),
            phases: self.phases.unwrap_or_default(),
            organisation_types: self.organisation_types.unwrap_or_default(),
            routes_to_market: self.routes_to_market.unwrap_or_default(),
            dfe_endorsed: self.dfe_endorsed,
            active_on: self.active_on,
            ending_by: self.ending_by,
        }
    }
}

/// How a search is asked for, whatever it searches.
pub struct Asked {
    pub query: Option<String>,
    pub matching: Option<MatchingStrategy>,
    pub first: Option<i32>,
    pub offset: Option<i32>,
}

/// A product search from the GraphQL arguments.
pub fn product_search(
    asked: Asked,
    filter: Option<ProductSearchFilter>,
    sort: Option<ProductSort>,
) -> async_graphql::Result<ProductSearch> {
    Ok(ProductSearch {
        filter: filter
            .map(|f| f.into_domain())
            .transpose()?
            .unwrap_or_default(),
        sort: sort.unwrap_or(ProductSort::Relevance),
        matching: asked.matching.unwrap_or(MatchingStrategy::Last),
        first: asked.first.unwrap_or(20),
        offset: asked.offset.unwrap_or(0),
        ..ProductSearch::new(asked.query.unwrap_or_default())
    })
}

/// A deal search from the GraphQL arguments.
pub fn deal_search(
    asked: Asked,
    filter: Option<DealSearchFilter>,
    sort: Option<DealSort>,
) -> DealSearch {
    DealSearch {
        filter: filter.map(|f| f.into_domain()).unwrap_or_default(),
        sort: sort.unwrap_or(DealSort::Relevance),
        matching: asked.matching.unwrap_or(MatchingStrategy::Last),
        first: asked.first.unwrap_or(20),
        offset: asked.offset.unwrap_or(0),
        ..DealSearch::new(asked.query.unwrap_or_default())
    }
}

#[derive(Default)]
pub struct SearchQueryRoot;

#[Object]
impl SearchQueryRoot {
    /// Full-text search of vetted products: typo tolerant, with filters, facets and sorts.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    #[expect(
        clippy::too_many_arguments,
        reason = "each argument is one of the field's GraphQL arguments"
    )]
    async fn search_products(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for; empty lists everything that matches the filters.")]
        query: Option<String>,
        filter: Option<ProductSearchFilter>,
        sort: Option<ProductSort>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Hits to skip, 0 to 10000.")] offset: Option<i32>,
        #[graphql(
            desc = "Which records a query of several words finds (default `LAST`: every word first, then fewer words from the end)."
        )]
        matching_strategy: Option<MatchingStrategy>,
    ) -> async_graphql::Result<ProductSearchResults> {
        let state = ctx.data::<AppState>()?;
        let look = ctx.look_ahead();
        let asked = Asked {
            query,
            matching: matching_strategy,
            first,
            offset,
        };
        let mut search = product_search(asked, filter, sort)?;
        search.facets = look.field("facets").exists();
        search.highlights = look.field("hits").field("highlights").exists();
        let page = service::search_products(&state.db, &state.search, &search)
            .await
            .gql()?;
        let help = did_you_mean(ctx, &look, page.total_hits, Kind::Products, &search.text).await?;
        let mut results = product_results(ctx, page, look.field("hits").field("product")).await?;
        results.did_you_mean = help;
        Ok(results)
    }

    /// Full-text search of current deals: typo tolerant, with filters, facets and sorts.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    #[expect(
        clippy::too_many_arguments,
        reason = "each argument is one of the field's GraphQL arguments"
    )]
    async fn search_deals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for; empty lists everything that matches the filters.")]
        query: Option<String>,
        filter: Option<DealSearchFilter>,
        sort: Option<DealSort>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Hits to skip, 0 to 10000.")] offset: Option<i32>,
        #[graphql(
            desc = "Which records a query of several words finds (default `LAST`: every word first, then fewer words from the end)."
        )]
        matching_strategy: Option<MatchingStrategy>,
    ) -> async_graphql::Result<DealSearchResults> {
        let state = ctx.data::<AppState>()?;
        let look = ctx.look_ahead();
        let asked = Asked {
            query,
            matching: matching_strategy,
            first,
            offset,
        };
        let mut search = deal_search(asked, filter, sort);
        search.facets = look.field("facets").exists();
        search.highlights = look.field("hits").field("highlights").exists();
        let page = service::search_deals(&state.db, &state.search, &search)
            .await
            .gql()?;
        let help = did_you_mean(ctx, &look, page.total_hits, Kind::Deals, &search.text).await?;
        let mut results = deal_results(ctx, page, look.field("hits").field("deal")).await?;
        results.did_you_mean = help;
        Ok(results)
    }

    /// Products and deals at once, best matches first.
    #[graphql(complexity = "2 * first.unwrap_or(5).max(0) as usize * child_complexity")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        #[graphql(desc = "Hits of each kind, 1 to 100 (default 5).")] first: Option<i32>,
        #[graphql(
            desc = "Which records a query of several words finds (default `LAST`: every word first, then fewer words from the end)."
        )]
        matching_strategy: Option<MatchingStrategy>,
    ) -> async_graphql::Result<CombinedSearchResults> {
        let state = ctx.data::<AppState>()?;
        let (look, first) = (ctx.look_ahead(), first.or(Some(5)));
        let asked = || Asked {
            query: Some(query.clone()),
            matching: matching_strategy,
            first,
            offset: None,
        };
        let mut products = product_search(asked(), None, None)?;
        let mut deals = deal_search(asked(), None, None);
        products.facets = look.field("products").field("facets").exists();
        deals.facets = look.field("deals").field("facets").exists();
        products.highlights = look
            .field("products")
            .field("hits")
            .field("highlights")
            .exists();
        deals.highlights = look
            .field("deals")
            .field("hits")
            .field("highlights")
            .exists();
        let (p, d) = service::search_both(&state.db, &state.search, &products, &deals)
            .await
            .gql()?;
        let (p_total, d_total) = (p.total_hits, d.total_hits);
        let mut results = CombinedSearchResults {
            products: product_results(
                ctx,
                p,
                look.field("products").field("hits").field("product"),
            )
            .await?,
            deals: deal_results(ctx, d, look.field("deals").field("hits").field("deal")).await?,
        };
        results.products.did_you_mean = did_you_mean(
            ctx,
            &look.field("products"),
            p_total,
            Kind::Products,
            &query,
        )
        .await?;
        results.deals.did_you_mean =
            did_you_mean(ctx, &look.field("deals"), d_total, Kind::Deals, &query).await?;
        Ok(results)
    }

    /// Names for the letters typed so far: products, deals, suppliers and categories whose
    /// name has a word starting with them (a typo allowed from the fifth letter), names
    /// that start with them first. New names are suggested within `BECTA_SUGGEST_REFRESH_MS`.
    async fn suggest(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The letters typed, up to 100 characters.")] prefix: String,
        #[graphql(desc = "Suggestions, 1 to 20 (default 8).")] first: Option<i32>,
    ) -> async_graphql::Result<Vec<Suggestion>> {
        let state = ctx.data::<AppState>()?;
        let found = suggest::suggest(&state.db, &state.suggester, &prefix, first.unwrap_or(8))
            .await
            .gql()?;
        Ok(found
            .into_iter()
            .map(|s| Suggestion {
                text: s.text,
                kind: s.kind,
                id: ID(s.id),
            })
            .collect())
    }
}

/// Help for a search that found nothing, when the client selected `didYouMean`.
async fn did_you_mean(
    ctx: &Context<'_>,
    results: &async_graphql::Lookahead<'_>,
    total_hits: u64,
    kind: Kind,
    text: &str,
) -> async_graphql::Result<Option<DidYouMean>> {
    if total_hits > 0 || text.trim().is_empty() || !results.field("didYouMean").exists() {
        return Ok(None);
    }
    let state = ctx.data::<AppState>()?;
    suggest::refresh(&state.db, &state.suggester).await.gql()?;
    let names = state.suggester.snapshot();
    let help = becta_indexer::did_you_mean::did_you_mean(&state.search, &names, kind, text)
        .await
        .gql()?;
    Ok(Some(help.into()))
}
