//! The lending library: suppliers' trial offers, schools' loans and waitlists, and the sweeper
//! that ends loans and hands their seats on.
//!
//! Policy:
//! - Every change that touches seats runs with the offer row locked (`SELECT ... FOR UPDATE` on
//!   PostgreSQL; SQLite's `BEGIN IMMEDIATE` serialises writers), so seat counts, waitlist
//!   sequence numbers and hand-ons are decided one at a time per offer. Locks are always taken
//!   offer first, then loan, so transactions cannot deadlock. A trust-wide request
//!   (`trusts`) locks its one offer, then writes a loan per school; a reminder (`reminders`)
//!   takes only its loan's row, by compare-and-set, and never waits for an offer.
//! - Places are counted the same way for every licence scope: a SEAT place is one seat, a
//!   SCHOOL or TRUST place one school's whole-school licence (one per school by the index
//!   below).
//! - Invariant: an open offer has free seats only while its waitlist is empty. A freed seat goes
//!   to the head of the waitlist in the same transaction that frees it, so nobody can jump the
//!   queue, and `seats_free` never goes below zero (a CHECK guards it too).
//! - One open loan or waitlist place per school per product (a partial unique index guards it).
//! - Activation codes are shown only to the school holding the seat; they never enter events,
//!   the audit log or notifications. A code returns to the pool when its loan ends, and is
//!   lent again only from a reusable pool, after every unused code. An offer whose pool has
//!   no lendable code lends no place (requests wait), the one exception to the invariant.
//! - What the service does by itself (expiries, hand-ons, reminders, conversions) is audited
//!   with the system as actor, besides the event of the user's action that caused it.
//! - A school's loans are private: another party asking for one gets `NOT_FOUND`.

mod fair_use;
mod loans;
mod offers;
mod outcomes;
mod reminders;
mod sweeper;
mod trusts;
mod waitlist;

use chrono::Utc;
use sea_orm::{ConnectionTrait, EntityTrait, QuerySelect, Set};
use uuid::Uuid;

use crate::actor::Actor;
use crate::entity::{loan, loan_event, trial_offer};
use crate::vocab::{LicenceScope, LoanStatus, OfferStatus};
use crate::{Error, Result, db};

pub(crate) use loans::convert;
pub use loans::{
    LoanView, activation_code, extend, get, history, leave_waitlist, mine, request, return_loan,
};
pub use offers::{
    NewOffer, OfferStats, create_offer, my_offers, offer_stats, open_offers, set_offer_status,
};
pub use outcomes::{
    Evidence, NewOutcome, OUTCOME_EDIT_DAYS, PhaseEvidence, SUPPRESS_BELOW, SupplierOutcome,
    editable_until, evidence_of, outcome_of_loan, outcomes_for_supplier, record_outcome,
};
pub use reminders::{DEFAULT_REMINDER_DAYS, reminder_days, reminder_kind};
pub use sweeper::{Swept, sweep};
pub use trusts::{Skipped, TrustTrial, request_for_trust};

fn offer_status(o: &trial_offer::Model) -> Result<OfferStatus> {
    OfferStatus::from_code(&o.status)
        .ok_or_else(|| Error::Internal(format!("unknown offer status {:?}", o.status)))
}

fn licence_scope(o: &trial_offer::Model) -> Result<LicenceScope> {
    LicenceScope::from_code(&o.licence_scope)
        .ok_or_else(|| Error::Internal(format!("unknown licence scope {:?}", o.licence_scope)))
}

pub fn loan_status(l: &loan::Model) -> Result<LoanStatus> {
    LoanStatus::from_code(&l.status)
        .ok_or_else(|| Error::Internal(format!("unknown loan status {:?}", l.status)))
}

/// The offer, locked for the rest of the transaction.
async fn lock_offer(tx: &impl ConnectionTrait, id: Uuid) -> Result<trial_offer::Model> {
    let mut q = trial_offer::Entity::find_by_id(id);
    if db::is_postgres(tx) {
        q = q.lock_exclusive();
    }
    q.one(tx).await?.ok_or(Error::not_found("trial offer"))
}

async fn event(
    tx: &impl ConnectionTrait,
    loan_id: Uuid,
    kind: &str,
    detail: Option<serde_json::Value>,
    actor: Option<&Actor>,
) -> Result<()> {
    events(tx, loan_id, &[(kind, detail)], actor).await
}

/// Several events of one loan in one statement, in order.
async fn events(
    tx: &impl ConnectionTrait,
    loan_id: Uuid,
    list: &[(&str, Option<serde_json::Value>)],
    actor: Option<&Actor>,
) -> Result<()> {
    let now = Utc::now();
    loan_event::Entity::insert_many(list.iter().map(|(kind, detail)| loan_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        loan_id: Set(loan_id),
        kind: Set((*kind).into()),
        detail: Set(detail.clone()),
        actor_id: Set(actor.map(|a| a.user_id)),
        at: Set(now),
    }))
    .exec_without_returning(tx)
    .await?;
    Ok(())
}
