//! Advice cases: schools open, message and withdraw; advisers assign, move, message, note
//! and recommend.

use async_graphql::{Context, ID, InputObject, Object};
use becta_domain::advice::{self, Assignment, NewRecommendation, NewRequest};
use becta_domain::vocab::AdviceStatus;

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::{AdviceMessage, AdviceRequest};
use crate::state::AppState;

/// A deal or a product to recommend, and why.
#[derive(InputObject)]
pub struct RecommendationInput {
    pub deal_id: Option<ID>,
    pub product_id: Option<ID>,
    /// 10 to 5,000 characters.
    pub rationale: String,
}

#[derive(Default)]
pub struct AdviceMutation;

#[Object]
impl AdviceMutation {
    /// Opens a request for buying advice (SCHOOL_BUYER); it gets a reference like
    /// `BA-2026-000123`.
    async fn open_advice_request(
        &self,
        ctx: &Context<'_>,
        input: NewRequest,
        #[graphql(
            desc = "The slug of a recommendation of your technology plan (`myTechnologyPlan`): \
                    the case then carries the standard, the recommendation and your answers."
        )]
        from_recommendation: Option<String>,
    ) -> async_graphql::Result<AdviceRequest> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        advice::open(db, a, input, from_recommendation.as_deref())
            .await
            .gql()
            .map(AdviceRequest)
    }

    /// The school withdraws its open request.
    async fn withdraw_advice_request(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<AdviceRequest> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        advice::withdraw(db, a, id, version)
            .await
            .gql()
            .map(AdviceRequest)
    }

    /// Assigns a case to an active adviser in the directory (ADVISER, ADMIN); see the case's
    /// `suggestedAdvisers`. An unknown or inactive adviser is `BAD_USER_INPUT` naming
    /// `adviserId`; one at capacity is `CONFLICT` naming `adviserId` unless `overCapacity`.
    async fn assign_advice_case(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The case's id.")] id: ID,
        #[graphql(desc = "The case's `version` as last read; an older one is `CONFLICT`.")]
        version: i32,
        #[graphql(desc = "The adviser's id; absent, the adviser calling takes the case.")]
        adviser_id: Option<ID>,
        #[graphql(
            desc = "True to assign even though the adviser has as many open cases as their \
                    capacity (default false)."
        )]
        over_capacity: Option<bool>,
    ) -> async_graphql::Result<AdviceRequest> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        let adviser = adviser_id
            .as_ref()
            .map(|x| parse_id("adviserId", x))
            .transpose()?;
        let to = Assignment {
            adviser,
            over_capacity: over_capacity.unwrap_or(false),
        };
        advice::assign(db, a, id, version, to)
            .await
            .gql()
            .map(AdviceRequest)
    }

    /// Moves a case (ADVISER, ADMIN): NEW -> TRIAGED -> IN_PROGRESS <-> AWAITING_SCHOOL, and a
    /// RECOMMENDED case (see `recommend`) back to IN_PROGRESS or to CLOSED (resolved). Any
    /// other move is `CONFLICT`, naming the moves the case's status allows.
    async fn move_advice_case(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        to: AdviceStatus,
    ) -> async_graphql::Result<AdviceRequest> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        advice::transition(db, a, id, version, to)
            .await
            .gql()
            .map(AdviceRequest)
    }

    /// Posts a message; `internal` notes are for advisers only and never reach the school.
    async fn post_advice_message(
        &self,
        ctx: &Context<'_>,
        id: ID,
        body: String,
        #[graphql(default)] internal: bool,
    ) -> async_graphql::Result<AdviceMessage> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        advice::post(db, a, id, body, internal)
            .await
            .gql()
            .map(AdviceMessage)
    }

    /// Recommends deals and products with a rationale on a case IN_PROGRESS or RECOMMENDED,
    /// which then is RECOMMENDED; the school is told (ADVISER, ADMIN).
    async fn recommend(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        items: Vec<RecommendationInput>,
    ) -> async_graphql::Result<AdviceRequest> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        let items = items
            .into_iter()
            .map(|i| {
                Ok(NewRecommendation {
                    deal_id: i
                        .deal_id
                        .as_ref()
                        .map(|x| parse_id("items.dealId", x))
                        .transpose()?,
                    product_id: i
                        .product_id
                        .as_ref()
                        .map(|x| parse_id("items.productId", x))
                        .transpose()?,
                    rationale: i.rationale,
                })
            })
            .collect::<async_graphql::Result<_>>()?;
        advice::recommend(db, a, id, version, items)
            .await
            .gql()
            .map(AdviceRequest)
    }
}
