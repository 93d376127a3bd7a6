//! Awarding a further competition to a bid, with an optional standstill, or abandoning it.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::bids::check_open;
use super::evaluation::totals;
use super::{
    ABANDONED, AWARDED, CompetitionView, DRAFT, MAX_STANDSTILL_WORKING_DAYS, PUBLISHED, Viewer,
    criteria_of, for_school, lock, view,
};
use crate::actor::{self, Actor};
use crate::advice::add_working_days;
use crate::entity::{competition, competition_bid, competition_invitation, competition_moderation};
use crate::notifications::{Notice, notify};
use crate::{Error, Result, audit, db, validate};

fn scores_json(moderated: &[competition_moderation::Model], bid_id: Uuid) -> serde_json::Value {
    json!(
        moderated
            .iter()
            .filter(|m| m.bid_id == bid_id)
            .map(|m| json!({ "criterion": m.criterion, "score": m.score }))
            .collect::<Vec<_>>()
    )
}

fn hundredths(t: i64) -> String {
    format!("{}.{:02}", t / 100, t % 100)
}

/// Awards the competition to `bid_id`: a fully moderated bid, the top-ranked one or another
/// with a written `reason`; `standstill_working_days` (0 to 20) is the voluntary standstill.
/// Every bidder is notified: the winner that it won, the others with their own scores and the
/// winner's.
pub async fn award(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    bid_id: Uuid,
    reason: Option<String>,
    standstill_working_days: Option<i32>,
    now: DateTime<Utc>,
) -> Result<CompetitionView> {
    for_school(db, actor, id).await?;
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if let Some(r) = &reason {
        validate::text("reason", r, 1, 5000)?;
    }
    if let Some(d) = standstill_working_days
        && !(0..=MAX_STANDSTILL_WORKING_DAYS).contains(&d)
    {
        return Err(Error::bad_input(
            "standstillWorkingDays",
            format!("a standstill is 0 to {MAX_STANDSTILL_WORKING_DAYS} working days"),
        ));
    }
    let tx = actor::begin(db, actor).await?;
    let before = lock(&tx, id).await?;
    if before.status != PUBLISHED {
        return Err(Error::Conflict(format!(
            "only a published competition is awarded; this one is {}",
            before.status
        )));
    }
    check_open(&before, now)?;
    let bids = competition_bid::Entity::find()
        .filter(competition_bid::Column::CompetitionId.eq(id))
        .all(&tx)
        .await?;
    let bid = bids
        .iter()
        .find(|b| b.id == bid_id)
        .ok_or_else(|| Error::bad_input("bidId", "no such bid in this competition"))?;
    let moderated = competition_moderation::Entity::find()
        .filter(competition_moderation::Column::CompetitionId.eq(id))
        .all(&tx)
        .await?;
    let ranks = totals(&before, &bids, &moderated);
    if ranks.len() != bids.len() {
        return Err(Error::Conflict(
            "moderate every bid's scores before the award".into(),
        ));
    }
    let winner = ranks
        .get(&bid.id)
        .cloned()
        .ok_or_else(|| Error::Internal("an unranked bid".into()))?;
    let top = winner.rank == 1;
    if !top && reason.is_none() {
        return Err(Error::bad_input(
            "reason",
            format!(
                "the bid is ranked {}: give a written reason to award to a bid other than the \
                 top-ranked one",
                winner.rank
            ),
        ));
    }
    let mut after = before.clone();
    after.status = AWARDED.into();
    after.awarded_bid_id = Some(bid.id);
    after.awarded_supplier_id = Some(bid.supplier_id);
    after.awarded_value_pence = Some(bid.price_pence);
    after.award_reason = reason;
    after.award_is_top_ranked = top;
    after.standstill_working_days = standstill_working_days.filter(|d| *d > 0);
    after.standstill_ends_at = after
        .standstill_working_days
        .map(|d| add_working_days(now, i64::from(d)));
    after.awarded_at = Some(now);
    after.version += 1;
    after.updated_at = now;
    competition::ActiveModel::from(after.clone())
        .reset_all()
        .update(&tx)
        .await?;
    let criteria = criteria_of(&after);
    let weights = json!(
        criteria
            .iter()
            .map(|c| json!({ "criterion": c.key, "name": c.name, "weight": c.weight }))
            .collect::<Vec<_>>()
    );
    let winner_scores = scores_json(&moderated, bid.id);
    for b in &bids {
        let own = ranks.get(&b.id).cloned();
        let won = b.id == bid.id;
        notify(
            &tx,
            Notice {
                user_id: None,
                organisation_id: b.supplier_id,
                kind: if won {
                    "competition.awarded"
                } else {
                    "competition.unsuccessful"
                },
                subject: if won {
                    format!("Your bid won: {}", after.title)
                } else {
                    format!("Your bid was not successful: {}", after.title)
                },
                payload: json!({
                    "competitionId": id,
                    "title": after.title,
                    "criteria": weights,
                    "yourScores": scores_json(&moderated, b.id),
                    "yourTotal": own.as_ref().map(|t| hundredths(t.total_hundredths)),
                    "yourRank": own.as_ref().map(|t| t.rank),
                    "winningScores": winner_scores,
                    "winningTotal": hundredths(winner.total_hundredths),
                    "standstillEndsAt": after.standstill_ends_at.map(|t| t.to_rfc3339()),
                }),
                dedupe_key: Some(format!("competition.result:{id}:{}", b.supplier_id)),
            },
        )
        .await?;
    }
    audit::record(
        &tx,
        actor,
        "competition.awarded",
        "competition",
        id,
        Some(audit::snapshot(&before)?),
        Some(audit::snapshot(&after)?),
    )
    .await?;
    db::commit(tx).await?;
    view(db, after, Viewer::School).await
}

/// Abandons a draft or published competition with a reason; the suppliers invited (and not
/// declined) are told.
pub async fn abandon(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    reason: String,
    now: DateTime<Utc>,
) -> Result<CompetitionView> {
    for_school(db, actor, id).await?;
    let reason = reason.trim().to_owned();
    validate::text("reason", &reason, 1, 5000)?;
    let tx = actor::begin(db, actor).await?;
    let before = lock(&tx, id).await?;
    if before.status != DRAFT && before.status != PUBLISHED {
        return Err(Error::Conflict(format!(
            "the competition is {}: it can no longer be abandoned",
            before.status
        )));
    }
    let mut after = before.clone();
    after.status = ABANDONED.into();
    after.abandon_reason = Some(reason.clone());
    after.abandoned_at = Some(now);
    after.version += 1;
    after.updated_at = now;
    competition::ActiveModel::from(after.clone())
        .reset_all()
        .update(&tx)
        .await?;
    let invited = competition_invitation::Entity::find()
        .filter(competition_invitation::Column::CompetitionId.eq(id))
        .all(&tx)
        .await?;
    for i in invited.iter().filter(|i| i.declined_at.is_none()) {
        notify(
            &tx,
            Notice {
                user_id: None,
                organisation_id: i.supplier_id,
                kind: "competition.abandoned",
                subject: format!(
                    "A competition you were invited to was abandoned: {}",
                    after.title
                ),
                payload: json!({ "competitionId": id, "title": after.title, "reason": reason }),
                dedupe_key: Some(format!("competition.abandoned:{id}:{}", i.supplier_id)),
            },
        )
        .await?;
    }
    audit::record(
        &tx,
        actor,
        "competition.abandoned",
        "competition",
        id,
        Some(audit::snapshot(&before)?),
        Some(audit::snapshot(&after)?),
    )
    .await?;
    db::commit(tx).await?;
    view(db, after, Viewer::School).await
}
