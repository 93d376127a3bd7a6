//! Reading shortlists.

use async_graphql::{Context, ID, Object};
use becta_domain::shortlists;

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::Shortlist;
use crate::graphql::types::ids::parse_id;
use crate::state::AppState;

#[derive(Default)]
pub struct ShortlistQuery;

#[Object]
impl ShortlistQuery {
    /// Shortlists you may read, most recently changed first: for a school buyer, their own
    /// and those shared by their school or trust (`ownedOnly` keeps their own); for advisers
    /// and admins, those attached to advice cases.
    async fn shortlists(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = false)] owned_only: bool,
    ) -> async_graphql::Result<Vec<Shortlist>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        Ok(shortlists::list(db, a, owned_only)
            .await
            .gql()?
            .into_iter()
            .map(Shortlist)
            .collect())
    }

    /// One shortlist; `FORBIDDEN` when it is not shared with you.
    async fn shortlist(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Shortlist> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        shortlists::get(db, a, id).await.gql().map(Shortlist)
    }
}
