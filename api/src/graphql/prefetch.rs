//! Connection-level prefetch: when a page of rows is loaded, the nested fields the query
//! selects are loaded for the whole page at once (one query each) into the request's
//! DataLoader cache, so per-row resolvers only read the cache. This keeps the number of SQL
//! queries for a page constant however many rows it has, with no dependence on the DataLoader's
//! batching window.

use std::sync::Arc;

use async_graphql::{Context, Lookahead};
use becta_domain::entity::{deal, product};

use super::loaders::*;

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
    let (suppliers, categories, facets) = tokio::join!(
        async {
            if node.field("supplier").exists() {
                loader
                    .load_many(rows.iter().map(|r| OrgId(r.supplier_id)))
                    .await
                    .map(drop)
            } else {
                Ok(())
            }
        },
        async {
            if node.field("categories").exists() {
                loader
                    .load_many(rows.iter().map(|r| ProductCategories(r.id)))
                    .await
                    .map(drop)
            } else {
                Ok(())
            }
        },
        async {
            if wants_facets {
                loader
                    .load_many(rows.iter().map(|r| ProductFacetsOf(r.id)))
                    .await
                    .map(drop)
            } else {
                Ok(())
            }
        },
    );
    suppliers.map_err(unarc)?;
    categories.map_err(unarc)?;
    facets.map_err(unarc)
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
    let (providers, categories, eligibility, lots) = tokio::join!(
        async {
            if node.field("provider").exists() {
                loader
                    .load_many(rows.iter().map(|r| ProviderId(r.provider_id)))
                    .await
                    .map(drop)
            } else {
                Ok(())
            }
        },
        async {
            if node.field("categories").exists() {
                loader
                    .load_many(rows.iter().map(|r| DealCategories(r.id)))
                    .await
                    .map(drop)
            } else {
                Ok(())
            }
        },
        async {
            if wants_eligibility {
                loader
                    .load_many(rows.iter().map(|r| DealEligibility(r.id)))
                    .await
                    .map(drop)
            } else {
                Ok(())
            }
        },
        async {
            let lots = node.field("lots");
            if !lots.exists() {
                return Ok(());
            }
            let found = loader
                .load_many(rows.iter().map(|r| DealLots(r.id)))
                .await?;
            if lots.field("suppliers").exists() {
                let lot_ids = found.values().flatten().map(|l| LotSuppliers(l.id));
                loader.load_many(lot_ids).await?;
            }
            Ok(())
        },
    );
    providers.map_err(unarc)?;
    categories.map_err(unarc)?;
    eligibility.map_err(unarc)?;
    lots.map_err(unarc)
}
