//! Digital maturity comparisons: a school against similar schools, a trust's picture and the
//! anonymised sector view.

use async_graphql::{Enum, Object, SimpleObject};
use becta_domain::maturity::{self as maturity, Benchmark, TrustPicture};
use becta_domain::vocab::{Maturity, Phase, Region, SizeBand};

use super::{DigitalStandard, Organisation};

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
                "shares are whole percentages (halves up); counts, savings and carbon are exact"
            }
            maturity::SectorAudience::Public => {
                "shares are whole percentages (halves up); counts are rounded to the nearest 5, \
                 savings to the nearest £100 and carbon to the nearest 100 kg"
            }
        }
    }
    /// How `SectorGroup.carbonSavedKg` is made and what it rests on.
    async fn carbon_source(&self) -> &'static str {
        becta_domain::devices::savings::TOTALS_SOURCE
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
                carbon_saved_kg: g.carbon_saved_kg,
                carbon_suppression_reason: g.carbon_suppressed.clone(),
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
    /// kg CO2e saved by buying used devices rather than new ones, from paid orders; null
    /// when suppressed. How it is made: `SectorView.carbonSource`.
    pub carbon_saved_kg: Option<i64>,
    pub carbon_suppression_reason: Option<String>,
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
