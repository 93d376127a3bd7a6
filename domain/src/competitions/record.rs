//! The call-off record a school keeps for each award (further competition or direct award),
//! and the direct award itself.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::evaluation::totals;
use super::start::callable_lot;
use super::{
    AWARDED, CONTRACT_DETAILS_NOTICE_DAYS, CompetitionView, Criterion, DIRECT_AWARD,
    THRESHOLD_PENCE, VAT_PERCENT, Viewer, criteria_of, descriptors_of, view, viewer_of,
};
use crate::actor::{self, Actor};
use crate::catalogue::organisations;
use crate::entity::{
    competition, competition_bid, competition_evaluator, competition_moderation, lot_supplier,
    organisation, provider,
};
use crate::notifications::{Notice, notify};
use crate::vocab::RouteToMarket;
use crate::{Error, Result, audit, db, validate};

/// A direct award from a lot.
#[derive(Debug, Clone)]
pub struct DirectAwardInput {
    pub lot_id: Uuid,
    pub supplier_id: Uuid,
    pub title: String,
    pub requirement: String,
    pub quantity: i64,
    /// The whole term's value, in pence before VAT.
    pub value_pence: i64,
    pub term_months: i32,
    /// Why a direct award is right here.
    pub reason: String,
    /// The framework's objective selection rule that picks this supplier.
    pub selection_rule: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordInvitation {
    pub supplier: String,
    pub invited_at: DateTime<Utc>,
    pub declined_at: Option<DateTime<Utc>>,
    pub decline_reason: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordScore {
    pub criterion: String,
    pub score: i32,
    pub rationale: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordBid {
    pub supplier: String,
    pub price_pence: i64,
    pub first_submitted_at: DateTime<Utc>,
    pub submitted_at: DateTime<Utc>,
    pub revision: i32,
    pub moderated_scores: Vec<RecordScore>,
    /// Out of 100, in hundredths.
    pub total_hundredths: Option<i64>,
    pub rank: Option<i32>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordEvaluator {
    pub evaluator_id: Uuid,
    pub has_conflict: bool,
    pub declaration: String,
    pub declared_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecordNotice {
    pub notice: String,
    pub due_on: NaiveDate,
    pub rule: String,
}

/// What a school keeps for a call-off.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallOffRecord {
    pub competition_id: Uuid,
    pub title: String,
    pub requirement: String,
    pub school: String,
    pub school_urn: Option<i32>,
    pub framework: String,
    pub provider: String,
    pub provider_reference: String,
    pub lot: String,
    pub route: String,
    pub route_justification: String,
    pub selection_rule: Option<String>,
    pub quantity: i64,
    pub term_months: i32,
    pub criteria: Vec<Criterion>,
    pub scale_max: i32,
    pub scale_descriptors: Vec<String>,
    pub invited: Vec<RecordInvitation>,
    pub bids_received: Vec<RecordBid>,
    pub evaluators: Vec<RecordEvaluator>,
    pub awarded_supplier: String,
    pub award_reason: Option<String>,
    pub award_is_top_ranked: bool,
    pub awarded_at: DateTime<Utc>,
    pub standstill_working_days: Option<i32>,
    pub standstill_ends_at: Option<DateTime<Utc>>,
    pub value_pence: i64,
    pub vat_pence: i64,
    pub whole_life_value_pence: i64,
    pub threshold_pence: i64,
    pub above_threshold: bool,
    pub notices: Vec<RecordNotice>,
}

/// VAT on an amount, rounded half up to the penny.
pub fn vat(pence: i64) -> i64 {
    (pence * VAT_PERCENT * 2 + 100) / 200
}

/// Whether a whole-life value including VAT reaches the threshold (the Act applies to
/// contracts whose value is not less than the threshold).
pub fn above_threshold(whole_life_pence: i64) -> bool {
    whole_life_pence >= THRESHOLD_PENCE
}

/// The notices due above the threshold: a contract award notice before the contract is
/// entered into (due on the award day, starting any standstill), and a contract details
/// notice within 30 days of entering into it (the earliest day is the standstill's end, or
/// the award day).
fn notices(c: &competition::Model, awarded_at: DateTime<Utc>) -> Vec<RecordNotice> {
    let signed_from = c.standstill_ends_at.unwrap_or(awarded_at).date_naive();
    vec![
        RecordNotice {
            notice: "Contract award notice".into(),
            due_on: awarded_at.date_naive(),
            rule: "publish before entering into the contract".into(),
        },
        RecordNotice {
            notice: "Contract details notice".into(),
            due_on: signed_from + Duration::days(CONTRACT_DETAILS_NOTICE_DAYS),
            rule: format!(
                "publish within {CONTRACT_DETAILS_NOTICE_DAYS} days of entering into the \
                 contract (the date assumes it is signed on {signed_from})"
            ),
        },
    ]
}

/// The call-off record of an awarded competition or a direct award (the school and admins).
pub async fn call_off_record(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<CallOffRecord> {
    let c = competition::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::not_found("competition"))?;
    if let Viewer::Supplier(_) = viewer_of(db, actor, &c).await? {
        return Err(Error::not_found("competition"));
    }
    let (Some(awarded_at), Some(winner), Some(value)) =
        (c.awarded_at, c.awarded_supplier_id, c.awarded_value_pence)
    else {
        return Err(Error::Conflict(format!(
            "the competition is {}: a call-off record is made at the award",
            c.status
        )));
    };
    let v: CompetitionView = view(db, c.clone(), Viewer::School).await?;
    let provider = provider::Entity::find_by_id(v.deal.provider_id)
        .one(db)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    let school = organisation::Entity::find_by_id(c.school_id)
        .one(db)
        .await?;
    let bids = competition_bid::Entity::find()
        .filter(competition_bid::Column::CompetitionId.eq(id))
        .order_by_asc(competition_bid::Column::FirstSubmittedAt)
        .all(db)
        .await?;
    let moderated = competition_moderation::Entity::find()
        .filter(competition_moderation::Column::CompetitionId.eq(id))
        .all(db)
        .await?;
    let ranks = totals(&c, &bids, &moderated);
    let mut ids: Vec<Uuid> = bids.iter().map(|b| b.supplier_id).collect();
    ids.push(winner);
    let names = organisations::by_ids(db, &ids).await?;
    let name = |s: Uuid| names.get(&s).map(|o| o.name.clone()).unwrap_or_default();
    let mut bids_received: Vec<RecordBid> = bids
        .iter()
        .map(|b| RecordBid {
            supplier: name(b.supplier_id),
            price_pence: b.price_pence,
            first_submitted_at: b.first_submitted_at,
            submitted_at: b.submitted_at,
            revision: b.revision,
            moderated_scores: moderated
                .iter()
                .filter(|m| m.bid_id == b.id)
                .map(|m| RecordScore {
                    criterion: m.criterion.clone(),
                    score: m.score,
                    rationale: m.rationale.clone(),
                })
                .collect(),
            total_hundredths: ranks.get(&b.id).map(|t| t.total_hundredths),
            rank: ranks.get(&b.id).map(|t| t.rank),
        })
        .collect();
    bids_received.sort_by_key(|b| b.rank.unwrap_or(i32::MAX));
    let evaluators = competition_evaluator::Entity::find()
        .filter(competition_evaluator::Column::CompetitionId.eq(id))
        .all(db)
        .await?
        .into_iter()
        .map(|e| RecordEvaluator {
            evaluator_id: e.user_id,
            has_conflict: e.has_conflict,
            declaration: e.declaration,
            declared_at: e.declared_at,
        })
        .collect();
    let direct = c.kind == DIRECT_AWARD;
    let vat_pence = vat(value);
    let whole = value + vat_pence;
    Ok(CallOffRecord {
        competition_id: id,
        title: c.title.clone(),
        requirement: c.requirement.clone(),
        school: v.school_name.clone(),
        school_urn: school.and_then(|s| s.urn),
        framework: v.deal.title.clone(),
        provider,
        provider_reference: v.deal.reference.clone(),
        lot: format!("Lot {}: {}", v.lot.number, v.lot.title),
        route: if direct {
            RouteToMarket::DirectAward.label().into()
        } else {
            RouteToMarket::FurtherCompetition.label().into()
        },
        route_justification: match &c.direct_award_reason {
            Some(r) if direct => r.clone(),
            _ => "A competitive selection process among every supplier on the lot, using the \
                  framework's award criteria as refined for this requirement"
                .into(),
        },
        selection_rule: c.selection_rule.clone(),
        quantity: c.quantity,
        term_months: c.term_months,
        criteria: criteria_of(&c),
        scale_max: c.scale_max,
        scale_descriptors: descriptors_of(&c),
        invited: v
            .invitations
            .iter()
            .map(|i| RecordInvitation {
                supplier: i.supplier_name.clone(),
                invited_at: i.invitation.invited_at,
                declined_at: i.invitation.declined_at,
                decline_reason: i.invitation.decline_reason.clone(),
            })
            .collect(),
        bids_received,
        evaluators,
        awarded_supplier: name(winner),
        award_reason: c.award_reason.clone(),
        award_is_top_ranked: c.award_is_top_ranked,
        awarded_at,
        standstill_working_days: c.standstill_working_days,
        standstill_ends_at: c.standstill_ends_at,
        value_pence: value,
        vat_pence,
        whole_life_value_pence: whole,
        threshold_pence: THRESHOLD_PENCE,
        above_threshold: above_threshold(whole),
        notices: if above_threshold(whole) {
            notices(&c, awarded_at)
        } else {
            vec![]
        },
    })
}

/// A direct award in one step, where the deal's route allows it: the supplier (on the lot),
/// the reason and the framework's selection rule. The supplier is notified.
pub async fn direct_award(
    db: &DatabaseConnection,
    actor: &Actor,
    input: DirectAwardInput,
    now: DateTime<Utc>,
) -> Result<CompetitionView> {
    let school = super::start::buyer_school(db, actor).await?;
    let title = input.title.trim().to_owned();
    validate::text("title", &title, 1, 200)?;
    let requirement = input.requirement.trim().to_owned();
    validate::text("requirement", &requirement, 1, 20_000)?;
    let reason = input.reason.trim().to_owned();
    validate::text("reason", &reason, 1, 5000)?;
    let rule = input.selection_rule.trim().to_owned();
    validate::text("selectionRule", &rule, 1, 5000)?;
    super::start::check_terms(
        input.quantity,
        ("valuePence", "a value", input.value_pence),
        input.term_months,
    )?;
    let (deal, lot) = callable_lot(db, input.lot_id, &school, RouteToMarket::DirectAward).await?;
    let on_lot = lot_supplier::Entity::find_by_id((lot.id, input.supplier_id))
        .one(db)
        .await?
        .is_some();
    if !on_lot {
        return Err(Error::bad_input(
            "supplierId",
            "the supplier is not on this lot",
        ));
    }
    let c = competition::Model {
        id: Uuid::now_v7(),
        kind: DIRECT_AWARD.into(),
        status: AWARDED.into(),
        school_id: school.id,
        deal_id: deal.id,
        lot_id: lot.id,
        title,
        requirement,
        quantity: input.quantity,
        budget_pence: input.value_pence,
        term_months: input.term_months,
        criteria: json!([]),
        scale_max: 0,
        scale_descriptors: json!([]),
        clarification_deadline: None,
        submission_deadline: None,
        published_at: None,
        awarded_bid_id: None,
        awarded_supplier_id: Some(input.supplier_id),
        awarded_value_pence: Some(input.value_pence),
        award_reason: None,
        award_is_top_ranked: false,
        standstill_working_days: None,
        standstill_ends_at: None,
        awarded_at: Some(now),
        abandon_reason: None,
        abandoned_at: None,
        direct_award_reason: Some(reason),
        selection_rule: Some(rule),
        created_by: actor.user_id,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let tx = actor::begin(db, actor).await?;
    competition::ActiveModel::from(c.clone())
        .insert(&tx)
        .await?;
    notify(
        &tx,
        Notice {
            user_id: None,
            organisation_id: input.supplier_id,
            kind: "competition.direct_award",
            subject: format!("A school awarded you a call-off directly: {}", c.title),
            payload: json!({
                "competitionId": c.id,
                "title": c.title,
                "dealTitle": deal.title,
                "lot": format!("Lot {}: {}", lot.number, lot.title),
            }),
            dedupe_key: None,
        },
    )
    .await?;
    audit::record(
        &tx,
        actor,
        "competition.direct_award",
        "competition",
        c.id,
        None,
        Some(audit::snapshot(&c)?),
    )
    .await?;
    db::commit(tx).await?;
    view(db, c, Viewer::School).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vat_rounds_to_the_penny_and_the_threshold_includes_vat() {
        assert_eq!(vat(100_000), 20_000);
        assert_eq!(vat(3), 1);
        assert_eq!(vat(2), 0);
        // £173,100 before VAT is £207,720 with it: at the threshold.
        assert!(above_threshold(17_310_000 + vat(17_310_000)));
        assert!(!above_threshold(17_309_999 + vat(17_309_999)));
    }
}
