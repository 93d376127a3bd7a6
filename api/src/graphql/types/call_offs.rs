//! The call-off record of an awarded further competition or direct award.

use async_graphql::{ID, Object, SimpleObject};
use becta_domain::competitions::CallOffRecord as Record;
use chrono::{DateTime, NaiveDate, Utc};

use super::competitions::{AwardCriterion, ModeratedScore, id};

/// A supplier invited, in the call-off record.
#[derive(SimpleObject)]
pub struct CallOffInvitee {
    pub supplier: String,
    pub invited_at: DateTime<Utc>,
    pub declined_at: Option<DateTime<Utc>>,
    pub decline_reason: Option<String>,
}

/// A bid received, in the call-off record.
#[derive(SimpleObject)]
pub struct CallOffBid {
    pub supplier: String,
    pub price_pence: i64,
    pub submitted_at: DateTime<Utc>,
    pub moderated_scores: Vec<ModeratedScore>,
    pub total_hundredths: Option<i64>,
    pub rank: Option<i32>,
}

/// An evaluator's conflict of interest declaration, in the call-off record.
#[derive(SimpleObject)]
pub struct CallOffEvaluator {
    pub evaluator_id: ID,
    pub has_conflict: bool,
    pub declaration: String,
    pub declared_at: DateTime<Utc>,
}

/// A notice due above the threshold.
#[derive(SimpleObject)]
pub struct CallOffNotice {
    /// "Contract award notice" or "Contract details notice".
    pub notice: String,
    pub due_on: NaiveDate,
    /// The rule the date follows.
    pub rule: String,
}

/// What a school keeps for a call-off and shows its auditors (also as CSV:
/// `GET /exports/call-offs/{id}.csv`, and JSON: `GET /exports/call-offs/{id}.json`).
pub struct CallOffRecord(pub Record);

#[Object]
impl CallOffRecord {
    async fn competition_id(&self) -> ID {
        id(self.0.competition_id)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn school(&self) -> &str {
        &self.0.school
    }
    /// The framework (deal) title.
    async fn framework(&self) -> &str {
        &self.0.framework
    }
    async fn provider(&self) -> &str {
        &self.0.provider
    }
    async fn provider_reference(&self) -> &str {
        &self.0.provider_reference
    }
    async fn lot(&self) -> &str {
        &self.0.lot
    }
    /// "Further competition" or "Direct award".
    async fn route(&self) -> &str {
        &self.0.route
    }
    async fn route_justification(&self) -> &str {
        &self.0.route_justification
    }
    async fn selection_rule(&self) -> Option<&str> {
        self.0.selection_rule.as_deref()
    }
    async fn criteria(&self) -> Vec<AwardCriterion> {
        self.0
            .criteria
            .iter()
            .map(|c| AwardCriterion {
                key: c.key.clone(),
                name: c.name.clone(),
                refinement: c.refinement.clone(),
                weight: c.weight,
            })
            .collect()
    }
    async fn invited(&self) -> Vec<CallOffInvitee> {
        self.0
            .invited
            .iter()
            .map(|i| CallOffInvitee {
                supplier: i.supplier.clone(),
                invited_at: i.invited_at,
                declined_at: i.declined_at,
                decline_reason: i.decline_reason.clone(),
            })
            .collect()
    }
    /// By rank.
    async fn bids_received(&self) -> Vec<CallOffBid> {
        self.0
            .bids_received
            .iter()
            .map(|b| CallOffBid {
                supplier: b.supplier.clone(),
                price_pence: b.price_pence,
                submitted_at: b.submitted_at,
                moderated_scores: b
                    .moderated_scores
                    .iter()
                    .map(|s| ModeratedScore {
                        criterion: s.criterion.clone(),
                        score: s.score,
                        rationale: s.rationale.clone(),
                    })
                    .collect(),
                total_hundredths: b.total_hundredths,
                rank: b.rank,
            })
            .collect()
    }
    async fn evaluators(&self) -> Vec<CallOffEvaluator> {
        self.0
            .evaluators
            .iter()
            .map(|e| CallOffEvaluator {
                evaluator_id: id(e.evaluator_id),
                has_conflict: e.has_conflict,
                declaration: e.declaration.clone(),
                declared_at: e.declared_at,
            })
            .collect()
    }
    async fn awarded_supplier(&self) -> &str {
        &self.0.awarded_supplier
    }
    async fn award_reason(&self) -> Option<&str> {
        self.0.award_reason.as_deref()
    }
    async fn award_is_top_ranked(&self) -> bool {
        self.0.award_is_top_ranked
    }
    async fn awarded_at(&self) -> DateTime<Utc> {
        self.0.awarded_at
    }
    async fn standstill_working_days(&self) -> Option<i32> {
        self.0.standstill_working_days
    }
    async fn standstill_ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.standstill_ends_at
    }
    /// The award's value for the whole term, in pence before VAT.
    async fn value_pence(&self) -> i64 {
        self.0.value_pence
    }
    async fn vat_pence(&self) -> i64 {
        self.0.vat_pence
    }
    /// The whole-life value including VAT, in pence.
    async fn whole_life_value_pence(&self) -> i64 {
        self.0.whole_life_value_pence
    }
    /// The threshold for sub-central authorities such as schools, including VAT, in pence.
    async fn threshold_pence(&self) -> i64 {
        self.0.threshold_pence
    }
    /// Whether the whole-life value reaches the threshold.
    async fn above_threshold(&self) -> bool {
        self.0.above_threshold
    }
    /// The notices due (none below the threshold).
    async fn notices(&self) -> Vec<CallOffNotice> {
        self.0
            .notices
            .iter()
            .map(|n| CallOffNotice {
                notice: n.notice.clone(),
                due_on: n.due_on,
                rule: n.rule.clone(),
            })
            .collect()
    }
}
