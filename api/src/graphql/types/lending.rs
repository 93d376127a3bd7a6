//! Lending library types: trial offers, loans with their history, notifications.

use async_graphql::{Context, ID, Json, Object};
use becta_domain::entity::{loan_event, notification, trial_offer};
use becta_domain::lending::{self, LoanView};
use becta_domain::vocab::{EstablishmentType, LicenceScope, LoanStatus, OfferStatus, Phase};
use chrono::{DateTime, Utc};

use super::Product;
use crate::graphql::error::GqlResult;
use crate::state::AppState;

fn codes<T>(list: &serde_json::Value, parse: fn(&str) -> Option<T>) -> Vec<T> {
    list.as_array()
        .map(|v| {
            v.iter()
                .filter_map(|c| c.as_str().and_then(parse))
                .collect()
        })
        .unwrap_or_default()
}

/// Trial seats a supplier lends on one product. The flag says whether the caller may see
/// the offer's figures.
pub struct TrialOffer(pub trial_offer::Model, pub bool);

#[Object]
impl TrialOffer {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn status(&self) -> Option<OfferStatus> {
        OfferStatus::from_code(&self.0.status)
    }
    /// Pass to `setTrialOfferStatus`; an older one is `CONFLICT`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn seats_total(&self) -> i32 {
        self.0.seats_total
    }
    /// Seats free now; while any are, nobody is waiting.
    async fn seats_free(&self) -> i32 {
        self.0.seats_free
    }
    async fn loan_days(&self) -> i32 {
        self.0.loan_days
    }
    async fn max_extensions(&self) -> i32 {
        self.0.max_extensions
    }
    async fn extension_days(&self) -> i32 {
        self.0.extension_days
    }
    /// Phases that may borrow; empty: all.
    async fn eligible_phases(&self) -> Vec<Phase> {
        codes(&self.0.eligible_phases, Phase::from_code)
    }
    /// School types that may borrow; empty: all.
    async fn eligible_organisation_types(&self) -> Vec<EstablishmentType> {
        codes(&self.0.eligible_org_types, EstablishmentType::from_code)
    }
    async fn terms(&self) -> &str {
        &self.0.terms
    }
    /// What a place lends: a seat, a whole school, or a trust's eligible schools.
    async fn licence_scope(&self) -> Option<LicenceScope> {
        LicenceScope::from_code(&self.0.licence_scope)
    }
    /// Days before a loan's end on which the school is reminded, largest first.
    async fn reminder_days(&self) -> Vec<i32> {
        lending::reminder_days(&self.0)
    }
    /// Days after a school's trial of the product ends before it may ask again (0: none).
    async fn cool_off_days(&self) -> i32 {
        self.0.cool_off_days
    }
    /// Trials of the product one school may have; null: no limit.
    async fn max_trials_per_school(&self) -> Option<i32> {
        self.0.max_trials_per_school
    }
    /// Whether a returned activation code may be lent again (after every unused one).
    async fn reusable_codes(&self) -> bool {
        self.0.reusable_codes
    }
    /// Seats in use, the waitlist and conversion to purchases: for the offer's supplier and
    /// admins (`myTrialOffers`, `createTrialOffer`); null elsewhere.
    async fn stats(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<OfferStats>> {
        if !self.1 {
            return Ok(None);
        }
        let db = &ctx.data::<AppState>()?.db;
        Ok(Some(OfferStats(
            lending::offer_stats(db, self.0.id).await.gql()?,
        )))
    }
}

/// How an offer is doing.
pub struct OfferStats(pub lending::OfferStats);

#[Object]
impl OfferStats {
    async fn seats_in_use(&self) -> i64 {
        self.0.seats_in_use
    }
    async fn waitlist_length(&self) -> i64 {
        self.0.waitlist_length
    }
    /// Loans returned, expired or converted.
    async fn loans_ended(&self) -> i64 {
        self.0.loans_ended
    }
    async fn converted(&self) -> i64 {
        self.0.converted
    }
    /// Share of ended loans that became purchases, 0 to 1.
    async fn conversion_rate(&self) -> f64 {
        self.0.conversion_rate()
    }
}

/// A school's trial loan, or its place on a waitlist.
pub struct Loan(pub LoanView);

#[Object]
impl Loan {
    async fn id(&self) -> ID {
        ID(self.0.loan.id.to_string())
    }
    async fn status(&self) -> async_graphql::Result<LoanStatus> {
        lending::loan_status(&self.0.loan).gql()
    }
    /// Pass to `extendLoan`, `returnLoan` or `leaveWaitlist`.
    async fn version(&self) -> i32 {
        self.0.loan.version
    }
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Product> {
        let db = &ctx.data::<AppState>()?.db;
        becta_domain::catalogue::products::get_any(db, self.0.loan.product_id)
            .await
            .gql()
            .map(Product)
    }
    async fn offer_id(&self) -> ID {
        ID(self.0.loan.offer_id.to_string())
    }
    /// Place in the queue (1 is next), while waitlisted.
    async fn waitlist_position(&self) -> Option<i64> {
        self.0.waitlist_position
    }
    async fn requested_at(&self) -> DateTime<Utc> {
        self.0.loan.requested_at
    }
    async fn granted_at(&self) -> Option<DateTime<Utc>> {
        self.0.loan.granted_at
    }
    /// When the seat goes back, while active (or when it went back).
    async fn ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.loan.ends_at
    }
    /// Whole days left of an active loan (0 on its last day).
    async fn days_left(&self) -> Option<i64> {
        let active = self.0.loan.status == LoanStatus::Active.code();
        self.0
            .loan
            .ends_at
            .filter(|_| active)
            .map(|e| (e - Utc::now()).num_days().max(0))
    }
    async fn extensions_used(&self) -> i32 {
        self.0.loan.extensions_used
    }
    /// The activation code lent with the seat, while the loan is active.
    async fn activation_code(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        if self.0.loan.status != LoanStatus::Active.code() {
            return Ok(None);
        }
        let db = &ctx.data::<AppState>()?.db;
        lending::activation_code(db, self.0.loan.id).await.gql()
    }
    /// The outcome the school recorded once the trial ended, if any.
    async fn outcome(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<super::TrialOutcome>> {
        let db = &ctx.data::<AppState>()?.db;
        Ok(lending::outcome_of_loan(db, self.0.loan.id)
            .await
            .gql()?
            .map(super::TrialOutcome))
    }
    /// Every change to the loan, oldest first.
    async fn history(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<LoanEvent>> {
        let db = &ctx.data::<AppState>()?.db;
        Ok(lending::history(db, self.0.loan.id)
            .await
            .gql()?
            .into_iter()
            .map(LoanEvent)
            .collect())
    }
}

/// One change to a loan.
pub struct LoanEvent(pub loan_event::Model);

#[Object]
impl LoanEvent {
    /// `requested`, `waitlisted`, `granted`, `extended`, `returned`, `expired`,
    /// `left_waitlist`, `offer_closed`, `converted`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    async fn detail(&self) -> Option<Json<serde_json::Value>> {
        self.0.detail.clone().map(Json)
    }
}

/// A notification for the user (also delivered by mail or webhook from the outbox).
pub struct Notification(pub notification::Model);

#[Object]
impl Notification {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// e.g. `loan.granted`, `loan.reminder_7_days` (one kind per reminder day),
    /// `loan.reminder_1_day`, `loan.expired`, `loan.offer_closed`, `loan.outcome_requested`,
    /// `trial_offer.codes_exhausted`, `supplier.loan_granted`, `vetting.decided`,
    /// `review.published`, `advice.assigned`, `review.flagged`, `contract.renewal_due` (the
    /// README lists every kind and who gets it).
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    async fn payload(&self) -> Json<serde_json::Value> {
        Json(self.0.payload.clone())
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the SMTP server accepted its email; null until then (and when not emailed).
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    /// Its email: `pending`, `sent`, `skipped` (email turned off for the kind, or no address
    /// on record) or `failed`.
    async fn email_status(&self) -> &str {
        &self.0.email_status
    }
}
