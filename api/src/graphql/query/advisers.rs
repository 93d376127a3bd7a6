//! Reading the adviser directory (advisers and admins).

use async_graphql::{Context, InputObject, Object};
use becta_domain::advice::{AdviserFilter, advisers};
use becta_domain::pagination::PageArgs;
use becta_domain::vocab::Region;

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::{Adviser, Connection};
use crate::state::AppState;

/// Filters of the adviser directory; all given must hold.
#[derive(InputObject, Default)]
pub struct AdviserFilterInput {
    /// Only advisers who specialise in this category (a slug, see `categories`).
    pub category: Option<String>,
    /// Only advisers who cover this region.
    pub region: Option<Region>,
    /// Only active (true) or inactive (false) advisers.
    pub active: Option<bool>,
}

#[derive(Default)]
pub struct AdviserQuery;

#[Object]
impl AdviserQuery {
    /// The adviser directory, by name (ADVISER, ADMIN).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn advisers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Which advisers; all of them when absent.")] filter: Option<
            AdviserFilterInput,
        >,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<Adviser>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let page = PageArgs::new(first, after.as_deref()).gql()?;
        let f = filter.unwrap_or_default();
        let filter = AdviserFilter {
            category: f.category,
            region: f.region,
            active: f.active,
        };
        let rows = advisers::list(db, a, &filter, &page).await.gql()?;
        Connection::advisers(ctx, rows).await
    }
}
