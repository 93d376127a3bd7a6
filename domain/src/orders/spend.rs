//! Spend: paid orders' spend and savings, grouped by month, category or supplier, with the
//! contracts register's annual commitments running in the period.
//!
//! Policy: an order counts once paid, whether by card or on invoice (an invoice order counts
//! when its invoice is paid, not when it is sent). A contract counts in every group whose
//! time it runs in: by month, each month of the period it runs in shows its whole annual
//! cost (what the school is committed to a year, then); by category or supplier, once. A
//! contract added by hand for a supplier not in the catalogue is grouped under the name the
//! school gave (key `name:<name>`); one with no catalogue product is uncategorised.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::actor::Actor;
use crate::catalogue::{organisations, products};
use crate::entity::{contract, order};
use crate::vocab::{OrderStatus, Role};
use crate::{Error, Result, contracts};

/// How spend is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpendGroup {
    Month,
    Category,
    Supplier,
}

/// Paid spend and savings in one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendRow {
    pub key: String,
    pub label: String,
    pub orders: i64,
    pub net_pence: i64,
    pub vat_pence: i64,
    pub savings_pence: i64,
    /// Contracts in the register running in the group's time.
    pub contracts: i64,
    /// Their annual costs, in pence before VAT.
    pub annual_commitment_pence: i64,
}

impl SpendRow {
    fn new(key: String, label: String) -> Self {
        SpendRow {
            key,
            label,
            orders: 0,
            net_pence: 0,
            vat_pence: 0,
            savings_pence: 0,
            contracts: 0,
            annual_commitment_pence: 0,
        }
    }
}

fn month_key(d: NaiveDate) -> (String, String) {
    (
        format!("{:04}-{:02}", d.year(), d.month()),
        d.format("%B %Y").to_string(),
    )
}

/// The months from `first` to `last` (days, inclusive), each with the part of it in the period.
fn months(first: NaiveDate, last: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let mut out = Vec::new();
    let mut start = first;
    while start <= last && out.len() < 200 {
        let next = start
            .with_day(1)
            .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
            .unwrap_or(last + Duration::days(1));
        out.push((start, (next - Duration::days(1)).min(last)));
        start = next;
    }
    out
}

/// Paid orders' spend and savings from `from` (inclusive) to `to` (exclusive), by group: a
/// school buyer's own school; a trust-scoped buyer's every school of the trust, or one of them
/// with `school_id`; an admin's every school, or one with `school_id`.
pub async fn spend(
    db: &impl ConnectionTrait,
    actor: &Actor,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    group: SpendGroup,
    school_id: Option<Uuid>,
) -> Result<Vec<SpendRow>> {
    actor.require(&[Role::SchoolBuyer, Role::Admin])?;
    if to <= from || (to - from).num_days() > 3660 {
        return Err(Error::bad_input(
            "to",
            "the period must end after it starts, within 10 years",
        ));
    }
    let schools = organisations::schools_reported(db, actor, school_id).await?;
    let mut q = order::Entity::find()
        .filter(order::Column::Status.eq(OrderStatus::Paid.code()))
        .filter(order::Column::PaidAt.gte(from))
        .filter(order::Column::PaidAt.lt(to));
    if let Some(s) = &schools {
        q = q.filter(order::Column::SchoolId.is_in(s.iter().copied()));
    }
    let paid = q.all(db).await?;
    let first = from.date_naive();
    let last = (to - Duration::nanoseconds(1)).date_naive();
    let running =
        contracts::commitments(db, schools.as_deref(), first, last + Duration::days(1)).await?;
    let mut product_ids: Vec<Uuid> = paid.iter().map(|o| o.product_id).collect();
    product_ids.extend(running.iter().filter_map(|c| c.product_id));
    let categories = products::categories_of(db, &product_ids).await?;
    let mut suppliers: Vec<Uuid> = paid.iter().map(|o| o.supplier_id).collect();
    suppliers.extend(running.iter().filter_map(|c| c.supplier_id));
    let suppliers = organisations::by_ids(db, &suppliers).await?;
    let by_product = |product: Option<Uuid>| {
        product
            .and_then(|p| categories.get(&p))
            .and_then(|c| c.first())
            .map(|c| (c.slug.clone(), c.name.clone()))
            .unwrap_or_else(|| ("uncategorised".into(), "Uncategorised".into()))
    };
    let by_supplier = |id: Uuid| {
        (
            id.to_string(),
            suppliers
                .get(&id)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
        )
    };
    let mut groups: BTreeMap<String, SpendRow> = BTreeMap::new();
    for o in &paid {
        let (key, label) = match group {
            SpendGroup::Month => month_key(o.paid_at.unwrap_or(o.created_at).date_naive()),
            SpendGroup::Category => by_product(Some(o.product_id)),
            SpendGroup::Supplier => by_supplier(o.supplier_id),
        };
        let row = groups
            .entry(key.clone())
            .or_insert_with(|| SpendRow::new(key, label));
        row.orders += 1;
        row.net_pence += o.net_pence;
        row.vat_pence += o.vat_pence;
        row.savings_pence += o.savings_pence;
    }
    let mut commit = |c: &contract::Model, (key, label): (String, String)| {
        let row = groups
            .entry(key.clone())
            .or_insert_with(|| SpendRow::new(key, label));
        row.contracts += 1;
        row.annual_commitment_pence += c.annual_cost_pence;
    };
    for c in &running {
        match group {
            SpendGroup::Month => {
                for (start, end) in months(first, last) {
                    if c.starts_on <= end && c.ends_on >= start {
                        commit(c, month_key(start));
                    }
                }
            }
            SpendGroup::Category => commit(c, by_product(c.product_id)),
            SpendGroup::Supplier => match c.supplier_id {
                Some(s) => commit(c, by_supplier(s)),
                None => commit(
                    c,
                    (
                        format!("name:{}", c.supplier_name.to_lowercase()),
                        c.supplier_name.clone(),
                    ),
                ),
            },
        }
    }
    Ok(groups.into_values().collect())
}
