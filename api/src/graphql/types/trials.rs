//! Trial outcome and evidence types: a school's outcome of a trial, the evidence of impact on
//! a product, a supplier's view of its outcomes, and what a trust-wide request made.

use async_graphql::{ID, Object};
use becta_domain::entity::trial_outcome;
use becta_domain::lending::{self, PhaseEvidence as DomainPhaseEvidence};
use becta_domain::vocab::{MetNeed, Phase, TrialFrequency};
use chrono::{DateTime, Utc};

use super::{Loan, Organisation};

/// How a trial went, as the school recorded it.
pub struct TrialOutcome(pub trial_outcome::Model);

#[Object]
impl TrialOutcome {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn loan_id(&self) -> ID {
        ID(self.0.loan_id.to_string())
    }
    async fn product_id(&self) -> ID {
        ID(self.0.product_id.to_string())
    }
    /// The school's phase when it recorded the outcome.
    async fn phase(&self) -> Option<Phase> {
        self.0.phase.as_deref().and_then(Phase::from_code)
    }
    async fn used(&self) -> bool {
        self.0.used
    }
    async fn staff_count(&self) -> i32 {
        self.0.staff_count
    }
    async fn pupil_count(&self) -> i32 {
        self.0.pupil_count
    }
    async fn frequency(&self) -> Option<TrialFrequency> {
        TrialFrequency::from_code(&self.0.frequency)
    }
    async fn met_need(&self) -> Option<MetNeed> {
        MetNeed::from_code(&self.0.met_need)
    }
    /// Impact on the problem the product was tried for: 1 (none) to 5 (large).
    async fn impact(&self) -> i32 {
        self.0.impact
    }
    async fn impact_text(&self) -> &str {
        &self.0.impact_text
    }
    async fn would_buy(&self) -> bool {
        self.0.would_buy
    }
    async fn why_not(&self) -> Option<&str> {
        self.0.why_not.as_deref()
    }
    /// Whether the school lets the supplier see its name with this outcome.
    async fn share_school_name(&self) -> bool {
        self.0.share_school_name
    }
    /// Whether the trial became a purchase.
    async fn converted(&self) -> bool {
        self.0.converted
    }
    /// Pass to `recordTrialOutcome` to change it; an older one is `CONFLICT`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The outcome may be changed until then (30 days after it was first recorded).
    async fn editable_until(&self) -> DateTime<Utc> {
        lending::editable_until(&self.0)
    }
}

/// One outcome of a supplier's product, as the supplier sees it.
pub struct SupplierTrialOutcome(pub lending::SupplierOutcome);

#[Object]
impl SupplierTrialOutcome {
    async fn outcome(&self) -> TrialOutcome {
        TrialOutcome(self.0.outcome.clone())
    }
    /// The school's name, only when the school agreed to share it; else null.
    async fn school_name(&self) -> Option<&str> {
        self.0.school_name.as_deref()
    }
}

/// Evidence of impact on a product, from schools' trial outcomes. Figures are shown only from
/// 5 outcomes; below that they are null and `suppressedReason` says why.
pub struct Evidence(pub lending::Evidence);

impl Evidence {
    fn shown<T>(&self, v: T) -> Option<T> {
        (!self.0.suppressed()).then_some(v)
    }
}

#[Object]
impl Evidence {
    /// Outcomes recorded (always shown).
    async fn outcomes(&self) -> i64 {
        self.0.outcomes
    }
    /// True when there are too few outcomes to show the figures.
    async fn suppressed(&self) -> bool {
        self.0.suppressed()
    }
    /// Why the figures are not shown, when they are not.
    async fn suppressed_reason(&self) -> Option<&str> {
        self.0.suppressed_reason.as_deref()
    }
    /// Trials that ended (returned, expired or bought).
    async fn trials_completed(&self) -> Option<i64> {
        self.shown(self.0.trials_completed)
    }
    /// Share of outcomes saying the school would buy, 0 to 1.
    async fn would_buy_share(&self) -> Option<f64> {
        self.shown(self.0.would_buy_share)
    }
    /// Trials that became purchases.
    async fn conversions(&self) -> Option<i64> {
        self.shown(self.0.conversions)
    }
    /// Purchases per completed trial, 0 to 1.
    async fn conversion_rate(&self) -> Option<f64> {
        self.shown(self.0.conversion_rate())
    }
    /// Median impact, 1 (none) to 5 (large).
    async fn median_impact(&self) -> Option<f64> {
        self.shown(self.0.median_impact)
    }
    /// The figures per phase of education (each suppressed below 5 outcomes); empty while the
    /// whole is suppressed.
    async fn by_phase(&self) -> Vec<PhaseEvidence> {
        if self.0.suppressed() {
            return Vec::new();
        }
        self.0.by_phase.iter().cloned().map(PhaseEvidence).collect()
    }
}

/// Evidence from schools of one phase.
pub struct PhaseEvidence(pub DomainPhaseEvidence);

#[Object]
impl PhaseEvidence {
    /// Null for schools without a phase.
    async fn phase(&self) -> Option<Phase> {
        self.0.phase
    }
    async fn outcomes(&self) -> i64 {
        self.0.outcomes
    }
    /// Null below 5 outcomes.
    async fn would_buy_share(&self) -> Option<f64> {
        self.0.would_buy_share
    }
    /// Null below 5 outcomes.
    async fn median_impact(&self) -> Option<f64> {
        self.0.median_impact
    }
}

/// What one trust-wide request made.
pub struct TrustTrial(pub lending::TrustTrial);

#[Object]
impl TrustTrial {
    /// A loan (or waitlist place) for each school the request covers.
    async fn loans(&self) -> Vec<TrustLoan> {
        self.0
            .loans
            .iter()
            .map(|(s, l)| TrustLoan(s.clone(), l.clone()))
            .collect()
    }
    /// The trust's schools left out, each with the reason.
    async fn skipped(&self) -> Vec<SkippedSchool> {
        self.0.skipped.iter().cloned().map(SkippedSchool).collect()
    }
}

/// One school's loan or waitlist place from a trust-wide request.
pub struct TrustLoan(
    pub becta_domain::entity::organisation::Model,
    pub lending::LoanView,
);

#[Object]
impl TrustLoan {
    async fn school(&self) -> Organisation {
        Organisation(self.0.clone())
    }
    async fn loan(&self) -> Loan {
        Loan(self.1.clone())
    }
}

/// A school of the trust a request left out.
pub struct SkippedSchool(pub lending::Skipped);

#[Object]
impl SkippedSchool {
    async fn school(&self) -> Organisation {
        Organisation(self.0.school.clone())
    }
    /// Why: not eligible, already has a loan or place, or refused under fair use (with the
    /// date it may ask again).
    async fn reason(&self) -> &str {
        &self.0.reason
    }
}
