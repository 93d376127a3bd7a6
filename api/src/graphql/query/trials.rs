//! Reads of trial outcomes: a supplier's own outcomes in detail.

use async_graphql::{Context, ID, Object};
use becta_domain::lending;

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::SupplierTrialOutcome;
use crate::graphql::types::ids::parse_id;
use crate::state::AppState;

#[derive(Default)]
pub struct TrialQuery;

#[Object]
impl TrialQuery {
    /// The outcomes of trials of one of the signed-in supplier's products, newest first (at
    /// most 1,000), without school names unless the school agreed (SUPPLIER owner, or ADMIN;
    /// another supplier's product is `NOT_FOUND`).
    async fn trial_outcomes(
        &self,
        ctx: &Context<'_>,
        product_id: ID,
    ) -> async_graphql::Result<Vec<SupplierTrialOutcome>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let product_id = parse_id("productId", &product_id)?;
        Ok(lending::outcomes_for_supplier(db, a, product_id)
            .await
            .gql()?
            .into_iter()
            .map(SupplierTrialOutcome)
            .collect())
    }
}
