//! A paid order's entry in its school's register: a new contract, or an extension of the one
//! for the same product still running (see the module's policy for the rule).

use chrono::{Duration, Months, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    DEFAULT_NOTICE_DAYS, DEFAULT_REMINDER_DAYS, RENEWAL_WINDOW_DAYS, format_days, next_reminder_on,
    notice_on, parse_days,
};
use crate::entity::{contract, lot, lot_supplier, order, order_line, organisation};
use crate::vocab::ContractSource;
use crate::{Result, audit, db};

/// A year on from `d`, less a day (a term from 1 September ends on 31 August).
fn year_from(d: NaiveDate) -> NaiveDate {
    d.checked_add_months(Months::new(12))
        .unwrap_or(d + Duration::days(365))
        - Duration::days(1)
}

/// The deal's lot the supplier is on (the lowest numbered, if several).
async fn lot_of(
    tx: &impl ConnectionTrait,
    deal_id: Uuid,
    supplier_id: Uuid,
) -> Result<Option<Uuid>> {
    let lots = lot::Entity::find()
        .filter(lot::Column::DealId.eq(deal_id))
        .order_by_asc(lot::Column::Number)
        .all(tx)
        .await?;
    if lots.is_empty() {
        return Ok(None);
    }
    let on: Vec<Uuid> = lot_supplier::Entity::find()
        .select_only()
        .column(lot_supplier::Column::LotId)
        .filter(lot_supplier::Column::LotId.is_in(lots.iter().map(|l| l.id)))
        .filter(lot_supplier::Column::SupplierId.eq(supplier_id))
        .into_tuple()
        .all(tx)
        .await?;
    Ok(lots.iter().find(|l| on.contains(&l.id)).map(|l| l.id))
}

/// Makes or extends the school's contract for a paid order, in the caller's transaction.
pub(crate) async fn record_paid_order(tx: &impl ConnectionTrait, o: &order::Model) -> Result<()> {
    // One register writer per school at a time: two payments for one product make one entry.
    let mut school = organisation::Entity::find_by_id(o.school_id);
    if db::is_postgres(tx) {
        school = school.lock_exclusive();
    }
    school.one(tx).await?;
    let paid_on = o.paid_at.unwrap_or_else(Utc::now).date_naive();
    let quantity: i64 = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(o.id))
        .all(tx)
        .await?
        .iter()
        .map(|l| l.quantity)
        .sum();
    let lot_id = match o.deal_id {
        Some(d) => lot_of(tx, d, o.supplier_id).await?,
        None => None,
    };
    let running = contract::Entity::find()
        .filter(contract::Column::SchoolId.eq(o.school_id))
        .filter(contract::Column::ProductId.eq(o.product_id))
        .filter(contract::Column::StartsOn.lte(paid_on))
        .filter(contract::Column::EndsOn.gte(paid_on))
        .order_by_desc(contract::Column::EndsOn)
        .one(tx)
        .await?;
    let today = Utc::now().date_naive();
    let now = Utc::now();
    match running {
        Some(before) => {
            let mut after = before.clone();
            let renewal = paid_on > before.ends_on - Duration::days(RENEWAL_WINDOW_DAYS);
            if renewal {
                after.ends_on = year_from(before.ends_on + Duration::days(1));
                after.annual_cost_pence = o.net_pence;
                after.licences_bought = quantity;
            } else {
                after.annual_cost_pence += o.net_pence;
                after.licences_bought += quantity;
            }
            if o.deal_id.is_some() {
                after.deal_id = o.deal_id;
                after.lot_id = lot_id;
            }
            after.last_order_id = Some(o.id);
            after.paid_orders += 1;
            after.notice_on = notice_on(after.ends_on, after.notice_days);
            after.next_reminder_on =
                next_reminder_on(after.notice_on, &parse_days(&after.reminder_days), today);
            after.version += 1;
            after.updated_at = now;
            contract::Entity::update(contract::ActiveModel::from(after.clone()).reset_all())
                .exec(tx)
                .await?;
            audit::record_system(
                tx,
                if renewal {
                    "contract.renewed"
                } else {
                    "contract.topped_up"
                },
                "contract",
                after.id,
                Some(audit::snapshot(&before)?),
                Some(json!({ "contract": audit::snapshot(&after)?, "order": o.id })),
            )
            .await?;
        }
        None => {
            let product = crate::catalogue::products::get_any(tx, o.product_id).await?;
            let supplier = organisation::Entity::find_by_id(o.supplier_id)
                .one(tx)
                .await?
                .map(|s| s.name)
                .unwrap_or_default();
            let ends_on = year_from(paid_on);
            let notice = notice_on(ends_on, DEFAULT_NOTICE_DAYS);
            let c = contract::Model {
                id: Uuid::now_v7(),
                school_id: o.school_id,
                source: ContractSource::Order.code().into(),
                product_id: Some(o.product_id),
                product_name: product.name,
                supplier_id: Some(o.supplier_id),
                supplier_name: supplier,
                deal_id: o.deal_id,
                lot_id,
                last_order_id: Some(o.id),
                paid_orders: 1,
                starts_on: paid_on,
                ends_on,
                notice_on: notice,
                auto_renews: false,
                notice_days: DEFAULT_NOTICE_DAYS,
                reminder_days: format_days(&DEFAULT_REMINDER_DAYS),
                next_reminder_on: next_reminder_on(notice, &DEFAULT_REMINDER_DAYS, today),
                annual_cost_pence: o.net_pence,
                licences_bought: quantity,
                licences_in_use: None,
                notes: None,
                created_by: o.buyer_id,
                version: 1,
                created_at: now,
                updated_at: now,
            };
            contract::ActiveModel::from(c.clone()).insert(tx).await?;
            audit::record_system(
                tx,
                "contract.created",
                "contract",
                c.id,
                None,
                Some(json!({ "contract": audit::snapshot(&c)?, "order": o.id })),
            )
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_is_a_year_less_a_day() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        assert_eq!(year_from(d(2026, 9, 1)), d(2027, 8, 31));
        assert_eq!(year_from(d(2028, 2, 29)), d(2029, 2, 27));
    }
}
