//! Reminders before a loan ends, on the days its offer names (14, 7 and 1 days before, say).
//!
//! Policy:
//! - A reminder is planned only if its day is still ahead when the loan's term starts (when
//!   the seat is granted, or when an extension moves the end): a 1-day loan is never told
//!   "7 days left". The loan row carries the next one due (`next_reminder_at`, with its
//!   number of days), so a sweep reads an index range, not every loan.
//! - Each reminder is sent at most once: its notification's dedupe key names the loan, the
//!   day and the end date; a sweeper that finds several due at once (it was stopped) sends
//!   only the latest and skips the stale ones.
//! - A reminder takes only its loan's row, by compare-and-set on `next_reminder_at`, so it
//!   never waits for an offer's lock and concurrent sweepers send it once. It is audited with
//!   the system as actor.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;

use crate::entity::{loan, product, trial_offer};
use crate::notifications::{self, Notice};
use crate::vocab::LoanStatus;
use crate::{Result, audit, db};

/// Reminder days when an offer names none.
pub const DEFAULT_REMINDER_DAYS: [i32; 2] = [7, 1];

/// The offer's reminder days, largest first.
pub fn reminder_days(offer: &trial_offer::Model) -> Vec<i32> {
    let mut days: Vec<i32> = match &offer.reminder_days {
        Some(v) => v
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|d| d.as_i64().and_then(|d| i32::try_from(d).ok()))
                    .collect()
            })
            .unwrap_or_default(),
        None => DEFAULT_REMINDER_DAYS.to_vec(),
    };
    days.sort_unstable_by(|a, b| b.cmp(a));
    days.dedup();
    days
}

/// The first reminder of a term that starts at `start` and ends at `ends`: the earliest whose
/// day is still ahead.
pub(super) fn first_reminder(
    days: &[i32],
    start: DateTime<Utc>,
    ends: DateTime<Utc>,
) -> Option<(DateTime<Utc>, i32)> {
    days.iter()
        .map(|&d| (ends - Duration::days(i64::from(d)), d))
        .filter(|(at, _)| *at > start)
        .min_by_key(|(at, _)| *at)
}

/// The label of a reminder's kind: `loan.reminder_7_days`, `loan.reminder_1_day`.
pub fn reminder_kind(days: i32) -> String {
    if days == 1 {
        "loan.reminder_1_day".into()
    } else {
        format!("loan.reminder_{days}_days")
    }
}

/// Sends the reminders due by `now` (at most `batch`), each in its own short transaction;
/// returns how many were sent.
pub(super) async fn send_due(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    batch: u64,
) -> Result<usize> {
    let due = loan::Entity::find()
        .filter(loan::Column::Status.eq(LoanStatus::Active.code()))
        .filter(loan::Column::NextReminderAt.lte(now))
        .order_by_asc(loan::Column::NextReminderAt)
        .limit(batch)
        .all(db)
        .await?;
    let mut sent = 0;
    for l in due {
        let (Some(at), Some(planned), Some(ends)) =
            (l.next_reminder_at, l.next_reminder_days, l.ends_at)
        else {
            continue;
        };
        let Some(offer) = trial_offer::Entity::find_by_id(l.offer_id).one(db).await? else {
            continue;
        };
        let days = reminder_days(&offer);
        // The latest reminder due now; any earlier one still pending is stale.
        let send = days
            .iter()
            .copied()
            .filter(|&d| d <= planned && ends - Duration::days(i64::from(d)) <= now)
            .min()
            .filter(|_| ends > now);
        let next = send
            .and_then(|d| days.iter().copied().find(|&n| n < d))
            .map(|n| (ends - Duration::days(i64::from(n)), n));
        let tx = db::begin_write(db).await?;
        let claimed = loan::Entity::update_many()
            .col_expr(
                loan::Column::NextReminderAt,
                Expr::value(next.map(|(t, _)| t)),
            )
            .col_expr(
                loan::Column::NextReminderDays,
                Expr::value(next.map(|(_, d)| d)),
            )
            .filter(loan::Column::Id.eq(l.id))
            .filter(loan::Column::Status.eq(LoanStatus::Active.code()))
            .filter(loan::Column::NextReminderAt.eq(at))
            .filter(loan::Column::EndsAt.eq(ends))
            .exec(&tx)
            .await?;
        if claimed.rows_affected != 1 {
            continue;
        }
        if let Some(d) = send {
            let name = product::Entity::find_by_id(l.product_id)
                .one(&tx)
                .await?
                .map(|p| p.name)
                .unwrap_or_else(|| "your trial".into());
            let kind = reminder_kind(d);
            notifications::notify(
                &tx,
                Notice {
                    user_id: l.requested_by,
                    organisation_id: l.school_id,
                    kind: &kind,
                    subject: format!("Your trial of {name} ends on {}", ends.format("%-d %B %Y")),
                    payload: json!({
                        "loanId": l.id, "productId": l.product_id, "productName": name,
                        "endsAt": ends.to_rfc3339(), "days": d,
                    }),
                    dedupe_key: Some(format!("loan:{}:reminder:{d}:{}", l.id, ends.timestamp())),
                },
            )
            .await?;
            audit::record_system(
                &tx,
                "loan.remind",
                "loan",
                l.id,
                None,
                Some(json!({ "days": d, "endsAt": ends.to_rfc3339() })),
            )
            .await?;
            sent += 1;
        }
        db::commit(tx).await?;
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reminder_is_planned_only_if_its_day_is_ahead_when_the_term_starts() {
        let start = Utc::now();
        let one_day = first_reminder(&[7, 1], start, start + Duration::days(1));
        assert_eq!(one_day, None, "a 1-day loan's 1-day mark is its start");
        let two_days = first_reminder(&[7, 1], start, start + Duration::days(2));
        assert_eq!(two_days.map(|(_, d)| d), Some(1));
        let month = first_reminder(&[14, 7, 1], start, start + Duration::days(30));
        assert_eq!(month.map(|(_, d)| d), Some(14));
    }
}
