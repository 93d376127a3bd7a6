//! Clarification questions: an invited supplier asks until the clarification deadline; the
//! school answers, and every invited supplier reads the question and answer without the
//! asker's name.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use super::{PUBLISHED, Viewer, for_school, late, lock};
use crate::actor::{self, Actor};
use crate::entity::{competition_clarification, competition_invitation};
use crate::notifications::{Notice, notify};
use crate::{Error, Result, audit, db, validate};

/// A question and its answer, never naming who asked.
#[derive(Debug, Clone)]
pub struct ClarificationView {
    pub id: Uuid,
    pub question: String,
    pub asked_at: DateTime<Utc>,
    pub answer: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    /// Whether the viewer (a supplier) asked it.
    pub asked_by_me: bool,
}

/// What the viewer reads of each competition's questions: the school and admins every
/// question; a supplier every answered one and its own.
pub(crate) async fn visible(
    db: &impl ConnectionTrait,
    competition_ids: &[Uuid],
    viewer: Viewer,
) -> Result<HashMap<Uuid, Vec<ClarificationView>>> {
    let rows = competition_clarification::Entity::find()
        .filter(
            competition_clarification::Column::CompetitionId.is_in(competition_ids.iter().copied()),
        )
        .order_by_asc(competition_clarification::Column::AskedAt)
        .order_by_asc(competition_clarification::Column::Id)
        .all(db)
        .await?;
    let mut out: HashMap<Uuid, Vec<ClarificationView>> = HashMap::new();
    for q in rows {
        let mine = matches!(viewer, Viewer::Supplier(s) if s == q.supplier_id);
        let shown = match viewer {
            Viewer::Supplier(_) => mine || q.answer.is_some(),
            _ => true,
        };
        if shown {
            out.entry(q.competition_id)
                .or_default()
                .push(ClarificationView {
                    id: q.id,
                    question: q.question,
                    asked_at: q.asked_at,
                    answer: q.answer,
                    answered_at: q.answered_at,
                    asked_by_me: mine,
                });
        }
    }
    Ok(out)
}

/// An invited supplier asks a question before the clarification deadline.
pub async fn ask_clarification(
    db: &DatabaseConnection,
    actor: &Actor,
    competition_id: Uuid,
    question: String,
    now: DateTime<Utc>,
) -> Result<ClarificationView> {
    let supplier = actor.supplier_id()?;
    let question = question.trim().to_owned();
    validate::text("question", &question, 1, 5000)?;
    let tx = actor::begin(db, actor).await?;
    let c = lock(&tx, competition_id).await?;
    let invitation = competition_invitation::Entity::find_by_id((competition_id, supplier))
        .one(&tx)
        .await?
        .ok_or(Error::not_found("competition"))?;
    if c.status != PUBLISHED {
        return Err(Error::Conflict(format!(
            "the competition is {}: questions are closed",
            c.status
        )));
    }
    if invitation.declined_at.is_some() {
        return Err(Error::Conflict("you declined this invitation".into()));
    }
    if let Some(deadline) = c.clarification_deadline
        && late(now, deadline)
    {
        return Err(Error::DeadlinePassed(format!(
            "the clarification deadline ({}) has passed",
            deadline.to_rfc3339()
        )));
    }
    let q = competition_clarification::Model {
        id: Uuid::now_v7(),
        competition_id,
        supplier_id: supplier,
        question,
        asked_at: now,
        answer: None,
        answered_at: None,
    };
    competition_clarification::ActiveModel::from(q.clone())
        .insert(&tx)
        .await?;
    notify(
        &tx,
        Notice {
            user_id: Some(c.created_by),
            organisation_id: c.school_id,
            kind: "competition.question",
            subject: format!("A supplier asked a question about {}", c.title),
            payload: json!({ "competitionId": c.id, "title": c.title }),
            dedupe_key: None,
        },
    )
    .await?;
    audit::record(
        &tx,
        actor,
        "competition.question_asked",
        "competition",
        competition_id,
        None,
        Some(audit::snapshot(&q)?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(ClarificationView {
        id: q.id,
        question: q.question,
        asked_at: q.asked_at,
        answer: None,
        answered_at: None,
        asked_by_me: true,
    })
}

/// The school answers a question; the answer is published to every invited supplier (a
/// notification each), without naming who asked.
pub async fn answer_clarification(
    db: &DatabaseConnection,
    actor: &Actor,
    clarification_id: Uuid,
    answer: String,
    now: DateTime<Utc>,
) -> Result<ClarificationView> {
    let answer = answer.trim().to_owned();
    validate::text("answer", &answer, 1, 10_000)?;
    let q = competition_clarification::Entity::find_by_id(clarification_id)
        .one(db)
        .await?
        .ok_or(Error::not_found("clarification"))?;
    for_school(db, actor, q.competition_id).await?;
    let tx = actor::begin(db, actor).await?;
    let c = lock(&tx, q.competition_id).await?;
    if c.status != PUBLISHED {
        return Err(Error::Conflict(format!("the competition is {}", c.status)));
    }
    let before = competition_clarification::Entity::find_by_id(clarification_id)
        .one(&tx)
        .await?
        .ok_or(Error::not_found("clarification"))?;
    if before.answer.is_some() {
        return Err(Error::Conflict(
            "the question is answered already: answers are published and stay".into(),
        ));
    }
    let mut after = before.clone();
    after.answer = Some(answer);
    after.answered_at = Some(now);
    competition_clarification::ActiveModel::from(after.clone())
        .reset_all()
        .update(&tx)
        .await?;
    let invited = competition_invitation::Entity::find()
        .filter(competition_invitation::Column::CompetitionId.eq(c.id))
        .all(&tx)
        .await?;
    for i in invited.iter().filter(|i| i.declined_at.is_none()) {
        notify(
            &tx,
            Notice {
                user_id: None,
                organisation_id: i.supplier_id,
                kind: "competition.clarification",
                subject: format!("A clarification was published for {}", c.title),
                payload: json!({
                    "competitionId": c.id,
                    "title": c.title,
                    "question": after.question,
                    "answer": after.answer,
                }),
                dedupe_key: Some(format!(
                    "competition.clarification:{}:{}",
                    after.id, i.supplier_id
                )),
            },
        )
        .await?;
    }
    audit::record(
        &tx,
        actor,
        "competition.question_answered",
        "competition",
        c.id,
        Some(audit::snapshot(&before)?),
        Some(audit::snapshot(&after)?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(ClarificationView {
        id: after.id,
        question: after.question,
        asked_at: after.asked_at,
        answer: after.answer,
        answered_at: after.answered_at,
        asked_by_me: false,
    })
}
