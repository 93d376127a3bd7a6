//! Fair use of an offer: a cool-off after a school's trial of the product ends, and a limit
//! on how many trials of the product one school may have.
//!
//! Policy:
//! - Both count the school's trials of the *product* (loans that were granted, under any of
//!   its offers), judged by the rules of the offer asked for. Waitlist places never count.
//! - A refusal is `CONFLICT` naming the rule's field (`coolOffDays`, `maxTrialsPerSchool`); the
//!   message says when the school may ask again: the date (UTC, `YYYY-MM-DD`) the cool-off
//!   ends, or that the limit is reached for good under this offer.
//! - Checked before the offer is locked: only the school's own actions change its history,
//!   and the unique index on open loans keeps one request at a time per school and product.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use crate::entity::{loan, trial_offer};
use crate::{Error, Result};

/// `Ok` when `school` may ask for a trial under `offer` at `now`; else the refusal.
pub(super) async fn check(
    tx: &impl ConnectionTrait,
    offer: &trial_offer::Model,
    school: Uuid,
    now: DateTime<Utc>,
) -> Result<()> {
    if offer.cool_off_days == 0 && offer.max_trials_per_school.is_none() {
        return Ok(());
    }
    let (trials, last_end): (i64, Option<DateTime<Utc>>) = loan::Entity::find()
        .select_only()
        .column_as(loan::Column::Id.count(), "n")
        .column_as(loan::Column::ClosedAt.max(), "last")
        .filter(loan::Column::SchoolId.eq(school))
        .filter(loan::Column::ProductId.eq(offer.product_id))
        .filter(loan::Column::GrantedAt.is_not_null())
        .into_tuple()
        .one(tx)
        .await?
        .unwrap_or((0, None));
    if let Some(max) = offer.max_trials_per_school
        && trials >= i64::from(max)
    {
        return Err(Error::conflict_on(
            "maxTrialsPerSchool",
            format!(
                "your school has had {trials} trial(s) of this product, the most this offer \
                 allows: it may not ask again under this offer"
            ),
        ));
    }
    if let Some(ended) = last_end
        && offer.cool_off_days > 0
    {
        // Whole days: the school may ask from the start (UTC) of the day the cool-off ends.
        let again = (ended + Duration::days(i64::from(offer.cool_off_days))).date_naive();
        if now.date_naive() < again {
            return Err(Error::conflict_on(
                "coolOffDays",
                format!(
                    "your school's last trial of this product ended on {}; it may ask again \
                     from {}",
                    ended.format("%Y-%m-%d"),
                    again.format("%Y-%m-%d")
                ),
            ));
        }
    }
    Ok(())
}
