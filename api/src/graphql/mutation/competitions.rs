//! Further competitions under a framework lot: start, publish, clarifications, sealed bids,
//! evaluation, award or abandonment, and direct awards. Each resolver calls one domain
//! service with the server's clock.

use async_graphql::{Context, ID, InputObject, Object, SimpleObject};
use becta_domain::competitions::{self, CriterionScore};
use chrono::{DateTime, Utc};

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::{Bid, Clarification, CompetitionInvitation, FurtherCompetition};
use crate::state::AppState;

/// One award criterion: a framework criterion, optionally refined, with its weight.
#[derive(InputObject)]
pub struct AwardCriterionInput {
    /// `price`, `quality`, `technical`, `delivery`, `service` or `social_value`.
    pub key: String,
    /// How the criterion is refined for this requirement (up to 2,000 characters).
    pub refinement: Option<String>,
    /// A whole number 1 to 100; the weights add up to exactly 100.
    pub weight: i32,
}

/// A further competition to start.
#[derive(InputObject)]
pub struct FurtherCompetitionInput {
    /// The lot whose suppliers are invited; its deal's route must allow further competition
    /// and its eligibility include your school.
    pub lot_id: ID,
    /// 1 to 200 characters.
    pub title: String,
    /// The specification, 1 to 20,000 characters.
    pub requirement: String,
    /// 1 to 10,000,000.
    pub quantity: i64,
    /// For the whole term, in pence before VAT.
    pub budget_pence: i64,
    /// 1 to 120.
    pub term_months: i32,
    pub criteria: Vec<AwardCriterionInput>,
    /// The scale runs 0 to this (1 to 10).
    pub scale_max: i32,
    /// One descriptor for each point, 0 first.
    pub scale_descriptors: Vec<String>,
    /// In the future.
    pub clarification_deadline: DateTime<Utc>,
    /// After the clarification deadline, and at least the server's minimum response period
    /// after publication.
    pub submission_deadline: DateTime<Utc>,
}

/// A response to one criterion.
#[derive(InputObject)]
pub struct BidResponseInput {
    pub criterion: String,
    /// 1 to 20,000 characters.
    pub text: String,
}

/// A bid.
#[derive(InputObject)]
pub struct BidInput {
    /// The whole term's price, in pence before VAT.
    pub price_pence: i64,
    /// One for each criterion.
    pub responses: Vec<BidResponseInput>,
    /// Links (https) to attachments, up to 20.
    #[graphql(default)]
    pub attachments: Vec<String>,
}

/// A score of one criterion.
#[derive(InputObject)]
pub struct CriterionScoreInput {
    pub criterion: String,
    /// 0 to the competition's scale maximum.
    pub score: i32,
    /// 1 to 5,000 characters.
    pub rationale: String,
}

/// An evaluator's conflict of interest declaration.
#[derive(InputObject)]
pub struct ConflictDeclarationInput {
    /// Whether you have a conflict of interest with any bidder (then you do not score).
    pub has_conflict: bool,
    /// What you declare ("None", or the interest), 1 to 5,000 characters.
    pub details: String,
}

/// A direct award.
#[derive(InputObject)]
pub struct DirectAwardInput {
    /// A lot of a deal whose route allows direct award.
    pub lot_id: ID,
    /// A supplier on the lot.
    pub supplier_id: ID,
    pub title: String,
    pub requirement: String,
    pub quantity: i64,
    /// The whole term's value, in pence before VAT.
    pub value_pence: i64,
    pub term_months: i32,
    /// Why a direct award (1 to 5,000 characters).
    pub reason: String,
    /// The framework's objective selection rule that picks this supplier.
    pub selection_rule: String,
}

fn scores(input: Vec<CriterionScoreInput>) -> Vec<CriterionScore> {
    input
        .into_iter()
        .map(|s| CriterionScore {
            criterion: s.criterion,
            score: s.score,
            rationale: s.rationale,
        })
        .collect()
}

/// An evaluator's conflict of interest declaration.
#[derive(SimpleObject)]
pub struct ConflictDeclaration {
    pub evaluator_id: ID,
    pub has_conflict: bool,
    pub details: String,
    pub declared_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct CompetitionMutation;

#[Object]
impl CompetitionMutation {
    /// Starts a further competition as a draft (SCHOOL_BUYER for one school).
    async fn start_further_competition(
        &self,
        ctx: &Context<'_>,
        input: FurtherCompetitionInput,
    ) -> async_graphql::Result<FurtherCompetition> {
        let a = actor(ctx)?;
        let state = ctx.data::<AppState>()?;
        let input = competitions::CompetitionInput {
            lot_id: parse_id("lotId", &input.lot_id)?,
            title: input.title,
            requirement: input.requirement,
            quantity: input.quantity,
            budget_pence: input.budget_pence,
            term_months: input.term_months,
            criteria: input
                .criteria
                .into_iter()
                .map(|c| competitions::CriterionInput {
                    key: c.key,
                    refinement: c.refinement,
                    weight: c.weight,
                })
                .collect(),
            scale_max: input.scale_max,
            scale_descriptors: input.scale_descriptors,
            clarification_deadline: input.clarification_deadline,
            submission_deadline: input.submission_deadline,
        };
        competitions::start(
            &state.db,
            a,
            input,
            Utc::now(),
            state.competition_min_response,
        )
        .await
        .gql()
        .map(FurtherCompetition)
    }

    /// Publishes a draft and invites every supplier on the lot.
    async fn publish_further_competition(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<FurtherCompetition> {
        let a = actor(ctx)?;
        let state = ctx.data::<AppState>()?;
        let id = parse_id("id", &id)?;
        competitions::publish(&state.db, a, id, Utc::now(), state.competition_min_response)
            .await
            .gql()
            .map(FurtherCompetition)
    }

    /// Declines an invitation before the submission deadline (SUPPLIER, without a bid in).
    async fn decline_invitation(
        &self,
        ctx: &Context<'_>,
        competition_id: ID,
        reason: Option<String>,
    ) -> async_graphql::Result<CompetitionInvitation> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("competitionId", &competition_id)?;
        competitions::decline(db, a, id, reason, Utc::now())
            .await
            .gql()
            .map(CompetitionInvitation)
    }

    /// Asks a clarification question before the clarification deadline (an invited
    /// SUPPLIER; `DEADLINE_PASSED` after it).
    async fn ask_clarification(
        &self,
        ctx: &Context<'_>,
        competition_id: ID,
        question: String,
    ) -> async_graphql::Result<Clarification> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("competitionId", &competition_id)?;
        competitions::ask_clarification(db, a, id, question, Utc::now())
            .await
            .gql()
            .map(Clarification::from)
    }

    /// Answers a question; the answer goes to every invited supplier, without the asker's
    /// name (SCHOOL_BUYER of the school).
    async fn answer_clarification(
        &self,
        ctx: &Context<'_>,
        clarification_id: ID,
        answer: String,
    ) -> async_graphql::Result<Clarification> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("clarificationId", &clarification_id)?;
        competitions::answer_clarification(db, a, id, answer, Utc::now())
            .await
            .gql()
            .map(Clarification::from)
    }

    /// Submits your bid, or replaces it, before the submission deadline (an invited
    /// SUPPLIER); a bid at or after the deadline is `DEADLINE_PASSED`.
    async fn submit_bid(
        &self,
        ctx: &Context<'_>,
        competition_id: ID,
        input: BidInput,
    ) -> async_graphql::Result<Bid> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("competitionId", &competition_id)?;
        let input = competitions::BidInput {
            price_pence: input.price_pence,
            responses: input
                .responses
                .into_iter()
                .map(|r| (r.criterion, r.text))
                .collect(),
            attachments: input.attachments,
        };
        competitions::submit_bid(db, a, id, input, Utc::now())
            .await
            .gql()
            .map(Bid)
    }

    /// Scores a bid once, every criterion with a rationale (an evaluator: SCHOOL_BUYER of the
    /// school, after the deadline). Your first score in the competition carries your
    /// declaration (no conflict), unless you made it with `declareConflictOfInterest`.
    async fn score_bid(
        &self,
        ctx: &Context<'_>,
        bid_id: ID,
        scores: Vec<CriterionScoreInput>,
        declaration: Option<ConflictDeclarationInput>,
    ) -> async_graphql::Result<Bid> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("bidId", &bid_id)?;
        competitions::score_bid(
            db,
            a,
            id,
            self::scores(scores),
            declaration.map(|d| (d.has_conflict, d.details)),
            Utc::now(),
        )
        .await
        .gql()
        .map(Bid)
    }

    /// Records your conflict of interest declaration as an evaluator (SCHOOL_BUYER of the
    /// school), once per competition: with a conflict you do not score. Without a conflict it
    /// may instead come with your first `scoreBid`.
    async fn declare_conflict_of_interest(
        &self,
        ctx: &Context<'_>,
        competition_id: ID,
        has_conflict: bool,
        details: String,
    ) -> async_graphql::Result<ConflictDeclaration> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("competitionId", &competition_id)?;
        let d = competitions::declare_conflict(db, a, id, has_conflict, details, Utc::now())
            .await
            .gql()?;
        Ok(ConflictDeclaration {
            evaluator_id: ID(d.user_id.to_string()),
            has_conflict: d.has_conflict,
            details: d.declaration,
            declared_at: d.declared_at,
        })
    }

    /// Records the agreed score of every criterion of a bid (SCHOOL_BUYER of the school,
    /// after at least one evaluator scored it); replaces an earlier moderation until the award.
    async fn moderate_scores(
        &self,
        ctx: &Context<'_>,
        bid_id: ID,
        scores: Vec<CriterionScoreInput>,
    ) -> async_graphql::Result<Bid> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("bidId", &bid_id)?;
        competitions::moderate_scores(db, a, id, self::scores(scores), Utc::now())
            .await
            .gql()
            .map(Bid)
    }

    /// Awards the competition to a fully moderated bid: the top-ranked, or another with a
    /// written `reason`; an optional standstill of 0 to 20 working days. Every bidder is told.
    async fn award_further_competition(
        &self,
        ctx: &Context<'_>,
        id: ID,
        bid_id: ID,
        reason: Option<String>,
        standstill_working_days: Option<i32>,
    ) -> async_graphql::Result<FurtherCompetition> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        let bid = parse_id("bidId", &bid_id)?;
        competitions::award(db, a, id, bid, reason, standstill_working_days, Utc::now())
            .await
            .gql()
            .map(FurtherCompetition)
    }

    /// Abandons a draft or published competition with a reason; invited suppliers are told.
    async fn abandon_further_competition(
        &self,
        ctx: &Context<'_>,
        id: ID,
        reason: String,
    ) -> async_graphql::Result<FurtherCompetition> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        competitions::abandon(db, a, id, reason, Utc::now())
            .await
            .gql()
            .map(FurtherCompetition)
    }

    /// A direct award from a lot whose deal allows it, in one step (SCHOOL_BUYER for one
    /// school): the supplier, the reason and the framework's selection rule.
    async fn direct_award(
        &self,
        ctx: &Context<'_>,
        input: DirectAwardInput,
    ) -> async_graphql::Result<FurtherCompetition> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let input = competitions::DirectAwardInput {
            lot_id: parse_id("lotId", &input.lot_id)?,
            supplier_id: parse_id("supplierId", &input.supplier_id)?,
            title: input.title,
            requirement: input.requirement,
            quantity: input.quantity,
            value_pence: input.value_pence,
            term_months: input.term_months,
            reason: input.reason,
            selection_rule: input.selection_rule,
        };
        competitions::direct_award(db, a, input, Utc::now())
            .await
            .gql()
            .map(FurtherCompetition)
    }
}
