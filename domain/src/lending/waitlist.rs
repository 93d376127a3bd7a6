//! The waitlist and the seats it waits for: places in the queue, taking a free seat, granting
//! it to the next school waiting (with its activation code), and closing a loan so that its
//! seat passes on.

use chrono::{Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use super::{event, lock_offer};
use crate::Result;
use crate::actor::Actor;
use crate::entity::{licence_key, loan, product, trial_offer};
use crate::notifications::{self, Notice};
use crate::vocab::{LoanStatus, OfferStatus, ProductStatus};

/// The next place in an offer's queue: after everyone waiting, and never below the clock in
/// microseconds, so places keep rising even when the queue has emptied in between. The offer
/// must be locked. (Only the waiting are scanned: an index range, however long the history.)
pub(super) async fn next_waitlist_seq(tx: &impl ConnectionTrait, offer_id: Uuid) -> Result<i64> {
    let last: Option<Option<i64>> = loan::Entity::find()
        .select_only()
        .column_as(loan::Column::WaitlistSeq.max(), "m")
        .filter(loan::Column::OfferId.eq(offer_id))
        .filter(loan::Column::Status.eq(LoanStatus::Waitlisted.code()))
        .into_tuple()
        .one(tx)
        .await?;
    let after_queue = last.flatten().unwrap_or(0) + 1;
    Ok(Ord::max(after_queue, Utc::now().timestamp_micros()))
}

/// Takes one free seat of a locked offer; false when none is left.
pub(super) async fn take_seat(tx: &impl ConnectionTrait, offer_id: Uuid) -> Result<bool> {
    let done = trial_offer::Entity::update_many()
        .col_expr(
            trial_offer::Column::SeatsFree,
            Expr::col(trial_offer::Column::SeatsFree).sub(1),
        )
        .filter(trial_offer::Column::Id.eq(offer_id))
        .filter(trial_offer::Column::SeatsFree.gt(0))
        .exec(tx)
        .await?;
    Ok(done.rows_affected == 1)
}

/// A loan granted from the waitlist: its event, key and notification.
async fn on_granted(
    tx: &impl ConnectionTrait,
    l: &loan::Model,
    actor: Option<&Actor>,
) -> Result<()> {
    let ends_at = l.ends_at.map(|t| t.to_rfc3339());
    event(
        tx,
        l.id,
        "granted",
        Some(json!({ "endsAt": ends_at })),
        actor,
    )
    .await?;
    lend_key_and_notify(tx, l).await
}

/// Lends a free code of the offer's pool (if it has one) with the seat, in one statement, and
/// tells the school. The offer is locked, so two grants cannot take the same code.
pub(super) async fn lend_key_and_notify(tx: &impl ConnectionTrait, l: &loan::Model) -> Result<()> {
    let free_key = sea_orm::sea_query::Query::select()
        .column(licence_key::Column::Id)
        .from(licence_key::Entity)
        .and_where(licence_key::Column::OfferId.eq(l.offer_id))
        .and_where(licence_key::Column::LoanId.is_null())
        .order_by(licence_key::Column::Id, sea_orm::Order::Asc)
        .limit(1)
        .to_owned();
    licence_key::Entity::update_many()
        .col_expr(licence_key::Column::LoanId, Expr::value(l.id))
        .filter(licence_key::Column::Id.in_subquery(free_key))
        .exec(tx)
        .await?;
    let ends_at = l.ends_at.map(|t| t.to_rfc3339());
    notifications::notify(
        tx,
        Notice {
            user_id: l.requested_by,
            organisation_id: l.school_id,
            kind: "loan.granted",
            subject: "Your trial seat is ready".into(),
            payload: json!({ "loanId": l.id, "productId": l.product_id, "endsAt": ends_at }),
            dedupe_key: Some(format!("loan:{}:granted", l.id)),
        },
    )
    .await?;
    crate::deliveries::alerts::tell_supplier_of_loan(
        tx,
        l,
        crate::deliveries::alerts::LoanNews::Granted,
    )
    .await
}

/// Waitlisted loans of an offer, head first.
pub(super) async fn waitlist(
    tx: &impl ConnectionTrait,
    offer_id: Uuid,
) -> Result<Vec<loan::Model>> {
    Ok(loan::Entity::find()
        .filter(loan::Column::OfferId.eq(offer_id))
        .filter(loan::Column::Status.eq(LoanStatus::Waitlisted.code()))
        .order_by_asc(loan::Column::WaitlistSeq)
        .all(tx)
        .await?)
}

/// Gives a free seat of the locked, open offer to the head of its waitlist; false when the
/// waitlist is empty or no seat is free.
pub(super) async fn grant_next(
    tx: &impl ConnectionTrait,
    offer: &trial_offer::Model,
) -> Result<bool> {
    // A listing withdrawn since keeps its freed seats: nobody is handed a trial of it.
    let listed = product::Entity::find_by_id(offer.product_id)
        .filter(product::Column::Status.eq(ProductStatus::Approved.code()))
        .one(tx)
        .await?
        .is_some();
    if !listed {
        return Ok(false);
    }
    let Some(next) = loan::Entity::find()
        .filter(loan::Column::OfferId.eq(offer.id))
        .filter(loan::Column::Status.eq(LoanStatus::Waitlisted.code()))
        .order_by_asc(loan::Column::WaitlistSeq)
        .one(tx)
        .await?
    else {
        return Ok(false);
    };
    if !take_seat(tx, offer.id).await? {
        return Ok(false);
    }
    let now = Utc::now();
    let ends_at = now + Duration::days(i64::from(offer.loan_days));
    loan::Entity::update_many()
        .col_expr(loan::Column::Status, Expr::value(LoanStatus::Active.code()))
        .col_expr(loan::Column::GrantedAt, Expr::value(now))
        .col_expr(loan::Column::EndsAt, Expr::value(ends_at))
        .col_expr(
            loan::Column::Version,
            Expr::col(loan::Column::Version).add(1),
        )
        .filter(loan::Column::Id.eq(next.id))
        .exec(tx)
        .await?;
    let granted = loan::Model {
        status: LoanStatus::Active.code().into(),
        granted_at: Some(now),
        ends_at: Some(ends_at),
        ..next
    };
    on_granted(tx, &granted, None).await?;
    Ok(true)
}

/// Ends an open loan (`to` returned, expired, left the waitlist); an active loan's seat and
/// code go back and the seat passes to the next school waiting. The offer must be locked.
/// False when the loan was no longer in its status (another sweeper got there first).
pub(super) async fn close_loan(
    tx: &impl ConnectionTrait,
    l: &loan::Model,
    to: LoanStatus,
    kind: &str,
    actor: Option<&Actor>,
) -> Result<bool> {
    let done = loan::Entity::update_many()
        .col_expr(loan::Column::Status, Expr::value(to.code()))
        .col_expr(loan::Column::ClosedAt, Expr::value(Utc::now()))
        .col_expr(
            loan::Column::Version,
            Expr::col(loan::Column::Version).add(1),
        )
        .filter(loan::Column::Id.eq(l.id))
        .filter(loan::Column::Status.eq(l.status.as_str()))
        // The version too: a sweeper's list is read before the lock, and an extension in
        // between must not be expired on the old end date.
        .filter(loan::Column::Version.eq(l.version))
        .exec(tx)
        .await?;
    if done.rows_affected != 1 {
        return Ok(false);
    }
    event(tx, l.id, kind, None, actor).await?;
    if l.status == LoanStatus::Active.code() {
        licence_key::Entity::update_many()
            .col_expr(
                licence_key::Column::LoanId,
                Expr::value(Option::<Uuid>::None),
            )
            .filter(licence_key::Column::LoanId.eq(l.id))
            .exec(tx)
            .await?;
        trial_offer::Entity::update_many()
            .col_expr(
                trial_offer::Column::SeatsFree,
                Expr::col(trial_offer::Column::SeatsFree).add(1),
            )
            .filter(trial_offer::Column::Id.eq(l.offer_id))
            .exec(tx)
            .await?;
        let offer = lock_offer(tx, l.offer_id).await?;
        if offer.status == OfferStatus::Open.code() {
            grant_next(tx, &offer).await?;
        }
    }
    Ok(true)
}
