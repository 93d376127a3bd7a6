//! Reviews: schools write and edit them, anyone signed in flags or votes, admins moderate
//! (hide, restore, dismiss flags), suppliers reply.

use async_graphql::{Context, ID, Object};
use becta_domain::reviews::{self, ReviewInput};

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::{FlaggedReview, Review};
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

    /// Reports a published review to the moderators, with a reason (anyone signed in; once
    /// until the moderators decide on it, after which a new flag reopens it in their queue).
    async fn flag_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review.")] id: ID,
        #[graphql(desc = "What is wrong with it, 3 to 1,000 characters.")] reason: String,
    ) -> async_graphql::Result<Review> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        reviews::flag(db, a, id, reason).await.gql().map(Review)
    }

    /// Hides a review from the product's page and its figures (ADMIN). Its open flags are
    /// resolved by this decision, which the moderation queue keeps with who, when and why.
    async fn hide_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review.")] id: ID,
        #[graphql(desc = "The review's `version` as you read it.")] version: i32,
        #[graphql(desc = "Why, 3 to 1,000 characters.")] reason: String,
    ) -> async_graphql::Result<Review> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        reviews::moderate(db, a, id, version, true, reason)
            .await
            .gql()
            .map(Review)
    }

    /// Restores a hidden review (ADMIN). Any open flags are resolved by this decision, which
    /// the moderation queue keeps with who, when and why.
    async fn restore_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review.")] id: ID,
        #[graphql(desc = "The review's `version` as you read it.")] version: i32,
        #[graphql(desc = "Why, 3 to 1,000 characters.")] reason: String,
    ) -> async_graphql::Result<Review> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        reviews::moderate(db, a, id, version, false, reason)
            .await
            .gql()
            .map(Review)
    }

    /// Dismisses a review's open flags (ADMIN): the review stays as it is, and the flags
    /// leave the open queue, resolved with who, when and why. A new flag reopens it.
    /// `CONFLICT` when the flags were resolved already, the review has changed, or more flags
    /// have come in than `flagCount`.
    async fn dismiss_review_flags(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The review.")] id: ID,
        #[graphql(desc = "The review's `version` as you read it.")] version: i32,
        #[graphql(desc = "The queue entry's `flagCount` as you read it.")] flag_count: i32,
        #[graphql(desc = "Why, 3 to 1,000 characters.")] reason: String,
    ) -> async_graphql::Result<FlaggedReview> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        reviews::dismiss_flags(db, a, id, version, flag_count, reason)
            .await
            .gql()
            .map(FlaggedReview)
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
