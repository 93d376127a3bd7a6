//! The sweeper: ends loans that are due, handing their seats on, and reminds schools of loans
//! about to end.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use super::lock_offer;
use super::waitlist::close_loan;
use crate::entity::loan;
use crate::notifications::{self, Notice};
use crate::vocab::LoanStatus;
use crate::{Result, db};

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub expired: usize,
    pub reminders: usize,
}

/// Expires loans due by `now` (each in its own transaction, handing its seat on) and writes
/// reminders for loans ending within 7 days and within 1 day. Safe with several sweepers: a
/// loan already ended by another is skipped, and reminders are deduplicated.
pub async fn sweep(db: &DatabaseConnection, now: DateTime<Utc>, batch: u64) -> Result<Swept> {
    let mut out = Swept::default();
    let due = loan::Entity::find()
        .filter(loan::Column::Status.eq(LoanStatus::Active.code()))
        .filter(loan::Column::EndsAt.lte(now))
        .order_by_asc(loan::Column::EndsAt)
        .limit(batch)
        .all(db)
        .await?;
    for l in due {
        let tx = db::begin_write(db).await?;
        lock_offer(&tx, l.offer_id).await?;
        let expired = close_loan(&tx, &l, LoanStatus::Expired, "expired", None).await?;
        if expired {
            notifications::notify(
                &tx,
                Notice {
                    user_id: l.requested_by,
                    organisation_id: l.school_id,
                    kind: "loan.expired",
                    subject: "Your trial has ended".into(),
                    payload: json!({ "loanId": l.id, "productId": l.product_id }),
                    dedupe_key: Some(format!("loan:{}:expired", l.id)),
                },
            )
            .await?;
            crate::deliveries::alerts::tell_supplier_of_loan(
                &tx,
                &l,
                crate::deliveries::alerts::LoanNews::Expired,
            )
            .await?;
            out.expired += 1;
        }
        db::commit(tx).await?;
    }
    for (days, kind) in [(7, "loan.reminder_7_days"), (1, "loan.reminder_1_day")] {
        let ending = loan::Entity::find()
            .filter(loan::Column::Status.eq(LoanStatus::Active.code()))
            .filter(loan::Column::EndsAt.gt(now))
            .filter(loan::Column::EndsAt.lte(now + Duration::days(days)))
            .order_by_asc(loan::Column::EndsAt)
            .limit(batch)
            .all(db)
            .await?;
        if ending.is_empty() {
            continue;
        }
        let tx = db::begin_write(db).await?;
        for l in &ending {
            notifications::notify(
                &tx,
                Notice {
                    user_id: l.requested_by,
                    organisation_id: l.school_id,
                    kind,
                    subject: format!("Your trial ends within {days} day(s)"),
                    payload: json!({ "loanId": l.id, "productId": l.product_id, "endsAt": l.ends_at }),
                    // Per end date: an extended loan is reminded again before its new end.
                    dedupe_key: l
                        .ends_at
                        .map(|e| format!("loan:{}:{kind}:{}", l.id, e.timestamp())),
                },
            )
            .await?;
        }
        db::commit(tx).await?;
        out.reminders += ending.len();
    }
    Ok(out)
}
