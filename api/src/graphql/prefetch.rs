//! Connection-level prefetch: when a page of rows is loaded, the nested fields the query
//! selects are loaded for the whole page at once (one query each) into the request's
//! DataLoader cache, so per-row resolvers only read the cache. This keeps the number of SQL
//! queries for a page constant however many rows it has, with no dependence on the DataLoader's
//! batching window.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, InputType, Lookahead, Name, Value};
use becta_domain::entity::{deal, product};
use becta_domain::reviews::ReviewPageArgs;
use becta_domain::vocab::{Phase, ReviewSort};

use super::loaders::*;

type Loaded<K> = Result<HashMap<K, <DbLoader as Loader<K>>::Value>, Arc<async_graphql::Error>>;

/// Loads `keys` into the cache when `selected`, else nothing. The whole page's keys are known
/// here, so this calls the loader at once (no batching window) and feeds the cache.
async fn load_if<K>(
    loader: &RequestLoader,
    selected: bool,
    keys: impl IntoIterator<Item = K>,
) -> Loaded<K>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    DbLoader: Loader<K, Error = Arc<async_graphql::Error>>,
    <DbLoader as Loader<K>>::Value: Clone,
{
    if !selected {
        return Ok(HashMap::new());
    }
    let mut keys: Vec<K> = keys.into_iter().collect();
    let mut seen = std::collections::HashSet::new();
    keys.retain(|k| seen.insert(k.clone()));
    let found = loader.loader().load(&keys).await?;
    loader.feed_many(found.clone()).await;
    Ok(found)
}

fn unarc(e: Arc<async_graphql::Error>) -> async_graphql::Error {
    (*e).clone()
}

/// `node` is where the product's fields are selected (e.g. `edges.node` of a connection).
pub async fn products(
    ctx: &Context<'_>,
    node: Lookahead<'_>,
    rows: &[product::Model],
) -> async_graphql::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let loader = ctx.data::<RequestLoader>()?;
    let wants_facets = ["subjects", "keyStages", "platforms", "badges"]
        .iter()
        .any(|f| node.field(f).exists());
    let (suppliers, categories, facets, aggregates) = tokio::join!(
        load_if(
            loader,
            node.field("supplier").exists(),
            rows.iter().map(|r| OrgId(r.supplier_id))
        ),
        load_if(
            loader,
            node.field("categories").exists(),
            rows.iter().map(|r| ProductCategories(r.id))
        ),
        load_if(
            loader,
            wants_facets,
            rows.iter().map(|r| ProductFacetsOf(r.id))
        ),
        product_aggregates(ctx, &node, rows.iter().map(|r| r.id)),
    );
    suppliers.map_err(unarc)?;
    categories.map_err(unarc)?;
    facets.map_err(unarc)?;
    aggregates
}

/// What a product's rows do not hold and its search record does not either: its review
/// aggregates and open trial offers, for every product of a page at once.
pub async fn product_aggregates(
    ctx: &Context<'_>,
    node: &Lookahead<'_>,
    ids: impl Iterator<Item = uuid::Uuid> + Clone,
) -> async_graphql::Result<()> {
    let loader = ctx.data::<RequestLoader>()?;
    let (ratings, offers) = tokio::join!(
        load_if(
            loader,
            node.field("rating").exists(),
            ids.clone().map(ProductRatingOf)
        ),
        load_if(
            loader,
            node.field("trialOffers").exists(),
            ids.clone().map(ProductTrialOffers)
        ),
    );
    ratings.map_err(unarc)?;
    offers.map_err(unarc)?;
    product_reviews(loader, node, ids).await
}

/// The pages of reviews a product selection asks for (one per distinct arguments, as
/// `Product.reviews` reads them), and whether their items' `history` is selected too. A
/// selection whose arguments are out of range is left to the resolver, which refuses it.
fn review_pages(node: &Lookahead<'_>) -> Vec<(ReviewPageArgs, bool)> {
    fn arg<T: InputType>(args: &[(Name, Value)], name: &str) -> Option<Option<T>> {
        match args.iter().find(|(n, _)| n.as_str() == name) {
            None | Some((_, Value::Null)) => Some(None),
            Some((_, v)) => T::parse(Some(v.clone())).ok().map(Some),
        }
    }
    let mut pages = Vec::new();
    for field in node.field("reviews").selection_fields() {
        let Ok(args) = field.arguments() else {
            continue;
        };
        let parsed = (|| {
            ReviewPageArgs::new(
                arg::<bool>(&args, "verifiedOnly")?.unwrap_or(false),
                arg::<Phase>(&args, "phase")?,
                arg::<ReviewSort>(&args, "sort")?.unwrap_or(ReviewSort::Newest),
                arg::<i32>(&args, "first")?,
                arg::<i32>(&args, "offset")?,
            )
            .ok()
        })();
        let history = field
            .selection_set()
            .filter(|f| f.name() == "items")
            .any(|items| items.selection_set().any(|f| f.name() == "history"));
        if let Some(page) = parsed {
            pages.push((page, history));
        }
    }
    pages
}

/// The selected pages of reviews of every product at once, and their reviews' histories.
async fn product_reviews(
    loader: &RequestLoader,
    node: &Lookahead<'_>,
    ids: impl Iterator<Item = uuid::Uuid> + Clone,
) -> async_graphql::Result<()> {
    let (mut histories, mut wants_history) = (Vec::new(), false);
    for (page, history) in review_pages(node) {
        let keys = ids.clone().map(|product| ProductReviews { product, page });
        let found = load_if(loader, true, keys).await.map_err(unarc)?;
        if history {
            wants_history = true;
            histories.extend(
                found
                    .values()
                    .flat_map(|(rows, _)| rows.iter().map(|r| r.id)),
            );
        }
    }
    load_if(
        loader,
        wants_history,
        histories.into_iter().map(ReviewRevisions),
    )
    .await
    .map_err(unarc)?;
    Ok(())
}

/// `node` is where the deal's fields are selected (e.g. `edges.node` of a connection).
pub async fn deals(
    ctx: &Context<'_>,
    node: Lookahead<'_>,
    rows: &[deal::Model],
) -> async_graphql::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let loader = ctx.data::<RequestLoader>()?;
    let wants_eligibility =
        node.field("eligiblePhases").exists() || node.field("eligibleOrganisationTypes").exists();
    let lots = node.field("lots");
    let (providers, categories, eligibility, found_lots) = tokio::join!(
        load_if(
            loader,
            node.field("provider").exists(),
            rows.iter().map(|r| ProviderId(r.provider_id))
        ),
        load_if(
            loader,
            node.field("categories").exists(),
            rows.iter().map(|r| DealCategories(r.id))
        ),
        load_if(
            loader,
            wants_eligibility,
            rows.iter().map(|r| DealEligibility(r.id))
        ),
        load_if(loader, lots.exists(), rows.iter().map(|r| DealLots(r.id))),
    );
    providers.map_err(unarc)?;
    categories.map_err(unarc)?;
    eligibility.map_err(unarc)?;
    let found_lots = found_lots.map_err(unarc)?;
    let lot_ids = found_lots.values().flatten().map(|l| LotSuppliers(l.id));
    load_if(loader, lots.field("suppliers").exists(), lot_ids)
        .await
        .map_err(unarc)?;
    Ok(())
}
