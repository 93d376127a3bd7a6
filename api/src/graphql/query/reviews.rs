//! Reading reviews for moderators: the queue of flagged reviews.

use async_graphql::{Context, ID, InputObject, Object};
use becta_domain::pagination::PageArgs;
use becta_domain::reviews::{self, FlagFilter};
use becta_domain::vocab::{FlagStatus, FlaggedReviewOrder, ModerationAction, Role};

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::*;
use crate::state::AppState;

/// Filters of the moderation queue; all given must hold.
#[derive(InputObject, Default)]
pub struct FlaggedReviewFilterInput {
    /// `OPEN` flags waiting for a moderator (the default), or `RESOLVED` ones.
    pub status: Option<FlagStatus>,
    /// Only reviews of this product.
    pub product_id: Option<ID>,
    /// Only reviews of this supplier's products.
    pub supplier_id: Option<ID>,
    /// Only entries with at least this many flags, 1 to 1000 (default 1).
    pub min_flags: Option<i32>,
    /// Only reviews now published (true) or now hidden (false).
    pub published: Option<bool>,
    /// Only flags resolved by this decision (with `status: RESOLVED`).
    pub resolution: Option<ModerationAction>,
}

impl FlaggedReviewFilterInput {
    fn parse(self) -> async_graphql::Result<FlagFilter> {
        let id = |field: &str, v: Option<ID>| v.map(|i| parse_id(field, &i)).transpose();
        Ok(FlagFilter {
            status: self.status.unwrap_or(FlagStatus::Open),
            product_id: id("filter.productId", self.product_id)?,
            supplier_id: id("filter.supplierId", self.supplier_id)?,
            min_flags: self.min_flags.unwrap_or(1),
            published: self.published,
            resolution: self.resolution,
        })
    }
}

#[derive(Default)]
pub struct ReviewQuery;

#[Object]
impl ReviewQuery {
    /// The moderation queue (admins): one entry per review with open flags, or per decision
    /// that resolved flags, with the flags' reasons counted and their first and last times.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn flagged_reviews(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which entries: open flags unless `status` says otherwise.")]
        filter: Option<FlaggedReviewFilterInput>,
        #[graphql(
            desc = "Most flags first (the default), oldest first flag first, or the latest \
                    decisions first (resolved flags only).",
            default_with = "FlaggedReviewOrder::MostFlags"
        )]
        order: FlaggedReviewOrder,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<FlaggedReview>> {
        let a = actor(ctx)?;
        a.require(&[Role::Admin]).gql()?;
        let db = &ctx.data::<AppState>()?.db;
        let page = PageArgs::new(first, after.as_deref()).gql()?;
        let filter = filter.unwrap_or_default().parse()?;
        let rows = reviews::flagged(db, a, &filter, order, &page).await.gql()?;
        Ok(Connection::flagged_reviews(rows, filter))
    }
}
