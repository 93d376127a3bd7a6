//! Spend: paid orders' spend and savings, grouped by month, category or supplier.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::actor::Actor;
use crate::catalogue::{organisations, products};
use crate::entity::order;
use crate::vocab::{OrderStatus, Role};
use crate::{Error, Result};

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
}

/// Paid orders' spend and savings from `from` (inclusive) to `to` (exclusive), by group: a
/// school buyer's own school; an admin's every school, or one with `school_id`.
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
    let school = if actor.is_admin() {
        school_id
    } else {
        Some(actor.school_id()?)
    };
    let mut q = order::Entity::find()
        .filter(order::Column::Status.eq(OrderStatus::Paid.code()))
        .filter(order::Column::PaidAt.gte(from))
        .filter(order::Column::PaidAt.lt(to));
    if let Some(s) = school {
        q = q.filter(order::Column::SchoolId.eq(s));
    }
    let paid = q.all(db).await?;
    let product_ids: Vec<Uuid> = paid.iter().map(|o| o.product_id).collect();
    let categories = products::categories_of(db, &product_ids).await?;
    let suppliers: Vec<Uuid> = paid.iter().map(|o| o.supplier_id).collect();
    let suppliers = organisations::by_ids(db, &suppliers).await?;
    let mut groups: BTreeMap<String, SpendRow> = BTreeMap::new();
    for o in &paid {
        let (key, label) = match group {
            SpendGroup::Month => {
                let t = o.paid_at.unwrap_or(o.created_at);
                let key = format!("{:04}-{:02}", t.year(), t.month());
                (key, t.format("%B %Y").to_string())
            }
            SpendGroup::Category => categories
                .get(&o.product_id)
                .and_then(|c| c.first())
                .map(|c| (c.slug.clone(), c.name.clone()))
                .unwrap_or_else(|| ("uncategorised".into(), "Uncategorised".into())),
            SpendGroup::Supplier => (
                o.supplier_id.to_string(),
                suppliers
                    .get(&o.supplier_id)
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
            ),
        };
        let row = groups.entry(key.clone()).or_insert_with(|| SpendRow {
            key,
            label,
            orders: 0,
            net_pence: 0,
            vat_pence: 0,
            savings_pence: 0,
        });
        row.orders += 1;
        row.net_pence += o.net_pence;
        row.vat_pence += o.vat_pence;
        row.savings_pence += o.savings_pence;
    }
    Ok(groups.into_values().collect())
}
