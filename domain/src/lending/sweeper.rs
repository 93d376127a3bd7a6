//! The sweeper: ends loans that are due, handing their seats on, and reminds schools of loans
//! about to end (on their offer's reminder days, see `reminders`).
//!
//! Policy: each expiry is one transaction with the offer locked (the lending lock order), and
//! is audited with the system as actor, as is the hand-on of its seat.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use super::lock_offer;
use super::waitlist::{close_loan, product_name};
use crate::entity::loan;
use crate::notifications::{self, Notice};
use crate::vocab::LoanStatus;
use crate::{Result, audit, db};

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    pub expired: usize,
    pub reminders: usize,
}

/// Expires loans due by `now` (each in its own transaction, handing its seat on) and sends the
/// reminders due by `now`. Safe with several sweepers: a loan already ended by another is
/// skipped, and each reminder is claimed once.
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
            let name = product_name(&tx, l.product_id).await?;
            notifications::notify(
                &tx,
                Notice {
                    user_id: l.requested_by,
                    organisation_id: l.school_id,
                    kind: "loan.expired",
                    subject: format!("Your trial of {name} has ended"),
                    payload: json!({ "loanId": l.id, "productId": l.product_id, "productName": name }),
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
            audit::record_system(
                &tx,
                "loan.expire",
                "loan",
                l.id,
                Some(json!({ "status": l.status, "endsAt": l.ends_at })),
                Some(json!({ "status": LoanStatus::Expired.code() })),
            )
            .await?;
            out.expired += 1;
        }
        db::commit(tx).await?;
    }
    out.reminders = super::reminders::send_due(db, now, batch).await?;
    Ok(out)
}
