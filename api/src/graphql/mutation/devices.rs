//! Device listings' stock.

use async_graphql::{Context, ID, Object};
use becta_domain::devices::stock;

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::state::AppState;

#[derive(Default)]
pub struct DeviceMutation;

#[Object]
impl DeviceMutation {
    /// Sets how many units of a device listing are available to order, at once and without
    /// vetting; returns the units now available (SUPPLIER, owner).
    async fn set_device_stock(
        &self,
        ctx: &Context<'_>,
        product_id: ID,
        units_available: i64,
    ) -> async_graphql::Result<i64> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("productId", &product_id)?;
        stock::set(db, a, id, units_available).await.gql()
    }
}
