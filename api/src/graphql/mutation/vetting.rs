//! Vetting by admins: take a submitted listing into review, then decide with the checklist.

use async_graphql::{Context, ID, Object};
use becta_domain::vetting::{self, Checklist};
use becta_domain::vocab::VettingDecision;

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::Listing;
use crate::graphql::types::ids::parse_id;
use crate::state::AppState;

#[derive(Default)]
pub struct VettingMutation;

#[Object]
impl VettingMutation {
    /// Takes a submitted listing into review (ADMIN).
    async fn start_vetting_review(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<Listing> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        vetting::start_review(db, a, id, version)
            .await
            .gql()
            .map(Listing)
    }

    /// Decides on a listing in review, or on an approved listing's pending revision (ADMIN).
    /// Approval needs data protection and safeguarding to pass; the items that pass become the
    /// listing's badges. Changes requested and rejections need notes to the supplier.
    async fn decide_vetting(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        decision: VettingDecision,
        checklist: Checklist,
        #[graphql(desc = "Notes to the supplier; required unless approving.")] notes: Option<
            String,
        >,
    ) -> async_graphql::Result<Listing> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        vetting::decide(
            db,
            a,
            id,
            version,
            decision,
            checklist,
            notes.unwrap_or_default(),
        )
        .await
        .gql()
        .map(Listing)
    }
}
