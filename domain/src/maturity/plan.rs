//! The technology plan: the recommendations a school's answers trigger, their statuses with
//! history, the deals, products and trials each one leads to, and carrying a recommendation
//! into an advice case.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::assessments::answers_of;
use super::content::{self, Answers, Content, Recommendation};
use super::fit::Fit;
use super::school_for;
use crate::actor::{self, Actor};
use crate::entity::{
    deal, maturity_advice_link, maturity_assessment, maturity_plan_event, maturity_plan_item,
    maturity_section, organisation, product, trial_offer,
};
use crate::vocab::{Maturity, RecommendationStatus, SectionStatus};
use crate::{Error, Result, audit, db, validate};

/// A school's technology plan.
#[derive(Debug, Clone)]
pub struct PlanView {
    pub school: organisation::Model,
    pub items: Vec<PlanItem>,
}

/// One recommendation of a plan.
#[derive(Debug, Clone)]
pub struct PlanItem {
    pub content: Arc<Content>,
    pub standard_slug: String,
    pub recommendation: Recommendation,
    /// The maturity of the section that triggered it.
    pub maturity: Option<Maturity>,
    /// (question, answer) texts that triggered it.
    pub triggered_by: Vec<(String, String)>,
    pub status: RecommendationStatus,
    pub note: Option<String>,
    pub updated_by: Option<Uuid>,
    pub updated_at: Option<DateTime<Utc>>,
    /// Status changes, oldest first, with the name of who made each.
    pub history: Vec<(maturity_plan_event::Model, Option<String>)>,
    pub deals: Vec<deal::Model>,
    pub products: Vec<product::Model>,
    pub trial_offers: Vec<trial_offer::Model>,
}

/// A recommendation triggered by a school's latest completed section of its standard.
pub(crate) struct Triggered {
    content: Arc<Content>,
    order: (usize, usize),
    standard_slug: String,
    pub(crate) recommendation: Recommendation,
    maturity: Option<Maturity>,
    answers: Answers,
    triggered_by: Vec<(String, String)>,
    /// A PARTLY_MET answer triggered it: the school has started.
    partly: bool,
}

impl Triggered {
    fn default_status(&self) -> RecommendationStatus {
        if self.partly {
            RecommendationStatus::InProgress
        } else {
            RecommendationStatus::NotStarted
        }
    }
}

async fn triggered(db: &impl ConnectionTrait, school_id: Uuid) -> Result<Vec<Triggered>> {
    let rows = maturity_section::Entity::find()
        .filter(maturity_section::Column::SchoolId.eq(school_id))
        .filter(maturity_section::Column::Status.eq(SectionStatus::Completed.code()))
        .order_by_desc(maturity_section::Column::CompletedAt)
        .order_by_desc(maturity_section::Column::Id)
        .all(db)
        .await?;
    let mut seen = HashSet::new();
    let latest: Vec<maturity_section::Model> = rows
        .into_iter()
        .filter(|r| seen.insert(r.standard_slug.clone()))
        .collect();
    let versions: HashMap<Uuid, i32> = maturity_assessment::Entity::find()
        .select_only()
        .column(maturity_assessment::Column::Id)
        .column(maturity_assessment::Column::ContentVersion)
        .filter(maturity_assessment::Column::Id.is_in(latest.iter().map(|r| r.assessment_id)))
        .into_tuple::<(Uuid, i32)>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    let mut out = Vec::new();
    for row in latest {
        let Some(v) = versions.get(&row.assessment_id) else {
            continue;
        };
        let content = content::version(db, *v).await?;
        let Some((si, standard)) = content
            .standards
            .iter()
            .enumerate()
            .find(|(_, s)| s.slug == row.standard_slug)
        else {
            continue;
        };
        let answers = standard.prune(&answers_of(&row.answers));
        let maturity = standard.maturity(&answers);
        for (ri, r) in standard.recommendations.iter().enumerate() {
            let mut by = Vec::new();
            let mut partly = false;
            for t in &r.triggers {
                let (Some(q), Some(a)) = (
                    standard.question(&t.question),
                    answers.get(&t.question).filter(|a| t.answers.contains(a)),
                ) else {
                    continue;
                };
                if let Some(ans) = q.answers.iter().find(|x| &x.slug == a) {
                    partly |= ans.level == Maturity::PartlyMet;
                    by.push((q.text.clone(), ans.text.clone()));
                }
            }
            if !by.is_empty() {
                out.push(Triggered {
                    content: content.clone(),
                    order: (si, ri),
                    standard_slug: standard.slug.clone(),
                    recommendation: r.clone(),
                    maturity,
                    answers: answers.clone(),
                    triggered_by: by,
                    partly,
                });
            }
        }
    }
    out.sort_by_key(|t| t.order);
    Ok(out)
}

/// The technology plan of a school (the buyer's own, or one of a trust-scoped buyer's trust).
pub async fn plan(
    db: &impl ConnectionTrait,
    actor: &Actor,
    school_id: Option<Uuid>,
) -> Result<PlanView> {
    let school = school_for(db, actor, school_id).await?;
    let items = build(db, &school).await?;
    Ok(PlanView { school, items })
}

async fn build(db: &impl ConnectionTrait, school: &organisation::Model) -> Result<Vec<PlanItem>> {
    let found = triggered(db, school.id).await?;
    let rows: HashMap<String, maturity_plan_item::Model> = maturity_plan_item::Entity::find()
        .filter(maturity_plan_item::Column::SchoolId.eq(school.id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.recommendation_slug.clone(), r))
        .collect();
    let events = maturity_plan_event::Entity::find()
        .filter(maturity_plan_event::Column::ItemId.is_in(rows.values().map(|r| r.id)))
        .order_by_asc(maturity_plan_event::Column::At)
        .order_by_asc(maturity_plan_event::Column::Id)
        .all(db)
        .await?;
    let who: Vec<Uuid> = events.iter().filter_map(|e| e.actor_id).collect();
    let names = actor::users_by_ids(db, &who).await?;
    let mut history: HashMap<Uuid, Vec<(maturity_plan_event::Model, Option<String>)>> =
        HashMap::new();
    for e in events {
        let name = e
            .actor_id
            .and_then(|id| names.get(&id))
            .map(|u| u.display_name.clone());
        history.entry(e.item_id).or_default().push((e, name));
    }
    let fit = Fit::of(db, school, &found).await?;
    Ok(found
        .into_iter()
        .map(|t| {
            let row = rows.get(&t.recommendation.slug);
            let (deals, products, trial_offers) = fit.for_recommendation(&t.recommendation);
            PlanItem {
                status: row
                    .and_then(|r| RecommendationStatus::from_code(&r.status))
                    .unwrap_or_else(|| t.default_status()),
                note: row.and_then(|r| r.note.clone()),
                updated_by: row.and_then(|r| r.updated_by),
                updated_at: row.map(|r| r.updated_at),
                history: row.and_then(|r| history.remove(&r.id)).unwrap_or_default(),
                content: t.content,
                standard_slug: t.standard_slug,
                recommendation: t.recommendation,
                maturity: t.maturity,
                triggered_by: t.triggered_by,
                deals,
                products,
                trial_offers,
            }
        })
        .collect())
}

/// A school buyer sets the status of a recommendation of its plan, with an optional note;
/// the change is kept in the recommendation's history.
pub async fn set_status(
    db: &DatabaseConnection,
    actor: &Actor,
    recommendation: &str,
    status: RecommendationStatus,
    note: Option<String>,
) -> Result<PlanItem> {
    let school_id = actor.school_id()?;
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if let Some(n) = &note {
        validate::text("note", n, 1, 2_000)?;
    }
    let tx = actor::begin(db, actor).await?;
    let found = triggered(&tx, school_id).await?;
    let t = found
        .iter()
        .find(|t| t.recommendation.slug == recommendation)
        .ok_or_else(|| {
            Error::bad_input(
                "recommendation",
                "`recommendation` must be a recommendation of your technology plan (see \
                 `myTechnologyPlan`)",
            )
        })?;
    let mut q = maturity_plan_item::Entity::find()
        .filter(maturity_plan_item::Column::SchoolId.eq(school_id))
        .filter(maturity_plan_item::Column::RecommendationSlug.eq(recommendation));
    if db::is_postgres(&tx) {
        q = q.lock_exclusive();
    }
    let now = Utc::now();
    let (item_id, from) = match q.one(&tx).await? {
        Some(row) => {
            let from = RecommendationStatus::from_code(&row.status);
            let after = maturity_plan_item::Model {
                status: status.code().into(),
                note: note.clone(),
                updated_by: Some(actor.user_id),
                version: row.version + 1,
                updated_at: now,
                ..row.clone()
            };
            maturity_plan_item::Entity::update(
                maturity_plan_item::ActiveModel::from(after).reset_all(),
            )
            .exec(&tx)
            .await?;
            (row.id, from)
        }
        None => {
            let id = Uuid::now_v7();
            maturity_plan_item::Entity::insert(maturity_plan_item::ActiveModel {
                id: Set(id),
                school_id: Set(school_id),
                recommendation_slug: Set(recommendation.to_owned()),
                status: Set(status.code().into()),
                note: Set(note.clone()),
                updated_by: Set(Some(actor.user_id)),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            })
            .exec_without_returning(&tx)
            .await?;
            (id, Some(t.default_status()))
        }
    };
    maturity_plan_event::Entity::insert(maturity_plan_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        item_id: Set(item_id),
        from_status: Set(from.map(|s| s.code().to_owned())),
        to_status: Set(status.code().into()),
        note: Set(note.clone()),
        actor_id: Set(Some(actor.user_id)),
        at: Set(now),
    })
    .exec_without_returning(&tx)
    .await?;
    audit::record(
        &tx,
        actor,
        "maturity.plan_status",
        "maturity_plan_item",
        item_id,
        Some(json!({ "status": from.map(|s| s.code()) })),
        Some(json!({ "recommendation": recommendation, "status": status.code(), "note": note })),
    )
    .await?;
    db::commit(tx).await?;
    plan(db, actor, None)
        .await?
        .items
        .into_iter()
        .find(|i| i.recommendation.slug == recommendation)
        .ok_or_else(|| Error::Internal("the recommendation left the plan".into()))
}

/// Links a new advice case to the recommendation of the school's plan it was opened from, in
/// the case's transaction; returns what the case carries (standard, recommendation, answers).
pub async fn link_advice(
    tx: &impl ConnectionTrait,
    school_id: Uuid,
    case_id: Uuid,
    recommendation: &str,
) -> Result<serde_json::Value> {
    let found = triggered(tx, school_id).await?;
    let t = found
        .into_iter()
        .find(|t| t.recommendation.slug == recommendation)
        .ok_or_else(|| {
            Error::bad_input(
                "fromRecommendation",
                "`fromRecommendation` must be a recommendation of your technology plan (see \
                 `myTechnologyPlan`)",
            )
        })?;
    let standard = t.content.standard(&t.standard_slug);
    let answers: Vec<serde_json::Value> = standard
        .map(|s| {
            s.path(&t.answers)
                .into_iter()
                .filter_map(|(q, a)| {
                    a.map(|a| {
                        json!({
                            "questionSlug": q.slug, "question": q.text,
                            "answerSlug": a.slug, "answer": a.text,
                            "level": a.level.code(),
                        })
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let context = json!({
        "standard": {
            "slug": t.standard_slug,
            "name": standard.map(|s| s.name.clone()),
        },
        "recommendation": { "slug": t.recommendation.slug, "title": t.recommendation.title },
        "contentVersion": t.content.version,
        "maturity": t.maturity.map(|m| m.code()),
        "answers": answers,
    });
    maturity_advice_link::Entity::insert(maturity_advice_link::ActiveModel {
        advice_request_id: Set(case_id),
        school_id: Set(school_id),
        recommendation_slug: Set(t.recommendation.slug.clone()),
        standard_slug: Set(t.standard_slug.clone()),
        content_version: Set(t.content.version),
        context: Set(context.clone()),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(tx)
    .await?;
    Ok(context)
}

/// What an advice case carries from the recommendation it was opened from, if any. The
/// caller has already checked the case is visible.
pub async fn advice_context(
    db: &impl ConnectionTrait,
    case_id: Uuid,
) -> Result<Option<serde_json::Value>> {
    Ok(maturity_advice_link::Entity::find_by_id(case_id)
        .one(db)
        .await?
        .map(|l| l.context))
}
