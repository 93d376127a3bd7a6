//! Renewal reminders: the sweep writes a `contract.renewal_due` notification to the school
//! before each contract's notice date, each reminder once.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use super::{lock, parse_days};
use crate::entity::contract;
use crate::notifications::{self, Notice};
use crate::{Result, db};

/// The notification kind of a renewal reminder.
pub const RENEWAL_DUE: &str = "contract.renewal_due";

/// The reminder due on `today` (the nearest of those due) and the next one to come.
fn due(c: &contract::Model, today: NaiveDate) -> (Option<i32>, Option<NaiveDate>) {
    if today > c.notice_on {
        return (None, None);
    }
    let days = parse_days(&c.reminder_days);
    let at = |d: i32| c.notice_on - Duration::days(i64::from(d));
    let now_due = days.iter().copied().filter(|d| at(*d) <= today).min();
    let next = days.iter().map(|d| at(*d)).filter(|r| *r > today).min();
    (now_due, next)
}

/// Writes the renewal reminders due by `now` (at most `batch` contracts, each in its own
/// transaction) and moves each contract on to its next reminder. Safe with several sweepers:
/// reminders are deduplicated by contract, notice date and days. Returns how many were due.
pub async fn sweep(db: &DatabaseConnection, now: DateTime<Utc>, batch: u64) -> Result<usize> {
    let today = now.date_naive();
    let due_ids: Vec<uuid::Uuid> = contract::Entity::find()
        .select_only()
        .column(contract::Column::Id)
        .filter(contract::Column::NextReminderOn.lte(today))
        .order_by_asc(contract::Column::NextReminderOn)
        .limit(batch)
        .into_tuple()
        .all(db)
        .await?;
    let mut sent = 0;
    for id in due_ids {
        let tx = db::begin_write(db).await?;
        let c = lock(&tx, id).await?;
        if c.next_reminder_on.is_none_or(|r| r > today) {
            db::commit(tx).await?;
            continue;
        }
        let (days, next) = due(&c, today);
        if let Some(days) = days {
            let verb = if c.auto_renews {
                "renews automatically unless you give notice"
            } else {
                "ends unless you renew it"
            };
            notifications::notify(
                &tx,
                Notice {
                    user_id: None,
                    organisation_id: c.school_id,
                    kind: RENEWAL_DUE,
                    subject: format!(
                        "{} from {}: give notice or renew by {} ({verb})",
                        c.product_name,
                        c.supplier_name,
                        c.notice_on.format("%-d %B %Y")
                    ),
                    payload: json!({
                        "contractId": c.id,
                        "productName": c.product_name,
                        "supplierName": c.supplier_name,
                        "noticeOn": c.notice_on,
                        "endsOn": c.ends_on,
                        "autoRenews": c.auto_renews,
                        "daysBefore": days,
                        "annualCostPence": c.annual_cost_pence,
                    }),
                    dedupe_key: Some(format!(
                        "contract:{}:renewal_due:{}:{days}",
                        c.id, c.notice_on
                    )),
                },
            )
            .await?;
            sent += 1;
        }
        // Bookkeeping only: the school's version is unchanged.
        contract::Entity::update_many()
            .col_expr(
                contract::Column::NextReminderOn,
                sea_orm::sea_query::Expr::value(next),
            )
            .filter(contract::Column::Id.eq(c.id))
            .filter(contract::Column::Version.eq(c.version))
            .exec(&tx)
            .await?;
        db::commit(tx).await?;
    }
    Ok(sent)
}
