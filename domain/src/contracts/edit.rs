//! A school's own changes to its register: adding a contract bought elsewhere, and keeping any
//! contract's terms, cost and licences in use up to date.

use chrono::{NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::json;
use uuid::Uuid;

use super::{
    ContractView, DEFAULT_REMINDER_DAYS, format_days, get, lock, next_reminder_on, notice_on,
    parse_days, school_in_scope, visible,
};
use crate::actor::{self, Actor};
use crate::catalogue::{deals, products};
use crate::entity::{contract, deal, lot, organisation};
use crate::vocab::{ContractSource, OrgKind, Role};
use crate::{Error, Result, audit, db, validate};

/// The longest term the register takes (ten years).
const MAX_TERM_DAYS: i64 = 3660;
const MAX_PENCE: i64 = 100_000_000_000;
const MAX_LICENCES: i64 = 10_000_000;

/// A contract a school adds to its register.
#[derive(Debug, Clone, Default)]
pub struct ContractInput {
    /// Which school (a trust-scoped buyer must say; a school buyer's own by default).
    pub school_id: Option<Uuid>,
    /// A catalogue product; or give `product_name`.
    pub product_id: Option<Uuid>,
    pub product_name: Option<String>,
    /// A catalogue supplier (the product's, when a product is given); or `supplier_name`.
    pub supplier_id: Option<Uuid>,
    pub supplier_name: Option<String>,
    pub deal_id: Option<Uuid>,
    pub lot_id: Option<Uuid>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub auto_renews: bool,
    pub notice_days: i32,
    /// Days before the notice date to remind; 90 and 30 by default.
    pub reminder_days: Option<Vec<i32>>,
    pub annual_cost_pence: i64,
    pub licences_bought: i64,
    pub licences_in_use: Option<i64>,
    pub notes: Option<String>,
}

/// Changes to a contract: what is `None` stays; `Some(None)` clears a clearable field.
#[derive(Debug, Clone, Default)]
pub struct ContractChange {
    /// Only for a contract the school added (an order's keeps the catalogue's names).
    pub product_name: Option<String>,
    pub supplier_name: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub auto_renews: Option<bool>,
    pub notice_days: Option<i32>,
    pub reminder_days: Option<Vec<i32>>,
    pub annual_cost_pence: Option<i64>,
    pub licences_bought: Option<i64>,
    pub licences_in_use: Option<Option<i64>>,
    pub notes: Option<Option<String>>,
}

fn clean(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn check_reminders(days: &[i32]) -> Result<Vec<i32>> {
    let mut days = days.to_vec();
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    if days.len() > 5 || days.iter().any(|d| !(1..=365).contains(d)) {
        return Err(Error::bad_input(
            "reminderDays",
            "give up to 5 reminders, each 1 to 365 days before the notice date",
        ));
    }
    Ok(days)
}

/// Checks a whole contract and fills its derived dates.
fn check(c: &mut contract::Model) -> Result<()> {
    validate::text("productName", &c.product_name, 1, 200)?;
    validate::text("supplierName", &c.supplier_name, 1, 200)?;
    if c.ends_on < c.starts_on {
        return Err(Error::bad_input(
            "endsOn",
            "a contract ends on or after the day it starts",
        ));
    }
    let term = (c.ends_on - c.starts_on).num_days() + 1;
    if term > MAX_TERM_DAYS {
        return Err(Error::bad_input(
            "endsOn",
            "a contract in the register runs at most 10 years",
        ));
    }
    if c.notice_days < 0 {
        return Err(Error::bad_input(
            "noticeDays",
            "a notice period cannot be negative",
        ));
    }
    if i64::from(c.notice_days) > term {
        return Err(Error::bad_input(
            "noticeDays",
            format!(
                "the notice period ({} days) cannot be longer than the contract's term ({term} days)",
                c.notice_days
            ),
        ));
    }
    if !(0..=MAX_PENCE).contains(&c.annual_cost_pence) {
        return Err(Error::bad_input(
            "annualCostPence",
            "an annual cost is 0 to 1,000,000,000 pounds, in pence",
        ));
    }
    if !(0..=MAX_LICENCES).contains(&c.licences_bought) {
        return Err(Error::bad_input(
            "licencesBought",
            "licences bought are 0 to 10,000,000",
        ));
    }
    if let Some(n) = c.licences_in_use {
        if n < 0 {
            return Err(Error::bad_input(
                "licencesInUse",
                "licences in use cannot be negative",
            ));
        }
        if n > MAX_LICENCES {
            return Err(Error::bad_input(
                "licencesInUse",
                "licences in use are at most 10,000,000",
            ));
        }
    }
    if let Some(n) = &c.notes {
        validate::text("notes", n, 0, 2000)?;
    }
    c.notice_on = notice_on(c.ends_on, c.notice_days);
    c.next_reminder_on =
        next_reminder_on(c.notice_on, &parse_days(&c.reminder_days), deals::today());
    Ok(())
}

/// The catalogue parts of a new contract: its product, supplier, deal and lot, checked
/// against each other; names from the catalogue where ids are given.
async fn catalogue_parts(
    tx: &impl sea_orm::ConnectionTrait,
    input: &ContractInput,
    c: &mut contract::Model,
) -> Result<()> {
    if let Some(p) = input.product_id {
        let product = products::get_any(tx, p)
            .await
            .map_err(|_| Error::bad_input("productId", "no such product"))?;
        if input.supplier_id.is_some_and(|s| s != product.supplier_id) {
            return Err(Error::bad_input(
                "supplierId",
                "the product is another supplier's",
            ));
        }
        c.product_id = Some(p);
        c.product_name = product.name;
        c.supplier_id = Some(product.supplier_id);
    } else {
        c.product_name = clean(input.product_name.clone()).ok_or_else(|| {
            Error::bad_input("productName", "give the product's name, or its productId")
        })?;
        c.supplier_id = input.supplier_id;
    }
    match c.supplier_id {
        Some(s) => {
            let supplier = organisation::Entity::find_by_id(s)
                .filter(organisation::Column::Kind.eq(OrgKind::Supplier.code()))
                .one(tx)
                .await?
                .ok_or_else(|| Error::bad_input("supplierId", "no such supplier"))?;
            c.supplier_name = supplier.name;
        }
        None => {
            c.supplier_name = clean(input.supplier_name.clone()).ok_or_else(|| {
                Error::bad_input(
                    "supplierName",
                    "give the supplier's name, or its supplierId",
                )
            })?;
        }
    }
    if let Some(d) = input.deal_id {
        deal::Entity::find_by_id(d)
            .one(tx)
            .await?
            .ok_or_else(|| Error::bad_input("dealId", "no such deal"))?;
        c.deal_id = Some(d);
    }
    if let Some(l) = input.lot_id {
        let lot = lot::Entity::find_by_id(l)
            .one(tx)
            .await?
            .ok_or_else(|| Error::bad_input("lotId", "no such lot"))?;
        if c.deal_id.is_some_and(|d| d != lot.deal_id) {
            return Err(Error::bad_input("lotId", "the lot is another deal's"));
        }
        c.deal_id = Some(lot.deal_id);
        c.lot_id = Some(l);
    }
    Ok(())
}

/// Adds a contract bought elsewhere (or not through BECTA) to a school's register.
pub async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    input: ContractInput,
) -> Result<ContractView> {
    actor.require(&[Role::SchoolBuyer])?;
    let school = school_in_scope(db, actor, input.school_id).await?;
    let days = check_reminders(
        input
            .reminder_days
            .as_deref()
            .unwrap_or(&DEFAULT_REMINDER_DAYS),
    )?;
    let now = Utc::now();
    let mut c = contract::Model {
        id: Uuid::now_v7(),
        school_id: school.id,
        source: ContractSource::Manual.code().into(),
        product_id: None,
        product_name: String::new(),
        supplier_id: None,
        supplier_name: String::new(),
        deal_id: None,
        lot_id: None,
        last_order_id: None,
        paid_orders: 0,
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        notice_on: input.ends_on,
        auto_renews: input.auto_renews,
        notice_days: input.notice_days,
        reminder_days: format_days(&days),
        next_reminder_on: None,
        annual_cost_pence: input.annual_cost_pence,
        licences_bought: input.licences_bought,
        licences_in_use: input.licences_in_use,
        notes: clean(input.notes.clone()),
        created_by: Some(actor.user_id),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let tx = actor::begin(db, actor).await?;
    catalogue_parts(&tx, &input, &mut c).await?;
    check(&mut c)?;
    contract::ActiveModel::from(c.clone()).insert(&tx).await?;
    audit::record(
        &tx,
        actor,
        "contract.added",
        "contract",
        c.id,
        None,
        Some(audit::snapshot(&c)?),
    )
    .await?;
    db::commit(tx).await?;
    get(db, actor, c.id).await
}

/// Changes a contract of a school the actor acts for, if it is still at `version`.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    change: ContractChange,
) -> Result<ContractView> {
    actor.require(&[Role::SchoolBuyer])?;
    visible(db, actor, id).await?;
    let tx = actor::begin(db, actor).await?;
    let before = lock(&tx, id).await?;
    if before.version != version {
        return Err(Error::conflict_on(
            "version",
            format!(
                "the contract has changed since you read it (now version {}): reload it",
                before.version
            ),
        ));
    }
    let mut after = before.clone();
    if let Some(name) = change.product_name {
        if before.product_id.is_some() {
            return Err(Error::bad_input(
                "productName",
                "a catalogue product keeps its own name",
            ));
        }
        after.product_name = name.trim().to_owned();
    }
    if let Some(name) = change.supplier_name {
        if before.supplier_id.is_some() {
            return Err(Error::bad_input(
                "supplierName",
                "a catalogue supplier keeps its own name",
            ));
        }
        after.supplier_name = name.trim().to_owned();
    }
    if let Some(d) = change.starts_on {
        after.starts_on = d;
    }
    if let Some(d) = change.ends_on {
        after.ends_on = d;
    }
    if let Some(a) = change.auto_renews {
        after.auto_renews = a;
    }
    if let Some(n) = change.notice_days {
        after.notice_days = n;
    }
    if let Some(days) = change.reminder_days {
        after.reminder_days = format_days(&check_reminders(&days)?);
    }
    if let Some(p) = change.annual_cost_pence {
        after.annual_cost_pence = p;
    }
    if let Some(n) = change.licences_bought {
        after.licences_bought = n;
    }
    if let Some(n) = change.licences_in_use {
        after.licences_in_use = n;
    }
    if let Some(n) = change.notes {
        after.notes = clean(n);
    }
    check(&mut after)?;
    after.version = before.version + 1;
    after.updated_at = Utc::now();
    let done = contract::Entity::update_many()
        .set(contract::ActiveModel::from(after.clone()).reset_all())
        .filter(contract::Column::Id.eq(id))
        .filter(contract::Column::Version.eq(before.version))
        .exec(&tx)
        .await?;
    if done.rows_affected != 1 {
        return Err(Error::conflict_on(
            "version",
            "the contract has changed since you read it: reload it",
        ));
    }
    audit::record(
        &tx,
        actor,
        "contract.updated",
        "contract",
        id,
        Some(audit::snapshot(&before)?),
        Some(json!(audit::snapshot(&after)?)),
    )
    .await?;
    db::commit(tx).await?;
    get(db, actor, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminders_are_sorted_largest_first_and_bounded() {
        assert_eq!(check_reminders(&[30, 90, 30]).ok(), Some(vec![90, 30]));
        assert!(check_reminders(&[0]).is_err());
        assert!(check_reminders(&[400]).is_err());
        assert!(check_reminders(&[1, 2, 3, 4, 5, 6]).is_err());
        assert_eq!(check_reminders(&[]).ok(), Some(vec![]));
    }
}
