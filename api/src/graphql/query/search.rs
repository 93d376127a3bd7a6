//! Searching deals and products: full text with typo tolerance, filters, facets and sorts.
//! Only public records are ever indexed, and hits are joined to the public rows.

use async_graphql::{Context, Enum, ID, InputObject, Object};
use becta_domain::Error;
use becta_domain::search::{Kind, epoch_days};
use becta_domain::vocab::{
    Badge, EstablishmentType, HostingLocation, KeyStage, Phase, Platform, PricingModel,
    RouteToMarket,
};
use becta_indexer::{Attribute, Filter, Order, SearchQuery, Sort};
use chrono::NaiveDate;

use crate::graphql::error::{GqlResult, to_gql};
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::search::*;
use crate::state::AppState;

const MAX_QUERY_CHARS: usize = 200;
const MAX_OFFSET: i32 = 10_000;

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

#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum ProductSort {
    /// Best match first.
    #[default]
    Relevance,
    /// Highest average rating first.
    Rating,
    PriceLowToHigh,
    PriceHighToLow,
    /// Most recently published first.
    Newest,
}

#[derive(Enum, Clone, Copy, PartialEq, Eq, Default)]
pub enum DealSort {
    /// Best match first.
    #[default]
    Relevance,
    /// Soonest end date first.
    EndingSoonest,
    /// Most recently updated first.
    Newest,
    /// Highest typical saving first.
    Savings,
}

fn codes<T: Copy>(values: Option<Vec<T>>, code: fn(T) -> &'static str) -> Option<Vec<String>> {
    values
        .filter(|v| !v.is_empty())
        .map(|v| v.into_iter().map(|x| code(x).to_owned()).collect())
}

fn nonempty(values: Option<Vec<String>>) -> Option<Vec<String>> {
    values.filter(|v| !v.is_empty())
}

fn base_query(
    query: Option<String>,
    first: Option<i32>,
    offset: Option<i32>,
) -> async_graphql::Result<SearchQuery> {
    let text = query.unwrap_or_default();
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(to_gql(Error::bad_input(
            "query",
            format!("`query` must be at most {MAX_QUERY_CHARS} characters"),
        )));
    }
    let first = first.unwrap_or(20);
    if !(1..=100).contains(&first) {
        return Err(to_gql(Error::bad_input(
            "first",
            format!("`first` must be between 1 and 100, got {first}"),
        )));
    }
    let offset = offset.unwrap_or(0);
    if !(0..=MAX_OFFSET).contains(&offset) {
        return Err(to_gql(Error::bad_input(
            "offset",
            format!("`offset` must be between 0 and {MAX_OFFSET}"),
        )));
    }
    let mut q = SearchQuery::new(text);
    q.limit = first as usize;
    q.offset = offset as usize;
    Ok(q)
}

pub fn product_query(
    query: Option<String>,
    filter: Option<ProductSearchFilter>,
    sort: Option<ProductSort>,
    first: Option<i32>,
    offset: Option<i32>,
) -> async_graphql::Result<SearchQuery> {
    let mut q = base_query(query, first, offset)?;
    let f = filter.unwrap_or_default();
    let mut filters = Vec::new();
    if let Some(v) = nonempty(f.categories) {
        filters.push(Filter::AnyOf(Attribute::Categories, v));
    }
    if let Some(v) = codes(f.key_stages, KeyStage::code) {
        filters.push(Filter::AnyOf(Attribute::KeyStages, v));
    }
    if let Some(p) = f.phase {
        filters.push(Filter::AnyOf(
            Attribute::KeyStages,
            p.key_stages().iter().map(|k| k.code().to_owned()).collect(),
        ));
    }
    if let Some(v) = codes(f.platforms, Platform::code) {
        filters.push(Filter::AnyOf(Attribute::Platforms, v));
    }
    if let Some(v) = nonempty(f.subjects) {
        filters.push(Filter::AnyOf(Attribute::Subjects, v));
    }
    if let Some(v) = codes(f.pricing_models, PricingModel::code) {
        filters.push(Filter::AnyOf(Attribute::PricingModel, v));
    }
    if let Some(v) = codes(f.hosting_locations, HostingLocation::code) {
        filters.push(Filter::AnyOf(Attribute::HostingLocation, v));
    }
    if let Some(max) = f.max_price_pence {
        if max < 0 {
            return Err(to_gql(Error::bad_input(
                "filter.maxPricePence",
                "`maxPricePence` must not be negative",
            )));
        }
        filters.push(Filter::Range(Attribute::PricePence, None, Some(max as f64)));
    }
    if let Some(min) = f.min_rating {
        if !(0.0..=5.0).contains(&min) {
            return Err(to_gql(Error::bad_input(
                "filter.minRating",
                "`minRating` must be between 0 and 5",
            )));
        }
        filters.push(Filter::Range(Attribute::RatingAverage, Some(min), None));
    }
    if let Some(v) = codes(f.badges, Badge::code) {
        filters.push(Filter::AllOf(Attribute::Badges, v));
    }
    if let Some(t) = f.trial_available {
        filters.push(Filter::Is(Attribute::TrialAvailable, t));
    }
    if let Some(s) = &f.supplier_id {
        filters.push(Filter::AnyOf(
            Attribute::SupplierId,
            vec![parse_id("filter.supplierId", s)?.to_string()],
        ));
    }
    q.filters = filters;
    q.sort = match sort.unwrap_or_default() {
        ProductSort::Relevance => Sort::Relevance,
        ProductSort::Rating => Sort::By(Attribute::RatingAverage, Order::Desc),
        ProductSort::PriceLowToHigh => Sort::By(Attribute::PricePence, Order::Asc),
        ProductSort::PriceHighToLow => Sort::By(Attribute::PricePence, Order::Desc),
        ProductSort::Newest => Sort::By(Attribute::PublishedAt, Order::Desc),
    };
    q.facets = PRODUCT_FACETS.iter().map(|(a, _, _)| *a).collect();
    Ok(q)
}

pub fn deal_query(
    query: Option<String>,
    filter: Option<DealSearchFilter>,
    sort: Option<DealSort>,
    first: Option<i32>,
    offset: Option<i32>,
) -> async_graphql::Result<SearchQuery> {
    let mut q = base_query(query, first, offset)?;
    let f = filter.unwrap_or_default();
    // Ended deals are not public, even if the index has not caught up with the calendar.
    let today = epoch_days(becta_domain::catalogue::deals::today()) as f64;
    let mut filters = vec![Filter::Range(Attribute::EndsOnDays, Some(today), None)];
    if let Some(v) = nonempty(f.categories) {
        filters.push(Filter::AnyOf(Attribute::Categories, v));
    }
    if let Some(v) = nonempty(f.providers) {
        filters.push(Filter::AnyOf(Attribute::Provider, v));
    }
    if let Some(v) = codes(f.phases, Phase::code) {
        filters.push(Filter::AnyOf(Attribute::EligiblePhases, v));
    }
    if let Some(v) = codes(f.organisation_types, EstablishmentType::code) {
        filters.push(Filter::AnyOf(Attribute::EligibleOrgTypes, v));
    }
    if let Some(v) = codes(f.routes_to_market, RouteToMarket::code) {
        filters.push(Filter::AnyOf(Attribute::RouteToMarket, v));
    }
    if let Some(e) = f.dfe_endorsed {
        filters.push(Filter::Is(Attribute::DfeEndorsed, e));
    }
    if let Some(d) = f.active_on {
        let d = epoch_days(d) as f64;
        filters.push(Filter::Range(Attribute::StartsOnDays, None, Some(d)));
        filters.push(Filter::Range(Attribute::EndsOnDays, Some(d), None));
    }
    if let Some(d) = f.ending_by {
        filters.push(Filter::Range(
            Attribute::EndsOnDays,
            None,
            Some(epoch_days(d) as f64),
        ));
    }
    q.filters = filters;
    q.sort = match sort.unwrap_or_default() {
        DealSort::Relevance => Sort::Relevance,
        DealSort::EndingSoonest => Sort::By(Attribute::EndsOnDays, Order::Asc),
        DealSort::Newest => Sort::By(Attribute::UpdatedAt, Order::Desc),
        DealSort::Savings => Sort::By(Attribute::TypicalSavingsBps, Order::Desc),
    };
    q.facets = DEAL_FACETS.iter().map(|(a, _, _)| *a).collect();
    Ok(q)
}

#[derive(Default)]
pub struct SearchQueryRoot;

#[Object]
impl SearchQueryRoot {
    /// Full-text search of vetted products: typo tolerant, with filters, facets and sorts.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn search_products(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for; empty lists everything that matches the filters.")]
        query: Option<String>,
        filter: Option<ProductSearchFilter>,
        sort: Option<ProductSort>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Hits to skip, 0 to 10000.")] offset: Option<i32>,
    ) -> async_graphql::Result<ProductSearchResults> {
        let state = ctx.data::<AppState>()?;
        let mut q = product_query(query, filter, sort, first, offset)?;
        if !ctx.look_ahead().field("facets").exists() {
            q.facets.clear(); // counting facets costs time; skip them when nobody reads them
        }
        let found = state
            .search
            .search(Kind::Products, &q)
            .await
            .map_err(Error::from)
            .gql()?;
        product_results(ctx, found, ctx.look_ahead().field("hits").field("product")).await
    }

    /// Full-text search of current deals: typo tolerant, with filters, facets and sorts.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn search_deals(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to look for; empty lists everything that matches the filters.")]
        query: Option<String>,
        filter: Option<DealSearchFilter>,
        sort: Option<DealSort>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Hits to skip, 0 to 10000.")] offset: Option<i32>,
    ) -> async_graphql::Result<DealSearchResults> {
        let state = ctx.data::<AppState>()?;
        let mut q = deal_query(query, filter, sort, first, offset)?;
        if !ctx.look_ahead().field("facets").exists() {
            q.facets.clear();
        }
        let found = state
            .search
            .search(Kind::Deals, &q)
            .await
            .map_err(Error::from)
            .gql()?;
        deal_results(ctx, found, ctx.look_ahead().field("hits").field("deal")).await
    }

    /// Products and deals at once, best matches first.
    #[graphql(complexity = "2 * first.unwrap_or(5).max(0) as usize * child_complexity")]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        #[graphql(desc = "Hits of each kind, 1 to 100 (default 5).")] first: Option<i32>,
    ) -> async_graphql::Result<CombinedSearchResults> {
        let state = ctx.data::<AppState>()?;
        let first = Some(first.unwrap_or(5));
        let look = ctx.look_ahead();
        let mut pq = product_query(Some(query.clone()), None, None, first, None)?;
        let mut dq = deal_query(Some(query), None, None, first, None)?;
        if !look.field("products").field("facets").exists() {
            pq.facets.clear();
        }
        if !look.field("deals").field("facets").exists() {
            dq.facets.clear();
        }
        let (p, d) = tokio::join!(
            state.search.search(Kind::Products, &pq),
            state.search.search(Kind::Deals, &dq)
        );
        let p = p.map_err(Error::from).gql()?;
        let d = d.map_err(Error::from).gql()?;
        Ok(CombinedSearchResults {
            products: product_results(
                ctx,
                p,
                look.field("products").field("hits").field("product"),
            )
            .await?,
            deals: deal_results(ctx, d, look.field("deals").field("hits").field("deal")).await?,
        })
    }
}
