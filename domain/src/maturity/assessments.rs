//! Self-assessments: reading a school's assessment for a year, answering a question,
//! completing a section, and writing sample assessments for the seed.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::content::{self, Answers, Content, Standard};
use super::{academic_year, school_for};
use crate::actor::{self, Actor};
use crate::entity::{maturity_assessment, maturity_section, maturity_section_event, organisation};
use crate::vocab::{Maturity, SectionStatus};
use crate::{Error, Result, audit, db};

/// A school's assessment for one academic year, with the content it answers.
#[derive(Debug, Clone)]
pub struct AssessmentView {
    pub school: organisation::Model,
    pub academic_year: i32,
    /// None until the first answer of the year.
    pub assessment: Option<maturity_assessment::Model>,
    pub content: Arc<Content>,
    /// One per standard of the content, in content order.
    pub sections: Vec<SectionView>,
    /// Academic years the school has assessments for, newest first.
    pub years: Vec<i32>,
}

/// One standard's section of an assessment.
#[derive(Debug, Clone)]
pub struct SectionView {
    pub content: Arc<Content>,
    pub standard_slug: String,
    pub status: SectionStatus,
    pub answers: Answers,
    pub maturity: Option<Maturity>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl SectionView {
    pub fn standard(&self) -> Option<&Standard> {
        self.content.standard(&self.standard_slug)
    }

    fn of(content: &Arc<Content>, slug: &str, row: Option<&maturity_section::Model>) -> Self {
        let answers = row.map(|r| answers_of(&r.answers)).unwrap_or_default();
        let maturity = content.standard(slug).and_then(|s| s.maturity(&answers));
        SectionView {
            content: content.clone(),
            standard_slug: slug.to_owned(),
            status: row
                .and_then(|r| SectionStatus::from_code(&r.status))
                .unwrap_or(SectionStatus::NotStarted),
            answers,
            maturity,
            completed_at: row.and_then(|r| r.completed_at),
        }
    }
}

pub(crate) fn answers_of(v: &serde_json::Value) -> Answers {
    serde_json::from_value(v.clone()).unwrap_or_default()
}

pub(crate) fn answers_json(a: &Answers) -> serde_json::Value {
    serde_json::to_value(a).unwrap_or_default()
}

/// The assessment of a school (the buyer's own, or a school of a trust-scoped buyer's trust)
/// for `year` (default: the current academic year).
pub async fn view(
    db: &impl ConnectionTrait,
    actor: &Actor,
    school_id: Option<Uuid>,
    year: Option<i32>,
) -> Result<AssessmentView> {
    let school = school_for(db, actor, school_id).await?;
    let year = year.unwrap_or_else(|| academic_year(Utc::now()));
    let all = maturity_assessment::Entity::find()
        .filter(maturity_assessment::Column::SchoolId.eq(school.id))
        .order_by_desc(maturity_assessment::Column::AcademicYear)
        .all(db)
        .await?;
    let years = all.iter().map(|a| a.academic_year).collect();
    let assessment = all.into_iter().find(|a| a.academic_year == year);
    let (content, rows) = match &assessment {
        Some(a) => (
            content::version(db, a.content_version).await?,
            maturity_section::Entity::find()
                .filter(maturity_section::Column::AssessmentId.eq(a.id))
                .all(db)
                .await?,
        ),
        None => (content::current(db).await?, vec![]),
    };
    let sections = content
        .standards
        .iter()
        .map(|s| {
            SectionView::of(
                &content,
                &s.slug,
                rows.iter().find(|r| r.standard_slug == s.slug),
            )
        })
        .collect();
    Ok(AssessmentView {
        school,
        academic_year: year,
        assessment,
        content,
        sections,
        years,
    })
}

/// This year's assessment of the school, started (on the newest content) if there is none.
async fn this_years(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    school_id: Uuid,
) -> Result<maturity_assessment::Model> {
    let year = academic_year(Utc::now());
    let find = || {
        maturity_assessment::Entity::find()
            .filter(maturity_assessment::Column::SchoolId.eq(school_id))
            .filter(maturity_assessment::Column::AcademicYear.eq(year))
    };
    if let Some(a) = find().one(tx).await? {
        return Ok(a);
    }
    let content = content::current(tx).await?;
    let now = Utc::now();
    maturity_assessment::Entity::insert(maturity_assessment::ActiveModel {
        id: Set(Uuid::now_v7()),
        school_id: Set(school_id),
        academic_year: Set(year),
        content_version: Set(content.version),
        status: Set(SectionStatus::InProgress.code().into()),
        started_by: Set(Some(actor.user_id)),
        completed_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            maturity_assessment::Column::SchoolId,
            maturity_assessment::Column::AcademicYear,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(tx)
    .await?;
    find()
        .one(tx)
        .await?
        .ok_or_else(|| Error::Internal("the assessment was not written".into()))
}

async fn section_row(
    tx: &impl ConnectionTrait,
    assessment_id: Uuid,
    slug: &str,
) -> Result<Option<maturity_section::Model>> {
    let mut q = maturity_section::Entity::find()
        .filter(maturity_section::Column::AssessmentId.eq(assessment_id))
        .filter(maturity_section::Column::StandardSlug.eq(slug));
    if db::is_postgres(tx) {
        q = q.lock_exclusive();
    }
    Ok(q.one(tx).await?)
}

async fn event(
    tx: &impl ConnectionTrait,
    section_id: Uuid,
    kind: &str,
    detail: serde_json::Value,
    actor: &Actor,
) -> Result<()> {
    maturity_section_event::Entity::insert(maturity_section_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        section_id: Set(section_id),
        kind: Set(kind.into()),
        detail: Set(Some(detail)),
        actor_id: Set(Some(actor.user_id)),
        at: Set(Utc::now()),
    })
    .exec_without_returning(tx)
    .await?;
    Ok(())
}

/// A school buyer answers one question of a standard in this year's assessment.
pub async fn answer(
    db: &DatabaseConnection,
    actor: &Actor,
    standard: &str,
    question: &str,
    answer: &str,
) -> Result<SectionView> {
    let school_id = actor.school_id()?;
    let tx = actor::begin(db, actor).await?;
    let assessment = this_years(&tx, actor, school_id).await?;
    let content = content::version(&tx, assessment.content_version).await?;
    let s = content.standard_or("standard", standard)?;
    let q = s.question(question).ok_or_else(|| {
        Error::bad_input(
            "question",
            format!("`question` must be a question of the standard {standard:?}"),
        )
    })?;
    let a = q.answers.iter().find(|a| a.slug == answer).ok_or_else(|| {
        Error::bad_input(
            "answer",
            format!(
                "`answer` must be one of: {}",
                q.answers
                    .iter()
                    .map(|a| a.slug.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    })?;
    let row = section_row(&tx, assessment.id, standard).await?;
    let before = row
        .as_ref()
        .map(|r| answers_of(&r.answers))
        .unwrap_or_default();
    let path = s.path(&before);
    if !path.iter().any(|(pq, _)| pq.slug == q.slug) {
        let next = path
            .iter()
            .find(|(_, a)| a.is_none())
            .map(|(q, _)| q.slug.as_str())
            .unwrap_or("none: the section is complete");
        return Err(Error::bad_input(
            "question",
            format!(
                "`{question}` is not on this section's path for the answers given so far; \
                 the next question is {next}"
            ),
        ));
    }
    let mut after = before.clone();
    after.insert(q.slug.clone(), a.slug.clone());
    let after = s.prune(&after);
    let maturity = s.maturity(&after);
    let now = Utc::now();
    let section_id = match &row {
        Some(r) => {
            maturity_section::Entity::update_many()
                .col_expr(
                    maturity_section::Column::Answers,
                    sea_orm::sea_query::Expr::value(answers_json(&after)),
                )
                .col_expr(
                    maturity_section::Column::Maturity,
                    sea_orm::sea_query::Expr::value(maturity.map(|m| m.code().to_owned())),
                )
                .col_expr(
                    maturity_section::Column::Status,
                    sea_orm::sea_query::Expr::value(SectionStatus::InProgress.code()),
                )
                .col_expr(
                    maturity_section::Column::CompletedAt,
                    sea_orm::sea_query::Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(
                    maturity_section::Column::Version,
                    sea_orm::sea_query::Expr::value(r.version + 1),
                )
                .col_expr(
                    maturity_section::Column::UpdatedAt,
                    sea_orm::sea_query::Expr::value(now),
                )
                .filter(maturity_section::Column::Id.eq(r.id))
                .exec(&tx)
                .await?;
            r.id
        }
        None => {
            let id = Uuid::now_v7();
            maturity_section::Entity::insert(maturity_section::ActiveModel {
                id: Set(id),
                assessment_id: Set(assessment.id),
                school_id: Set(school_id),
                standard_slug: Set(standard.to_owned()),
                answers: Set(answers_json(&after)),
                maturity: Set(maturity.map(|m| m.code().to_owned())),
                status: Set(SectionStatus::InProgress.code().into()),
                completed_at: Set(None),
                completed_by: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_without_returning(&tx)
            .await?;
            id
        }
    };
    if assessment.status == SectionStatus::Completed.code() {
        reopen(&tx, &assessment).await?;
    }
    let detail = json!({
        "question": q.slug,
        "answer": a.slug,
        "previous": before.get(&q.slug),
        "contentVersion": content.version,
    });
    event(&tx, section_id, "answered", detail.clone(), actor).await?;
    audit::record(
        &tx,
        actor,
        "maturity.answer",
        "maturity_section",
        section_id,
        Some(json!({ "answers": before })),
        Some(json!({ "answers": after, "standard": standard })),
    )
    .await?;
    let row = section_row(&tx, assessment.id, standard).await?;
    let view = SectionView::of(&content, standard, row.as_ref());
    db::commit(tx).await?;
    Ok(view)
}

async fn reopen(tx: &impl ConnectionTrait, a: &maturity_assessment::Model) -> Result<()> {
    maturity_assessment::Entity::update_many()
        .col_expr(
            maturity_assessment::Column::Status,
            sea_orm::sea_query::Expr::value(SectionStatus::InProgress.code()),
        )
        .col_expr(
            maturity_assessment::Column::CompletedAt,
            sea_orm::sea_query::Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            maturity_assessment::Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(maturity_assessment::Column::Id.eq(a.id))
        .exec(tx)
        .await?;
    Ok(())
}

/// A school buyer completes a standard's section of this year's assessment: every question on
/// its path must be answered. Completing a completed section changes nothing.
pub async fn complete(
    db: &DatabaseConnection,
    actor: &Actor,
    standard: &str,
) -> Result<SectionView> {
    let school_id = actor.school_id()?;
    let tx = actor::begin(db, actor).await?;
    let assessment = this_years(&tx, actor, school_id).await?;
    let content = content::version(&tx, assessment.content_version).await?;
    let s = content.standard_or("standard", standard)?;
    let row = section_row(&tx, assessment.id, standard).await?;
    let answers = row
        .as_ref()
        .map(|r| answers_of(&r.answers))
        .unwrap_or_default();
    let Some(maturity) = s.maturity(&answers) else {
        let next = s
            .path(&answers)
            .into_iter()
            .find(|(_, a)| a.is_none())
            .map(|(q, _)| q.slug.clone())
            .unwrap_or_default();
        return Err(Error::bad_input(
            "standard",
            format!("answer every question on the section's path first: the next is {next}"),
        ));
    };
    let Some(row) = row else {
        return Err(Error::Internal("a complete section without a row".into()));
    };
    if row.status == SectionStatus::Completed.code() {
        let view = SectionView::of(&content, standard, Some(&row));
        db::commit(tx).await?;
        return Ok(view);
    }
    let now = Utc::now();
    let done = maturity_section::Model {
        status: SectionStatus::Completed.code().into(),
        maturity: Some(maturity.code().into()),
        completed_at: Some(now),
        completed_by: Some(actor.user_id),
        version: row.version + 1,
        updated_at: now,
        ..row.clone()
    };
    maturity_section::Entity::update(maturity_section::ActiveModel::from(done.clone()).reset_all())
        .exec(&tx)
        .await?;
    let completed: Vec<String> = maturity_section::Entity::find()
        .select_only()
        .column(maturity_section::Column::StandardSlug)
        .filter(maturity_section::Column::AssessmentId.eq(assessment.id))
        .filter(maturity_section::Column::Status.eq(SectionStatus::Completed.code()))
        .into_tuple()
        .all(&tx)
        .await?;
    if content
        .standards
        .iter()
        .all(|s| completed.contains(&s.slug))
    {
        maturity_assessment::Entity::update_many()
            .col_expr(
                maturity_assessment::Column::Status,
                sea_orm::sea_query::Expr::value(SectionStatus::Completed.code()),
            )
            .col_expr(
                maturity_assessment::Column::CompletedAt,
                sea_orm::sea_query::Expr::value(Some(now)),
            )
            .col_expr(
                maturity_assessment::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(maturity_assessment::Column::Id.eq(assessment.id))
            .exec(&tx)
            .await?;
    }
    let detail = json!({ "maturity": maturity.code(), "contentVersion": content.version });
    event(&tx, row.id, "completed", detail.clone(), actor).await?;
    audit::record(
        &tx,
        actor,
        "maturity.complete_section",
        "maturity_section",
        row.id,
        None,
        Some(json!({ "standard": standard, "maturity": maturity.code() })),
    )
    .await?;
    let view = SectionView::of(&content, standard, Some(&done));
    db::commit(tx).await?;
    Ok(view)
}
