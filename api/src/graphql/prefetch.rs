//! Connection-level prefetch: when a page of rows is loaded, the nested fields the query
//! selects are loaded for the whole page at once (one query each) into the request's
//! DataLoader cache, so per-row resolvers only read the cache. This keeps the number of SQL
//! queries for a page constant however many rows it has, with no dependence on the DataLoader's
//! batching window.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use async_graphql::{Context, Lookahead};
use becta_domain::entity::{deal, product};

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
            ids.map(ProductTrialOffers)
        ),
    );
    ratings.map_err(unarc)?;
    offers.map_err(unarc)?;
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
