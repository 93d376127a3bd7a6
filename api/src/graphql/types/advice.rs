//! Buying-advice types: a case, its messages, history and recommendations.

use async_graphql::{Context, ID, Json, Object};
use becta_domain::Error;
use becta_domain::advice;
use becta_domain::catalogue::{deals, products};
use becta_domain::entity::{advice_event, advice_message, advice_recommendation, advice_request};
use becta_domain::vocab::{AdviceStatus, ContactPreference, Role};
use chrono::{DateTime, NaiveDate, Utc};

use super::advisers::{Adviser, AdviserSuggestion};
use super::catalogue::loader;
use super::{Deal, Product};
use crate::graphql::auth::actor;
use crate::graphql::error::{GqlResult, to_gql};
use crate::graphql::loaders::{AdviserId, CaseSuggestions};
use crate::state::AppState;

/// A school's request for buying advice, handled as a case.
pub struct AdviceRequest(pub advice_request::Model);

#[Object]
impl AdviceRequest {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The human reference, e.g. `BA-2026-000123`.
    async fn reference(&self) -> &str {
        &self.0.reference
    }
    async fn status(&self) -> Option<AdviceStatus> {
        AdviceStatus::from_code(&self.0.status)
    }
    /// `resolved` or `withdrawn`, once closed.
    async fn outcome(&self) -> Option<&str> {
        self.0.outcome.as_deref()
    }
    /// Pass to the next change of the case.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn category(&self) -> &str {
        &self.0.category
    }
    async fn need(&self) -> &str {
        &self.0.need
    }
    async fn budget_min_pence(&self) -> Option<i64> {
        self.0.budget_min_pence
    }
    async fn budget_max_pence(&self) -> Option<i64> {
        self.0.budget_max_pence
    }
    async fn deadline(&self) -> Option<NaiveDate> {
        self.0.deadline
    }
    async fn current_setup(&self) -> &str {
        &self.0.current_setup
    }
    /// When the case was opened from a technology plan recommendation: the standard, the
    /// recommendation, the content version and the school's answers (question and answer
    /// texts with their levels), as they stood then.
    async fn assessment_context(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<Json<serde_json::Value>>> {
        let db = &ctx.data::<AppState>()?.db;
        Ok(becta_domain::maturity::plan::advice_context(db, self.0.id)
            .await
            .gql()?
            .map(Json))
    }
    async fn preferred_contact(&self) -> Option<ContactPreference> {
        ContactPreference::from_code(&self.0.preferred_contact)
    }
    /// The id of the adviser handling the case. Kept for existing clients: read `assignee`.
    #[graphql(deprecation = "read `assignee { id }`, which also has the adviser's name")]
    async fn assignee_id(&self) -> Option<ID> {
        self.0.assignee_id.map(|a| ID(a.to_string()))
    }
    /// The adviser handling the case; null while nobody has it. Its name is for everyone who
    /// sees the case, its email and directory details for advisers and admins.
    async fn assignee(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Adviser>> {
        let Some(id) = self.0.assignee_id else {
            return Ok(None);
        };
        Ok(loader(ctx)?
            .load_one(AdviserId(id))
            .await
            .map_err(|e| (*e).clone())?
            .map(Adviser::new))
    }
    /// Who should take the case, best first (ADVISER, ADMIN): active advisers in the
    /// directory, those who specialise in its category and cover the school's region, and
    /// then those with the emptiest caseload for their capacity, first; advisers at capacity
    /// last. Empty for a closed case.
    async fn suggested_advisers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many advisers, 1 to 50 (default 5).")] first: Option<i32>,
    ) -> async_graphql::Result<Vec<AdviserSuggestion>> {
        actor(ctx)?.require(&[Role::Adviser, Role::Admin]).gql()?;
        let first = match first {
            None => 5,
            Some(n @ 1..=50) => n as usize,
            Some(n) => {
                return Err(to_gql(Error::bad_input(
                    "first",
                    format!("`first` must be between 1 and 50, got {n}"),
                )));
            }
        };
        let found = loader(ctx)?
            .load_one(CaseSuggestions(self.0.id))
            .await
            .map_err(|e| (*e).clone())?
            .unwrap_or_default();
        Ok(found
            .into_iter()
            .take(first)
            .map(AdviserSuggestion)
            .collect())
    }
    /// First response due: 2 working days after the request.
    async fn first_response_due_at(&self) -> DateTime<Utc> {
        self.0.first_response_due_at
    }
    /// Resolution target, in working days by category.
    async fn resolution_due_at(&self) -> DateTime<Utc> {
        self.0.resolution_due_at
    }
    async fn first_responded_at(&self) -> Option<DateTime<Utc>> {
        self.0.first_responded_at
    }
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    /// Late now: no first response, or not closed, by its due time.
    async fn overdue(&self) -> bool {
        advice::is_overdue(&self.0, Utc::now())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Messages, oldest first; a school never sees internal notes.
    async fn messages(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AdviceMessage>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        Ok(advice::messages(db, a, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(AdviceMessage)
            .collect())
    }
    /// The case's history, oldest first; a school never sees internal steps.
    async fn history(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AdviceEvent>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        Ok(advice::events(db, a, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(AdviceEvent)
            .collect())
    }
    /// Shortlists the school attached to the case (those the caller may read).
    async fn shortlists(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<super::Shortlist>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        Ok(becta_domain::shortlists::for_case(db, a, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(super::Shortlist)
            .collect())
    }
    async fn recommendations(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<Recommendation>> {
        let db = &ctx.data::<AppState>()?.db;
        Ok(advice::recommendations(db, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(Recommendation)
            .collect())
    }
}

/// A message on a case.
pub struct AdviceMessage(pub advice_message::Model);

#[Object]
impl AdviceMessage {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    /// An adviser's note the school never sees.
    async fn internal(&self) -> bool {
        self.0.visibility == "internal"
    }
    async fn author_id(&self) -> Option<ID> {
        self.0.author_id.map(|a| ID(a.to_string()))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A step in a case's history.
pub struct AdviceEvent(pub advice_event::Model);

#[Object]
impl AdviceEvent {
    /// `opened`, `status`, `assigned`, `message`, `internal_note`, `recommended`, `withdrawn`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn detail(&self) -> Option<Json<serde_json::Value>> {
        self.0.detail.clone().map(Json)
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
}

/// A deal or product an adviser recommends, with why.
pub struct Recommendation(pub advice_recommendation::Model);

#[Object]
impl Recommendation {
    async fn rationale(&self) -> &str {
        &self.0.rationale
    }
    async fn deal(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Deal>> {
        let db = &ctx.data::<AppState>()?.db;
        match self.0.deal_id {
            // A deal that has since ended or been withdrawn is not shown.
            Some(id) => Ok(deals::get_public(db, id).await.ok().map(Deal)),
            None => Ok(None),
        }
    }
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Product>> {
        let db = &ctx.data::<AppState>()?.db;
        match self.0.product_id {
            Some(id) => Ok(products::get_public(db, id).await.ok().map(Product)),
            None => Ok(None),
        }
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
