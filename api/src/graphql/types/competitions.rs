//! Further competitions and direct awards under a framework lot, their bids and the call-off
//! record.

use async_graphql::{Context, Enum, ID, Object, SimpleObject};
use becta_domain::competitions::{
    self, BidView, ClarificationView, CompetitionView, InvitationView, Viewer,
};
use chrono::{DateTime, Utc};

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::state::AppState;

pub(crate) fn id(u: uuid::Uuid) -> ID {
    ID(u.to_string())
}

/// How a call-off is made.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum CompetitionKind {
    /// A competitive selection process among the lot's suppliers.
    FurtherCompetition,
    /// An award to one supplier by the framework's selection rule.
    DirectAward,
}

/// Where a further competition stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq)]
pub enum CompetitionStatus {
    /// Being written; no supplier sees it.
    Draft,
    /// Out to the lot's suppliers: questions until the clarification deadline, bids until the
    /// submission deadline, then evaluation.
    Published,
    /// Awarded (a direct award is awarded at once).
    Awarded,
    /// Abandoned with a reason.
    Abandoned,
}

/// One award criterion: one of the framework's, optionally refined, with its weight.
#[derive(SimpleObject)]
pub struct AwardCriterion {
    /// The framework criterion's key (`price`, `quality`, `technical`, `delivery`, `service`,
    /// `social_value`).
    pub key: String,
    /// Its name.
    pub name: String,
    /// How the school refined it for this requirement.
    pub refinement: Option<String>,
    /// Its weight; the weights of a competition add up to 100.
    pub weight: i32,
}

/// A supplier invited to a competition (shown to the school).
#[derive(SimpleObject)]
pub struct CompetitionInvitee {
    pub supplier_id: ID,
    pub supplier_name: String,
    pub invited_at: DateTime<Utc>,
    pub declined_at: Option<DateTime<Utc>>,
    pub decline_reason: Option<String>,
}

/// A clarification question and the school's answer; never names who asked.
#[derive(SimpleObject)]
pub struct Clarification {
    pub id: ID,
    pub question: String,
    pub asked_at: DateTime<Utc>,
    /// Published to every invited supplier.
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    /// Whether you (a supplier) asked it.
    pub asked_by_me: bool,
}

impl From<ClarificationView> for Clarification {
    fn from(c: ClarificationView) -> Self {
        Clarification {
            id: id(c.id),
            question: c.question,
            asked_at: c.asked_at,
            answer: c.answer,
            answered_at: c.answered_at,
            asked_by_me: c.asked_by_me,
        }
    }
}

/// A school's further competition on a deal's lot, or a direct award.
pub struct FurtherCompetition(pub CompetitionView);

#[Object]
impl FurtherCompetition {
    async fn id(&self) -> ID {
        id(self.0.competition.id)
    }
    /// Bumped by every change.
    async fn version(&self) -> i32 {
        self.0.competition.version
    }
    async fn kind(&self) -> CompetitionKind {
        if self.0.competition.kind == competitions::DIRECT_AWARD {
            CompetitionKind::DirectAward
        } else {
            CompetitionKind::FurtherCompetition
        }
    }
    async fn status(&self) -> CompetitionStatus {
        match self.0.competition.status.as_str() {
            competitions::PUBLISHED => CompetitionStatus::Published,
            competitions::AWARDED => CompetitionStatus::Awarded,
            competitions::ABANDONED => CompetitionStatus::Abandoned,
            _ => CompetitionStatus::Draft,
        }
    }
    async fn title(&self) -> &str {
        &self.0.competition.title
    }
    /// The requirement (specification) suppliers bid against.
    async fn requirement(&self) -> &str {
        &self.0.competition.requirement
    }
    async fn quantity(&self) -> i64 {
        self.0.competition.quantity
    }
    /// The school's budget for the whole term, in pence before VAT (for a direct award, its
    /// value).
    async fn budget_pence(&self) -> i64 {
        self.0.competition.budget_pence
    }
    /// The call-off contract's term.
    async fn term_months(&self) -> i32 {
        self.0.competition.term_months
    }
    async fn school_name(&self) -> &str {
        &self.0.school_name
    }
    async fn deal_id(&self) -> ID {
        id(self.0.deal.id)
    }
    /// The framework.
    async fn deal_title(&self) -> &str {
        &self.0.deal.title
    }
    /// The framework's provider reference.
    async fn deal_reference(&self) -> &str {
        &self.0.deal.reference
    }
    async fn lot_id(&self) -> ID {
        id(self.0.lot.id)
    }
    /// "Lot 2: Tablets".
    async fn lot_title(&self) -> String {
        format!("Lot {}: {}", self.0.lot.number, self.0.lot.title)
    }
    /// The award criteria and weights (empty for a direct award).
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
    /// The evaluation scale runs from 0 to this.
    async fn scale_max(&self) -> i32 {
        self.0.competition.scale_max
    }
    /// What each point of the scale means, 0 first.
    async fn scale_descriptors(&self) -> &[String] {
        &self.0.descriptors
    }
    /// Questions are taken until this instant.
    async fn clarification_deadline(&self) -> Option<DateTime<Utc>> {
        self.0.competition.clarification_deadline
    }
    /// Bids are taken until this instant (a bid at it is late), and are sealed until it.
    async fn submission_deadline(&self) -> Option<DateTime<Utc>> {
        self.0.competition.submission_deadline
    }
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.0.competition.published_at
    }
    /// The suppliers invited (the school and admins; a supplier sees only its own).
    async fn invitations(&self) -> Vec<CompetitionInvitee> {
        self.0
            .invitations
            .iter()
            .map(|i| CompetitionInvitee {
                supplier_id: id(i.invitation.supplier_id),
                supplier_name: i.supplier_name.clone(),
                invited_at: i.invitation.invited_at,
                declined_at: i.invitation.declined_at,
                decline_reason: i.invitation.decline_reason.clone(),
            })
            .collect()
    }
    /// Questions and answers: all for the school; answered ones and your own for a supplier.
    async fn clarifications(&self) -> Vec<Clarification> {
        self.0
            .clarifications
            .iter()
            .cloned()
            .map(Clarification::from)
            .collect()
    }
    /// Every bid (the school and admins), from the submission deadline on; before it the
    /// bids are sealed and this is refused (`FORBIDDEN`) for everyone. Ranked bids first.
    async fn bids(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Bid>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        Ok(competitions::bids(db, a, self.0.competition.id, Utc::now())
            .await
            .gql()?
            .into_iter()
            .map(Bid)
            .collect())
    }
    /// The fully moderated bids by weighted total, best first (the school and admins, after
    /// the deadline).
    async fn ranking(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Bid>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        Ok(
            competitions::ranking(db, a, self.0.competition.id, Utc::now())
                .await
                .gql()?
                .into_iter()
                .map(Bid)
                .collect(),
        )
    }
    /// Your own bid (SUPPLIER), if you sent one.
    async fn my_bid(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Bid>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        Ok(competitions::my_bid(db, a, self.0.competition.id)
            .await
            .gql()?
            .map(Bid))
    }
    /// The supplier awarded (to a supplier: only when it is itself).
    async fn awarded_supplier_name(&self) -> Option<&str> {
        self.0.awarded_supplier_name.as_deref()
    }
    /// The winning bid (the school and admins).
    async fn awarded_bid_id(&self) -> Option<ID> {
        match self.0.viewer {
            Viewer::Supplier(_) => None,
            _ => self.0.competition.awarded_bid_id.map(id),
        }
    }
    /// Why the award went to a bid other than the top-ranked one.
    async fn award_reason(&self) -> Option<&str> {
        match self.0.viewer {
            Viewer::Supplier(_) => None,
            _ => self.0.competition.award_reason.as_deref(),
        }
    }
    async fn awarded_at(&self) -> Option<DateTime<Utc>> {
        self.0.competition.awarded_at
    }
    /// The voluntary standstill, in working days.
    async fn standstill_working_days(&self) -> Option<i32> {
        self.0.competition.standstill_working_days
    }
    async fn standstill_ends_at(&self) -> Option<DateTime<Utc>> {
        self.0.competition.standstill_ends_at
    }
    async fn abandon_reason(&self) -> Option<&str> {
        self.0.competition.abandon_reason.as_deref()
    }
    /// A direct award's justification.
    async fn direct_award_reason(&self) -> Option<&str> {
        self.0.competition.direct_award_reason.as_deref()
    }
    /// The framework's selection rule a direct award followed.
    async fn selection_rule(&self) -> Option<&str> {
        self.0.competition.selection_rule.as_deref()
    }
}

/// A response to one criterion.
#[derive(SimpleObject)]
pub struct BidResponse {
    pub criterion: String,
    pub text: String,
}

/// One evaluator's score of a bid on one criterion.
#[derive(SimpleObject)]
pub struct EvaluatorScore {
    pub evaluator_id: ID,
    pub criterion: String,
    pub score: i32,
    pub rationale: String,
    pub scored_at: DateTime<Utc>,
}

/// The agreed score of a bid on one criterion.
#[derive(SimpleObject)]
pub struct ModeratedScore {
    pub criterion: String,
    pub score: i32,
    pub rationale: String,
}

/// A sealed bid: its supplier reads it at any time; the school and admins from the deadline.
pub struct Bid(pub BidView);

#[Object]
impl Bid {
    async fn id(&self) -> ID {
        id(self.0.bid.id)
    }
    /// The bidder (the school and admins, after the deadline).
    async fn supplier_id(&self) -> Option<ID> {
        self.0
            .supplier_name
            .as_ref()
            .map(|_| id(self.0.bid.supplier_id))
    }
    async fn supplier_name(&self) -> Option<&str> {
        self.0.supplier_name.as_deref()
    }
    /// The whole term's price, in pence before VAT.
    async fn price_pence(&self) -> i64 {
        self.0.bid.price_pence
    }
    async fn responses(&self) -> Vec<BidResponse> {
        self.0
            .responses()
            .into_iter()
            .map(|(criterion, text)| BidResponse { criterion, text })
            .collect()
    }
    /// Links to attachments.
    async fn attachments(&self) -> Vec<String> {
        self.0.attachments()
    }
    /// 1 for the first submission, one more for each replacement.
    async fn revision(&self) -> i32 {
        self.0.bid.revision
    }
    async fn first_submitted_at(&self) -> DateTime<Utc> {
        self.0.bid.first_submitted_at
    }
    async fn submitted_at(&self) -> DateTime<Utc> {
        self.0.bid.submitted_at
    }
    /// The evaluators' scores you may see: your own, and the others' once you have scored the
    /// bid yourself.
    async fn scores(&self) -> Vec<EvaluatorScore> {
        self.0
            .scores
            .iter()
            .map(|s| EvaluatorScore {
                evaluator_id: id(s.evaluator_id),
                criterion: s.criterion.clone(),
                score: s.score,
                rationale: s.rationale.clone(),
                scored_at: s.scored_at,
            })
            .collect()
    }
    /// The agreed score per criterion.
    async fn moderated_scores(&self) -> Vec<ModeratedScore> {
        self.0
            .moderated
            .iter()
            .map(|m| ModeratedScore {
                criterion: m.criterion.clone(),
                score: m.score,
                rationale: m.rationale.clone(),
            })
            .collect()
    }
    /// The weighted total of the moderated scores out of 100, in hundredths (7250 is 72.50);
    /// null until every criterion is moderated.
    async fn total_hundredths(&self) -> Option<i64> {
        self.0.totals.as_ref().map(|t| t.total_hundredths)
    }
    /// The same as text, "72.50".
    async fn total(&self) -> Option<String> {
        self.0.totals.as_ref().map(|t| {
            format!(
                "{}.{:02}",
                t.total_hundredths / 100,
                t.total_hundredths % 100
            )
        })
    }
    /// 1 for the best fully moderated bid.
    async fn rank(&self) -> Option<i32> {
        self.0.totals.as_ref().map(|t| t.rank)
    }
}

/// An invitation to a further competition (SUPPLIER).
pub struct CompetitionInvitation(pub InvitationView);

#[Object]
impl CompetitionInvitation {
    async fn competition(&self) -> FurtherCompetition {
        FurtherCompetition(self.0.competition.clone())
    }
    async fn invited_at(&self) -> DateTime<Utc> {
        self.0.invitation.invited_at
    }
    async fn declined_at(&self) -> Option<DateTime<Utc>> {
        self.0.invitation.declined_at
    }
    async fn decline_reason(&self) -> Option<&str> {
        self.0.invitation.decline_reason.as_deref()
    }
    /// Whether your bid is in.
    async fn has_bid(&self) -> bool {
        self.0.has_bid
    }
}
