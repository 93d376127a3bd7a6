//! Supplier self-service: create, edit, submit and withdraw product listings.

use async_graphql::{Context, ID, Object};
use becta_domain::catalogue::products::ProductContent;
use becta_domain::listings::{self, ProductPatch};

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::Listing;
use crate::graphql::types::ids::parse_id;
use crate::state::AppState;

#[derive(Default)]
pub struct ListingMutation;

#[Object]
impl ListingMutation {
    /// A supplier creates a draft listing of its own (SUPPLIER).
    async fn create_product(
        &self,
        ctx: &Context<'_>,
        input: ProductContent,
    ) -> async_graphql::Result<Listing> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        listings::create(db, a, input).await.gql().map(Listing)
    }

    /// Edits the listing at `version`. A draft (or one returned with changes requested) changes
    /// in place; an approved listing gets a pending revision for vetting and stays live as it
    /// is until the revision is approved (SUPPLIER, owner).
    async fn update_product(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        patch: ProductPatch,
    ) -> async_graphql::Result<Listing> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        listings::update(db, a, id, version, patch)
            .await
            .gql()
            .map(Listing)
    }

    /// Sends a draft listing to vetting (SUPPLIER, owner).
    async fn submit_product_for_vetting(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<Listing> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        listings::submit(db, a, id, version)
            .await
            .gql()
            .map(Listing)
    }

    /// Takes a listing off the catalogue and out of vetting (SUPPLIER owner, or ADMIN).
    async fn withdraw_product(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<Listing> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        listings::withdraw(db, a, id, version)
            .await
            .gql()
            .map(Listing)
    }
}
