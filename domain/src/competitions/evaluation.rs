//! Evaluation after the deadline: each evaluator's independent scores with their conflict of
//! interest declaration, the moderated scores, and the weighted totals and ranking computed
//! from the moderated scores.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
};
use serde_json::json;
use uuid::Uuid;

use super::bids::{BidView, bids, check_open};
use super::{Criterion, PUBLISHED, criteria_of, for_school, lock};
use crate::actor::{self, Actor};
use crate::entity::{
    competition, competition_bid, competition_evaluator, competition_moderation, competition_score,
};
use crate::{Error, Result, audit, db, validate};

/// One criterion's score with its rationale.
#[derive(Debug, Clone)]
pub struct CriterionScore {
    pub criterion: String,
    pub score: i32,
    pub rationale: String,
}

/// A fully moderated bid's weighted total and rank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    /// The weighted total out of 100, in hundredths (7250 is 72.50), rounded half up.
    pub total_hundredths: i64,
    /// 1 for the best; ties go to the lower price, then the earlier first submission.
    pub rank: i32,
}

/// The weighted total of moderated scores, out of 100 in hundredths: the sum of score times
/// weight, divided by the scale's maximum, rounded half up, all in integers.
pub fn weighted_total(criteria: &[Criterion], scores: &[(String, i32)], scale_max: i32) -> i64 {
    let sum: i64 = criteria
        .iter()
        .map(|c| {
            let s = scores
                .iter()
                .find(|(k, _)| *k == c.key)
                .map_or(0, |(_, s)| *s);
            i64::from(s) * i64::from(c.weight)
        })
        .sum();
    let max = i64::from(scale_max.max(1));
    (sum * 100 * 2 + max) / (2 * max)
}

/// Totals and ranks of the bids whose every criterion is moderated.
pub(crate) fn totals(
    c: &competition::Model,
    bids: &[competition_bid::Model],
    moderated: &[competition_moderation::Model],
) -> HashMap<Uuid, Totals> {
    let criteria = criteria_of(c);
    let mut scored: Vec<(&competition_bid::Model, i64)> = bids
        .iter()
        .filter_map(|b| {
            let scores: Vec<(String, i32)> = moderated
                .iter()
                .filter(|m| m.bid_id == b.id)
                .map(|m| (m.criterion.clone(), m.score))
                .collect();
            let complete = criteria
                .iter()
                .all(|k| scores.iter().any(|(key, _)| *key == k.key));
            complete.then(|| (b, weighted_total(&criteria, &scores, c.scale_max)))
        })
        .collect();
    scored.sort_by(|(a, ta), (b, tb)| {
        tb.cmp(ta)
            .then(a.price_pence.cmp(&b.price_pence))
            .then(a.first_submitted_at.cmp(&b.first_submitted_at))
            .then(a.id.cmp(&b.id))
    });
    scored
        .into_iter()
        .enumerate()
        .map(|(i, (b, t))| {
            (
                b.id,
                Totals {
                    total_hundredths: t,
                    rank: i as i32 + 1,
                },
            )
        })
        .collect()
}

/// The fully moderated bids by rank (the school and admins, after the deadline).
pub async fn ranking(
    db: &impl ConnectionTrait,
    actor: &Actor,
    competition_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<BidView>> {
    let mut all = bids(db, actor, competition_id, now).await?;
    all.retain(|b| b.totals.is_some());
    Ok(all)
}

/// Scores, checked: every criterion once, each on the scale, each with a rationale.
fn check_scores(
    criteria: &[Criterion],
    scores: &[CriterionScore],
    scale_max: i32,
) -> Result<Vec<CriterionScore>> {
    let mut out: Vec<CriterionScore> = Vec::with_capacity(scores.len());
    for s in scores {
        if !criteria.iter().any(|c| c.key == s.criterion) {
            return Err(Error::bad_input(
                "scores.criterion",
                format!("`{}` is not a criterion of this competition", s.criterion),
            ));
        }
        if out.iter().any(|o| o.criterion == s.criterion) {
            return Err(Error::bad_input(
                "scores.criterion",
                format!("the criterion `{}` is scored twice", s.criterion),
            ));
        }
        if !(0..=scale_max).contains(&s.score) {
            return Err(Error::bad_input(
                "scores.score",
                format!("a score is 0 to {scale_max} on this competition's scale"),
            ));
        }
        let rationale = s.rationale.trim().to_owned();
        validate::text("scores.rationale", &rationale, 1, 5000)?;
        out.push(CriterionScore {
            criterion: s.criterion.clone(),
            score: s.score,
            rationale,
        });
    }
    if let Some(missing) = criteria
        .iter()
        .find(|c| !out.iter().any(|o| o.criterion == c.key))
    {
        return Err(Error::bad_input(
            "scores",
            format!("score every criterion: `{}` is missing", missing.key),
        ));
    }
    Ok(out)
}

/// The bid and its competition, for evaluating: the actor acts for the school, the
/// competition is published and its bids are open at `now`.
async fn evaluable(
    db: &DatabaseConnection,
    actor: &Actor,
    bid_id: Uuid,
    now: DateTime<Utc>,
) -> Result<competition_bid::Model> {
    let bid = competition_bid::Entity::find_by_id(bid_id)
        .one(db)
        .await?
        .ok_or(Error::not_found("bid"))?;
    let c = for_school(db, actor, bid.competition_id).await?;
    check_open(&c, now)?;
    Ok(bid)
}

/// An evaluator's scores of one bid, given once, with their conflict of interest declaration
/// the first time they score in this competition (`declaration`: `None` when declared
/// before). An evaluator who declared a conflict does not score.
pub async fn score_bid(
    db: &DatabaseConnection,
    actor: &Actor,
    bid_id: Uuid,
    scores: Vec<CriterionScore>,
    declaration: Option<(bool, String)>,
    now: DateTime<Utc>,
) -> Result<BidView> {
    let bid = evaluable(db, actor, bid_id, now).await?;
    let tx = actor::begin(db, actor).await?;
    let c = lock(&tx, bid.competition_id).await?;
    if c.status != PUBLISHED {
        return Err(Error::Conflict(format!(
            "the competition is {}: scoring is over",
            c.status
        )));
    }
    let scores = check_scores(&criteria_of(&c), &scores, c.scale_max)?;
    let declared = competition_evaluator::Entity::find_by_id((c.id, actor.user_id))
        .one(&tx)
        .await?;
    let evaluator = match (declared, declaration) {
        (Some(d), _) => d,
        (None, Some((true, _))) => {
            return Err(Error::bad_input(
                "declaration",
                "an evaluator with a conflict of interest does not score: record it with \
                 declareConflictOfInterest",
            ));
        }
        (None, Some((has_conflict, text))) => {
            let text = text.trim().to_owned();
            validate::text("declaration.details", &text, 1, 5000)?;
            let d = competition_evaluator::Model {
                competition_id: c.id,
                user_id: actor.user_id,
                has_conflict,
                declaration: text,
                declared_at: now,
            };
            competition_evaluator::ActiveModel::from(d.clone())
                .insert(&tx)
                .await?;
            d
        }
        (None, None) => {
            return Err(Error::bad_input(
                "declaration",
                "declare any conflict of interest before you score (once per competition)",
            ));
        }
    };
    if evaluator.has_conflict {
        return Err(Error::Forbidden(
            "you declared a conflict of interest in this competition: you do not score it".into(),
        ));
    }
    let already = competition_score::Entity::find()
        .filter(competition_score::Column::BidId.eq(bid_id))
        .filter(competition_score::Column::EvaluatorId.eq(actor.user_id))
        .one(&tx)
        .await?
        .is_some();
    if already {
        return Err(Error::Conflict(
            "you have scored this bid: each evaluator scores a bid once".into(),
        ));
    }
    let rows: Vec<competition_score::Model> = scores
        .iter()
        .map(|s| competition_score::Model {
            id: Uuid::now_v7(),
            competition_id: c.id,
            bid_id,
            evaluator_id: actor.user_id,
            criterion: s.criterion.clone(),
            score: s.score,
            rationale: s.rationale.clone(),
            scored_at: now,
        })
        .collect();
    competition_score::Entity::insert_many(
        rows.iter()
            .cloned()
            .map(competition_score::ActiveModel::from),
    )
    .exec_without_returning(&tx)
    .await?;
    audit::record(
        &tx,
        actor,
        "competition.bid_scored",
        "competition_bid",
        bid_id,
        None,
        Some(json!({ "declaration": audit::snapshot(&evaluator)?, "scores": audit::snapshot(&rows)? })),
    )
    .await?;
    db::commit(tx).await?;
    one_bid(db, actor, bid.competition_id, bid_id, now).await
}

/// Records an evaluator's conflict of interest declaration, once per competition, before or
/// instead of scoring (an evaluator who declares a conflict does not score).
pub async fn declare_conflict(
    db: &DatabaseConnection,
    actor: &Actor,
    competition_id: Uuid,
    has_conflict: bool,
    details: String,
    now: DateTime<Utc>,
) -> Result<competition_evaluator::Model> {
    for_school(db, actor, competition_id).await?;
    let details = details.trim().to_owned();
    validate::text("details", &details, 1, 5000)?;
    let tx = actor::begin(db, actor).await?;
    let c = lock(&tx, competition_id).await?;
    if c.status != PUBLISHED {
        return Err(Error::Conflict(format!(
            "the competition is {}: evaluation is not open",
            c.status
        )));
    }
    let declared = competition_evaluator::Entity::find_by_id((c.id, actor.user_id))
        .one(&tx)
        .await?;
    if declared.is_some() {
        return Err(Error::Conflict(
            "you have declared already: a declaration is made once per competition".into(),
        ));
    }
    let d = competition_evaluator::Model {
        competition_id: c.id,
        user_id: actor.user_id,
        has_conflict,
        declaration: details,
        declared_at: now,
    };
    competition_evaluator::ActiveModel::from(d.clone())
        .insert(&tx)
        .await?;
    audit::record(
        &tx,
        actor,
        "competition.conflict_declared",
        "competition",
        c.id,
        None,
        Some(audit::snapshot(&d)?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(d)
}

/// Records the agreed (moderated) score of every criterion of a bid, replacing an earlier
/// moderation, until the award. The bid must have been scored by at least one evaluator.
pub async fn moderate_scores(
    db: &DatabaseConnection,
    actor: &Actor,
    bid_id: Uuid,
    scores: Vec<CriterionScore>,
    now: DateTime<Utc>,
) -> Result<BidView> {
    let bid = evaluable(db, actor, bid_id, now).await?;
    let tx = actor::begin(db, actor).await?;
    let c = lock(&tx, bid.competition_id).await?;
    if c.status != PUBLISHED {
        return Err(Error::Conflict(format!(
            "the competition is {}: moderation is over",
            c.status
        )));
    }
    let scores = check_scores(&criteria_of(&c), &scores, c.scale_max)?;
    let evaluated = competition_score::Entity::find()
        .filter(competition_score::Column::BidId.eq(bid_id))
        .one(&tx)
        .await?
        .is_some();
    if !evaluated {
        return Err(Error::Conflict(
            "no evaluator has scored this bid yet: moderation agrees their scores".into(),
        ));
    }
    let before = competition_moderation::Entity::find()
        .filter(competition_moderation::Column::BidId.eq(bid_id))
        .all(&tx)
        .await?;
    competition_moderation::Entity::delete_many()
        .filter(competition_moderation::Column::BidId.eq(bid_id))
        .exec(&tx)
        .await?;
    let rows: Vec<competition_moderation::Model> = scores
        .iter()
        .map(|s| competition_moderation::Model {
            id: Uuid::now_v7(),
            competition_id: c.id,
            bid_id,
            criterion: s.criterion.clone(),
            score: s.score,
            rationale: s.rationale.clone(),
            moderated_by: actor.user_id,
            moderated_at: now,
        })
        .collect();
    competition_moderation::Entity::insert_many(
        rows.iter()
            .cloned()
            .map(competition_moderation::ActiveModel::from),
    )
    .exec_without_returning(&tx)
    .await?;
    audit::record(
        &tx,
        actor,
        "competition.scores_moderated",
        "competition_bid",
        bid_id,
        (!before.is_empty())
            .then(|| audit::snapshot(&before))
            .transpose()?,
        Some(audit::snapshot(&rows)?),
    )
    .await?;
    db::commit(tx).await?;
    one_bid(db, actor, bid.competition_id, bid_id, now).await
}

async fn one_bid(
    db: &DatabaseConnection,
    actor: &Actor,
    competition_id: Uuid,
    bid_id: Uuid,
    now: DateTime<Utc>,
) -> Result<BidView> {
    bids(db, actor, competition_id, now)
        .await?
        .into_iter()
        .find(|b| b.bid.id == bid_id)
        .ok_or(Error::not_found("bid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(key: &str, weight: i32) -> Criterion {
        Criterion {
            key: key.into(),
            name: key.into(),
            refinement: None,
            weight,
        }
    }

    #[test]
    fn the_weighted_total_is_exact_and_rounds_half_up() {
        let criteria = [k("price", 60), k("quality", 30), k("social_value", 10)];
        let s = |p, q, v| {
            vec![
                ("price".into(), p),
                ("quality".into(), q),
                ("social_value".into(), v),
            ]
        };
        // (4*60 + 3*30 + 5*10) / 5 = 380 / 5 = 76.00
        assert_eq!(weighted_total(&criteria, &s(4, 3, 5), 5), 7600);
        // (5*60 + 5*30 + 5*10) / 5 = 100.00
        assert_eq!(weighted_total(&criteria, &s(5, 5, 5), 5), 10000);
        // 0-3 scale: (2*60 + 1*30 + 0*10) / 3 = 150 / 3 = 50.00; (1*60+1*30+1*10)/3 = 33.33
        assert_eq!(weighted_total(&criteria, &s(2, 1, 0), 3), 5000);
        assert_eq!(weighted_total(&criteria, &s(1, 1, 1), 3), 3333);
        // (2*60+2*30+2*10)/3 = 66.666... -> 66.67
        assert_eq!(weighted_total(&criteria, &s(2, 2, 2), 3), 6667);
    }
}
