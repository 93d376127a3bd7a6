//! Further competitions and direct awards: a school's, a supplier's invitations, and the
//! call-off record.

use async_graphql::{Context, ID, Object};
use becta_domain::competitions;

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::{CallOffRecord, CompetitionInvitation, FurtherCompetition};
use crate::state::AppState;

#[derive(Default)]
pub struct CompetitionQuery;

#[Object]
impl CompetitionQuery {
    /// One further competition or direct award: for its school's buyers, admins, and the
    /// suppliers invited (who see only what is theirs). `NOT_FOUND` for anyone else.
    async fn further_competition(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<FurtherCompetition> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        competitions::get(db, a, id)
            .await
            .gql()
            .map(FurtherCompetition)
    }

    /// Your school's further competitions and direct awards, newest first (SCHOOL_BUYER;
    /// every school's of your trust when signed in for the trust).
    async fn my_further_competitions(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<FurtherCompetition>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        Ok(competitions::mine(db, a)
            .await
            .gql()?
            .into_iter()
            .map(FurtherCompetition)
            .collect())
    }

    /// The further competitions you were invited to, newest first (SUPPLIER).
    async fn my_invitations(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<CompetitionInvitation>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        Ok(competitions::my_invitations(db, a)
            .await
            .gql()?
            .into_iter()
            .map(CompetitionInvitation)
            .collect())
    }

    /// The call-off record of an awarded competition or a direct award (its school's buyers
    /// and admins): `CONFLICT` before the award. Also `GET /exports/call-offs/{id}.csv` and
    /// `.json`.
    async fn call_off_record(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<CallOffRecord> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        competitions::call_off_record(db, a, id)
            .await
            .gql()
            .map(CallOffRecord)
    }
}
