//! The waitlist and the seats it waits for: places in the queue, taking a free seat, granting
//! it to the next school waiting (with its activation code), and closing a loan so that its
//! seat passes on.

use chrono::{Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::json;
use uuid::Uuid;

use super::reminders::first_reminder;
use super::{event, lock_offer, reminders};
use crate::actor::Actor;
use crate::entity::{licence_key, loan, product, trial_offer};
use crate::notifications::{self, Notice};
use crate::vocab::{LoanStatus, OfferStatus, ProductStatus};
use crate::{Result, audit, outbox};

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

/// Whether a locked offer can lend a place now as far as its activation codes go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pool {
    /// The offer lends no codes.
    NoCodes,
    /// This code goes with the next place.
    Code(Uuid),
    /// Every code is out (or used, and the pool is not reusable): no place can be lent.
    Exhausted,
}

/// The code the next place of a locked offer is lent with: a never-lent code first, in the
/// order the supplier gave them; a returned one only when the pool is reusable, the least
/// lent first.
pub(super) async fn pool(tx: &impl ConnectionTrait, offer: &trial_offer::Model) -> Result<Pool> {
    if !offer.has_codes {
        return Ok(Pool::NoCodes);
    }
    let mut q = licence_key::Entity::find()
        .select_only()
        .column(licence_key::Column::Id)
        .filter(licence_key::Column::OfferId.eq(offer.id))
        .filter(licence_key::Column::LoanId.is_null());
    if !offer.reusable_codes {
        q = q.filter(licence_key::Column::TimesLent.eq(0));
    }
    let lendable: Option<Uuid> = q
        .order_by_asc(licence_key::Column::TimesLent)
        .order_by_asc(licence_key::Column::Id)
        .limit(1)
        .into_tuple()
        .one(tx)
        .await?;
    if let Some(id) = lendable {
        return Ok(Pool::Code(id));
    }
    // Tell the supplier once: its waitlist waits until a place can be lent with a code.
    if let Some(p) = product::Entity::find_by_id(offer.product_id)
        .one(tx)
        .await?
    {
        notifications::notify(
            tx,
            Notice {
                user_id: None,
                organisation_id: p.supplier_id,
                kind: "trial_offer.codes_exhausted",
                subject: format!("Every activation code of your {} trial is in use", p.name),
                payload: json!({ "offerId": offer.id, "productId": p.id }),
                dedupe_key: Some(format!("offer:{}:codes_exhausted", offer.id)),
            },
        )
        .await?;
    }
    Ok(Pool::Exhausted)
}

/// The product's name, for subjects that name it.
pub(super) async fn product_name(tx: &impl ConnectionTrait, product_id: Uuid) -> Result<String> {
    Ok(product::Entity::find_by_id(product_id)
        .one(tx)
        .await?
        .map(|p| p.name)
        .unwrap_or_else(|| "a product".into()))
}

/// Lends the code `pool` chose (if any) with the granted loan, and tells the school. The
/// offer is locked, so two grants cannot take the same code.
pub(super) async fn lend_key_and_notify(
    tx: &impl ConnectionTrait,
    l: &loan::Model,
    pool: Pool,
    name: &str,
) -> Result<()> {
    if let Pool::Code(key) = pool {
        licence_key::Entity::update_many()
            .col_expr(licence_key::Column::LoanId, Expr::value(l.id))
            .col_expr(
                licence_key::Column::TimesLent,
                Expr::col(licence_key::Column::TimesLent).add(1),
            )
            .filter(licence_key::Column::Id.eq(key))
            .filter(licence_key::Column::LoanId.is_null())
            .exec(tx)
            .await?;
    }
    let ends_at = l.ends_at.map(|t| t.to_rfc3339());
    notifications::notify(
        tx,
        Notice {
            user_id: l.requested_by,
            organisation_id: l.school_id,
            kind: "loan.granted",
            subject: format!("Your trial of {name} is ready"),
            payload: json!({ "loanId": l.id, "productId": l.product_id, "productName": name, "endsAt": ends_at }),
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

/// The loan as granted now from `offer`: active, its end and first reminder set.
pub(super) fn granted(offer: &trial_offer::Model, l: loan::Model) -> loan::Model {
    let now = Utc::now();
    let ends_at = now + Duration::days(i64::from(offer.loan_days));
    let first = first_reminder(&reminders::reminder_days(offer), now, ends_at);
    loan::Model {
        status: LoanStatus::Active.code().into(),
        waitlist_seq: l.waitlist_seq,
        granted_at: Some(now),
        ends_at: Some(ends_at),
        next_reminder_at: first.map(|(t, _)| t),
        next_reminder_days: first.map(|(_, d)| d),
        ..l
    }
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
    let Some(listed) = product::Entity::find_by_id(offer.product_id)
        .filter(product::Column::Status.eq(ProductStatus::Approved.code()))
        .one(tx)
        .await?
    else {
        // A withdrawn listing's offer is as gone as one that never existed.
        return Ok(false);
    };
    let Some(next) = loan::Entity::find()
        .filter(loan::Column::OfferId.eq(offer.id))
        .filter(loan::Column::Status.eq(LoanStatus::Waitlisted.code()))
        .order_by_asc(loan::Column::WaitlistSeq)
        .one(tx)
        .await?
    else {
        return Ok(false);
    };
    let pool = pool(tx, offer).await?;
    if pool == Pool::Exhausted || !take_seat(tx, offer.id).await? {
        return Ok(false);
    }
    let g = granted(offer, next.clone());
    loan::Entity::update_many()
        .col_expr(loan::Column::Status, Expr::value(LoanStatus::Active.code()))
        .col_expr(loan::Column::GrantedAt, Expr::value(g.granted_at))
        .col_expr(loan::Column::EndsAt, Expr::value(g.ends_at))
        .col_expr(
            loan::Column::NextReminderAt,
            Expr::value(g.next_reminder_at),
        )
        .col_expr(
            loan::Column::NextReminderDays,
            Expr::value(g.next_reminder_days),
        )
        .col_expr(
            loan::Column::Version,
            Expr::col(loan::Column::Version).add(1),
        )
        .filter(loan::Column::Id.eq(next.id))
        .exec(tx)
        .await?;
    let ends_at = g.ends_at.map(|t| t.to_rfc3339());
    event(
        tx,
        g.id,
        "granted",
        Some(json!({ "endsAt": ends_at })),
        None,
    )
    .await?;
    lend_key_and_notify(tx, &g, pool, &listed.name).await?;
    // A hand-on is the service's doing, whoever freed the seat.
    audit::record_system(
        tx,
        "loan.hand_on",
        "loan",
        g.id,
        Some(json!({ "status": next.status, "seq": next.waitlist_seq })),
        Some(json!({ "status": g.status, "endsAt": ends_at })),
    )
    .await?;
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
        // A trial took place: ask the school how it went, and refresh the product's evidence.
        let name = product_name(tx, l.product_id).await?;
        notifications::notify(
            tx,
            Notice {
                user_id: l.requested_by,
                organisation_id: l.school_id,
                kind: "loan.outcome_requested",
                subject: format!("How did your trial of {name} go?"),
                payload: json!({ "loanId": l.id, "productId": l.product_id, "productName": name }),
                dedupe_key: Some(format!("loan:{}:outcome_requested", l.id)),
            },
        )
        .await?;
        outbox::enqueue_many(
            tx,
            outbox::EntityType::Product,
            &[l.product_id],
            outbox::Op::Upsert,
        )
        .await?;
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
