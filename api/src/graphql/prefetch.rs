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
use becta_domain::entity::{advice_request, deal, product};
use becta_domain::pagination::PageArgs;
use becta_domain::reviews::ReviewPageArgs;
use becta_domain::vocab::{Phase, ReviewSort};

use super::loaders::*;
use super::types::advisers::is_staff;
use uuid::Uuid;

type Loaded<K> = Result<HashMap<K, <DbLoader as Loader<K>>::Value>, Arc<async_graphql::Error>>;

/// Loads `keys` into the cache when `selected`, else nothing. The whole page's keys are known
/// here, so this calls the loader at once (no batching window) and feeds the cache. Keys an
/// earlier prefetch of this request loaded (a connection nested in a page whose rows were
/// prefetched from above) are read from the cache, costing no query.
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
    let (fresh, known) = loader.split_prefetched(keys);
    let mut found = if fresh.is_empty() {
        HashMap::new()
    } else {
        loader.loader().load(&fresh).await?
    };
    loader.feed_many(found.clone()).await;
    loader.mark_prefetched(found.keys().cloned());
    if !known.is_empty() {
        found.extend(loader.load_many(known).await?);
    }
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
    aggregates?;
    let supplier = node.field("supplier");
    offerings(ctx, &supplier, rows.iter().map(|r| r.supplier_id)).await
}

/// What a product's rows do not hold and its search record does not either: its review
/// aggregates and open trial offers, for every product of a page at once.
pub async fn product_aggregates(
    ctx: &Context<'_>,
    node: &Lookahead<'_>,
    ids: impl Iterator<Item = Uuid> + Clone,
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

/// A field argument as the resolver reads it: `Some(None)` when absent or null, `None` when it
/// does not parse (the resolver refuses it; prefetch leaves it alone).
fn arg<T: InputType>(args: &[(Name, Value)], name: &str) -> Option<Option<T>> {
    match args.iter().find(|(n, _)| n.as_str() == name) {
        None | Some((_, Value::Null)) => Some(None),
        Some((_, v)) => T::parse(Some(v.clone())).ok().map(Some),
    }
}

/// The pages a connection field (`first`, `after`) is asked for, once per distinct arguments.
fn connection_pages(field: &Lookahead<'_>) -> Vec<PageArgs> {
    let mut pages = Vec::new();
    for f in field.selection_fields() {
        let Ok(args) = f.arguments() else {
            continue;
        };
        let page = (|| {
            let first = arg::<i32>(&args, "first")?;
            let after = arg::<String>(&args, "after")?;
            PageArgs::new(first, after.as_deref()).ok()
        })();
        if let Some(page) = page
            && !pages.contains(&page)
        {
            pages.push(page);
        }
    }
    pages
}

/// `supplier` is where a supplier's fields are selected: the pages of its products and deals
/// it asks for, for every supplier at once, with their own nested fields.
pub async fn offerings(
    ctx: &Context<'_>,
    supplier: &Lookahead<'_>,
    suppliers: impl Iterator<Item = Uuid> + Clone,
) -> async_graphql::Result<()> {
    if !supplier.exists() {
        return Ok(());
    }
    let loader = ctx.data::<RequestLoader>()?;
    let (products_field, deals_field) = (supplier.field("products"), supplier.field("deals"));
    let (mut product_rows, mut deal_rows) = (Vec::new(), Vec::new());
    for page in connection_pages(&products_field) {
        let keys = suppliers.clone().map(|supplier| SupplierProducts {
            supplier,
            page: page.clone(),
        });
        let found = load_if(loader, true, keys).await.map_err(unarc)?;
        product_rows.extend(
            found
                .into_values()
                .flat_map(|(p, _)| p.items)
                .map(|(_, r)| r),
        );
    }
    for page in connection_pages(&deals_field) {
        let keys = suppliers.clone().map(|supplier| SupplierDeals {
            supplier,
            page: page.clone(),
        });
        let found = load_if(loader, true, keys).await.map_err(unarc)?;
        deal_rows.extend(
            found
                .into_values()
                .flat_map(|(p, _)| p.items)
                .map(|(_, r)| r),
        );
    }
    let product_node = products_field.field("edges").field("node");
    Box::pin(products(ctx, product_node, &product_rows)).await?;
    let deal_node = deals_field.field("edges").field("node");
    Box::pin(deals(ctx, deal_node, &deal_rows)).await
}

/// The pages of reviews a product selection asks for (one per distinct arguments, as
/// `Product.reviews` reads them), and whether their items' `history` is selected too. A
/// selection whose arguments are out of range is left to the resolver, which refuses it.
fn review_pages(node: &Lookahead<'_>) -> Vec<(ReviewPageArgs, bool)> {
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
    ids: impl Iterator<Item = Uuid> + Clone,
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
    let suppliers = lots.field("suppliers");
    let on_lots = load_if(loader, suppliers.exists(), lot_ids)
        .await
        .map_err(unarc)?;
    let supplier_ids: Vec<Uuid> = on_lots.values().flatten().map(|s| s.id).collect();
    offerings(ctx, &suppliers, supplier_ids.into_iter()).await
}

/// `node` is where a case's fields are selected: its assignee (one query for the page) and,
/// for advisers and admins, its suggested advisers (a fixed number for the page), each with
/// the adviser fields selected under them.
pub async fn advice_requests(
    ctx: &Context<'_>,
    node: Lookahead<'_>,
    rows: &[advice_request::Model],
) -> async_graphql::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let loader = ctx.data::<RequestLoader>()?;
    let staff = is_staff(ctx);
    let (assignee, suggested) = (node.field("assignee"), node.field("suggestedAdvisers"));
    let (assignees, suggestions) = tokio::join!(
        load_if(
            loader,
            assignee.exists(),
            rows.iter().filter_map(|r| r.assignee_id).map(AdviserId)
        ),
        load_if(
            loader,
            staff && suggested.exists(),
            rows.iter().map(|r| CaseSuggestions(r.id))
        ),
    );
    let assignees = assignees.map_err(unarc)?;
    let suggestions = suggestions.map_err(unarc)?;
    advisers(ctx, &assignee, assignees.keys().map(|k| k.0), true).await?;
    let suggested_ids: Vec<Uuid> = suggestions
        .values()
        .flatten()
        .map(|s| s.adviser.id())
        .collect();
    // A suggestion carries its adviser's caseload.
    let adviser = suggested.field("adviser");
    advisers(ctx, &adviser, suggested_ids.into_iter(), false).await
}

/// `node` is where an adviser's fields are selected: their specialisms and (unless known
/// already) caseloads, for every adviser at once (advisers and admins only see them).
pub async fn advisers(
    ctx: &Context<'_>,
    node: &Lookahead<'_>,
    ids: impl Iterator<Item = Uuid> + Clone,
    caseloads: bool,
) -> async_graphql::Result<()> {
    if !is_staff(ctx) || !node.exists() {
        return Ok(());
    }
    let loader = ctx.data::<RequestLoader>()?;
    let wants_specialisms = node.field("categories").exists() || node.field("regions").exists();
    let (specialisms, caseloads) = tokio::join!(
        load_if(
            loader,
            wants_specialisms,
            ids.clone().map(AdviserSpecialisms)
        ),
        load_if(
            loader,
            caseloads && node.field("openCases").exists(),
            ids.clone().map(AdviserCaseload)
        ),
    );
    specialisms.map_err(unarc)?;
    caseloads.map_err(unarc)?;
    Ok(())
}
