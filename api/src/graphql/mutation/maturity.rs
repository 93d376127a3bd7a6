//! The digital maturity self-assessment and technology plan: schools answer, complete
//! sections and track recommendations.

use async_graphql::{Context, Object};
use becta_domain::maturity::{assessments, plan};
use becta_domain::vocab::RecommendationStatus;

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::{AssessmentSection, PlanRecommendation};
use crate::state::AppState;

#[derive(Default)]
pub struct MaturityMutation;

#[Object]
impl MaturityMutation {
    /// Answers a question of this academic year's assessment, starting it if needed
    /// (SCHOOL_BUYER). The question must be on the section's path; changing an answer drops
    /// answers the new branch no longer reaches and reopens a completed section.
    async fn answer_assessment_question(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The standard's slug.")] standard: String,
        #[graphql(desc = "The question's slug.")] question: String,
        #[graphql(desc = "The answer's slug.")] answer: String,
    ) -> async_graphql::Result<AssessmentSection> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        assessments::answer(db, a, &standard, &question, &answer)
            .await
            .gql()
            .map(AssessmentSection)
    }

    /// Completes a standard's section once every question on its path is answered; its
    /// maturity then counts in the plan, benchmarks and the sector view (SCHOOL_BUYER).
    async fn complete_assessment_section(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The standard's slug.")] standard: String,
    ) -> async_graphql::Result<AssessmentSection> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        assessments::complete(db, a, &standard)
            .await
            .gql()
            .map(AssessmentSection)
    }

    /// Sets the status of a recommendation of your technology plan, with a note of up to
    /// 2,000 characters; every change is kept with who made it (SCHOOL_BUYER).
    async fn set_recommendation_status(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The recommendation's slug.")] recommendation: String,
        status: RecommendationStatus,
        note: Option<String>,
    ) -> async_graphql::Result<PlanRecommendation> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        plan::set_status(db, a, &recommendation, status, note)
            .await
            .gql()
            .map(PlanRecommendation)
    }
}
