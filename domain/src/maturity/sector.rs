//! The anonymised sector view: maturity per standard, trials started and converted, savings
//! recorded and carbon saved by buying used devices, by region, phase or both.
//!
//! Suppression: a figure about fewer than [`MIN_GROUP`] schools is never shown; the row says
//! why instead. Maturity shares count schools with a completed section of the standard (their
//! latest); trials count loans that got a seat (started) and loans turned into purchases
//! (converted), shown when at least [`MIN_GROUP`] schools of the group borrowed; savings are
//! paid orders' savings against list price, shown when at least [`MIN_GROUP`] schools of the
//! group bought; carbon saved is what paid orders of used devices recorded (with a known
//! saving), shown when at least [`MIN_GROUP`] schools of the group bought such devices.
//! Schools whose region or phase is not recorded are left out.
//!
//! Rounding: shares are whole percentages (halves up). The public view (and its CSV) rounds
//! counts to the nearest 5, savings to the nearest £100 and carbon to the nearest 100 kg;
//! admins see exact counts, pence and kg.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::content::{self, Content};
use super::{MIN_GROUP, latest_levels, percent};
use crate::Result;
use crate::entity::{loan, order, organisation};
use crate::vocab::{LoanStatus, Maturity, OrderStatus, OrgKind, Phase, Region};

/// Who the view is for: admins get exact figures, everyone else rounded ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectorAudience {
    Admin,
    Public,
}

/// How the sector view groups schools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectorGrouping {
    Region,
    Phase,
    RegionAndPhase,
}

/// One standard in one group.
#[derive(Debug, Clone)]
pub struct SectorStandard {
    pub standard_slug: String,
    /// Schools with a completed section (rounded for the public); None when suppressed.
    pub schools_assessed: Option<i64>,
    pub suppressed: Option<String>,
    /// Percent at each level, in `Maturity::ALL` order (empty when suppressed).
    pub shares: Vec<(Maturity, i32)>,
}

/// One group of schools.
#[derive(Debug, Clone)]
pub struct SectorGroup {
    pub region: Option<Region>,
    pub phase: Option<Phase>,
    /// Schools in the group (rounded for the public).
    pub schools: i64,
    pub standards: Vec<SectorStandard>,
    pub trials_started: Option<i64>,
    pub trials_converted: Option<i64>,
    pub trials_suppressed: Option<String>,
    pub savings_pence: Option<i64>,
    pub savings_suppressed: Option<String>,
    /// kg CO2e saved by buying used devices (see [`crate::devices::savings::TOTALS_SOURCE`]).
    pub carbon_saved_kg: Option<i64>,
    pub carbon_suppressed: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SectorView {
    pub audience: SectorAudience,
    pub grouping: SectorGrouping,
    pub content: Arc<Content>,
    pub groups: Vec<SectorGroup>,
}

fn round_to(n: i64, step: i64) -> i64 {
    (n + step / 2) / step * step
}

fn too_few(what: &str) -> String {
    format!("fewer than {MIN_GROUP} schools in this group {what}, so the figure is not shown")
}

#[derive(Default)]
struct Tally {
    schools: i64,
    levels: HashMap<String, Vec<Maturity>>,
    borrowers: HashSet<Uuid>,
    started: i64,
    converted: i64,
    buyers: HashSet<Uuid>,
    savings: i64,
    device_buyers: i64,
    carbon_kg: i64,
}

/// The sector view for `audience`, grouped by `grouping`.
pub async fn view(
    db: &impl ConnectionTrait,
    audience: SectorAudience,
    grouping: SectorGrouping,
) -> Result<SectorView> {
    let content = content::current(db).await?;
    let schools: Vec<(Uuid, Option<String>, Option<String>)> = organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .column(organisation::Column::Region)
        .column(organisation::Column::Phase)
        .filter(organisation::Column::Kind.eq(OrgKind::School.code()))
        .into_tuple()
        .all(db)
        .await?;
    let mut key_of: HashMap<Uuid, (Option<Region>, Option<Phase>)> = HashMap::new();
    for (id, region, phase) in schools {
        let (Some(region), Some(phase)) = (
            region.as_deref().and_then(Region::from_code),
            phase.as_deref().and_then(Phase::from_code),
        ) else {
            continue;
        };
        let key = match grouping {
            SectorGrouping::Region => (Some(region), None),
            SectorGrouping::Phase => (None, Some(phase)),
            SectorGrouping::RegionAndPhase => (Some(region), Some(phase)),
        };
        key_of.insert(id, key);
    }
    let mut tallies: BTreeMap<(Option<Region>, Option<Phase>), Tally> = BTreeMap::new();
    for key in key_of.values() {
        tallies.entry(*key).or_default().schools += 1;
    }
    for ((school, slug), level) in latest_levels(db, None, None).await? {
        if let Some(t) = key_of.get(&school).and_then(|k| tallies.get_mut(k)) {
            t.levels.entry(slug).or_default().push(level);
        }
    }
    let loans: Vec<(Uuid, String)> = loan::Entity::find()
        .select_only()
        .column(loan::Column::SchoolId)
        .column(loan::Column::Status)
        .filter(loan::Column::GrantedAt.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    for (school, status) in loans {
        if let Some(t) = key_of.get(&school).and_then(|k| tallies.get_mut(k)) {
            t.borrowers.insert(school);
            t.started += 1;
            if status == LoanStatus::Converted.code() {
                t.converted += 1;
            }
        }
    }
    let paid: Vec<(Uuid, i64)> = order::Entity::find()
        .select_only()
        .column(order::Column::SchoolId)
        .column(order::Column::SavingsPence)
        .filter(order::Column::Status.eq(OrderStatus::Paid.code()))
        .into_tuple()
        .all(db)
        .await?;
    for (school, savings) in paid {
        if let Some(t) = key_of.get(&school).and_then(|k| tallies.get_mut(k)) {
            t.buyers.insert(school);
            t.savings += savings;
        }
    }
    for (school, kg) in crate::devices::savings::saved_kg_by_school(db).await? {
        if let Some(t) = key_of.get(&school).and_then(|k| tallies.get_mut(k)) {
            t.device_buyers += 1;
            t.carbon_kg += kg;
        }
    }
    let public = audience == SectorAudience::Public;
    let count = |n: i64| if public { round_to(n, 5) } else { n };
    let groups = tallies
        .into_iter()
        .map(|((region, phase), t)| {
            let standards = content
                .standards
                .iter()
                .map(|s| {
                    let levels = t.levels.get(&s.slug).map(Vec::as_slice).unwrap_or(&[]);
                    let n = levels.len();
                    if n < MIN_GROUP {
                        return SectorStandard {
                            standard_slug: s.slug.clone(),
                            schools_assessed: None,
                            suppressed: Some(too_few("have completed this standard")),
                            shares: vec![],
                        };
                    }
                    SectorStandard {
                        standard_slug: s.slug.clone(),
                        schools_assessed: Some(count(n as i64)),
                        suppressed: None,
                        shares: Maturity::ALL
                            .iter()
                            .map(|m| (*m, percent(levels.iter().filter(|l| *l == m).count(), n)))
                            .collect(),
                    }
                })
                .collect();
            let trials_shown = t.borrowers.len() >= MIN_GROUP;
            let savings_shown = t.buyers.len() >= MIN_GROUP;
            let carbon_shown = t.device_buyers >= MIN_GROUP as i64;
            SectorGroup {
                region,
                phase,
                schools: count(t.schools),
                standards,
                trials_started: trials_shown.then(|| count(t.started)),
                trials_converted: trials_shown.then(|| count(t.converted)),
                trials_suppressed: (!trials_shown).then(|| too_few("have borrowed a trial")),
                savings_pence: savings_shown.then(|| {
                    if public {
                        round_to(t.savings, 10_000)
                    } else {
                        t.savings
                    }
                }),
                savings_suppressed: (!savings_shown).then(|| too_few("have recorded purchases")),
                carbon_saved_kg: carbon_shown.then(|| {
                    if public {
                        round_to(t.carbon_kg, 100)
                    } else {
                        t.carbon_kg
                    }
                }),
                carbon_suppressed: (!carbon_shown)
                    .then(|| too_few("have bought used devices with a known saving")),
            }
        })
        .collect();
    Ok(SectorView {
        audience,
        grouping,
        content,
        groups,
    })
}
