//! Reading advice cases: advisers' queue, a school's own requests.

use async_graphql::{Context, ID, InputObject, Object};
use becta_domain::advice::{self, QueueFilter};
use becta_domain::pagination::PageArgs;
use becta_domain::vocab::{AdviceStatus, Region};

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::*;
use crate::state::AppState;

/// Filters of the advice queue; all given must hold.
#[derive(InputObject, Default)]
pub struct AdviceFilterInput {
    pub status: Option<AdviceStatus>,
    /// A deal category slug.
    pub category: Option<String>,
    /// The requesting school's region.
    pub region: Option<Region>,
    pub assignee_id: Option<ID>,
    /// Only cases nobody has taken.
    #[graphql(default)]
    pub unassigned: bool,
    /// Only late (true) or on-time (false) cases.
    pub overdue: Option<bool>,
}

#[derive(Default)]
pub struct AdviceQuery;

#[Object]
impl AdviceQuery {
    /// Advice cases: every case for advisers and admins (oldest first), the school's own
    /// requests for school buyers (newest first).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn advice_requests(
        &self,
        ctx: &Context<'_>,
        filter: Option<AdviceFilterInput>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<AdviceRequest>> {
        let a = actor(ctx)?;
        a.require(&[
            becta_domain::vocab::Role::SchoolBuyer,
            becta_domain::vocab::Role::Adviser,
            becta_domain::vocab::Role::Admin,
        ])
        .gql()?;
        let db = &ctx.data::<AppState>()?.db;
        let page = PageArgs::new(first, after.as_deref()).gql()?;
        let f = filter.unwrap_or_default();
        let filter = QueueFilter {
            status: f.status,
            category: f.category,
            region: f.region,
            assignee_id: f
                .assignee_id
                .as_ref()
                .map(|i| parse_id("filter.assigneeId", i))
                .transpose()?,
            unassigned: f.unassigned,
            overdue: f.overdue,
        };
        let rows = advice::list(db, a, &filter, &page, chrono::Utc::now())
            .await
            .gql()?;
        Connection::advice_requests(ctx, rows).await
    }

    /// One case (its school, advisers and admins).
    async fn advice_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<AdviceRequest> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        advice::get(db, a, id).await.gql().map(AdviceRequest)
    }
}
