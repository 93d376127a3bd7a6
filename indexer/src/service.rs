//! The search service: one function per search (`search_products`, `search_deals`,
//! `search_both`) that checks the input, builds the engine's query, runs it, keeps the hits
//! that are public now and gives each its record. The GraphQL layer only translates arguments
//! into a [`ProductSearch`] or [`DealSearch`] and a [`Page`] into its types.
//!
//! Policy:
//! - Input is checked here, each refusal naming its argument (`query`, `first`, `offset`,
//!   `filter.maxPricePence`, `filter.minRating`).
//! - Only public records are indexed, but the index can be a moment behind the database: every
//!   page's hits are checked against the database (one query: which of them are public now),
//!   and ended deals are filtered out by date even before the index catches up.
//! - A hit shows the record stored in its document, so a page costs no query for its fields; a
//!   hit whose document holds no readable record is read from the database instead.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use becta_domain::entity::{deal, product};
use becta_domain::search::{self as docs, DealRecord, ProductRecord, epoch_days};
use becta_domain::vocab::{
    Badge, DealSort, DeviceCondition, DeviceGrade, EstablishmentType, FormFactor, HostingLocation,
    KeyStage, Phase, Platform, PricingModel, ProductSort, RouteToMarket,
};
use becta_domain::{Error, Result};
use chrono::NaiveDate;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::{
    Attribute, Engine, FacetDistribution, Filter, Highlight, Hit, Kind, MatchingStrategy, Order,
    SearchQuery, Sort,
};

/// Longest query text, in characters.
pub const MAX_QUERY_CHARS: usize = 200;
/// Most hits skipped.
pub const MAX_OFFSET: i32 = 10_000;
/// Most hits on a page.
pub const MAX_FIRST: i32 = 100;

/// The attributes a product search counts values of, in the order they are shown.
pub const PRODUCT_FACETS: &[Attribute] = &[
    Attribute::Categories,
    Attribute::KeyStages,
    Attribute::Platforms,
    Attribute::Subjects,
    Attribute::Badges,
    Attribute::PricingModel,
    Attribute::HostingLocation,
    Attribute::TrialAvailable,
    Attribute::Condition,
    Attribute::Grade,
    Attribute::FormFactor,
    Attribute::OperatingSystem,
];

/// The attributes a deal search counts values of, in the order they are shown.
pub const DEAL_FACETS: &[Attribute] = &[
    Attribute::Categories,
    Attribute::Provider,
    Attribute::EligiblePhases,
    Attribute::EligibleOrgTypes,
    Attribute::RouteToMarket,
    Attribute::DfeEndorsed,
];

/// What a product search narrows to; every filter given must hold, values in one list are
/// alternatives, `badges` must all be held.
#[derive(Debug, Clone, Default)]
pub struct ProductFilter {
    pub categories: Vec<String>,
    pub key_stages: Vec<KeyStage>,
    /// Products covering at least one key stage taught in this phase.
    pub phase: Option<Phase>,
    pub platforms: Vec<Platform>,
    pub subjects: Vec<String>,
    pub pricing_models: Vec<PricingModel>,
    pub hosting_locations: Vec<HostingLocation>,
    pub max_price_pence: Option<i64>,
    pub min_rating: Option<f64>,
    pub badges: Vec<Badge>,
    pub trial_available: Option<bool>,
    pub supplier_id: Option<Uuid>,
    /// At least this many trial outcomes recorded.
    pub min_evidence: Option<i64>,
    /// Devices in any of these conditions.
    pub conditions: Vec<DeviceCondition>,
    pub grades: Vec<DeviceGrade>,
    pub min_battery_health_percent: Option<i64>,
    pub min_warranty_months: Option<i64>,
    pub form_factors: Vec<FormFactor>,
    /// Operating systems as listed, e.g. "ChromeOS".
    pub operating_systems: Vec<String>,
}

/// A search of products.
#[derive(Debug, Clone)]
pub struct ProductSearch {
    pub text: String,
    pub filter: ProductFilter,
    pub sort: ProductSort,
    /// Which records a query of several words finds.
    pub matching: MatchingStrategy,
    pub first: i32,
    pub offset: i32,
    /// Count facets (it costs time: skip it when nobody reads them).
    pub facets: bool,
    /// Highlight the matched words in each hit (skip it when nobody reads them).
    pub highlights: bool,
}

/// What a deal search narrows to.
#[derive(Debug, Clone, Default)]
pub struct DealFilter {
    pub categories: Vec<String>,
    /// Provider short names.
    pub providers: Vec<String>,
    pub phases: Vec<Phase>,
    pub organisation_types: Vec<EstablishmentType>,
    pub routes_to_market: Vec<RouteToMarket>,
    pub dfe_endorsed: Option<bool>,
    /// Deals in force on this date.
    pub active_on: Option<NaiveDate>,
    /// Deals ending on or before this date.
    pub ending_by: Option<NaiveDate>,
}

/// A search of current deals.
#[derive(Debug, Clone)]
pub struct DealSearch {
    pub text: String,
    pub filter: DealFilter,
    pub sort: DealSort,
    /// Which records a query of several words finds.
    pub matching: MatchingStrategy,
    pub first: i32,
    pub offset: i32,
    pub facets: bool,
    pub highlights: bool,
}

impl ProductSearch {
    /// A first page of 20, by relevance, dropping words from the end, with facets and
    /// highlights.
    pub fn new(text: impl Into<String>) -> Self {
        ProductSearch {
            text: text.into(),
            filter: ProductFilter::default(),
            sort: ProductSort::Relevance,
            matching: MatchingStrategy::Last,
            first: 20,
            offset: 0,
            facets: true,
            highlights: true,
        }
    }
}

impl DealSearch {
    /// A first page of 20, by relevance, dropping words from the end, with facets and
    /// highlights.
    pub fn new(text: impl Into<String>) -> Self {
        DealSearch {
            text: text.into(),
            filter: DealFilter::default(),
            sort: DealSort::Relevance,
            matching: MatchingStrategy::Last,
            first: 20,
            offset: 0,
            facets: true,
            highlights: true,
        }
    }
}

/// One hit: what it shows, its relevance and its highlighted text.
#[derive(Debug, Clone)]
pub struct SearchHit<T> {
    pub shown: T,
    /// Relevance within this search, 0 to 1; none when sorted by an attribute.
    pub score: Option<f64>,
    pub highlights: Vec<Highlight>,
}

/// A page of hits, in the engine's order, with facet counts over all hits.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub total_hits: u64,
    pub hits: Vec<SearchHit<T>>,
    pub facets: Vec<FacetDistribution>,
    pub processing_time_ms: u64,
}

/// A product hit: from the record stored in the index, or read from the database.
#[derive(Debug, Clone)]
pub enum ShownProduct {
    Record(Arc<ProductRecord>),
    Row(Box<product::Model>),
}

/// A deal hit: from the record stored in the index, or read from the database.
#[derive(Debug, Clone)]
pub enum ShownDeal {
    Record(Box<DealRecord>),
    Row(Box<deal::Model>),
}

fn codes<T: Copy>(values: &[T], code: fn(T) -> &'static str) -> Option<Vec<String>> {
    (!values.is_empty()).then(|| values.iter().map(|x| code(*x).to_owned()).collect())
}

/// The device filters of a product search.
fn device_filters(f: &ProductFilter, filters: &mut Vec<Filter>) -> Result<()> {
    if let Some(v) = codes(&f.conditions, DeviceCondition::code) {
        filters.push(Filter::AnyOf(Attribute::Condition, v));
    }
    if let Some(v) = codes(&f.grades, DeviceGrade::code) {
        filters.push(Filter::AnyOf(Attribute::Grade, v));
    }
    if let Some(v) = codes(&f.form_factors, FormFactor::code) {
        filters.push(Filter::AnyOf(Attribute::FormFactor, v));
    }
    if let Some(v) = nonempty(&f.operating_systems) {
        filters.push(Filter::AnyOf(Attribute::OperatingSystem, v));
    }
    for (field, min, attr, max) in [
        (
            "filter.minBatteryHealthPercent",
            f.min_battery_health_percent,
            Attribute::BatteryHealthPercent,
            100,
        ),
        (
            "filter.minWarrantyMonths",
            f.min_warranty_months,
            Attribute::WarrantyMonths,
            60,
        ),
    ] {
        if let Some(n) = min {
            if !(0..=max).contains(&n) {
                return Err(Error::bad_input(
                    field,
                    format!("`{}` must be 0 to {max}", &field["filter.".len()..]),
                ));
            }
            filters.push(Filter::Range(attr, Some(n as f64), None));
        }
    }
    Ok(())
}

fn nonempty(values: &[String]) -> Option<Vec<String>> {
    (!values.is_empty()).then(|| values.to_vec())
}

fn base_query(
    text: &str,
    matching: MatchingStrategy,
    first: i32,
    offset: i32,
) -> Result<SearchQuery> {
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(Error::bad_input(
            "query",
            format!("`query` must be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    if !(1..=MAX_FIRST).contains(&first) {
        return Err(Error::bad_input(
            "first",
            format!("`first` must be between 1 and {MAX_FIRST}, got {first}"),
        ));
    }
    if !(0..=MAX_OFFSET).contains(&offset) {
        return Err(Error::bad_input(
            "offset",
            format!("`offset` must be between 0 and {MAX_OFFSET}"),
        ));
    }
    let mut q = SearchQuery::new(text);
    q.matching = matching;
    q.limit = first as usize;
    q.offset = offset as usize;
    Ok(q)
}

/// The engine's query for a product search.
pub fn product_query(s: &ProductSearch) -> Result<SearchQuery> {
    let mut q = base_query(&s.text, s.matching, s.first, s.offset)?;
    let f = &s.filter;
    let mut filters = Vec::new();
    if let Some(v) = nonempty(&f.categories) {
        filters.push(Filter::AnyOf(Attribute::Categories, v));
    }
    if let Some(v) = codes(&f.key_stages, KeyStage::code) {
        filters.push(Filter::AnyOf(Attribute::KeyStages, v));
    }
    if let Some(p) = f.phase {
        let stages = p.key_stages().iter().map(|k| k.code().to_owned()).collect();
        filters.push(Filter::AnyOf(Attribute::KeyStages, stages));
    }
    if let Some(v) = codes(&f.platforms, Platform::code) {
        filters.push(Filter::AnyOf(Attribute::Platforms, v));
    }
    if let Some(v) = nonempty(&f.subjects) {
        filters.push(Filter::AnyOf(Attribute::Subjects, v));
    }
    if let Some(v) = codes(&f.pricing_models, PricingModel::code) {
        filters.push(Filter::AnyOf(Attribute::PricingModel, v));
    }
    if let Some(v) = codes(&f.hosting_locations, HostingLocation::code) {
        filters.push(Filter::AnyOf(Attribute::HostingLocation, v));
    }
    if let Some(max) = f.max_price_pence {
        if max < 0 {
            return Err(Error::bad_input(
                "filter.maxPricePence",
                "`maxPricePence` must not be negative",
            ));
        }
        filters.push(Filter::Range(Attribute::PricePence, None, Some(max as f64)));
    }
    if let Some(min) = f.min_rating {
        if !(0.0..=5.0).contains(&min) {
            return Err(Error::bad_input(
                "filter.minRating",
                "`minRating` must be between 0 and 5",
            ));
        }
        filters.push(Filter::Range(Attribute::RatingAverage, Some(min), None));
    }
    if let Some(v) = codes(&f.badges, Badge::code) {
        filters.push(Filter::AllOf(Attribute::Badges, v));
    }
    if let Some(t) = f.trial_available {
        filters.push(Filter::Is(Attribute::TrialAvailable, t));
    }
    if let Some(id) = f.supplier_id {
        filters.push(Filter::AnyOf(Attribute::SupplierId, vec![id.to_string()]));
    }
    if let Some(n) = f.min_evidence {
        filters.push(Filter::Range(
            Attribute::EvidenceCount,
            Some(n as f64),
            None,
        ));
    }
    device_filters(f, &mut filters)?;
    q.filters = filters;
    q.sort = match s.sort {
        ProductSort::Relevance => Sort::Relevance,
        ProductSort::BatteryHealth => Sort::By(Attribute::BatteryHealthPercent, Order::Desc),
        ProductSort::WarrantyLongest => Sort::By(Attribute::WarrantyMonths, Order::Desc),
        ProductSort::CarbonSaved => Sort::By(Attribute::CarbonSavedKg, Order::Desc),
        ProductSort::Rating => Sort::By(Attribute::RatingAverage, Order::Desc),
        ProductSort::PriceLowToHigh => Sort::By(Attribute::PricePence, Order::Asc),
        ProductSort::PriceHighToLow => Sort::By(Attribute::PricePence, Order::Desc),
        ProductSort::Newest => Sort::By(Attribute::PublishedAt, Order::Desc),
        ProductSort::MostEvidence => Sort::By(Attribute::EvidenceCount, Order::Desc),
        ProductSort::ConversionRate => Sort::By(Attribute::TrialConversionBps, Order::Desc),
    };
    if s.facets {
        q.facets = PRODUCT_FACETS.to_vec();
    }
    q.highlights = s.highlights;
    Ok(q)
}

/// The engine's query for a deal search on `today` (ended deals are never shown).
pub fn deal_query(s: &DealSearch, today: NaiveDate) -> Result<SearchQuery> {
    let mut q = base_query(&s.text, s.matching, s.first, s.offset)?;
    let f = &s.filter;
    let day = |d: NaiveDate| epoch_days(d) as f64;
    let mut filters = vec![Filter::Range(Attribute::EndsOnDays, Some(day(today)), None)];
    if let Some(v) = nonempty(&f.categories) {
        filters.push(Filter::AnyOf(Attribute::Categories, v));
    }
    if let Some(v) = nonempty(&f.providers) {
        filters.push(Filter::AnyOf(Attribute::Provider, v));
    }
    if let Some(v) = codes(&f.phases, Phase::code) {
        filters.push(Filter::AnyOf(Attribute::EligiblePhases, v));
    }
    if let Some(v) = codes(&f.organisation_types, EstablishmentType::code) {
        filters.push(Filter::AnyOf(Attribute::EligibleOrgTypes, v));
    }
    if let Some(v) = codes(&f.routes_to_market, RouteToMarket::code) {
        filters.push(Filter::AnyOf(Attribute::RouteToMarket, v));
    }
    if let Some(e) = f.dfe_endorsed {
        filters.push(Filter::Is(Attribute::DfeEndorsed, e));
    }
    if let Some(d) = f.active_on {
        filters.push(Filter::Range(Attribute::StartsOnDays, None, Some(day(d))));
        filters.push(Filter::Range(Attribute::EndsOnDays, Some(day(d)), None));
    }
    if let Some(d) = f.ending_by {
        filters.push(Filter::Range(Attribute::EndsOnDays, None, Some(day(d))));
    }
    q.filters = filters;
    q.sort = match s.sort {
        DealSort::Relevance => Sort::Relevance,
        DealSort::EndingSoonest => Sort::By(Attribute::EndsOnDays, Order::Asc),
        DealSort::Newest => Sort::By(Attribute::UpdatedAt, Order::Desc),
        DealSort::Savings => Sort::By(Attribute::TypicalSavingsBps, Order::Desc),
    };
    if s.facets {
        q.facets = DEAL_FACETS.to_vec();
    }
    q.highlights = s.highlights;
    Ok(q)
}

/// Searches products: public hits only, each with its record (or its row).
pub async fn search_products(
    db: &impl ConnectionTrait,
    engine: &Engine,
    s: &ProductSearch,
) -> Result<Page<ShownProduct>> {
    let q = product_query(s)?;
    let found = engine.search(Kind::Products, &q).await?;
    product_page(db, found).await
}

/// Searches current deals: public hits only, each with its record (or its row).
pub async fn search_deals(
    db: &impl ConnectionTrait,
    engine: &Engine,
    s: &DealSearch,
) -> Result<Page<ShownDeal>> {
    let q = deal_query(s, becta_domain::catalogue::deals::today())?;
    let found = engine.search(Kind::Deals, &q).await?;
    deal_page(db, found).await
}

/// Searches products and deals at once, with the engine asked for both together.
pub async fn search_both(
    db: &impl ConnectionTrait,
    engine: &Engine,
    products: &ProductSearch,
    deals: &DealSearch,
) -> Result<(Page<ShownProduct>, Page<ShownDeal>)> {
    let pq = product_query(products)?;
    let dq = deal_query(deals, becta_domain::catalogue::deals::today())?;
    let (p, d) = tokio::join!(
        engine.search(Kind::Products, &pq),
        engine.search(Kind::Deals, &dq)
    );
    let (p, d) = (p?, d?);
    Ok((product_page(db, p).await?, deal_page(db, d).await?))
}

fn hit_id(hit: &Hit) -> Option<Uuid> {
    Uuid::parse_str(&hit.id).ok()
}

/// What the `public` hits show from the records stored with them, read as `R` and wrapped by
/// `shown`; a hit whose document holds no readable record is left out.
fn from_records<R: serde::de::DeserializeOwned, T>(
    hits: &[Hit],
    public: &HashSet<Uuid>,
    shown: impl Fn(R) -> T,
) -> HashMap<Uuid, T> {
    hits.iter()
        .filter_map(|h| {
            let id = hit_id(h).filter(|id| public.contains(id))?;
            let record = serde_json::from_str::<R>(h.record.as_deref()?).ok()?;
            Some((id, shown(record)))
        })
        .collect()
}

/// Public hits in the engine's order, each with what `shown` has for it.
fn page<T>(
    results: crate::SearchResults,
    public: &HashSet<Uuid>,
    mut shown: HashMap<Uuid, T>,
) -> Page<T> {
    Page {
        total_hits: results.total_hits,
        hits: results
            .hits
            .into_iter()
            .filter_map(|h| {
                let id = hit_id(&h).filter(|id| public.contains(id))?;
                Some(SearchHit {
                    shown: shown.remove(&id)?,
                    score: h.score,
                    highlights: h.highlights,
                })
            })
            .collect(),
        facets: results.facets,
        processing_time_ms: results.processing_time_ms,
    }
}

/// Public ids among `hits` not yet in `shown`: their documents hold no readable record.
fn missing<T>(hits: &[Hit], public: &HashSet<Uuid>, shown: &HashMap<Uuid, T>) -> Vec<Uuid> {
    hits.iter()
        .filter_map(hit_id)
        .filter(|id| public.contains(id) && !shown.contains_key(id))
        .collect()
}

async fn product_page(
    db: &impl ConnectionTrait,
    found: crate::SearchResults,
) -> Result<Page<ShownProduct>> {
    let ids: Vec<Uuid> = found.hits.iter().filter_map(hit_id).collect();
    let public = docs::public_product_ids(db, &ids).await?;
    let mut shown = from_records(&found.hits, &public, |r: ProductRecord| {
        ShownProduct::Record(Arc::new(r))
    });
    let missing = missing(&found.hits, &public, &shown);
    if !missing.is_empty() {
        let rows = docs::public_products(db, &missing).await?;
        shown.extend(
            rows.into_iter()
                .map(|(id, row)| (id, ShownProduct::Row(Box::new(row)))),
        );
    }
    Ok(page(found, &public, shown))
}

async fn deal_page(
    db: &impl ConnectionTrait,
    found: crate::SearchResults,
) -> Result<Page<ShownDeal>> {
    let ids: Vec<Uuid> = found.hits.iter().filter_map(hit_id).collect();
    let public = docs::public_deal_ids(db, &ids).await?;
    let mut shown = from_records(&found.hits, &public, |r: DealRecord| {
        ShownDeal::Record(Box::new(r))
    });
    let missing = missing(&found.hits, &public, &shown);
    if !missing.is_empty() {
        let rows = docs::public_deals(db, &missing).await?;
        shown.extend(
            rows.into_iter()
                .map(|(id, row)| (id, ShownDeal::Row(Box::new(row)))),
        );
    }
    Ok(page(found, &public, shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_field(r: Result<SearchQuery>) -> Option<String> {
        match r {
            Err(Error::BadInput { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn bad_input_names_its_argument() {
        let mut s = ProductSearch::new("x".repeat(MAX_QUERY_CHARS + 1));
        assert_eq!(refused_field(product_query(&s)).as_deref(), Some("query"));
        s = ProductSearch::new("ok");
        s.first = 0;
        assert_eq!(refused_field(product_query(&s)).as_deref(), Some("first"));
        s.first = 20;
        s.offset = MAX_OFFSET + 1;
        assert_eq!(refused_field(product_query(&s)).as_deref(), Some("offset"));
        s.offset = 0;
        s.filter.max_price_pence = Some(-1);
        assert_eq!(
            refused_field(product_query(&s)).as_deref(),
            Some("filter.maxPricePence")
        );
        s.filter.max_price_pence = None;
        s.filter.min_rating = Some(5.5);
        assert_eq!(
            refused_field(product_query(&s)).as_deref(),
            Some("filter.minRating")
        );
    }

    #[test]
    fn ended_deals_are_filtered_out_by_date_and_facets_only_when_asked() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default();
        let mut s = DealSearch::new("");
        let q = deal_query(&s, today).unwrap_or_else(|_| SearchQuery::new(""));
        assert_eq!(
            q.filters.first(),
            Some(&Filter::Range(
                Attribute::EndsOnDays,
                Some(epoch_days(today) as f64),
                None
            ))
        );
        assert_eq!(q.facets, DEAL_FACETS);
        s.facets = false;
        let q = deal_query(&s, today).unwrap_or_else(|_| SearchQuery::new(""));
        assert!(q.facets.is_empty());
    }
}
