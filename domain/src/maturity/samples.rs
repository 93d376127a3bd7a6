//! Sample assessments for the seed: completed sections written in bulk, their maturity
//! derived from the content like a school's own.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, EntityTrait, Set};
use uuid::Uuid;

use super::assessments::answers_json;
use super::content::{Answers, Content};
use crate::entity::{maturity_assessment, maturity_section};
use crate::vocab::SectionStatus;
use crate::{Error, Result};

/// A completed sample assessment, for the seed.
#[derive(Debug, Clone)]
pub struct SampleAssessment {
    pub school_id: Uuid,
    pub academic_year: i32,
    pub completed_at: DateTime<Utc>,
    /// Standard slug and complete answers, one per standard assessed.
    pub sections: Vec<(String, Answers)>,
}

/// Writes sample assessments in the caller's transaction, all against `content` (which must
/// be loaded): every section must be complete. Returns how many sections were written.
pub async fn insert_samples(
    tx: &impl ConnectionTrait,
    content: &Content,
    samples: &[SampleAssessment],
) -> Result<usize> {
    let mut assessments = Vec::with_capacity(samples.len());
    let mut sections = Vec::new();
    for s in samples {
        let id = Uuid::now_v7();
        let whole = s.sections.len() == content.standards.len();
        assessments.push(maturity_assessment::ActiveModel {
            id: Set(id),
            school_id: Set(s.school_id),
            academic_year: Set(s.academic_year),
            content_version: Set(content.version),
            status: Set(if whole {
                SectionStatus::Completed
            } else {
                SectionStatus::InProgress
            }
            .code()
            .into()),
            started_by: Set(None),
            completed_at: Set(whole.then_some(s.completed_at)),
            version: Set(1),
            created_at: Set(s.completed_at),
            updated_at: Set(s.completed_at),
        });
        for (slug, answers) in &s.sections {
            let standard = content.standard_or("standard", slug)?;
            let maturity = standard.maturity(answers).ok_or_else(|| {
                Error::bad_input("sections", format!("sample section {slug} is incomplete"))
            })?;
            sections.push(maturity_section::ActiveModel {
                id: Set(Uuid::now_v7()),
                assessment_id: Set(id),
                school_id: Set(s.school_id),
                standard_slug: Set(slug.clone()),
                answers: Set(answers_json(answers)),
                maturity: Set(Some(maturity.code().into())),
                status: Set(SectionStatus::Completed.code().into()),
                completed_at: Set(Some(s.completed_at)),
                completed_by: Set(None),
                version: Set(1),
                created_at: Set(s.completed_at),
                updated_at: Set(s.completed_at),
            });
        }
    }
    let written = sections.len();
    for chunk in assessments.chunks(500) {
        maturity_assessment::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(tx)
            .await?;
    }
    for chunk in sections.chunks(500) {
        maturity_section::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(tx)
            .await?;
    }
    Ok(written)
}
