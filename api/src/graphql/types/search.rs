//! Search results: hits with their records, highlights and scores, facet counts and timing.

use std::collections::HashMap;

use async_graphql::{Context, SimpleObject};
use becta_domain::search as docs;
use becta_indexer::{FacetDistribution, SearchResults};
use uuid::Uuid;

use super::{Deal, Product};
use crate::graphql::error::GqlResult;
use crate::graphql::prefetch;
use crate::state::AppState;

/// A matched part of a hit's text, with the matched words in `<em>...</em>`.
#[derive(SimpleObject, Clone)]
pub struct Highlight {
    /// The attribute, e.g. `name` or `summary`.
    pub field: String,
    pub snippet: String,
}

/// How many hits hold one value of an attribute.
#[derive(SimpleObject, Clone)]
pub struct FacetValue {
    /// The value as filters take it: enum values in upper case (`KS2`), codes and slugs as they are.
    pub value: String,
    pub count: u64,
}

/// The values of one attribute among all hits (not only this page), most frequent first.
#[derive(SimpleObject, Clone)]
pub struct Facet {
    /// The filter it narrows, e.g. `keyStages`, `categories`, `badges`.
    pub field: String,
    pub values: Vec<FacetValue>,
}

#[derive(SimpleObject)]
pub struct ProductHit {
    pub product: Product,
    /// Relevance within this search, 0 to 1; null when sorted by an attribute.
    pub score: Option<f64>,
    pub highlights: Vec<Highlight>,
}

#[derive(SimpleObject)]
pub struct DealHit {
    pub deal: Deal,
    /// Relevance within this search, 0 to 1; null when sorted by an attribute.
    pub score: Option<f64>,
    pub highlights: Vec<Highlight>,
}

#[derive(SimpleObject)]
pub struct ProductSearchResults {
    /// Hits across all pages.
    pub total_hits: u64,
    pub hits: Vec<ProductHit>,
    pub facets: Vec<Facet>,
    /// Time the search engine took.
    pub processing_time_ms: u64,
}

#[derive(SimpleObject)]
pub struct DealSearchResults {
    /// Hits across all pages.
    pub total_hits: u64,
    pub hits: Vec<DealHit>,
    pub facets: Vec<Facet>,
    /// Time the search engine took.
    pub processing_time_ms: u64,
}

/// Search results for products and deals at once.
#[derive(SimpleObject)]
pub struct CombinedSearchResults {
    pub products: ProductSearchResults,
    pub deals: DealSearchResults,
}

/// Facets as the API names them: attribute names become filter names, enum codes GraphQL enums.
fn facets(found: Vec<FacetDistribution>, naming: &[(&str, &str, bool)]) -> Vec<Facet> {
    found
        .into_iter()
        .filter_map(|f| {
            let (_, name, is_enum) = naming.iter().find(|(attr, _, _)| *attr == f.field)?;
            Some(Facet {
                field: (*name).to_owned(),
                values: f
                    .values
                    .into_iter()
                    .map(|v| FacetValue {
                        value: if *is_enum {
                            v.value.to_uppercase()
                        } else {
                            v.value
                        },
                        count: v.count,
                    })
                    .collect(),
            })
        })
        .collect()
}

fn highlights(h: Vec<becta_indexer::Highlight>) -> Vec<Highlight> {
    h.into_iter()
        .map(|h| Highlight {
            field: h.field,
            snippet: h.snippet,
        })
        .collect()
}

/// (document attribute, filter name, values are enum codes)
pub const PRODUCT_FACETS: &[(&str, &str, bool)] = &[
    ("categories", "categories", false),
    ("key_stages", "keyStages", true),
    ("platforms", "platforms", true),
    ("subjects", "subjects", false),
    ("badges", "badges", true),
    ("pricing_model", "pricingModels", true),
    ("hosting_location", "hostingLocations", true),
    ("trial_available", "trialAvailable", false),
];

pub const DEAL_FACETS: &[(&str, &str, bool)] = &[
    ("categories", "categories", false),
    ("provider", "providers", false),
    ("eligible_phases", "phases", true),
    ("eligible_org_types", "organisationTypes", true),
    ("route_to_market", "routesToMarket", true),
    ("dfe_endorsed", "dfeEndorsed", false),
];

fn ids(results: &SearchResults) -> Vec<Uuid> {
    results
        .hits
        .iter()
        .filter_map(|h| Uuid::parse_str(&h.id).ok())
        .collect()
}

/// Engine hits paired with their public rows, in the engine's order. A hit the database no
/// longer shows as public (the index is a moment behind) is left out.
fn pair_hits<R>(
    hits: Vec<becta_indexer::Hit>,
    mut rows: HashMap<Uuid, R>,
) -> Vec<(R, Option<f64>, Vec<Highlight>)> {
    hits.into_iter()
        .filter_map(|h| {
            let row = rows.remove(&Uuid::parse_str(&h.id).ok()?)?;
            Some((row, h.score, highlights(h.highlights)))
        })
        .collect()
}

/// Joins engine hits to the public products in the database (one query) and prefetches what
/// the query selects of them.
pub async fn product_results(
    ctx: &Context<'_>,
    results: SearchResults,
    node: async_graphql::Lookahead<'_>,
) -> async_graphql::Result<ProductSearchResults> {
    let state = ctx.data::<AppState>()?;
    let rows = docs::public_products(&state.db, &ids(&results))
        .await
        .gql()?;
    let paired = pair_hits(results.hits, rows);
    let ordered: Vec<_> = paired.iter().map(|(row, _, _)| row.clone()).collect();
    prefetch::products(ctx, node, &ordered).await?;
    Ok(ProductSearchResults {
        total_hits: results.total_hits,
        hits: paired
            .into_iter()
            .map(|(row, score, highlights)| ProductHit {
                product: Product(row),
                score,
                highlights,
            })
            .collect(),
        facets: facets(results.facets, PRODUCT_FACETS),
        processing_time_ms: results.processing_time_ms,
    })
}

/// As [`product_results`], for deals.
pub async fn deal_results(
    ctx: &Context<'_>,
    results: SearchResults,
    node: async_graphql::Lookahead<'_>,
) -> async_graphql::Result<DealSearchResults> {
    let state = ctx.data::<AppState>()?;
    let rows = docs::public_deals(&state.db, &ids(&results)).await.gql()?;
    let paired = pair_hits(results.hits, rows);
    let ordered: Vec<_> = paired.iter().map(|(row, _, _)| row.clone()).collect();
    prefetch::deals(ctx, node, &ordered).await?;
    Ok(DealSearchResults {
        total_hits: results.total_hits,
        hits: paired
            .into_iter()
            .map(|(row, score, highlights)| DealHit {
                deal: Deal(row),
                score,
                highlights,
            })
            .collect(),
        facets: facets(results.facets, DEAL_FACETS),
        processing_time_ms: results.processing_time_ms,
    })
}
