//! Calling off from a framework under the Procurement Act 2023: a school's further competition
//! (the Act's competitive selection process) among the suppliers of a deal's lot, and a direct
//! award where the framework allows one. Each ends in a call-off record a school can show its
//! auditors and governors.
//!
//! Policy:
//! - A school buyer acting for one school starts a competition on a lot of a published,
//!   current deal whose route allows it and whose eligibility includes the school. The award
//!   criteria are the framework's ([`FRAMEWORK_CRITERIA`]), each optionally refined, with whole
//!   weights summing to exactly 100; the evaluation scale is 0 to `scaleMax` (1 to 10) with one
//!   descriptor per point. The clarification deadline comes before the submission deadline, both
//!   in the future, and the submission deadline is at least the server's minimum response period
//!   (`BECTA_COMPETITION_MIN_RESPONSE_HOURS`, 7 days by default) after publication.
//! - Publishing invites every supplier on the lot (a notification `competition.invited` and the
//!   `competition.invited` webhook for each). Only invited suppliers see the competition, and
//!   never who else was invited, another's bid, scores or identity.
//! - Bids are sealed: before the submission deadline nobody (the school, an admin, or another
//!   supplier) can read any bid; a supplier reads only its own. At the deadline instant and
//!   after, bids are open to the school (and admins) and closed to submission: a bid at or after
//!   the deadline is `DEADLINE_PASSED`. The clock is the caller's `now`, so the rule is tested at
//!   the boundary.
//! - Evaluation starts at the deadline. Each evaluator (a school buyer of the school) declares
//!   any conflict of interest before scoring, then scores a bid once, every criterion with a
//!   rationale; they read the other evaluators' scores of a bid only once they have scored it.
//!   Moderation records the agreed score per criterion. The weighted total (out of 100, in
//!   hundredths) and the ranking are computed from the moderated scores, never typed in.
//! - The school awards to a fully moderated bid: the top-ranked one, or another with a written
//!   reason; an optional standstill in working days. Every bidder is notified with its own
//!   scores and the winner's (not the winner's name). It can abandon the competition with a
//!   reason until it is awarded.
//! - Every step is one transaction with its audit event and notifications.

mod award;
mod bids;
mod clarifications;
mod evaluation;
mod export;
mod invitations;
mod record;
mod start;

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::Actor;
use crate::catalogue::organisations;
use crate::entity::{competition, competition_invitation, deal, lot, organisation};
use crate::vocab::Role;
use crate::{Error, Result, db};

pub use award::{abandon, award};
pub use bids::{BidInput, BidView, bids, my_bid, submit_bid};
pub use clarifications::{ClarificationView, answer_clarification, ask_clarification};
pub use evaluation::{
    CriterionScore, Totals, declare_conflict, moderate_scores, ranking, score_bid, weighted_total,
};
pub use export::{RECORD_HEADER, record_table};
pub use invitations::{InvitationView, decline, my_invitations};
pub use record::{CallOffRecord, DirectAwardInput, call_off_record, direct_award};
pub use start::{CompetitionInput, CriterionInput, publish, start};

/// The framework's award criteria a school draws from (key, name). A competition may refine
/// each but not replace them.
pub const FRAMEWORK_CRITERIA: [(&str, &str); 6] = [
    ("price", "Price"),
    ("quality", "Quality"),
    ("technical", "Technical merit"),
    ("delivery", "Delivery and implementation"),
    ("service", "Service levels and support"),
    ("social_value", "Social value"),
];
/// The threshold for goods and services bought by sub-central authorities such as schools,
/// from 1 January 2026, in pence including VAT (£207,720).
pub const THRESHOLD_PENCE: i64 = 20_772_000;
/// VAT, percent.
pub const VAT_PERCENT: i64 = 20;
/// A contract details notice is due within this many days of entering into the contract.
pub const CONTRACT_DETAILS_NOTICE_DAYS: i64 = 30;
/// The longest voluntary standstill, in working days.
pub const MAX_STANDSTILL_WORKING_DAYS: i32 = 20;
/// The minimum response period when the server sets none: 7 days, in hours.
pub const DEFAULT_MIN_RESPONSE_HOURS: i64 = 168;

/// Kinds of competition rows.
pub const FURTHER_COMPETITION: &str = "further_competition";
pub const DIRECT_AWARD: &str = "direct_award";
/// Statuses.
pub const DRAFT: &str = "draft";
pub const PUBLISHED: &str = "published";
pub const AWARDED: &str = "awarded";
pub const ABANDONED: &str = "abandoned";

/// One award criterion of a competition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub key: String,
    pub name: String,
    pub refinement: Option<String>,
    pub weight: i32,
}

/// Whether bids are still sealed at `now`: before the deadline instant.
pub fn sealed(now: DateTime<Utc>, deadline: DateTime<Utc>) -> bool {
    now < deadline
}

/// Whether a submission at `now` is late: at the deadline instant or after.
pub fn late(now: DateTime<Utc>, deadline: DateTime<Utc>) -> bool {
    now >= deadline
}

/// Who is looking at a competition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// A school buyer acting for the competition's school (or its trust).
    School,
    /// A service admin (oversight; bids stay sealed to them too).
    Admin,
    /// An invited supplier.
    Supplier(Uuid),
}

/// A competition as its viewer may see it.
#[derive(Debug, Clone)]
pub struct CompetitionView {
    pub competition: competition::Model,
    pub viewer: Viewer,
    pub criteria: Vec<Criterion>,
    pub descriptors: Vec<String>,
    pub deal: deal::Model,
    pub lot: lot::Model,
    pub school_name: String,
    /// Every invitation, for the school and admins; a supplier's own only.
    pub invitations: Vec<InvitationRow>,
    pub clarifications: Vec<ClarificationView>,
    pub awarded_supplier_name: Option<String>,
}

/// An invitation with the supplier's name.
#[derive(Debug, Clone)]
pub struct InvitationRow {
    pub invitation: competition_invitation::Model,
    pub supplier_name: String,
}

pub(crate) fn criteria_of(c: &competition::Model) -> Vec<Criterion> {
    serde_json::from_value(c.criteria.clone()).unwrap_or_default()
}

pub(crate) fn descriptors_of(c: &competition::Model) -> Vec<String> {
    serde_json::from_value(c.scale_descriptors.clone()).unwrap_or_default()
}

/// The competition locked for the rest of the transaction (PostgreSQL; SQLite's writer lock
/// serialises writers already).
pub(crate) async fn lock(tx: &impl ConnectionTrait, id: Uuid) -> Result<competition::Model> {
    let mut q = competition::Entity::find_by_id(id);
    if db::is_postgres(tx) {
        q = q.lock_exclusive();
    }
    q.one(tx).await?.ok_or(Error::not_found("competition"))
}

/// How the actor sees the competition; `NOT_FOUND` for anyone who may not, `FORBIDDEN` for
/// advisers.
pub(crate) async fn viewer_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    c: &competition::Model,
) -> Result<Viewer> {
    match actor.role {
        Role::Admin => Ok(Viewer::Admin),
        Role::SchoolBuyer => {
            let schools = organisations::schools_in_scope(db, actor).await?;
            if schools.iter().any(|s| s.id == c.school_id) {
                Ok(Viewer::School)
            } else {
                Err(Error::not_found("competition"))
            }
        }
        Role::Supplier => {
            let supplier = actor.supplier_id()?;
            let invited = competition_invitation::Entity::find_by_id((c.id, supplier))
                .one(db)
                .await?
                .is_some();
            // Invited to a competition, or the supplier of a direct award.
            if (invited && c.kind == FURTHER_COMPETITION) || c.awarded_supplier_id == Some(supplier)
            {
                Ok(Viewer::Supplier(supplier))
            } else {
                Err(Error::not_found("competition"))
            }
        }
        Role::Adviser => Err(Error::Forbidden(
            "further competitions are for the school running them and the suppliers invited".into(),
        )),
    }
}

/// The competition if the actor acts for its school (`NOT_FOUND` otherwise, `FORBIDDEN` for
/// other roles).
pub(crate) async fn for_school(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<competition::Model> {
    actor.require(&[Role::SchoolBuyer])?;
    let c = competition::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::not_found("competition"))?;
    viewer_of(db, actor, &c).await?;
    Ok(c)
}

/// One competition as the actor may see it.
pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: Uuid) -> Result<CompetitionView> {
    let c = competition::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::not_found("competition"))?;
    let viewer = viewer_of(db, actor, &c).await?;
    view(db, c, viewer).await
}

pub(crate) async fn view(
    db: &impl ConnectionTrait,
    c: competition::Model,
    viewer: Viewer,
) -> Result<CompetitionView> {
    views(db, vec![c], viewer)
        .await?
        .pop()
        .ok_or(Error::not_found("competition"))
}

/// Competitions as one viewer sees them, with a fixed number of queries for all of them.
pub(crate) async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<competition::Model>,
    viewer: Viewer,
) -> Result<Vec<CompetitionView>> {
    if rows.is_empty() {
        return Ok(vec![]);
    }
    let ids: Vec<Uuid> = rows.iter().map(|c| c.id).collect();
    let deals: HashMap<Uuid, deal::Model> = deal::Entity::find()
        .filter(deal::Column::Id.is_in(rows.iter().map(|c| c.deal_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let lots: HashMap<Uuid, lot::Model> = lot::Entity::find()
        .filter(lot::Column::Id.is_in(rows.iter().map(|c| c.lot_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|l| (l.id, l))
        .collect();
    let mut q = competition_invitation::Entity::find()
        .filter(competition_invitation::Column::CompetitionId.is_in(ids.iter().copied()));
    if let Viewer::Supplier(s) = viewer {
        q = q.filter(competition_invitation::Column::SupplierId.eq(s));
    }
    let invitations = q.all(db).await?;
    let mut org_ids: Vec<Uuid> = invitations.iter().map(|i| i.supplier_id).collect();
    for c in &rows {
        org_ids.push(c.school_id);
        org_ids.extend(c.awarded_supplier_id);
    }
    let orgs: HashMap<Uuid, organisation::Model> = organisations::by_ids(db, &org_ids).await?;
    let name = |id: Uuid| orgs.get(&id).map(|o| o.name.clone()).unwrap_or_default();
    let mut clarifications = clarifications::visible(db, &ids, viewer).await?;
    let mut out = Vec::with_capacity(rows.len());
    for c in rows {
        let (Some(deal), Some(lot)) = (deals.get(&c.deal_id), lots.get(&c.lot_id)) else {
            return Err(Error::Internal(format!(
                "competition {} lost its lot",
                c.id
            )));
        };
        let mut own: Vec<InvitationRow> = invitations
            .iter()
            .filter(|i| i.competition_id == c.id)
            .map(|i| InvitationRow {
                supplier_name: name(i.supplier_id),
                invitation: i.clone(),
            })
            .collect();
        own.sort_by(|a, b| a.supplier_name.cmp(&b.supplier_name));
        let awarded_supplier_name = match viewer {
            // A supplier learns only whether it won.
            Viewer::Supplier(s) if c.awarded_supplier_id != Some(s) => None,
            _ => c.awarded_supplier_id.map(name),
        };
        out.push(CompetitionView {
            criteria: criteria_of(&c),
            descriptors: descriptors_of(&c),
            school_name: name(c.school_id),
            deal: deal.clone(),
            lot: lot.clone(),
            invitations: own,
            clarifications: clarifications.remove(&c.id).unwrap_or_default(),
            awarded_supplier_name,
            viewer,
            competition: c,
        });
    }
    Ok(out)
}

/// The school's competitions (and direct awards), newest first.
pub async fn mine(db: &impl ConnectionTrait, actor: &Actor) -> Result<Vec<CompetitionView>> {
    use sea_orm::QueryOrder;
    actor.require(&[Role::SchoolBuyer])?;
    let schools = organisations::schools_in_scope(db, actor).await?;
    let rows = competition::Entity::find()
        .filter(competition::Column::SchoolId.is_in(schools.iter().map(|s| s.id)))
        .order_by_desc(competition::Column::CreatedAt)
        .limit(500)
        .all(db)
        .await?;
    views(db, rows, Viewer::School).await
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn at_the_deadline_instant_bids_open_and_submission_closes() {
        let deadline = Utc::now();
        let just_before = deadline - Duration::nanoseconds(1);
        assert!(sealed(just_before, deadline));
        assert!(!late(just_before, deadline));
        assert!(!sealed(deadline, deadline));
        assert!(late(deadline, deadline));
    }
}
