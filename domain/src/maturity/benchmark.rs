//! Comparisons of a school with similar schools, and a trust's picture of its schools.
//!
//! Similar schools share the school's phase, region and size band (`vocab::SizeBand`: under
//! 210 pupils, 210 to 599, 600 to 999, 1,000 or more). The group is the other similar schools
//! with a completed section of the standard; under [`MIN_GROUP`] of them it is suppressed.
//! Shares are whole percentages (halves up), so they may not add up to exactly 100.

use std::collections::HashMap;
use std::sync::Arc;

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::content::{self, Content};
use super::{MIN_GROUP, latest_levels, percent, rank, school_for};
use crate::actor::Actor;
use crate::catalogue::organisations;
use crate::entity::organisation;
use crate::vocab::{Maturity, OrgKind, Phase, Region, SizeBand};
use crate::{Error, Result};

/// A school compared with similar schools on one standard.
#[derive(Debug, Clone)]
pub struct Benchmark {
    pub content: Arc<Content>,
    pub standard_slug: String,
    pub school: organisation::Model,
    pub phase: Option<Phase>,
    pub region: Option<Region>,
    pub size_band: SizeBand,
    /// The school's own latest completed maturity on the standard.
    pub own: Option<Maturity>,
    /// Why the comparison is not shown; None when it is.
    pub suppressed: Option<String>,
    /// How many similar schools are compared (None when suppressed).
    pub group_size: Option<usize>,
    /// Percent of the group at each level (empty when suppressed).
    pub shares: Vec<(Maturity, i32)>,
    /// Percent of the group above, level with and below the school (None when suppressed or
    /// the school has not completed the standard).
    pub position: Option<(i32, i32, i32)>,
}

/// Schools sharing phase, region and size band with `school`, other than itself.
async fn similar(db: &impl ConnectionTrait, school: &organisation::Model) -> Result<Vec<Uuid>> {
    let (Some(phase), Some(region)) = (&school.phase, &school.region) else {
        return Ok(vec![]);
    };
    let band = SizeBand::of(school.pupil_count);
    let rows: Vec<(Uuid, Option<i32>)> = organisation::Entity::find()
        .select_only()
        .column(organisation::Column::Id)
        .column(organisation::Column::PupilCount)
        .filter(organisation::Column::Kind.eq(OrgKind::School.code()))
        .filter(organisation::Column::Phase.eq(phase.as_str()))
        .filter(organisation::Column::Region.eq(region.as_str()))
        .filter(organisation::Column::Id.ne(school.id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, pupils)| SizeBand::of(*pupils) == band)
        .map(|(id, _)| id)
        .collect())
}

/// How a school (the buyer's own, or one of a trust-scoped buyer's trust) compares with
/// similar schools on `standard`.
pub async fn benchmark(
    db: &impl ConnectionTrait,
    actor: &Actor,
    school_id: Option<Uuid>,
    standard: &str,
) -> Result<Benchmark> {
    let school = school_for(db, actor, school_id).await?;
    let content = content::current(db).await?;
    content.standard_or("standard", standard)?;
    let own = latest_levels(db, Some(&[school.id]), Some(standard))
        .await?
        .remove(&(school.id, standard.to_owned()));
    let mut b = Benchmark {
        content: content.clone(),
        standard_slug: standard.to_owned(),
        phase: school.phase.as_deref().and_then(Phase::from_code),
        region: school.region.as_deref().and_then(Region::from_code),
        size_band: SizeBand::of(school.pupil_count),
        school,
        own,
        suppressed: None,
        group_size: None,
        shares: vec![],
        position: None,
    };
    if b.phase.is_none() || b.region.is_none() {
        b.suppressed = Some(
            "your school's phase or region is not recorded, so similar schools cannot be found"
                .into(),
        );
        return Ok(b);
    }
    let peers = similar(db, &b.school).await?;
    let levels: Vec<Maturity> = latest_levels(db, Some(&peers), Some(standard))
        .await?
        .into_values()
        .collect();
    let n = levels.len();
    if n < MIN_GROUP {
        b.suppressed = Some(format!(
            "fewer than {MIN_GROUP} similar schools (same phase, region and size band) have \
             completed this standard, so the comparison is not shown: no school may be singled out"
        ));
        return Ok(b);
    }
    b.group_size = Some(n);
    b.shares = Maturity::ALL
        .iter()
        .map(|m| (*m, percent(levels.iter().filter(|l| *l == m).count(), n)))
        .collect();
    if let Some(own) = b.own {
        let count = |f: &dyn Fn(u8) -> bool| levels.iter().filter(|l| f(rank(**l))).count();
        let r = rank(own);
        b.position = Some((
            percent(count(&|x| x > r), n),
            percent(count(&|x| x == r), n),
            percent(count(&|x| x < r), n),
        ));
    }
    Ok(b)
}

/// One school of a trust, with its latest completed maturity per standard.
#[derive(Debug, Clone)]
pub struct TrustSchool {
    pub school: organisation::Model,
    pub levels: HashMap<String, Maturity>,
}

/// A trust's schools and their maturity on every standard.
#[derive(Debug, Clone)]
pub struct TrustPicture {
    pub trust: organisation::Model,
    pub content: Arc<Content>,
    pub schools: Vec<TrustSchool>,
}

impl TrustPicture {
    /// How many of the trust's schools are at `level` on `standard`; None: not assessed.
    pub fn count(&self, standard: &str, level: Option<Maturity>) -> usize {
        self.schools
            .iter()
            .filter(|s| s.levels.get(standard).copied() == level)
            .count()
    }
}

/// Every school of a trust-scoped buyer's trust, with its maturity per standard.
pub async fn trust_picture(db: &impl ConnectionTrait, actor: &Actor) -> Result<TrustPicture> {
    let trust_id = actor.trust_id()?;
    let trust = organisation::Entity::find_by_id(trust_id)
        .one(db)
        .await?
        .ok_or(Error::not_found("trust"))?;
    let schools = organisations::schools_in_scope(db, actor).await?;
    let ids: Vec<Uuid> = schools.iter().map(|s| s.id).collect();
    let mut levels = latest_levels(db, Some(&ids), None).await?;
    let content = content::current(db).await?;
    let schools = schools
        .into_iter()
        .map(|school| TrustSchool {
            levels: content
                .standards
                .iter()
                .filter_map(|s| {
                    levels
                        .remove(&(school.id, s.slug.clone()))
                        .map(|m| (s.slug.clone(), m))
                })
                .collect(),
            school,
        })
        .collect();
    Ok(TrustPicture {
        trust,
        content,
        schools,
    })
}
