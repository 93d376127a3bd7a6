//! The digital maturity benchmark: a school's self-assessment against the DfE digital and
//! technology standards, the technology plan its answers lead to (with deals, products and
//! trials it can use), its trust's picture, a comparison with similar schools and an
//! anonymised sector view.
//!
//! Policy:
//! - Content: the standards, questions, answers and recommendations are one versioned JSON
//!   document (`seed/data/digital_standards.json`), loaded into `digital_content` on start and
//!   never changed once loaded (the same version with other text is refused). An assessment
//!   keeps the content version it was started on and is always read with that version, so a
//!   content update never rewrites or loses past answers. New assessments use the newest
//!   version. Recommendation slugs are stable across versions.
//! - Assessments: one per school per academic year (1 September to 31 August), started by the
//!   first answer. Each standard is a section; a question can be answered only when it is on
//!   the section's path (the first question, then wherever the answers lead); changing an
//!   answer drops answers the new branch no longer reaches and reopens a completed section.
//!   Every answer and completion is kept in the section's history.
//! - Maturity derivation: a section has a maturity once every question on its path is
//!   answered. Each answer carries a level; the section's maturity is the weakest level on the
//!   path, in the order NOT_MET < NOT_SURE < PARTLY_MET < MET. So MET needs every answer MET;
//!   any NOT_MET answer gives NOT_MET; otherwise any "I'm not sure" gives NOT_SURE; otherwise
//!   any PARTLY_MET gives PARTLY_MET. A school's maturity on a standard (for its plan, its
//!   trust, the benchmark and the sector view) is that of its latest completed section.
//! - Plan: the recommendations triggered by the latest completed section of each standard.
//!   A recommendation's status starts IN_PROGRESS when a PARTLY_MET answer triggered it and
//!   NOT_STARTED otherwise; a school buyer changes it with a note, and every change is kept
//!   with who made it. Each recommendation lists only current (started, not ended, published)
//!   DfE-endorsed deals the school is eligible for (its phase and establishment type are on
//!   the deal's lists; unknown values do not qualify), approved products of the linked
//!   categories that cover a key stage of the school's phase, and open trial offers of those
//!   products the school may borrow.
//! - Privacy: a school's answers are seen only by its own buyers, its trust's trust-scoped
//!   buyers and (through an advice case opened from a recommendation) the advisers on it.
//!   Comparisons never show a group of fewer than [`MIN_GROUP`] schools: the figure is
//!   suppressed with the reason.

pub mod assessments;
pub mod benchmark;
pub mod content;
mod fit;
pub mod plan;
pub mod samples;
pub mod sector;

use std::collections::HashMap;

use chrono::{DateTime, Datelike, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::actor::Actor;
use crate::catalogue::organisations;
use crate::entity::{maturity_section, organisation};
use crate::vocab::{Maturity, SectionStatus};
use crate::{Error, Result};

pub use assessments::{AssessmentView, SectionView};
pub use benchmark::{Benchmark, TrustPicture, TrustSchool};
pub use content::{Answers, Content};
pub use plan::{PlanItem, PlanView};
pub use samples::{SampleAssessment, insert_samples};
pub use sector::{SectorAudience, SectorGrouping, SectorView};

/// The smallest group of schools any comparison shows.
pub const MIN_GROUP: usize = 10;

/// The order maturity levels are compared in: NOT_MET < NOT_SURE < PARTLY_MET < MET.
pub fn rank(m: Maturity) -> u8 {
    match m {
        Maturity::NotMet => 0,
        Maturity::NotSure => 1,
        Maturity::PartlyMet => 2,
        Maturity::Met => 3,
    }
}

/// The academic year (by the year it starts) that `now` falls in: it starts on 1 September.
pub fn academic_year(now: DateTime<Utc>) -> i32 {
    if now.month() >= 9 {
        now.year()
    } else {
        now.year() - 1
    }
}

/// The school a buyer asks about: their own school, or (for a trust-scoped buyer, who must
/// name one) a school of their trust. Another school is `NOT_FOUND`.
pub async fn school_for(
    db: &impl ConnectionTrait,
    actor: &Actor,
    school_id: Option<Uuid>,
) -> Result<organisation::Model> {
    let in_scope = organisations::schools_in_scope(db, actor).await?;
    match school_id {
        Some(id) => in_scope
            .into_iter()
            .find(|s| s.id == id)
            .ok_or(Error::not_found("school")),
        None => {
            let own = actor.school_id()?;
            in_scope
                .into_iter()
                .find(|s| s.id == own)
                .ok_or(Error::not_found("school"))
        }
    }
}

/// The latest completed maturity of each (school, standard), for the schools given (all when
/// `None`) and one standard (all when `None`).
pub(crate) async fn latest_levels(
    db: &impl ConnectionTrait,
    schools: Option<&[Uuid]>,
    standard: Option<&str>,
) -> Result<HashMap<(Uuid, String), Maturity>> {
    let mut q = maturity_section::Entity::find()
        .select_only()
        .column(maturity_section::Column::SchoolId)
        .column(maturity_section::Column::StandardSlug)
        .column(maturity_section::Column::Maturity)
        .filter(maturity_section::Column::Status.eq(SectionStatus::Completed.code()));
    if let Some(ids) = schools {
        q = q.filter(maturity_section::Column::SchoolId.is_in(ids.iter().copied()));
    }
    if let Some(s) = standard {
        q = q.filter(maturity_section::Column::StandardSlug.eq(s));
    }
    let rows: Vec<(Uuid, String, Option<String>)> = q
        .order_by_desc(maturity_section::Column::CompletedAt)
        .order_by_desc(maturity_section::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut out = HashMap::new();
    for (school, slug, level) in rows {
        if let Some(level) = level.as_deref().and_then(Maturity::from_code) {
            out.entry((school, slug)).or_insert(level);
        }
    }
    Ok(out)
}

/// A percentage of `n` in `of`, rounded to a whole number (halves up).
pub fn percent(n: usize, of: usize) -> i32 {
    if of == 0 {
        return 0;
    }
    i32::try_from((n * 200 + of) / (2 * of)).unwrap_or(i32::MAX)
}
