//! Starting a further competition (a draft) and publishing it, which invites every supplier on
//! the lot.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    CompetitionView, Criterion, DRAFT, FRAMEWORK_CRITERIA, FURTHER_COMPETITION, PUBLISHED, Viewer,
    for_school, lock, view,
};
use crate::actor::{self, Actor};
use crate::catalogue::deals;
use crate::deliveries::webhooks::{self, WebhookEventKind};
use crate::entity::{competition, competition_invitation, deal, lot, lot_supplier, organisation};
use crate::notifications::{Notice, notify};
use crate::vocab::{DealStatus, RouteToMarket};
use crate::{Error, Result, audit, db, validate};

/// One award criterion as the school sets it.
#[derive(Debug, Clone)]
pub struct CriterionInput {
    /// A key of [`FRAMEWORK_CRITERIA`].
    pub key: String,
    pub refinement: Option<String>,
    pub weight: i32,
}

/// A new further competition.
#[derive(Debug, Clone)]
pub struct CompetitionInput {
    pub lot_id: Uuid,
    pub title: String,
    pub requirement: String,
    pub quantity: i64,
    pub budget_pence: i64,
    pub term_months: i32,
    pub criteria: Vec<CriterionInput>,
    pub scale_max: i32,
    pub scale_descriptors: Vec<String>,
    pub clarification_deadline: DateTime<Utc>,
    pub submission_deadline: DateTime<Utc>,
}

/// The criteria, checked: framework criteria, each once, whole weights 1..100 summing to 100.
pub(crate) fn check_criteria(input: &[CriterionInput]) -> Result<Vec<Criterion>> {
    if input.is_empty() {
        return Err(Error::bad_input(
            "criteria",
            "give at least one award criterion",
        ));
    }
    let mut out: Vec<Criterion> = Vec::with_capacity(input.len());
    for c in input {
        let Some((key, name)) = FRAMEWORK_CRITERIA.iter().find(|(k, _)| *k == c.key) else {
            return Err(Error::bad_input(
                "criteria.key",
                format!(
                    "`{}` is not one of the framework's criteria: {}",
                    c.key,
                    FRAMEWORK_CRITERIA
                        .iter()
                        .map(|(k, _)| *k)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        };
        if out.iter().any(|o| o.key == *key) {
            return Err(Error::bad_input(
                "criteria.key",
                format!("the criterion `{key}` is given twice"),
            ));
        }
        if !(1..=100).contains(&c.weight) {
            return Err(Error::bad_input(
                "criteria.weight",
                "each weight is a whole number from 1 to 100",
            ));
        }
        let refinement = c
            .refinement
            .as_ref()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if let Some(r) = &refinement {
            validate::text("criteria.refinement", r, 1, 2000)?;
        }
        out.push(Criterion {
            key: (*key).to_owned(),
            name: (*name).to_owned(),
            refinement,
            weight: c.weight,
        });
    }
    let total: i32 = out.iter().map(|c| c.weight).sum();
    if total != 100 {
        return Err(Error::bad_input(
            "criteria.weight",
            format!("the weights must add up to exactly 100 (they add up to {total})"),
        ));
    }
    Ok(out)
}

/// The deadlines, checked against `now`.
pub(crate) fn check_deadlines(
    clarification: DateTime<Utc>,
    submission: DateTime<Utc>,
    now: DateTime<Utc>,
    min_response: Duration,
) -> Result<()> {
    if clarification <= now {
        return Err(Error::bad_input(
            "clarificationDeadline",
            "the clarification deadline must be in the future",
        ));
    }
    if submission <= clarification {
        return Err(Error::bad_input(
            "submissionDeadline",
            "the submission deadline must come after the clarification deadline",
        ));
    }
    if submission < now + min_response {
        return Err(Error::bad_input(
            "submissionDeadline",
            format!(
                "suppliers need at least {} hours to respond: set the submission deadline at \
                 least that long after publication",
                min_response.num_hours()
            ),
        ));
    }
    Ok(())
}

fn check_scale(max: i32, descriptors: &[String]) -> Result<Vec<String>> {
    if !(1..=10).contains(&max) {
        return Err(Error::bad_input(
            "scaleMax",
            "the scale runs from 0 to a maximum of 1 to 10",
        ));
    }
    if descriptors.len() != max as usize + 1 {
        return Err(Error::bad_input(
            "scaleDescriptors",
            format!(
                "give one descriptor for each point of the scale, 0 to {max} ({} in all)",
                max + 1
            ),
        ));
    }
    let out: Vec<String> = descriptors.iter().map(|d| d.trim().to_owned()).collect();
    for d in &out {
        validate::text("scaleDescriptors", d, 1, 500)?;
    }
    Ok(out)
}

/// The lot and its deal, if the school may call off from it by `route`.
pub(crate) async fn callable_lot(
    db: &impl ConnectionTrait,
    lot_id: Uuid,
    school: &organisation::Model,
    route: RouteToMarket,
) -> Result<(deal::Model, lot::Model)> {
    let lot = lot::Entity::find_by_id(lot_id)
        .one(db)
        .await?
        .ok_or_else(|| Error::bad_input("lotId", "no such lot"))?;
    let deal = deal::Entity::find_by_id(lot.deal_id)
        .one(db)
        .await?
        .ok_or_else(|| Error::bad_input("lotId", "no such lot"))?;
    let today = deals::today();
    if deal.status != DealStatus::Published.code() || deal.starts_on > today || deal.ends_on < today
    {
        return Err(Error::bad_input(
            "lotId",
            "the deal is not open for call-offs today",
        ));
    }
    let allowed = match RouteToMarket::from_code(&deal.route_to_market) {
        Some(RouteToMarket::DirectAwardOrFurtherCompetition) => true,
        Some(r) => r == route,
        None => false,
    };
    if !allowed {
        return Err(Error::bad_input(
            "lotId",
            format!(
                "the deal's route to market does not allow a {}",
                route.label().to_lowercase()
            ),
        ));
    }
    if !deals::admits(db, deal.id, school).await? {
        return Err(Error::bad_input(
            "lotId",
            "your school is not eligible for this deal",
        ));
    }
    Ok((deal, lot))
}

/// The actor's school, which a competition or direct award is for.
pub(super) async fn buyer_school(
    db: &DatabaseConnection,
    actor: &Actor,
) -> Result<organisation::Model> {
    organisation::Entity::find_by_id(actor.school_id()?)
        .one(db)
        .await?
        .ok_or_else(|| Error::Forbidden("the token names no school".into()))
}

/// The quantity (1 to 10,000,000), a sum of money `(field, what, pence)` (0 to GBP 1bn) and the
/// contract term (1 to 120 months) of a competition or direct award.
pub(super) fn check_terms(
    quantity: i64,
    (field, what, pence): (&str, &str, i64),
    term_months: i32,
) -> Result<()> {
    if !(1..=10_000_000).contains(&quantity) {
        return Err(Error::bad_input(
            "quantity",
            "a quantity is 1 to 10,000,000",
        ));
    }
    if !(0..=100_000_000_000).contains(&pence) {
        return Err(Error::bad_input(
            field,
            format!("{what} is 0 to 1,000,000,000 pounds, in pence"),
        ));
    }
    if !(1..=120).contains(&term_months) {
        return Err(Error::bad_input(
            "termMonths",
            "a contract term is 1 to 120 months",
        ));
    }
    Ok(())
}

/// Starts a further competition as a draft, for the actor's school.
pub async fn start(
    db: &DatabaseConnection,
    actor: &Actor,
    input: CompetitionInput,
    now: DateTime<Utc>,
    min_response: Duration,
) -> Result<CompetitionView> {
    let school = buyer_school(db, actor).await?;
    let title = input.title.trim().to_owned();
    validate::text("title", &title, 1, 200)?;
    let requirement = input.requirement.trim().to_owned();
    validate::text("requirement", &requirement, 1, 20_000)?;
    check_terms(
        input.quantity,
        ("budgetPence", "a budget", input.budget_pence),
        input.term_months,
    )?;
    let criteria = check_criteria(&input.criteria)?;
    let descriptors = check_scale(input.scale_max, &input.scale_descriptors)?;
    check_deadlines(
        input.clarification_deadline,
        input.submission_deadline,
        now,
        min_response,
    )?;
    let (deal, lot) =
        callable_lot(db, input.lot_id, &school, RouteToMarket::FurtherCompetition).await?;
    let c = competition::Model {
        id: Uuid::now_v7(),
        kind: FURTHER_COMPETITION.into(),
        status: DRAFT.into(),
        school_id: school.id,
        deal_id: deal.id,
        lot_id: lot.id,
        title,
        requirement,
        quantity: input.quantity,
        budget_pence: input.budget_pence,
        term_months: input.term_months,
        criteria: serde_json::to_value(&criteria).map_err(|e| Error::Internal(e.to_string()))?,
        scale_max: input.scale_max,
        scale_descriptors: json!(descriptors),
        clarification_deadline: Some(input.clarification_deadline),
        submission_deadline: Some(input.submission_deadline),
        published_at: None,
        awarded_bid_id: None,
        awarded_supplier_id: None,
        awarded_value_pence: None,
        award_reason: None,
        award_is_top_ranked: false,
        standstill_working_days: None,
        standstill_ends_at: None,
        awarded_at: None,
        abandon_reason: None,
        abandoned_at: None,
        direct_award_reason: None,
        selection_rule: None,
        created_by: actor.user_id,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let tx = actor::begin(db, actor).await?;
    competition::ActiveModel::from(c.clone())
        .insert(&tx)
        .await?;
    audit::record(
        &tx,
        actor,
        "competition.started",
        "competition",
        c.id,
        None,
        Some(audit::snapshot(&c)?),
    )
    .await?;
    db::commit(tx).await?;
    view(db, c, Viewer::School).await
}

/// Publishes a draft: checks the deadlines again and invites every supplier on the lot, each
/// with a notification and a `competition.invited` webhook.
pub async fn publish(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
    min_response: Duration,
) -> Result<CompetitionView> {
    for_school(db, actor, id).await?;
    let tx = actor::begin(db, actor).await?;
    let before = lock(&tx, id).await?;
    if before.status != DRAFT || before.kind != FURTHER_COMPETITION {
        return Err(Error::Conflict(format!(
            "only a draft is published; this competition is {}",
            before.status
        )));
    }
    let (Some(clarification), Some(submission)) =
        (before.clarification_deadline, before.submission_deadline)
    else {
        return Err(Error::Internal("a draft without deadlines".into()));
    };
    check_deadlines(clarification, submission, now, min_response)?;
    let suppliers: Vec<Uuid> = lot_supplier::Entity::find()
        .filter(lot_supplier::Column::LotId.eq(before.lot_id))
        .all(&tx)
        .await?
        .into_iter()
        .map(|l| l.supplier_id)
        .collect();
    if suppliers.is_empty() {
        return Err(Error::Conflict("the lot has no suppliers to invite".into()));
    }
    let mut after = before.clone();
    after.status = PUBLISHED.into();
    after.published_at = Some(now);
    after.version += 1;
    after.updated_at = now;
    competition::ActiveModel::from(after.clone())
        .reset_all()
        .update(&tx)
        .await?;
    let lot = lot::Entity::find_by_id(after.lot_id)
        .one(&tx)
        .await?
        .ok_or(Error::not_found("lot"))?;
    let deal = deal::Entity::find_by_id(after.deal_id)
        .one(&tx)
        .await?
        .ok_or(Error::not_found("deal"))?;
    competition_invitation::Entity::insert_many(suppliers.iter().map(|s| {
        competition_invitation::ActiveModel::from(competition_invitation::Model {
            competition_id: id,
            supplier_id: *s,
            invited_at: now,
            declined_at: None,
            decline_reason: None,
        })
    }))
    .exec_without_returning(&tx)
    .await?;
    let data = json!({
        "competitionId": id,
        "title": after.title,
        "dealTitle": deal.title,
        "dealReference": deal.reference,
        "lot": format!("Lot {}: {}", lot.number, lot.title),
        "clarificationDeadline": clarification.to_rfc3339(),
        "submissionDeadline": submission.to_rfc3339(),
    });
    for s in &suppliers {
        notify(
            &tx,
            Notice {
                user_id: None,
                organisation_id: *s,
                kind: "competition.invited",
                subject: format!("You are invited to bid: {}", after.title),
                payload: data.clone(),
                dedupe_key: Some(format!("competition.invited:{id}:{s}")),
            },
        )
        .await?;
        webhooks::publish(&tx, *s, WebhookEventKind::CompetitionInvited, data.clone()).await?;
    }
    audit::record(
        &tx,
        actor,
        "competition.published",
        "competition",
        id,
        Some(audit::snapshot(&before)?),
        Some(json!({ "status": PUBLISHED, "invited": suppliers })),
    )
    .await?;
    db::commit(tx).await?;
    let c = competition::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::not_found("competition"))?;
    view(db, c, Viewer::School).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(key: &str, weight: i32) -> CriterionInput {
        CriterionInput {
            key: key.into(),
            refinement: None,
            weight,
        }
    }

    #[test]
    fn weights_must_sum_to_exactly_100_over_framework_criteria() {
        assert!(check_criteria(&[c("price", 60), c("quality", 40)]).is_ok());
        assert!(check_criteria(&[c("price", 60), c("quality", 39)]).is_err());
        assert!(check_criteria(&[c("price", 60), c("quality", 41)]).is_err());
        assert!(check_criteria(&[c("price", 50), c("price", 50)]).is_err());
        assert!(check_criteria(&[c("colour", 100)]).is_err());
        assert!(check_criteria(&[c("price", 100), c("quality", 0)]).is_err());
    }

    #[test]
    fn deadlines_are_in_the_future_in_order_and_leave_the_minimum_period() {
        let now = Utc::now();
        let min = Duration::hours(168);
        let ok = check_deadlines(now + Duration::days(3), now + Duration::days(8), now, min);
        assert!(ok.is_ok());
        assert!(check_deadlines(now, now + Duration::days(8), now, min).is_err());
        assert!(
            check_deadlines(now + Duration::days(9), now + Duration::days(8), now, min).is_err()
        );
        assert!(
            check_deadlines(now + Duration::days(1), now + Duration::days(6), now, min).is_err()
        );
    }
}
