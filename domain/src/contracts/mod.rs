//! The contracts register: what each school has bought and must renew or give notice on. A paid
//! order makes or extends an entry; a school adds contracts bought elsewhere and keeps every
//! entry's terms and its licences in use; a sweep reminds the school before each notice date.
//!
//! Policy:
//! - A contract belongs to one school. A school buyer reads and changes its own school's
//!   register; a trust-scoped buyer reads and changes the registers of every school of the
//!   trust (and names the school when adding). Anyone else naming a contract gets `NOT_FOUND`.
//! - A paid order (card or invoice) writes the register in the transaction that marks it paid,
//!   with the school's organisation row locked (PostgreSQL), so two payments for one product
//!   cannot make two entries. The rule (`register::record_paid_order`): if the school has a
//!   contract for the product running on the payment day, the order extends it; paid in the
//!   contract's last [`RENEWAL_WINDOW_DAYS`] days it is a renewal (the end moves a year on,
//!   and the annual cost and licences become the order's), otherwise a top-up (licences and
//!   annual cost add the order's; the end stays). Otherwise the order starts a new one-year
//!   contract from the payment day, not auto-renewing, with [`DEFAULT_NOTICE_DAYS`] notice.
//! - The notice date is the end date less the notice period. Reminders go out
//!   [`DEFAULT_REMINDER_DAYS`] (90 and 30) days before it unless a contract sets its own,
//!   through the notification outbox (kind `contract.renewal_due`), each once per contract,
//!   notice date and number of days (its `dedupe_key`). When several are due at once (a
//!   contract added late), only the nearest is sent. None is sent after the notice date.
//! - Changes are guarded by the contract's version (`CONFLICT` when stale) and audited. The
//!   sweep's bookkeeping (`next_reminder_on`) does not change the version.
//! - Amounts are pence before VAT. Licences in use are the school's own count; more in use
//!   than bought is allowed (it is a shortfall to true up, which the register shows).

mod commitments;
mod edit;
mod export;
mod register;
mod reminders;

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::actor::Actor;
use crate::catalogue::organisations;
use crate::entity::{contract, deal, lot, organisation};
use crate::{Error, Result, db};

pub use commitments::commitments;
pub use edit::{ContractChange, ContractInput, add, update};
pub use export::{TABLE_HEADER, table};
pub(crate) use register::record_paid_order;
pub use reminders::{RENEWAL_DUE, sweep};

/// Notice period of a contract made by an order, in days, until the school sets its own.
pub const DEFAULT_NOTICE_DAYS: i32 = 30;
/// Days before the notice date that reminders go out, unless a contract sets its own.
pub const DEFAULT_REMINDER_DAYS: [i32; 2] = [90, 30];
/// A paid order in a running contract's last this-many days renews it; earlier, it tops it up.
pub const RENEWAL_WINDOW_DAYS: i64 = 90;

/// A contract with the names a reader needs (one query per kind for a whole register).
#[derive(Debug, Clone)]
pub struct ContractView {
    pub contract: contract::Model,
    pub school_name: String,
    pub school_urn: Option<i32>,
    pub deal_title: Option<String>,
    pub deal_reference: Option<String>,
    pub lot_title: Option<String>,
}

impl ContractView {
    /// Reminder days, largest first.
    pub fn reminder_days(&self) -> Vec<i32> {
        parse_days(&self.contract.reminder_days)
    }
}

pub(crate) fn parse_days(s: &str) -> Vec<i32> {
    s.split(',').filter_map(|d| d.trim().parse().ok()).collect()
}

pub(crate) fn format_days(days: &[i32]) -> String {
    days.iter()
        .map(i32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The last day to give notice.
pub(crate) fn notice_on(ends_on: NaiveDate, notice_days: i32) -> NaiveDate {
    ends_on - Duration::days(i64::from(notice_days))
}

/// The next reminder to send as of `today`: the nearest one already due (only the nearest of
/// several), else the first still to come; none once the notice date has passed.
pub(crate) fn next_reminder_on(
    notice_on: NaiveDate,
    days: &[i32],
    today: NaiveDate,
) -> Option<NaiveDate> {
    if today > notice_on {
        return None;
    }
    let dates = days
        .iter()
        .map(|d| notice_on - Duration::days(i64::from(*d)));
    let due = dates.clone().filter(|r| *r <= today).max();
    due.or_else(|| dates.filter(|r| *r > today).min())
}

/// The schools whose registers the actor keeps: a school buyer's own school, or every school
/// of a trust-scoped buyer's trust.
async fn scope(db: &impl ConnectionTrait, actor: &Actor) -> Result<Vec<organisation::Model>> {
    organisations::schools_in_scope(db, actor).await
}

/// One school of the actor's scope: the one named, or a school buyer's own.
async fn school_in_scope(
    db: &impl ConnectionTrait,
    actor: &Actor,
    school_id: Option<Uuid>,
) -> Result<organisation::Model> {
    organisations::school_acted_for(db, actor, school_id, "the contract is for").await
}

/// The register of the schools the actor acts for (or of one of them, `school_id`), by
/// notice date: contracts still running first, ended ones after.
pub async fn mine(
    db: &impl ConnectionTrait,
    actor: &Actor,
    school_id: Option<Uuid>,
) -> Result<Vec<ContractView>> {
    let mut schools = scope(db, actor).await?;
    if let Some(id) = school_id {
        schools.retain(|s| s.id == id);
        if schools.is_empty() {
            return Err(Error::bad_input(
                "schoolId",
                "that is not a school you act for",
            ));
        }
    }
    let ids: Vec<Uuid> = schools.iter().map(|s| s.id).collect();
    let rows = contract::Entity::find()
        .filter(contract::Column::SchoolId.is_in(ids))
        .order_by_asc(contract::Column::NoticeOn)
        .order_by_asc(contract::Column::Id)
        .limit(5000)
        .all(db)
        .await?;
    let today = crate::catalogue::deals::today();
    let (running, ended): (Vec<_>, Vec<_>) = rows.into_iter().partition(|c| c.ends_on >= today);
    let rows: Vec<_> = running.into_iter().chain(ended.into_iter().rev()).collect();
    views(db, rows, &schools).await
}

/// A contract the actor may read or change; `NOT_FOUND` for anyone else.
pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: Uuid) -> Result<ContractView> {
    let (c, schools) = visible(db, actor, id).await?;
    let mut v = views(db, vec![c], &schools).await?;
    v.pop().ok_or(Error::not_found("contract"))
}

async fn visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<(contract::Model, Vec<organisation::Model>)> {
    let schools = scope(db, actor).await?;
    let c = contract::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|c| schools.iter().any(|s| s.id == c.school_id))
        .ok_or(Error::not_found("contract"))?;
    Ok((c, schools))
}

/// The contract locked for the rest of the transaction (PostgreSQL; SQLite's writer lock
/// serialises writers already).
async fn lock(tx: &impl ConnectionTrait, id: Uuid) -> Result<contract::Model> {
    let mut q = contract::Entity::find_by_id(id);
    if db::is_postgres(tx) {
        q = q.lock_exclusive();
    }
    q.one(tx).await?.ok_or(Error::not_found("contract"))
}

async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<contract::Model>,
    schools: &[organisation::Model],
) -> Result<Vec<ContractView>> {
    let deal_ids: Vec<Uuid> = rows.iter().filter_map(|c| c.deal_id).collect();
    let lot_ids: Vec<Uuid> = rows.iter().filter_map(|c| c.lot_id).collect();
    let deals: HashMap<Uuid, deal::Model> = if deal_ids.is_empty() {
        HashMap::new()
    } else {
        deal::Entity::find()
            .filter(deal::Column::Id.is_in(deal_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|d| (d.id, d))
            .collect()
    };
    let lots: HashMap<Uuid, lot::Model> = if lot_ids.is_empty() {
        HashMap::new()
    } else {
        lot::Entity::find()
            .filter(lot::Column::Id.is_in(lot_ids))
            .all(db)
            .await?
            .into_iter()
            .map(|l| (l.id, l))
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|c| {
            let school = schools.iter().find(|s| s.id == c.school_id);
            let deal = c.deal_id.and_then(|d| deals.get(&d));
            ContractView {
                school_name: school.map(|s| s.name.clone()).unwrap_or_default(),
                school_urn: school.and_then(|s| s.urn),
                deal_title: deal.map(|d| d.title.clone()),
                deal_reference: deal.map(|d| d.reference.clone()),
                lot_title: c
                    .lot_id
                    .and_then(|l| lots.get(&l))
                    .map(|l| format!("Lot {}: {}", l.number, l.title)),
                contract: c,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    }

    #[test]
    fn the_nearest_due_reminder_is_next_and_none_after_the_notice_date() {
        let notice = d(2027, 8, 1);
        let days = [90, 30];
        // Before both: the 90-day reminder's date.
        assert_eq!(
            next_reminder_on(notice, &days, d(2027, 1, 1)),
            Some(d(2027, 5, 3))
        );
        // Between: the 90-day one is due (until it is sent).
        assert_eq!(
            next_reminder_on(notice, &days, d(2027, 6, 1)),
            Some(d(2027, 5, 3))
        );
        // Both due (added late): only the nearest.
        assert_eq!(
            next_reminder_on(notice, &days, d(2027, 7, 20)),
            Some(d(2027, 7, 2))
        );
        assert_eq!(next_reminder_on(notice, &days, d(2027, 8, 2)), None);
        assert_eq!(format_days(&parse_days("90, 30")), "90,30");
    }
}
