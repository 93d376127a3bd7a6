//! Digital maturity types: the standards content, a school's assessment and its sections,
//! the technology plan, benchmarks, a trust's picture and the sector view.

use std::sync::Arc;

use async_graphql::{Enum, ID, Object, SimpleObject};
use becta_domain::maturity::content::{self, Content};
use becta_domain::maturity::{
    self as maturity, AssessmentView, Benchmark, PlanItem, PlanView, SectionView, TrustPicture,
};
use becta_domain::vocab::{
    Maturity, Phase, RecommendationStatus, Region, RequirementTiming, SectionStatus, SizeBand,
};
use chrono::{DateTime, Utc};

use super::{Deal, Organisation, Product, TrialOffer};

/// One of the DfE digital and technology standards, in one content version.
#[derive(Clone)]
pub struct DigitalStandard(pub Arc<Content>, pub usize);

impl DigitalStandard {
    fn s(&self) -> &content::Standard {
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

/// The share of a group of schools at one maturity level.
#[derive(SimpleObject)]
pub struct MaturityShare {
    pub maturity: Maturity,
    /// Whole percent (halves up); shares may not add up to exactly 100.
    pub percent: i32,
}

fn shares(list: &[(Maturity, i32)]) -> Vec<MaturityShare> {
    list.iter()
        .map(|(m, p)| MaturityShare {
            maturity: *m,
            percent: *p,
        })
        .collect()
}

/// How a school compares with similar schools on one standard.
pub struct MaturityBenchmark(pub Benchmark);

/// A school compared with similar schools (same phase, region and size band) on a standard.
#[Object]
impl MaturityBenchmark {
    async fn standard(&self) -> Option<DigitalStandard> {
        DigitalStandard::find(&self.0.content, &self.0.standard_slug)
    }
    async fn school(&self) -> Organisation {
        Organisation(self.0.school.clone())
    }
    async fn phase(&self) -> Option<Phase> {
        self.0.phase
    }
    async fn region(&self) -> Option<Region> {
        self.0.region
    }
    async fn size_band(&self) -> SizeBand {
        self.0.size_band
    }
    /// The school's own latest completed maturity on the standard.
    async fn own_maturity(&self) -> Option<Maturity> {
        self.0.own
    }
    /// True when the group is too small to show (fewer than 10 schools).
    async fn suppressed(&self) -> bool {
        self.0.suppressed.is_some()
    }
    async fn suppression_reason(&self) -> Option<&str> {
        self.0.suppressed.as_deref()
    }
    /// How many similar schools are compared; null when suppressed.
    async fn school_count(&self) -> Option<i32> {
        self.0
            .group_size
            .map(|n| i32::try_from(n).unwrap_or(i32::MAX))
    }
    /// The group's share at each level; empty when suppressed.
    async fn shares(&self) -> Vec<MaturityShare> {
        shares(&self.0.shares)
    }
    /// Percent of the group at a higher level than the school (order NOT_MET < NOT_SURE <
    /// PARTLY_MET < MET); null when suppressed or the school has not completed the standard.
    async fn percent_above(&self) -> Option<i32> {
        self.0.position.map(|p| p.0)
    }
    /// Percent of the group at the school's level.
    async fn percent_level(&self) -> Option<i32> {
        self.0.position.map(|p| p.1)
    }
    /// Percent of the group at a lower level.
    async fn percent_below(&self) -> Option<i32> {
        self.0.position.map(|p| p.2)
    }
}

/// A trust's schools and their maturity.
pub struct TrustMaturity(pub TrustPicture);

/// Every school of a trust with its maturity per standard, and the trust's overall picture.
#[Object]
impl TrustMaturity {
    async fn trust(&self) -> Organisation {
        Organisation(self.0.trust.clone())
    }
    /// Schools by name.
    async fn schools(&self) -> Vec<TrustSchoolMaturity> {
        self.0
            .schools
            .iter()
            .map(|s| TrustSchoolMaturity {
                school: Organisation(s.school.clone()),
                standards: DigitalStandard::all(&self.0.content)
                    .into_iter()
                    .map(|d| StandardMaturity {
                        maturity: s.levels.get(&d.s().slug).copied(),
                        standard: d,
                    })
                    .collect(),
            })
            .collect()
    }
    /// Per standard, how many of the trust's schools are at each level.
    async fn overall(&self) -> Vec<TrustStandardSummary> {
        DigitalStandard::all(&self.0.content)
            .into_iter()
            .map(|d| {
                let slug = d.s().slug.clone();
                let n = |m| i32::try_from(self.0.count(&slug, m)).unwrap_or(i32::MAX);
                TrustStandardSummary {
                    met: n(Some(Maturity::Met)),
                    partly_met: n(Some(Maturity::PartlyMet)),
                    not_met: n(Some(Maturity::NotMet)),
                    not_sure: n(Some(Maturity::NotSure)),
                    not_assessed: n(None),
                    standard: d,
                }
            })
            .collect()
    }
}

/// One school of a trust.
#[derive(SimpleObject)]
pub struct TrustSchoolMaturity {
    pub school: Organisation,
    pub standards: Vec<StandardMaturity>,
}

/// A school's latest completed maturity on one standard (null: not assessed).
#[derive(SimpleObject)]
pub struct StandardMaturity {
    pub standard: DigitalStandard,
    pub maturity: Option<Maturity>,
}

/// How many of a trust's schools are at each level of one standard.
#[derive(SimpleObject)]
pub struct TrustStandardSummary {
    pub standard: DigitalStandard,
    pub met: i32,
    pub partly_met: i32,
    pub not_met: i32,
    pub not_sure: i32,
    pub not_assessed: i32,
}

/// How `sectorView` groups schools.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum SectorGrouping {
    Region,
    Phase,
    RegionAndPhase,
}

impl From<SectorGrouping> for maturity::SectorGrouping {
    fn from(g: SectorGrouping) -> Self {
        match g {
            SectorGrouping::Region => maturity::SectorGrouping::Region,
            SectorGrouping::Phase => maturity::SectorGrouping::Phase,
            SectorGrouping::RegionAndPhase => maturity::SectorGrouping::RegionAndPhase,
        }
    }
}

/// Who a sector view is for.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum SectorAudience {
    /// Exact counts and pence.
    Admin,
    /// Counts rounded to the nearest 5, savings to the nearest £100.
    Public,
}

/// The anonymised sector view.
pub struct SectorView(pub maturity::SectorView);

/// Maturity, trials and savings across schools, by region and/or phase, with groups under 10
/// schools suppressed.
#[Object]
impl SectorView {
    async fn audience(&self) -> SectorAudience {
        match self.0.audience {
            maturity::SectorAudience::Admin => SectorAudience::Admin,
            maturity::SectorAudience::Public => SectorAudience::Public,
        }
    }
    /// The smallest group any figure is shown for.
    async fn minimum_group_size(&self) -> i32 {
        maturity::MIN_GROUP as i32
    }
    /// How figures are rounded in this view.
    async fn rounding(&self) -> &'static str {
        match self.0.audience {
            maturity::SectorAudience::Admin => {
                "shares are whole percentages (halves up); counts and savings are exact"
            }
            maturity::SectorAudience::Public => {
                "shares are whole percentages (halves up); counts are rounded to the nearest 5 \
                 and savings to the nearest £100"
            }
        }
    }
    async fn groups(&self) -> Vec<SectorGroup> {
        self.0
            .groups
            .iter()
            .map(|g| SectorGroup {
                region: g.region,
                phase: g.phase,
                schools: g.schools,
                standards: g
                    .standards
                    .iter()
                    .map(|s| SectorStandard {
                        standard: DigitalStandard::find(&self.0.content, &s.standard_slug),
                        schools_assessed: s.schools_assessed,
                        suppressed: s.suppressed.is_some(),
                        suppression_reason: s.suppressed.clone(),
                        shares: shares(&s.shares),
                    })
                    .collect(),
                trials_started: g.trials_started,
                trials_converted: g.trials_converted,
                trials_suppression_reason: g.trials_suppressed.clone(),
                savings_pence: g.savings_pence,
                savings_suppression_reason: g.savings_suppressed.clone(),
            })
            .collect()
    }
}

/// One group of schools in the sector view.
#[derive(SimpleObject)]
pub struct SectorGroup {
    /// Null when grouped by phase only.
    pub region: Option<Region>,
    /// Null when grouped by region only.
    pub phase: Option<Phase>,
    /// Schools in the group.
    pub schools: i64,
    pub standards: Vec<SectorStandard>,
    /// Trial loans that got a seat; null when suppressed.
    pub trials_started: Option<i64>,
    /// Trial loans turned into purchases; null when suppressed.
    pub trials_converted: Option<i64>,
    pub trials_suppression_reason: Option<String>,
    /// Savings against list price on paid orders; null when suppressed.
    pub savings_pence: Option<i64>,
    pub savings_suppression_reason: Option<String>,
}

/// One standard in one group of the sector view.
#[derive(SimpleObject)]
pub struct SectorStandard {
    pub standard: Option<DigitalStandard>,
    /// Schools with a completed section; null when suppressed.
    pub schools_assessed: Option<i64>,
    pub suppressed: bool,
    pub suppression_reason: Option<String>,
    /// Empty when suppressed.
    pub shares: Vec<MaturityShare>,
}
