//! Who should take a case: active advisers in the directory, ranked by specialism and by how
//! full their caseload is.
//!
//! Policy:
//! - Only active advisers are suggested; a closed case gets no suggestions.
//! - Advisers at capacity (open cases >= capacity) come last, each saying so: they may still
//!   be assigned with `overCapacity`.
//! - Before them, advisers who specialise in the case's category and cover the school's
//!   region, then the category alone, then the region alone, then neither; within each, the
//!   emptiest caseload relative to capacity first, then fewest open cases, then by name.
//! - Every suggestion says why, in words an admin reads ("specialises in Software licences",
//!   "covers London", "3 open cases of 20").

use std::cmp::Ordering;
use std::collections::HashMap;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::advisers::{self, AdviserRecord};
use crate::Result;
use crate::catalogue::organisations;
use crate::entity::{advice_request, category};
use crate::vocab::{AdviceStatus, Region};

/// An adviser suggested for a case, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub adviser: AdviserRecord,
    pub open_cases: u64,
    pub capacity: i32,
    pub matches_category: bool,
    pub matches_region: bool,
    /// The case is theirs now.
    pub assigned_now: bool,
    pub reasons: Vec<String>,
}

impl Suggestion {
    pub fn at_capacity(&self) -> bool {
        self.open_cases >= u64::try_from(self.capacity).unwrap_or(0)
    }

    /// Ranking, best first: room before none, specialism, caseload relative to capacity.
    fn rank(&self, other: &Self) -> Ordering {
        let specialism = |s: &Self| (s.matches_category, s.matches_region);
        self.at_capacity()
            .cmp(&other.at_capacity())
            .then_with(|| specialism(other).cmp(&specialism(self)))
            // open / capacity, compared without division.
            .then_with(|| {
                (u128::from(self.open_cases) * capacity(other))
                    .cmp(&(u128::from(other.open_cases) * capacity(self)))
            })
            .then_with(|| self.open_cases.cmp(&other.open_cases))
            .then_with(|| self.adviser.name().cmp(other.adviser.name()))
            .then_with(|| self.adviser.id().cmp(&other.adviser.id()))
    }
}

fn capacity(s: &Suggestion) -> u128 {
    u128::try_from(s.capacity).unwrap_or(0)
}

/// What a case asks of an adviser.
#[derive(Debug, Clone)]
struct Need {
    category: String,
    category_name: String,
    region: Option<Region>,
    assignee: Option<Uuid>,
}

/// A candidate's specialisms and load, before ranking.
struct Candidate<'a> {
    adviser: &'a AdviserRecord,
    categories: Vec<&'a str>,
    regions: &'a [Region],
    open_cases: u64,
}

fn suggest(need: &Need, candidates: &[Candidate<'_>]) -> Vec<Suggestion> {
    let mut out: Vec<Suggestion> = candidates
        .iter()
        .filter_map(|c| {
            let profile = c.adviser.profile.as_ref().filter(|p| p.active)?;
            let matches_category = c.categories.contains(&need.category.as_str());
            let matches_region = need.region.is_some_and(|r| c.regions.contains(&r));
            let mut reasons = Vec::new();
            if matches_category {
                reasons.push(format!("specialises in {}", need.category_name));
            }
            if let Some(r) = need.region.filter(|_| matches_region) {
                reasons.push(format!("covers {}", r.label()));
            }
            if !matches_category && !matches_region {
                reasons.push("no matching specialism".to_owned());
            }
            let load = format!("{} open cases of {}", c.open_cases, profile.capacity);
            let full = c.open_cases >= u64::try_from(profile.capacity).unwrap_or(0);
            reasons.push(if full {
                format!("at capacity: {load}")
            } else {
                load
            });
            let assigned_now = need.assignee == Some(c.adviser.id());
            if assigned_now {
                reasons.push("assigned to this case now".to_owned());
            }
            Some(Suggestion {
                adviser: c.adviser.clone(),
                open_cases: c.open_cases,
                capacity: profile.capacity,
                matches_category,
                matches_region,
                assigned_now,
                reasons,
            })
        })
        .collect();
    out.sort_by(Suggestion::rank);
    out
}

/// Suggestions for each of `case_ids`, best first: a fixed number of queries however many
/// cases. Callers check the actor may see them (advisers and admins).
pub async fn for_cases(
    db: &impl ConnectionTrait,
    case_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Suggestion>>> {
    let cases: Vec<advice_request::Model> = advice_request::Entity::find()
        .filter(advice_request::Column::Id.is_in(case_ids.iter().copied()))
        .filter(advice_request::Column::Status.ne(AdviceStatus::Closed.code()))
        .all(db)
        .await?;
    if cases.is_empty() {
        return Ok(HashMap::new());
    }
    let schools: Vec<Uuid> = cases.iter().map(|c| c.school_id).collect();
    let schools = organisations::by_ids(db, &schools).await?;
    let slugs: Vec<String> = cases.iter().map(|c| c.category.clone()).collect();
    let names: HashMap<String, String> = category::Entity::find()
        .filter(category::Column::Slug.is_in(slugs))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.slug, c.name))
        .collect();
    let active = advisers::active(db).await?;
    let ids: Vec<Uuid> = active.iter().map(AdviserRecord::id).collect();
    let specialisms = advisers::specialisms_of(db, &ids).await?;
    let loads = advisers::open_caseloads(db, &ids).await?;
    let candidates: Vec<Candidate<'_>> = active
        .iter()
        .map(|a| {
            let s = specialisms.get(&a.id());
            Candidate {
                adviser: a,
                categories: s
                    .map(|s| s.categories.iter().map(|c| c.slug.as_str()).collect())
                    .unwrap_or_default(),
                regions: s.map(|s| s.regions.as_slice()).unwrap_or_default(),
                open_cases: loads.get(&a.id()).copied().unwrap_or(0),
            }
        })
        .collect();
    Ok(cases
        .iter()
        .map(|case| {
            let need = Need {
                category_name: names
                    .get(&case.category)
                    .cloned()
                    .unwrap_or_else(|| case.category.clone()),
                category: case.category.clone(),
                region: schools
                    .get(&case.school_id)
                    .and_then(|s| s.region.as_deref())
                    .and_then(Region::from_code),
                assignee: case.assignee_id,
            };
            (case.id, suggest(&need, &candidates))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::entity::{adviser, user};

    fn record(name: &str, capacity: i32, active: bool) -> AdviserRecord {
        let id = Uuid::now_v7();
        AdviserRecord {
            user: user::Model {
                id,
                email: format!("{}@advice.example.org", name.to_lowercase()),
                display_name: name.into(),
                role: "ADVISER".into(),
                organisation_id: None,
                created_at: Utc::now(),
            },
            profile: Some(adviser::Model {
                user_id: id,
                capacity,
                active,
                version: 1,
                is_sample: false,
                created_at: Utc::now(),
                updated_at: Utc::now(),
            }),
        }
    }

    fn names(s: &[Suggestion]) -> Vec<&str> {
        s.iter().map(|s| s.adviser.name()).collect()
    }

    #[test]
    fn specialists_with_room_come_first_and_full_advisers_last() {
        let (ada, ben, cat, dev, eve, fay) = (
            record("Ada", 10, true),
            record("Ben", 10, true),
            record("Cat", 4, true),
            record("Dev", 10, true),
            record("Eve", 10, false),
            record("Fay", 2, true),
        );
        let london = [Region::London];
        let north = [Region::NorthEast];
        let c = |adviser, categories: &[&'static str], regions, open_cases| Candidate {
            adviser,
            categories: categories.to_vec(),
            regions,
            open_cases,
        };
        let candidates = [
            // Devices and London, but half full.
            c(&ada, &["devices"], &london[..], 5),
            // Devices and London, a fifth full: the best.
            c(&ben, &["devices"], &london[..], 2),
            // Devices only.
            c(&cat, &["devices"], &north[..], 0),
            // Neither.
            c(&dev, &["mis"], &north[..], 0),
            // Inactive: never suggested.
            c(&eve, &["devices"], &london[..], 0),
            // A perfect match, but full.
            c(&fay, &["devices"], &london[..], 2),
        ];
        let need = Need {
            category: "devices".into(),
            category_name: "Laptops, desktops, tablets and Chromebooks".into(),
            region: Some(Region::London),
            assignee: Some(ada.id()),
        };
        let ranked = suggest(&need, &candidates);
        assert_eq!(names(&ranked), ["Ben", "Ada", "Cat", "Dev", "Fay"]);
        assert_eq!(
            ranked[0].reasons,
            [
                "specialises in Laptops, desktops, tablets and Chromebooks",
                "covers London",
                "2 open cases of 10"
            ]
        );
        assert!(ranked[1].assigned_now);
        assert_eq!(
            ranked[3].reasons,
            ["no matching specialism", "0 open cases of 10"]
        );
        assert!(ranked[4].at_capacity());
        assert_eq!(
            ranked[4].reasons.last().map(String::as_str),
            Some("at capacity: 2 open cases of 2")
        );
    }

    #[test]
    fn load_is_relative_to_capacity() {
        let (big, small) = (record("Big", 40, true), record("Small", 4, true));
        let candidates = [
            Candidate {
                adviser: &small,
                categories: vec![],
                regions: &[],
                open_cases: 2,
            },
            Candidate {
                adviser: &big,
                categories: vec![],
                regions: &[],
                open_cases: 10,
            },
        ];
        let need = Need {
            category: "mis".into(),
            category_name: "Management information systems".into(),
            region: None,
            assignee: None,
        };
        // 10 of 40 is emptier than 2 of 4.
        assert_eq!(names(&suggest(&need, &candidates)), ["Big", "Small"]);
    }
}
