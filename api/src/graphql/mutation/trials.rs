//! Trials that produce evidence: a trust-wide trial request and a trial's outcome.

use async_graphql::{Context, ID, Object};
use becta_domain::lending::{self, NewOutcome};

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::{TrialOutcome, TrustTrial};
use crate::state::AppState;

#[derive(Default)]
pub struct TrialMutation;

#[Object]
impl TrialMutation {
    /// Asks for a TRUST offer for every eligible school of the signed-in trust at once: the
    /// schools take the places free now in name order, the rest join the waitlist in the same
    /// order; schools left out are listed with the reason (trust-scoped SCHOOL_BUYER).
    async fn request_trust_trial(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
    ) -> async_graphql::Result<TrustTrial> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let offer_id = parse_id("offerId", &offer_id)?;
        lending::request_for_trust(db, a, offer_id)
            .await
            .gql()
            .map(TrustTrial)
    }

    /// Records how an ended trial went (one per loan), or changes it within 30 days of first
    /// recording it; pass the outcome's `version` to change it (SCHOOL_BUYER of the school or
    /// its trust).
    async fn record_trial_outcome(
        &self,
        ctx: &Context<'_>,
        loan_id: ID,
        input: NewOutcome,
        #[graphql(desc = "The outcome's version when changing it.")] version: Option<i32>,
    ) -> async_graphql::Result<TrialOutcome> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let loan_id = parse_id("loanId", &loan_id)?;
        lending::record_outcome(db, a, loan_id, version, input)
            .await
            .gql()
            .map(TrialOutcome)
    }
}
