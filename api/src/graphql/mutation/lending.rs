//! The lending library: suppliers' trial offers, schools' loans and waitlist places.

use async_graphql::{Context, ID, Object};
use becta_domain::lending::{self, NewOffer};
use becta_domain::vocab::OfferStatus;

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::{Loan, TrialOffer};
use crate::state::AppState;

#[derive(Default)]
pub struct LendingMutation;

#[Object]
impl LendingMutation {
    /// Puts trial seats on one of the supplier's approved products (SUPPLIER, owner).
    async fn create_trial_offer(
        &self,
        ctx: &Context<'_>,
        product_id: ID,
        input: NewOffer,
    ) -> async_graphql::Result<TrialOffer> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let product_id = parse_id("productId", &product_id)?;
        lending::create_offer(db, a, product_id, input)
            .await
            .gql()
            .map(|o| TrialOffer(o, true))
    }

    /// Opens, pauses or closes an offer. Closing releases the waitlist but lets running loans
    /// run to their end (SUPPLIER owner, or ADMIN).
    async fn set_trial_offer_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        status: OfferStatus,
    ) -> async_graphql::Result<TrialOffer> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        lending::set_offer_status(db, a, id, version, status)
            .await
            .gql()
            .map(|o| TrialOffer(o, true))
    }

    /// Asks for a trial seat: granted at once if one is free (with its end date and any
    /// activation code), else a first-come waitlist place (SCHOOL_BUYER).
    async fn request_trial_loan(
        &self,
        ctx: &Context<'_>,
        offer_id: ID,
    ) -> async_graphql::Result<Loan> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let offer_id = parse_id("offerId", &offer_id)?;
        lending::request(db, a, offer_id).await.gql().map(Loan)
    }

    /// Extends an active loan, if the offer allows and nobody is waiting (SCHOOL_BUYER).
    async fn extend_loan(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<Loan> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        lending::extend(db, a, id, version).await.gql().map(Loan)
    }

    /// Gives a seat back early; it goes to the next school waiting (SCHOOL_BUYER).
    async fn return_loan(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<Loan> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        lending::return_loan(db, a, id, version)
            .await
            .gql()
            .map(Loan)
    }

    /// Leaves a waitlist (SCHOOL_BUYER).
    async fn leave_waitlist(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<Loan> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        lending::leave_waitlist(db, a, id, version)
            .await
            .gql()
            .map(Loan)
    }
}
