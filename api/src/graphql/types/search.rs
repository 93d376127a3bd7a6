//! Search results: hits with their records, highlights and scores, facet counts and timing.

use async_graphql::{Context, SimpleObject};
use becta_indexer::service::{Page, ShownDeal, ShownProduct};
use becta_indexer::{Attribute, FacetDistribution};

use super::plain::PlainList;
use super::{Deal, LoadedProduct, Product};
use crate::graphql::loaders::{
    DealCategories, DealEligibility, DealLots, LotSuppliers, ProviderId, RequestLoader,
};
use crate::graphql::prefetch;

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

#[derive(SimpleObject)]
pub struct ProductHit {
    pub product: LoadedProduct,
    /// Relevance, 0 to 1: the share of the query's words the hit's level holds, less a
    /// fraction for its rank within that level (1 for the best record holding every word);
    /// null when sorted by an attribute.
    pub score: Option<f64>,
    pub highlights: PlainList<Highlight>,
}

#[derive(SimpleObject)]
pub struct DealHit {
    pub deal: Deal,
    /// Relevance, 0 to 1: the share of the query's words the hit's level holds, less a
    /// fraction for its rank within that level (1 for the best record holding every word);
    /// null when sorted by an attribute.
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
    /// When nothing was found: the words that matched nothing, respelt queries that find
    /// records, and a broader query. Null when there are hits.
    pub did_you_mean: Option<DidYouMean>,
}

#[derive(SimpleObject)]
pub struct DealSearchResults {
    /// Hits across all pages.
    pub total_hits: u64,
    pub hits: Vec<DealHit>,
    pub facets: PlainList<Facet>,
    /// Time the search engine took.
    pub processing_time_ms: u64,
    /// When nothing was found: the words that matched nothing, respelt queries that find
    /// records, and a broader query. Null when there are hits.
    pub did_you_mean: Option<DidYouMean>,
}

/// What a search that found nothing could have been.
#[derive(SimpleObject)]
pub struct DidYouMean {
    /// The query's words that no record holds (stop words aside), lowercased. Empty when
    /// every word is found somewhere and the filters left the page empty.
    pub unmatched_words: Vec<String>,
    /// Whole queries with those words respelt as the catalogue spells them, each finding
    /// records, nearest first.
    pub spellings: Vec<String>,
    /// The query without the words that matched nothing, when it finds records.
    pub broader_query: Option<String>,
}

impl From<becta_indexer::did_you_mean::DidYouMean> for DidYouMean {
    fn from(d: becta_indexer::did_you_mean::DidYouMean) -> Self {
        DidYouMean {
            unmatched_words: d.unmatched_words,
            spellings: d.spellings,
            broader_query: d.broader_query,
        }
    }
}

/// A name for the letters typed so far.
#[derive(SimpleObject)]
pub struct Suggestion {
    /// The name as written, e.g. a product's name or a deal's title.
    pub text: String,
    pub kind: becta_domain::vocab::SuggestionKind,
    /// The product's, deal's or supplier's id, or the category's slug.
    pub id: async_graphql::ID,
}

/// Search results for products and deals at once.
#[derive(SimpleObject)]
pub struct CombinedSearchResults {
    pub products: ProductSearchResults,
    pub deals: DealSearchResults,
}

/// Facets as the API names them: attribute names become filter names, enum codes GraphQL enums.
fn facets(found: Vec<FacetDistribution>) -> PlainList<Facet> {
    PlainList(
        found
            .into_iter()
            .filter_map(|f| {
                let attr = Attribute::ALL.iter().find(|a| a.name() == f.field)?;
                let (name, is_enum) = facet_name(*attr)?;
                Some(Facet {
                    field: name.to_owned(),
                    values: PlainList(
                        f.values
                            .into_iter()
                            .map(|v| FacetValue {
                                value: if is_enum {
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

/// A counted attribute's name in the API (the filter it narrows) and whether its values are
/// enum codes.
fn facet_name(attr: Attribute) -> Option<(&'static str, bool)> {
    use Attribute as A;
    Some(match attr {
        A::Categories => ("categories", false),
        A::KeyStages => ("keyStages", true),
        A::Platforms => ("platforms", true),
        A::Subjects => ("subjects", false),
        A::Badges => ("badges", true),
        A::PricingModel => ("pricingModels", true),
        A::HostingLocation => ("hostingLocations", true),
        A::TrialAvailable => ("trialAvailable", false),
        A::Provider => ("providers", false),
        A::EligiblePhases => ("phases", true),
        A::EligibleOrgTypes => ("organisationTypes", true),
        A::RouteToMarket => ("routesToMarket", true),
        A::DfeEndorsed => ("dfeEndorsed", false),
        A::Condition => ("condition", true),
        A::Grade => ("grades", true),
        A::FormFactor => ("formFactors", true),
        A::OperatingSystem => ("operatingSystems", false),
        _ => return None,
    })
}

fn highlights(found: Vec<becta_indexer::Highlight>) -> PlainList<Highlight> {
    PlainList(
        found
            .into_iter()
            .map(|h| Highlight {
                field: h.field,
                snippet: h.snippet,
            })
            .collect(),
    )
}

/// A page of product hits as GraphQL results. Hits shown from their stored records need no
/// query; rows read from the database, and what no record holds (ratings, trial offers), are
/// loaded for the whole page at once when selected.
pub async fn product_results(
    ctx: &Context<'_>,
    page: Page<ShownProduct>,
    node: async_graphql::Lookahead<'_>,
) -> async_graphql::Result<ProductSearchResults> {
    let recorded = page.hits.iter().filter_map(|h| match &h.shown {
        ShownProduct::Record(r) => Some(&r.product),
        ShownProduct::Row(_) => None,
    });
    prefetch::product_aggregates(ctx, &node, recorded.clone().map(|p| p.id)).await?;
    let suppliers = recorded.map(|p| p.supplier_id);
    prefetch::offerings(ctx, &node.field("supplier"), suppliers).await?;
    let rows: Vec<_> = page
        .hits
        .iter()
        .filter_map(|h| match &h.shown {
            ShownProduct::Row(p) => Some((**p).clone()),
            ShownProduct::Record(_) => None,
        })
        .collect();
    prefetch::products(ctx, node, &rows).await?;
    Ok(ProductSearchResults {
        total_hits: page.total_hits,
        hits: PlainList(
            page.hits
                .into_iter()
                .map(|h| ProductHit {
                    product: match h.shown {
                        ShownProduct::Record(r) => LoadedProduct::Record(r),
                        ShownProduct::Row(p) => LoadedProduct::Row(Box::new(Product(*p))),
                    },
                    score: h.score,
                    highlights: highlights(h.highlights),
                })
                .collect(),
        ),
        facets: facets(page.facets),
        processing_time_ms: page.processing_time_ms,
        did_you_mean: None,
    })
}

/// As [`product_results`], for deals: their records' provider, categories, eligibility, lots
/// and lot suppliers go into the request's loader, rows read from the database are prefetched.
pub async fn deal_results(
    ctx: &Context<'_>,
    page: Page<ShownDeal>,
    node: async_graphql::Lookahead<'_>,
) -> async_graphql::Result<DealSearchResults> {
    let loader = ctx.data::<RequestLoader>()?;
    let (mut providers, mut categories, mut eligibility) = (vec![], vec![], vec![]);
    let (mut lots, mut lot_suppliers, mut rows) = (vec![], vec![], vec![]);
    let mut hits = Vec::with_capacity(page.hits.len());
    for h in page.hits {
        let deal = match h.shown {
            ShownDeal::Row(row) => {
                rows.push((*row).clone());
                *row
            }
            ShownDeal::Record(r) => {
                let r = *r;
                let id = r.deal.id;
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
                r.deal
            }
        };
        hits.push(DealHit {
            deal: Deal(deal),
            score: h.score,
            highlights: highlights(h.highlights),
        });
    }
    loader.feed_many(providers).await;
    loader.feed_many(categories).await;
    loader.feed_many(eligibility).await;
    loader.feed_many(lots).await;
    let suppliers_on_lots: Vec<_> = lot_suppliers
        .iter()
        .flat_map(|(_, suppliers)| suppliers.iter().map(|s| s.id))
        .collect();
    loader.feed_many(lot_suppliers).await;
    let lot_suppliers_node = node.field("lots").field("suppliers");
    prefetch::offerings(ctx, &lot_suppliers_node, suppliers_on_lots.into_iter()).await?;
    prefetch::deals(ctx, node, &rows).await?;
    Ok(DealSearchResults {
        total_hits: page.total_hits,
        hits,
        facets: facets(page.facets),
        processing_time_ms: page.processing_time_ms,
        did_you_mean: None,
    })
}
