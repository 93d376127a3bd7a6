//! Digital maturity types: the standards content, a school's assessment and its sections,
//! and the technology plan (comparisons are in `maturity_compare`).

use std::sync::Arc;

use async_graphql::{ID, Object, SimpleObject};
use becta_domain::maturity::content::{self, Content};
use becta_domain::maturity::{AssessmentView, PlanItem, PlanView, SectionView};
use becta_domain::vocab::{Maturity, RecommendationStatus, RequirementTiming, SectionStatus};
use chrono::{DateTime, Utc};

use super::{Deal, Organisation, Product, TrialOffer};

/// One of the DfE digital and technology standards, in one content version.
#[derive(Clone)]
pub struct DigitalStandard(pub Arc<Content>, pub usize);

impl DigitalStandard {
    pub(crate) fn s(&self) -> &content::Standard {
        &self.0.standards[self.1]
    }

    /// The standard with `slug` in `content`, if it has one.
    pub fn find(content: &Arc<Content>, slug: &str) -> Option<DigitalStandard> {
        content
            .standards
            .iter()
            .position(|s| s.slug == slug)
            .map(|i| DigitalStandard(content.clone(), i))
    }

    /// Every standard of `content`, in order.
    pub fn all(content: &Arc<Content>) -> Vec<DigitalStandard> {
        (0..content.standards.len())
            .map(|i| DigitalStandard(content.clone(), i))
            .collect()
    }
}

/// A digital and technology standard for schools.
#[Object]
impl DigitalStandard {
    /// Stable across content versions, e.g. `broadband-internet`.
    async fn slug(&self) -> &str {
        &self.s().slug
    }
    async fn name(&self) -> &str {
        &self.s().name
    }
    /// One of the six core standards schools should meet by 2030.
    async fn is_core(&self) -> bool {
        self.s().is_core
    }
    /// The year to meet it by (core standards); null for the others.
    async fn target_year(&self) -> Option<i32> {
        self.s().target_year
    }
    /// What meeting the standard means.
    async fn summary(&self) -> &str {
        &self.s().summary
    }
    /// The DfE guidance page.
    async fn source_url(&self) -> &str {
        &self.s().source_url
    }
    /// What the standard asks of a school, each with when to meet it.
    async fn requirements(&self) -> Vec<StandardRequirement> {
        self.s()
            .requirements
            .iter()
            .map(|r| StandardRequirement {
                text: r.text.clone(),
                timing: r.timing,
            })
            .collect()
    }
    /// The self-assessment questions; the first opens the section and each answer names the
    /// next question.
    async fn questions(&self) -> Vec<AssessmentQuestion> {
        (0..self.s().questions.len())
            .map(|i| AssessmentQuestion(self.clone(), i))
            .collect()
    }
    /// The content version this standard belongs to.
    async fn content_version(&self) -> i32 {
        self.0.version
    }
}

/// One requirement of a standard.
#[derive(SimpleObject)]
pub struct StandardRequirement {
    pub text: String,
    /// When schools should meet it.
    pub timing: RequirementTiming,
}

/// A self-assessment question.
#[derive(Clone)]
pub struct AssessmentQuestion(DigitalStandard, usize);

impl AssessmentQuestion {
    fn q(&self) -> &content::Question {
        &self.0.s().questions[self.1]
    }
}

/// A self-assessment question of one standard.
#[Object]
impl AssessmentQuestion {
    async fn slug(&self) -> &str {
        &self.q().slug
    }
    async fn text(&self) -> &str {
        &self.q().text
    }
    /// The answers to choose from; one is always "I'm not sure".
    async fn answers(&self) -> Vec<AssessmentAnswer> {
        self.q()
            .answers
            .iter()
            .map(|a| AssessmentAnswer(a.clone()))
            .collect()
    }
}

/// One answer to a question.
pub struct AssessmentAnswer(content::Answer);

/// An answer a school can give.
#[Object]
impl AssessmentAnswer {
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// What this answer says about the standard; the section's maturity is its weakest
    /// answer's level.
    async fn level(&self) -> Maturity {
        self.0.level
    }
    /// The "I'm not sure" answer.
    async fn is_not_sure(&self) -> bool {
        self.0.level == Maturity::NotSure
    }
    /// The slug of the question this answer leads to; null ends the section.
    async fn next_question(&self) -> Option<&str> {
        self.0.next.as_deref()
    }
}

/// A school's self-assessment for one academic year.
pub struct Assessment(pub AssessmentView);

/// A school's self-assessment against the standards for one academic year.
#[Object]
impl Assessment {
    /// Null until the year's first answer starts it.
    async fn id(&self) -> Option<ID> {
        self.0.assessment.as_ref().map(|a| ID(a.id.to_string()))
    }
    async fn school(&self) -> Organisation {
        Organisation(self.0.school.clone())
    }
    /// The year the academic year starts (2026 is 2026/27).
    async fn academic_year(&self) -> i32 {
        self.0.academic_year
    }
    /// The content version the assessment answers (kept for good, even after updates).
    async fn content_version(&self) -> i32 {
        self.0.content.version
    }
    /// COMPLETED once every standard's section is.
    async fn status(&self) -> SectionStatus {
        match &self.0.assessment {
            None => SectionStatus::NotStarted,
            Some(a) => SectionStatus::from_code(&a.status).unwrap_or(SectionStatus::InProgress),
        }
    }
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.assessment.as_ref().and_then(|a| a.completed_at)
    }
    /// One section per standard, in content order.
    async fn sections(&self) -> Vec<AssessmentSection> {
        self.0
            .sections
            .iter()
            .cloned()
            .map(AssessmentSection)
            .collect()
    }
    /// Every academic year the school has an assessment for, newest first (pass one to
    /// `myAssessment(academicYear:)`).
    async fn years(&self) -> &[i32] {
        &self.0.years
    }
}

/// One standard's section of an assessment.
pub struct AssessmentSection(pub SectionView);

/// A standard's section of a self-assessment.
#[Object]
impl AssessmentSection {
    async fn standard(&self) -> Option<DigitalStandard> {
        DigitalStandard::find(&self.0.content, &self.0.standard_slug)
    }
    async fn status(&self) -> SectionStatus {
        self.0.status
    }
    /// Derived from the answers once every question on the path is answered (see the README):
    /// the weakest answer's level, NOT_MET < NOT_SURE < PARTLY_MET < MET.
    async fn maturity(&self) -> Option<Maturity> {
        self.0.maturity
    }
    /// The answers given, in path order.
    async fn answers(&self) -> Vec<GivenAnswer> {
        let Some(std) = DigitalStandard::find(&self.0.content, &self.0.standard_slug) else {
            return vec![];
        };
        let s = std.s();
        s.path(&self.0.answers)
            .into_iter()
            .filter_map(|(q, a)| {
                let a = a?;
                let qi = s.questions.iter().position(|x| x.slug == q.slug)?;
                Some(GivenAnswer {
                    question: AssessmentQuestion(std.clone(), qi),
                    answer: AssessmentAnswer(a.clone()),
                })
            })
            .collect()
    }
    /// The next question to answer; null when every question on the path is answered.
    async fn next_question(&self) -> Option<AssessmentQuestion> {
        let std = DigitalStandard::find(&self.0.content, &self.0.standard_slug)?;
        let s = std.s();
        let (q, _) = s
            .path(&self.0.answers)
            .into_iter()
            .find(|(_, a)| a.is_none())?;
        let qi = s.questions.iter().position(|x| x.slug == q.slug)?;
        Some(AssessmentQuestion(std.clone(), qi))
    }
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at
    }
}

/// A question and the answer the school gave.
#[derive(SimpleObject)]
pub struct GivenAnswer {
    pub question: AssessmentQuestion,
    pub answer: AssessmentAnswer,
}

/// A school's technology plan.
pub struct TechnologyPlan(pub PlanView);

/// The recommendations a school's completed sections trigger, with what it can buy or borrow.
#[Object]
impl TechnologyPlan {
    async fn school(&self) -> Organisation {
        Organisation(self.0.school.clone())
    }
    /// In standard order.
    async fn recommendations(&self) -> Vec<PlanRecommendation> {
        self.0
            .items
            .iter()
            .cloned()
            .map(PlanRecommendation)
            .collect()
    }
}

/// One recommendation of a plan.
pub struct PlanRecommendation(pub PlanItem);

/// A recommendation of a school's technology plan.
#[Object]
impl PlanRecommendation {
    /// Stable across content versions; pass to `setRecommendationStatus` or
    /// `openAdviceRequest(fromRecommendation:)`.
    async fn slug(&self) -> &str {
        &self.0.recommendation.slug
    }
    async fn title(&self) -> &str {
        &self.0.recommendation.title
    }
    async fn text(&self) -> &str {
        &self.0.recommendation.text
    }
    async fn standard(&self) -> Option<DigitalStandard> {
        DigitalStandard::find(&self.0.content, &self.0.standard_slug)
    }
    /// The school's maturity on the standard, from the section that triggered this.
    async fn maturity(&self) -> Option<Maturity> {
        self.0.maturity
    }
    /// The answers that triggered it.
    async fn triggered_by(&self) -> Vec<TriggeringAnswer> {
        self.0
            .triggered_by
            .iter()
            .map(|(q, a)| TriggeringAnswer {
                question: q.clone(),
                answer: a.clone(),
            })
            .collect()
    }
    /// Starts IN_PROGRESS when a "partly" answer triggered it, else NOT_STARTED, until the
    /// school sets it.
    async fn status(&self) -> RecommendationStatus {
        self.0.status
    }
    /// The note of the latest status change.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn updated_at(&self) -> Option<DateTime<Utc>> {
        self.0.updated_at
    }
    /// Every status change, oldest first.
    async fn history(&self) -> Vec<RecommendationStatusChange> {
        self.0
            .history
            .iter()
            .map(|(e, name)| RecommendationStatusChange {
                from_status: e
                    .from_status
                    .as_deref()
                    .and_then(RecommendationStatus::from_code),
                to_status: RecommendationStatus::from_code(&e.to_status)
                    .unwrap_or(RecommendationStatus::NotStarted),
                note: e.note.clone(),
                by_user_id: e.actor_id.map(|id| ID(id.to_string())),
                by: name.clone(),
                at: e.at,
            })
            .collect()
    }
    /// Deal categories (slugs) this recommendation points to.
    async fn deal_categories(&self) -> &[String] {
        &self.0.recommendation.deal_categories
    }
    /// Product categories (slugs) this recommendation points to.
    async fn product_categories(&self) -> &[String] {
        &self.0.recommendation.product_categories
    }
    /// Current DfE-endorsed deals the school is eligible for: those the recommendation names
    /// first, then others of its categories (at most 10).
    async fn deals(&self) -> Vec<Deal> {
        self.0.deals.iter().cloned().map(Deal).collect()
    }
    /// Approved products of its categories covering the school's phase (at most 10).
    async fn products(&self) -> Vec<Product> {
        self.0.products.iter().cloned().map(Product).collect()
    }
    /// Open trial offers of those products the school may borrow (at most 10).
    async fn trial_offers(&self) -> Vec<TrialOffer> {
        self.0
            .trial_offers
            .iter()
            .cloned()
            .map(|o| TrialOffer(o, false))
            .collect()
    }
}

/// A question and answer that triggered a recommendation, as worded then.
#[derive(SimpleObject)]
pub struct TriggeringAnswer {
    pub question: String,
    pub answer: String,
}

/// A change of a recommendation's status.
#[derive(SimpleObject)]
pub struct RecommendationStatusChange {
    pub from_status: Option<RecommendationStatus>,
    pub to_status: RecommendationStatus,
    pub note: Option<String>,
    /// The user who made the change.
    pub by_user_id: Option<ID>,
    /// Their name.
    pub by: Option<String>,
    pub at: DateTime<Utc>,
}
