//! The contracts register.

use async_graphql::{Context, ID, Object};
use becta_domain::contracts;

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::Contract;
use crate::graphql::types::ids::parse_id;
use crate::state::AppState;

#[derive(Default)]
pub struct ContractQuery;

#[Object]
impl ContractQuery {
    /// The contracts register (SCHOOL_BUYER): your school's, or every school's of your trust
    /// when signed in for the trust, or one `schoolId`'s of those. Running contracts first by
    /// notice date, then ended ones, latest first. Also as CSV: `GET /exports/contracts.csv`.
    async fn my_contracts(
        &self,
        ctx: &Context<'_>,
        school_id: Option<ID>,
    ) -> async_graphql::Result<Vec<Contract>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let school = school_id
            .as_ref()
            .map(|s| parse_id("schoolId", s))
            .transpose()?;
        Ok(contracts::mine(db, a, school)
            .await
            .gql()?
            .into_iter()
            .map(Contract)
            .collect())
    }

    /// One contract of a school you act for (SCHOOL_BUYER).
    async fn contract(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Contract> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        contracts::get(db, a, id).await.gql().map(Contract)
    }
}
