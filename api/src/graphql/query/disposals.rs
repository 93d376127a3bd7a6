//! Reads of device disposal requests.

use async_graphql::{Context, ID, Object};
use becta_domain::devices::disposals;
use becta_domain::pagination::PageArgs;
use becta_domain::vocab::DisposalStatus;

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::{Connection, DisposalRequest};
use crate::state::AppState;

#[derive(Default)]
pub struct DisposalQuery;

#[Object]
impl DisposalQuery {
    /// One disposal request: for the school's buyers (and its trust's), the supplier it is
    /// addressed to, and admins; `NOT_FOUND` for anyone else.
    async fn disposal_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<DisposalRequest> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        disposals::get(db, a, id).await.gql().map(DisposalRequest)
    }

    /// Disposal requests, newest first: a school's own (a trust's buyer: its schools'), those
    /// addressed to a supplier, or every one for an admin (SCHOOL_BUYER, SUPPLIER, ADMIN).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn my_disposal_requests(
        &self,
        ctx: &Context<'_>,
        status: Option<DisposalStatus>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<DisposalRequest>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let page = PageArgs::new(first, after.as_deref()).gql()?;
        let rows = disposals::mine(db, a, status, &page).await.gql()?;
        Ok(Connection::plain(rows, DisposalRequest))
    }
}
