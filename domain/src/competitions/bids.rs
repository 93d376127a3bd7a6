//! Sealed bids: an invited supplier submits and may replace its bid until the submission
//! deadline; nobody reads any bid but its own supplier's before the deadline.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::json;
use uuid::Uuid;

use super::evaluation::{self, Totals};
use super::{PUBLISHED, Viewer, criteria_of, late, lock, sealed, viewer_of};
use crate::actor::{self, Actor};
use crate::catalogue::organisations;
use crate::entity::{
    competition, competition_bid, competition_invitation, competition_moderation, competition_score,
};
use crate::{Error, Result, audit, db, validate};

const MAX_ATTACHMENTS: usize = 20;

/// A bid as the supplier sends it.
#[derive(Debug, Clone)]
pub struct BidInput {
    /// The whole term's price, in pence before VAT.
    pub price_pence: i64,
    /// (criterion key, response text), one for each criterion.
    pub responses: Vec<(String, String)>,
    /// Links to attachments.
    pub attachments: Vec<String>,
}

/// A bid with what its reader may see of its evaluation.
#[derive(Debug, Clone)]
pub struct BidView {
    pub bid: competition_bid::Model,
    /// For the school and admins; `None` for a supplier (its own bid).
    pub supplier_name: Option<String>,
    /// The evaluators' scores the reader may see: an evaluator's own, and the others' once
    /// they have scored the bid themselves (admins see all).
    pub scores: Vec<competition_score::Model>,
    pub moderated: Vec<competition_moderation::Model>,
    pub totals: Option<Totals>,
}

impl BidView {
    /// The response text for each criterion key.
    pub fn responses(&self) -> Vec<(String, String)> {
        self.bid
            .responses
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn attachments(&self) -> Vec<String> {
        serde_json::from_value(self.bid.attachments.clone()).unwrap_or_default()
    }
}

/// `FORBIDDEN` while the bids are sealed.
pub(crate) fn check_open(c: &competition::Model, now: DateTime<Utc>) -> Result<()> {
    match c.submission_deadline {
        Some(deadline) if c.status != super::DRAFT && !sealed(now, deadline) => Ok(()),
        Some(deadline) => Err(Error::Forbidden(format!(
            "bids are sealed until the submission deadline ({}): nobody can read them before",
            deadline.to_rfc3339()
        ))),
        None => Err(Error::Forbidden("this award has no bids".into())),
    }
}

/// Submits the supplier's bid, or replaces the one it sent, before the submission deadline.
pub async fn submit_bid(
    db: &DatabaseConnection,
    actor: &Actor,
    competition_id: Uuid,
    input: BidInput,
    now: DateTime<Utc>,
) -> Result<BidView> {
    let supplier = actor.supplier_id()?;
    if !(0..=100_000_000_000).contains(&input.price_pence) {
        return Err(Error::bad_input(
            "pricePence",
            "a price is 0 to 1,000,000,000 pounds, in pence",
        ));
    }
    if input.attachments.len() > MAX_ATTACHMENTS {
        return Err(Error::bad_input(
            "attachments",
            format!("give at most {MAX_ATTACHMENTS} links"),
        ));
    }
    for a in &input.attachments {
        validate::url("attachments", a)?;
    }
    let tx = actor::begin(db, actor).await?;
    let c = lock(&tx, competition_id).await?;
    let invitation = competition_invitation::Entity::find_by_id((competition_id, supplier))
        .one(&tx)
        .await?
        .ok_or(Error::not_found("competition"))?;
    if c.status != PUBLISHED {
        return Err(Error::Conflict(format!(
            "the competition is {}: it takes no bids",
            c.status
        )));
    }
    let deadline = c
        .submission_deadline
        .ok_or_else(|| Error::Internal("a published competition without a deadline".into()))?;
    if late(now, deadline) {
        return Err(Error::DeadlinePassed(format!(
            "the submission deadline ({}) has passed: late bids are refused",
            deadline.to_rfc3339()
        )));
    }
    if invitation.declined_at.is_some() {
        return Err(Error::Conflict("you declined this invitation".into()));
    }
    let criteria = criteria_of(&c);
    let mut responses = serde_json::Map::new();
    for (key, text) in &input.responses {
        if !criteria.iter().any(|k| &k.key == key) {
            return Err(Error::bad_input(
                "responses.criterion",
                format!("`{key}` is not a criterion of this competition"),
            ));
        }
        let text = text.trim();
        validate::text("responses.text", text, 1, 20_000)?;
        if responses.insert(key.clone(), json!(text)).is_some() {
            return Err(Error::bad_input(
                "responses.criterion",
                format!("the criterion `{key}` is answered twice"),
            ));
        }
    }
    if let Some(missing) = criteria.iter().find(|k| !responses.contains_key(&k.key)) {
        return Err(Error::bad_input(
            "responses",
            format!("respond to every criterion: `{}` is missing", missing.key),
        ));
    }
    let before = competition_bid::Entity::find()
        .filter(competition_bid::Column::CompetitionId.eq(competition_id))
        .filter(competition_bid::Column::SupplierId.eq(supplier))
        .one(&tx)
        .await?;
    let after = competition_bid::Model {
        id: before.as_ref().map_or_else(Uuid::now_v7, |b| b.id),
        competition_id,
        supplier_id: supplier,
        price_pence: input.price_pence,
        responses: serde_json::Value::Object(responses),
        attachments: json!(input.attachments),
        revision: before.as_ref().map_or(1, |b| b.revision + 1),
        first_submitted_at: before.as_ref().map_or(now, |b| b.first_submitted_at),
        submitted_at: now,
    };
    let row = competition_bid::ActiveModel::from(after.clone());
    match &before {
        Some(_) => {
            row.reset_all().update(&tx).await?;
        }
        None => {
            row.insert(&tx).await?;
        }
    }
    // The audit keeps the bid's facts, not its content: the log is readable by admins, and
    // the content stays sealed until the deadline.
    audit::record(
        &tx,
        actor,
        if before.is_some() {
            "competition.bid_replaced"
        } else {
            "competition.bid_submitted"
        },
        "competition_bid",
        after.id,
        None,
        Some(json!({ "competitionId": competition_id, "revision": after.revision })),
    )
    .await?;
    db::commit(tx).await?;
    Ok(BidView {
        bid: after,
        supplier_name: None,
        scores: vec![],
        moderated: vec![],
        totals: None,
    })
}

/// The supplier's own bid, if it has sent one.
pub async fn my_bid(
    db: &impl ConnectionTrait,
    actor: &Actor,
    competition_id: Uuid,
) -> Result<Option<BidView>> {
    let supplier = actor.supplier_id()?;
    Ok(competition_bid::Entity::find()
        .filter(competition_bid::Column::CompetitionId.eq(competition_id))
        .filter(competition_bid::Column::SupplierId.eq(supplier))
        .one(db)
        .await?
        .map(|bid| BidView {
            bid,
            supplier_name: None,
            scores: vec![],
            moderated: vec![],
            totals: None,
        }))
}

/// Every bid, for the school and admins, once the submission deadline has passed at `now`
/// (`FORBIDDEN` before it, whoever asks), by rank then by the time of the first submission.
pub async fn bids(
    db: &impl ConnectionTrait,
    actor: &Actor,
    competition_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<BidView>> {
    let c = competition::Entity::find_by_id(competition_id)
        .one(db)
        .await?
        .ok_or(Error::not_found("competition"))?;
    let viewer = viewer_of(db, actor, &c).await?;
    if let Viewer::Supplier(_) = viewer {
        return Err(Error::Forbidden(
            "a supplier reads only its own bid (`myBid`)".into(),
        ));
    }
    check_open(&c, now)?;
    let rows = competition_bid::Entity::find()
        .filter(competition_bid::Column::CompetitionId.eq(competition_id))
        .order_by_asc(competition_bid::Column::FirstSubmittedAt)
        .order_by_asc(competition_bid::Column::Id)
        .all(db)
        .await?;
    let names: HashMap<Uuid, String> =
        organisations::by_ids(db, &rows.iter().map(|b| b.supplier_id).collect::<Vec<_>>())
            .await?
            .into_iter()
            .map(|(id, o)| (id, o.name))
            .collect();
    let scores = competition_score::Entity::find()
        .filter(competition_score::Column::CompetitionId.eq(competition_id))
        .order_by_asc(competition_score::Column::ScoredAt)
        .all(db)
        .await?;
    let moderated = competition_moderation::Entity::find()
        .filter(competition_moderation::Column::CompetitionId.eq(competition_id))
        .all(db)
        .await?;
    let totals = evaluation::totals(&c, &rows, &moderated);
    let mut out: Vec<BidView> = rows
        .into_iter()
        .map(|bid| {
            let mine_scored = scores
                .iter()
                .any(|s| s.bid_id == bid.id && s.evaluator_id == actor.user_id);
            BidView {
                supplier_name: names.get(&bid.supplier_id).cloned(),
                scores: scores
                    .iter()
                    .filter(|s| {
                        s.bid_id == bid.id
                            && (viewer == Viewer::Admin
                                || mine_scored
                                || s.evaluator_id == actor.user_id)
                    })
                    .cloned()
                    .collect(),
                moderated: moderated
                    .iter()
                    .filter(|m| m.bid_id == bid.id)
                    .cloned()
                    .collect(),
                totals: totals.get(&bid.id).cloned(),
                bid,
            }
        })
        .collect();
    out.sort_by_key(|b| b.totals.as_ref().map_or(i32::MAX, |t| t.rank));
    Ok(out)
}
