//! Search results: hits with their records, highlights and scores, facet counts and timing.

use std::collections::{HashMap, HashSet};

use async_graphql::{Context, SimpleObject};
use becta_domain::search as docs;
use becta_indexer::{Attribute, FacetDistribution, SearchResults};
use uuid::Uuid;

use super::plain::{Plain, PlainList, PlainObject};
use super::{Deal, LoadedProduct, Product};
use crate::graphql::error::GqlResult;
use crate::graphql::loaders::{
    DealCategories, DealEligibility, DealLots, LotSuppliers, ProviderId, RequestLoader,
};
use crate::graphql::prefetch;
use crate::state::AppState;

/// A matched part of a hit's text, with the matched words in `<em>...</em>`.
#[derive(SimpleObject)]
pub struct Highlight {
    /// The attribute, e.g. `name` or `summary`.
    pub field: String,
    pub snippet: String,
}

/// How many hits hold one value of an attribute.
#[derive(SimpleObject)]
pub struct FacetValue {
    /// The value as filters take it: enum values in upper case (`KS2`), codes and slugs as they are.
    pub value: String,
    pub count: u64,
}

/// The values of one attribute among all hits (not only this page), most frequent first.
#[derive(SimpleObject)]
pub struct Facet {
    /// The filter it narrows, e.g. `keyStages`, `categories`, `badges`.
    pub field: String,
    pub values: PlainList<FacetValue>,
}

impl PlainObject for ProductHit {
    fn plain_field(&self, name: &str) -> Option<Plain<'_>> {
        Some(match name {
            "product" => Plain::Object(&self.product),
            "score" => self.score.map_or(Plain::Null, Plain::float),
            "highlights" => Plain::objects(&self.highlights.0),
            _ => return None,
        })
    }
}

impl PlainObject for Highlight {
    fn plain_field(&self, name: &str) -> Option<Plain<'_>> {
        Some(match name {
            "field" => Plain::str(&self.field),
            "snippet" => Plain::str(&self.snippet),
            _ => return None,
        })
    }
}

impl PlainObject for FacetValue {
    fn plain_field(&self, name: &str) -> Option<Plain<'_>> {
        Some(match name {
            "value" => Plain::str(&self.value),
            "count" => Plain::int(self.count),
            _ => return None,
        })
    }
}

impl PlainObject for Facet {
    fn plain_field(&self, name: &str) -> Option<Plain<'_>> {
        Some(match name {
            "field" => Plain::str(&self.field),
            "values" => Plain::objects(&self.values.0),
            _ => return None,
        })
    }
}

#[derive(SimpleObject)]
pub struct ProductHit {
    pub product: LoadedProduct,
    /// Relevance within this search, 0 to 1; null when sorted by an attribute.
    pub score: Option<f64>,
    pub highlights: PlainList<Highlight>,
}

#[derive(SimpleObject)]
pub struct DealHit {
    pub deal: Deal,
    /// Relevance within this search, 0 to 1; null when sorted by an attribute.
    pub score: Option<f64>,
    pub highlights: PlainList<Highlight>,
}

#[derive(SimpleObject)]
pub struct ProductSearchResults {
    /// Hits across all pages.
    pub total_hits: u64,
    pub hits: PlainList<ProductHit>,
    pub facets: PlainList<Facet>,
    /// Time the search engine took.
    pub processing_time_ms: u64,
}

#[derive(SimpleObject)]
pub struct DealSearchResults {
    /// Hits across all pages.
    pub total_hits: u64,
    pub hits: Vec<DealHit>,
    pub facets: PlainList<Facet>,
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
fn facets(found: Vec<FacetDistribution>, naming: &[(Attribute, &str, bool)]) -> PlainList<Facet> {
    PlainList(
        found
            .into_iter()
            .filter_map(|f| {
                let (_, name, is_enum) =
                    naming.iter().find(|(attr, _, _)| attr.name() == f.field)?;
                Some(Facet {
                    field: (*name).to_owned(),
                    values: PlainList(
                        f.values
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
                    ),
                })
            })
            .collect(),
    )
}

fn highlights(h: Vec<becta_indexer::Highlight>) -> PlainList<Highlight> {
    PlainList(
        h.into_iter()
            .map(|h| Highlight {
                field: h.field,
                snippet: h.snippet,
            })
            .collect(),
    )
}

/// (document attribute, filter name, values are enum codes)
pub const PRODUCT_FACETS: &[(Attribute, &str, bool)] = &[
    (Attribute::Categories, "categories", false),
    (Attribute::KeyStages, "keyStages", true),
    (Attribute::Platforms, "platforms", true),
    (Attribute::Subjects, "subjects", false),
    (Attribute::Badges, "badges", true),
    (Attribute::PricingModel, "pricingModels", true),
    (Attribute::HostingLocation, "hostingLocations", true),
    (Attribute::TrialAvailable, "trialAvailable", false),
];

pub const DEAL_FACETS: &[(Attribute, &str, bool)] = &[
    (Attribute::Categories, "categories", false),
    (Attribute::Provider, "providers", false),
    (Attribute::EligiblePhases, "phases", true),
    (Attribute::EligibleOrgTypes, "organisationTypes", true),
    (Attribute::RouteToMarket, "routesToMarket", true),
    (Attribute::DfeEndorsed, "dfeEndorsed", false),
];

fn hit_id(hit: &becta_indexer::Hit) -> Option<Uuid> {
    Uuid::parse_str(&hit.id).ok()
}

/// The records of the hits that are `public`, in the engine's order, and the ids of public hits
/// without a readable record (to be looked up in the database instead). `read` turns the
/// stored texts into records, `None` where one cannot be read.
fn public_records<R>(
    hits: &[becta_indexer::Hit],
    public: &HashSet<Uuid>,
    read: impl FnOnce(&[(Uuid, &str)]) -> Vec<Option<R>>,
) -> (Vec<(Uuid, R)>, Vec<Uuid>) {
    let (mut stored, mut missing) = (vec![], vec![]);
    for hit in hits {
        let Some(id) = hit_id(hit).filter(|id| public.contains(id)) else {
            continue;
        };
        match hit.record.as_deref() {
            Some(text) => stored.push((id, text)),
            None => missing.push(id),
        }
    }
    let mut records = Vec::with_capacity(stored.len());
    for ((id, _), record) in stored.iter().zip(read(&stored)) {
        match record {
            Some(r) => records.push((*id, r)),
            None => missing.push(*id),
        }
    }
    (records, missing)
}

/// Engine hits with their rows, in the engine's order, keeping only what the database shows as
/// public now (`public`; the index can be a moment behind). A hit's row comes from its stored
/// record, else from `rows` (looked up in the database for hits without one).
fn pair_hits<R>(
    hits: Vec<becta_indexer::Hit>,
    mut records: HashMap<Uuid, R>,
    mut rows: HashMap<Uuid, R>,
    public: &HashSet<Uuid>,
) -> Vec<(R, Option<f64>, PlainList<Highlight>)> {
    hits.into_iter()
        .filter_map(|h| {
            let id = hit_id(&h).filter(|id| public.contains(id))?;
            let row = records.remove(&id).or_else(|| rows.remove(&id))?;
            Some((row, h.score, highlights(h.highlights)))
        })
        .collect()
}

/// Search hits as products: fields from the records stored in the index (the product with its
/// supplier, categories and facets), so the page costs one query (which hits are public now).
/// Hits without a record are joined to the database as before.
pub async fn product_results(
    ctx: &Context<'_>,
    results: SearchResults,
    node: async_graphql::Lookahead<'_>,
) -> async_graphql::Result<ProductSearchResults> {
    let state = ctx.data::<AppState>()?;
    let ids: Vec<Uuid> = results.hits.iter().filter_map(hit_id).collect();
    let public = docs::public_product_ids(&state.db, &ids).await.gql()?;
    // Parsed once and kept while the index holds the same text (`graphql::records`).
    let (found, missing) = public_records(&results.hits, &public, |stored| {
        state.product_records.get_many(stored)
    });
    prefetch::product_aggregates(ctx, &node, found.iter().map(|(id, _)| *id)).await?;
    let records: HashMap<Uuid, LoadedProduct> = found
        .into_iter()
        .map(|(id, r)| (id, LoadedProduct::Record(r)))
        .collect();
    let rows = if missing.is_empty() {
        HashMap::new()
    } else {
        let rows = docs::public_products(&state.db, &missing).await.gql()?;
        let fetched: Vec<_> = rows.values().cloned().collect();
        prefetch::products(ctx, node, &fetched).await?;
        rows.into_iter()
            .map(|(id, row)| (id, LoadedProduct::Row(Box::new(Product(row)))))
            .collect()
    };
    Ok(ProductSearchResults {
        total_hits: results.total_hits,
        hits: PlainList(
            pair_hits(results.hits, records, rows, &public)
                .into_iter()
                .map(|(product, score, highlights)| ProductHit {
                    product,
                    score,
                    highlights,
                })
                .collect(),
        ),
        facets: facets(results.facets, PRODUCT_FACETS),
        processing_time_ms: results.processing_time_ms,
    })
}

/// As [`product_results`], for deals (provider, categories, eligibility, lots and their
/// suppliers from the records).
pub async fn deal_results(
    ctx: &Context<'_>,
    results: SearchResults,
    node: async_graphql::Lookahead<'_>,
) -> async_graphql::Result<DealSearchResults> {
    let state = ctx.data::<AppState>()?;
    let loader = ctx.data::<RequestLoader>()?;
    let ids: Vec<Uuid> = results.hits.iter().filter_map(hit_id).collect();
    let public = docs::public_deal_ids(&state.db, &ids).await.gql()?;
    let (found, missing) = public_records(&results.hits, &public, |stored| {
        stored
            .iter()
            .map(|(_, text)| serde_json::from_str::<docs::DealRecord>(text).ok())
            .collect()
    });
    let mut records = HashMap::with_capacity(found.len());
    let (mut providers, mut categories, mut eligibility) = (vec![], vec![], vec![]);
    let (mut lots, mut lot_suppliers) = (vec![], vec![]);
    for (id, r) in found {
        if let Some(p) = r.provider {
            providers.push((ProviderId(p.id), p));
        }
        categories.push((DealCategories(id), r.categories));
        eligibility.push((DealEligibility(id), r.eligibility));
        let mut deal_lots = Vec::with_capacity(r.lots.len());
        for l in r.lots {
            lot_suppliers.push((LotSuppliers(l.lot.id), l.suppliers));
            deal_lots.push(l.lot);
        }
        lots.push((DealLots(id), deal_lots));
        records.insert(id, r.deal);
    }
    loader.feed_many(providers).await;
    loader.feed_many(categories).await;
    loader.feed_many(eligibility).await;
    loader.feed_many(lots).await;
    loader.feed_many(lot_suppliers).await;
    let rows = if missing.is_empty() {
        HashMap::new()
    } else {
        let rows = docs::public_deals(&state.db, &missing).await.gql()?;
        let fetched: Vec<_> = rows.values().cloned().collect();
        prefetch::deals(ctx, node, &fetched).await?;
        rows
    };
    Ok(DealSearchResults {
        total_hits: results.total_hits,
        hits: pair_hits(results.hits, records, rows, &public)
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
