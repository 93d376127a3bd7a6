//! Reviews: schools write and edit them, anyone signed in flags or votes, admins moderate,
//! suppliers reply.

use async_graphql::{Context, ID, Object};
use becta_domain::reviews::{self, ReviewInput};

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::Review;
use crate::graphql::types::ids::parse_id;
use crate::state::AppState;

#[derive(Default)]
pub struct ReviewMutation;

#[Object]
impl ReviewMutation {
    /// Reviews a product, once per school (SCHOOL_BUYER). Marked verified use when the school
    /// has had a trial loan of it.
    async fn create_review(
        &self,
        ctx: &Context<'_>,
        product_id: ID,
        input: ReviewInput,
    ) -> async_graphql::Result<Review> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let product_id = parse_id("productId", &product_id)?;
        reviews::create(db, a, product_id, input)
            .await
            .gql()
            .map(Review)
    }

    /// Edits the school's review at `version`; the previous text stays in its history.
    async fn update_review(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: ReviewInput,
    ) -> async_graphql::Result<Review> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        reviews::update(db, a, id, version, input)
            .await
            .gql()
            .map(Review)
    }

    /// Reports a review to the moderators, with a reason (anyone signed in, once).
    async fn flag_review(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> async_graphql::Result<Review> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        reviews::flag(db, a, id, reason).await.gql().map(Review)
    }

    /// Hides a review from the product's page and its figures (ADMIN).
    async fn hide_review(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        reason: String,
    ) -> async_graphql::Result<Review> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        reviews::moderate(db, a, id, version, true, reason)
            .await
            .gql()
            .map(Review)
    }

    /// Restores a hidden review (ADMIN).
    async fn restore_review(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        reason: String,
    ) -> async_graphql::Result<Review> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        reviews::moderate(db, a, id, version, false, reason)
            .await
            .gql()
            .map(Review)
    }

    /// The product's supplier replies publicly, once per review (SUPPLIER).
    async fn reply_to_review(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reply: String,
    ) -> async_graphql::Result<Review> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        reviews::reply(db, a, id, reply).await.gql().map(Review)
    }

    /// Marks a review helpful, once per user (not the reviewing school's own users).
    async fn mark_review_helpful(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<Review> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        reviews::mark_helpful(db, a, id).await.gql().map(Review)
    }
}
