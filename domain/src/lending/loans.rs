//! Schools' loans: requesting a seat, extending, returning or leaving the waitlist, converting
//! to a purchase, and reading a school's loans, their activation codes and history.

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::reminders::first_reminder;
use super::waitlist::{
    Pool, close_loan, granted, lend_key_and_notify, next_waitlist_seq, pool, take_seat, waitlist,
};
use super::{
    event, events, fair_use, licence_scope, loan_status, lock_offer, offer_status, reminders,
};
use crate::actor::{self, Actor};
use crate::entity::{licence_key, loan, loan_event, organisation, product, trial_offer};
use crate::pagination::{Cursor, Page, PageArgs};
use crate::vocab::{LicenceScope, LoanStatus, OfferStatus, ProductStatus};
use crate::{Error, Result, audit, db};

/// What the school gets back from a request.
#[derive(Debug, Clone)]
pub struct LoanView {
    pub loan: loan::Model,
    /// 1 for the head of the waitlist; `None` unless waitlisted.
    pub waitlist_position: Option<i64>,
}

pub(super) fn eligible(list: &serde_json::Value, code: Option<&str>) -> bool {
    match list.as_array() {
        Some(values) if !values.is_empty() => {
            code.is_some_and(|c| values.iter().any(|v| v.as_str() == Some(c)))
        }
        _ => true,
    }
}

/// A school buyer asks for a trial place (a seat, or a whole-school licence): granted now if
/// one is free, else a waitlist place. TRUST offers are asked for by a trust-scoped buyer
/// (`request_for_trust`).
pub async fn request(db: &DatabaseConnection, actor: &Actor, offer_id: Uuid) -> Result<LoanView> {
    let school_id = actor.school_id()?;
    let school = organisation::Entity::find_by_id(school_id)
        .one(db)
        .await?
        .ok_or_else(|| Error::Forbidden("the token's school is not registered".into()))?;
    let tx = actor::begin(db, actor).await?;
    // Checks that need no lock come first, so the offer's lock is held briefly: eligibility
    // never changes, and the unique index on open loans backs the duplicate check.
    let unlocked = trial_offer::Entity::find_by_id(offer_id)
        .one(&tx)
        .await?
        .ok_or(Error::not_found("trial offer"))?;
    let Some(listed) = product::Entity::find_by_id(unlocked.product_id)
        .filter(product::Column::Status.eq(ProductStatus::Approved.code()))
        .one(&tx)
        .await?
    else {
        // A withdrawn listing's offer is as gone as one that never existed.
        return Err(Error::not_found("trial offer"));
    };
    if licence_scope(&unlocked)? == LicenceScope::Trust {
        return Err(Error::Forbidden(
            "this trial is offered to trusts: a trust-scoped buyer asks for it for all the \
             trust's eligible schools at once"
                .into(),
        ));
    }
    if !eligible(&unlocked.eligible_phases, school.phase.as_deref())
        || !eligible(
            &unlocked.eligible_org_types,
            school.establishment_type.as_deref(),
        )
    {
        return Err(Error::Forbidden(
            "your school is not eligible for this trial".into(),
        ));
    }
    let open = loan::Entity::find()
        .filter(loan::Column::SchoolId.eq(school_id))
        .filter(loan::Column::ProductId.eq(unlocked.product_id))
        .filter(
            loan::Column::Status.is_in([LoanStatus::Waitlisted.code(), LoanStatus::Active.code()]),
        )
        .count(&tx)
        .await?;
    if open > 0 {
        return Err(Error::Conflict(
            "your school already has a loan or a waitlist place for this product".into(),
        ));
    }
    fair_use::check(&tx, &unlocked, school_id, Utc::now()).await?;
    let offer = lock_offer(&tx, offer_id).await?;
    require_open(&offer)?;
    let row = place_school(
        &tx,
        actor,
        &offer,
        school_id,
        Utc::now(),
        &listed.name,
        None,
    )
    .await?;
    audit::record(
        &tx,
        actor,
        "loan.request",
        "loan",
        row.id,
        None,
        Some(json!({ "offer": offer_id, "status": row.status })),
    )
    .await?;
    let view = view_of(&tx, row).await?;
    db::commit(tx).await?;
    Ok(view)
}

/// Places a school on the locked `offer`: a seat if one is free (its key lent and the school
/// told), else the next waitlist place. Inserts the loan with its `requested` event (carrying
/// `requested`, e.g. the trust that asked) and its `granted` or `waitlisted` event.
pub(super) async fn place_school(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    offer: &trial_offer::Model,
    school_id: Uuid,
    now: chrono::DateTime<Utc>,
    product_name: &str,
    requested: Option<serde_json::Value>,
) -> Result<loan::Model> {
    let id = Uuid::now_v7();
    let mut row = loan::Model {
        id,
        offer_id: offer.id,
        product_id: offer.product_id,
        school_id,
        requested_by: Some(actor.user_id),
        status: LoanStatus::Waitlisted.code().into(),
        waitlist_seq: None,
        requested_at: now,
        granted_at: None,
        ends_at: None,
        extensions_used: 0,
        closed_at: None,
        version: 1,
        next_reminder_at: None,
        next_reminder_days: None,
    };
    let pool = if offer.seats_free > 0 {
        pool(tx, offer).await?
    } else {
        Pool::Exhausted
    };
    let granted = pool != Pool::Exhausted && take_seat(tx, offer.id).await?;
    if granted {
        row = self::granted(offer, row);
    } else {
        row.waitlist_seq = Some(next_waitlist_seq(tx, offer.id).await?);
    }
    loan::Entity::insert(loan::ActiveModel::from(row.clone()))
        .exec_without_returning(tx)
        .await?;
    let second = if granted {
        (
            "granted",
            json!({ "endsAt": row.ends_at.map(|t| t.to_rfc3339()) }),
        )
    } else {
        ("waitlisted", json!({ "seq": row.waitlist_seq }))
    };
    events(
        tx,
        id,
        &[("requested", requested), (second.0, Some(second.1))],
        Some(actor),
    )
    .await?;
    if granted {
        lend_key_and_notify(tx, &row, pool, product_name).await?;
    }
    Ok(row)
}

/// `CONFLICT` unless the locked offer takes requests.
pub(super) fn require_open(offer: &trial_offer::Model) -> Result<()> {
    match offer_status(offer)? {
        OfferStatus::Open => Ok(()),
        OfferStatus::Paused => Err(Error::Conflict(
            "this trial offer is paused: try again later".into(),
        )),
        OfferStatus::Closed => Err(Error::Conflict("this trial offer has closed".into())),
    }
}

/// Converts a school's trial loan into a purchase, in the caller's transaction: an active
/// loan's seat passes to the next school waiting. False when the loan was no longer open.
pub(crate) async fn convert(tx: &impl ConnectionTrait, loan_id: Uuid) -> Result<bool> {
    let Some(l) = loan::Entity::find_by_id(loan_id).one(tx).await? else {
        return Ok(false);
    };
    lock_offer(tx, l.offer_id).await?;
    // Read again under the offer's lock: a sweeper may have ended it meanwhile.
    let Some(l) = loan::Entity::find_by_id(loan_id).one(tx).await? else {
        return Ok(false);
    };
    let open = [LoanStatus::Active.code(), LoanStatus::Waitlisted.code()];
    if !open.contains(&l.status.as_str()) {
        return Ok(false);
    }
    let done = close_loan(tx, &l, LoanStatus::Converted, "converted", None).await?;
    if done {
        audit::record_system(
            tx,
            "loan.convert",
            "loan",
            l.id,
            Some(json!({ "status": l.status })),
            Some(json!({ "status": LoanStatus::Converted.code() })),
        )
        .await?;
    }
    Ok(done)
}

/// The schools whose loans the actor sees and runs: its school, or a trust's schools.
pub(super) async fn schools_of(tx: &impl ConnectionTrait, actor: &Actor) -> Result<Vec<Uuid>> {
    if actor.trust_id().is_ok() {
        let schools = crate::catalogue::organisations::schools_in_scope(tx, actor).await?;
        return Ok(schools.into_iter().map(|s| s.id).collect());
    }
    Ok(vec![actor.school_id()?])
}

/// A loan of the actor's school (or of a school of its trust), or `NOT_FOUND` (loans are
/// private).
async fn own_loan(tx: &impl ConnectionTrait, actor: &Actor, id: Uuid) -> Result<loan::Model> {
    let schools = schools_of(tx, actor).await?;
    loan::Entity::find_by_id(id)
        .one(tx)
        .await?
        .filter(|l| schools.contains(&l.school_id))
        .ok_or(Error::not_found("loan"))
}

/// What a school does to its own loan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LoanChange {
    Extend,
    Return,
    LeaveWaitlist,
}

impl LoanChange {
    fn action(self) -> &'static str {
        match self {
            LoanChange::Extend => "loan.extend",
            LoanChange::Return => "loan.return",
            LoanChange::LeaveWaitlist => "loan.leave_waitlist",
        }
    }
}

/// Applies `change` to the school's loan at `version`, with its offer locked, and audits it.
async fn change_loan(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    change: LoanChange,
) -> Result<LoanView> {
    schools_of(db, actor).await?;
    let tx = actor::begin(db, actor).await?;
    let before = own_loan(&tx, actor, id).await?;
    let offer = lock_offer(&tx, before.offer_id).await?;
    // Read again under the offer's lock: a sweeper may have ended it meanwhile.
    let l = own_loan(&tx, actor, id).await?;
    if l.version != version {
        return Err(Error::Conflict(
            "the loan has changed since you read it: reload it".into(),
        ));
    }
    let status = loan_status(&l)?;
    match change {
        LoanChange::Extend => {
            if status != LoanStatus::Active {
                return Err(Error::Conflict(
                    "only an active loan can be extended".into(),
                ));
            }
            if l.extensions_used >= offer.max_extensions {
                return Err(Error::Conflict(format!(
                    "this trial allows {} extension(s), all used",
                    offer.max_extensions
                )));
            }
            if !waitlist(&tx, offer.id).await?.is_empty() {
                return Err(Error::Conflict(
                    "other schools are waiting for this trial, so it cannot be extended".into(),
                ));
            }
            let ends_at = l.ends_at.unwrap_or_else(Utc::now)
                + Duration::days(i64::from(offer.extension_days));
            // A new term: its reminders are planned from now.
            let next = first_reminder(&reminders::reminder_days(&offer), Utc::now(), ends_at);
            loan::Entity::update_many()
                .col_expr(loan::Column::EndsAt, Expr::value(ends_at))
                .col_expr(
                    loan::Column::NextReminderAt,
                    Expr::value(next.map(|(t, _)| t)),
                )
                .col_expr(
                    loan::Column::NextReminderDays,
                    Expr::value(next.map(|(_, d)| d)),
                )
                .col_expr(
                    loan::Column::ExtensionsUsed,
                    Expr::value(l.extensions_used + 1),
                )
                .col_expr(loan::Column::Version, Expr::value(l.version + 1))
                .filter(loan::Column::Id.eq(l.id))
                .exec(&tx)
                .await?;
            let detail = json!({ "endsAt": ends_at.to_rfc3339() });
            event(&tx, l.id, "extended", Some(detail), Some(actor)).await?;
        }
        LoanChange::Return => {
            if status != LoanStatus::Active {
                return Err(Error::Conflict(
                    "only an active loan can be returned".into(),
                ));
            }
            close_loan(&tx, &l, LoanStatus::Returned, "returned", Some(actor)).await?;
            crate::deliveries::alerts::tell_supplier_of_loan(
                &tx,
                &l,
                crate::deliveries::alerts::LoanNews::Returned,
            )
            .await?;
        }
        LoanChange::LeaveWaitlist => {
            if status != LoanStatus::Waitlisted {
                return Err(Error::Conflict("this loan is not on a waitlist".into()));
            }
            close_loan(
                &tx,
                &l,
                LoanStatus::LeftWaitlist,
                "left_waitlist",
                Some(actor),
            )
            .await?;
        }
    }
    let after = own_loan(&tx, actor, id).await?;
    audit::record(
        &tx,
        actor,
        change.action(),
        "loan",
        id,
        Some(json!({ "status": l.status, "endsAt": l.ends_at, "version": l.version })),
        Some(json!({ "status": after.status, "endsAt": after.ends_at, "version": after.version })),
    )
    .await?;
    let v = view_of(&tx, after).await?;
    db::commit(tx).await?;
    Ok(v)
}

/// Adds one extension to an active loan, if the offer allows more and nobody is waiting.
pub async fn extend(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> Result<LoanView> {
    change_loan(db, actor, id, version, LoanChange::Extend).await
}

/// Gives a seat back early; it passes to the next school waiting.
pub async fn return_loan(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> Result<LoanView> {
    change_loan(db, actor, id, version, LoanChange::Return).await
}

/// Leaves an offer's waitlist.
pub async fn leave_waitlist(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> Result<LoanView> {
    change_loan(db, actor, id, version, LoanChange::LeaveWaitlist).await
}

pub(super) async fn view_of(db: &impl ConnectionTrait, loan: loan::Model) -> Result<LoanView> {
    let waitlist_position = match (loan_status(&loan)?, loan.waitlist_seq) {
        (LoanStatus::Waitlisted, Some(seq)) => Some(
            loan::Entity::find()
                .filter(loan::Column::OfferId.eq(loan.offer_id))
                .filter(loan::Column::Status.eq(LoanStatus::Waitlisted.code()))
                .filter(loan::Column::WaitlistSeq.lte(seq))
                .count(db)
                .await? as i64,
        ),
        _ => None,
    };
    Ok(LoanView {
        loan,
        waitlist_position,
    })
}

/// One of the school's loans.
pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: Uuid) -> Result<LoanView> {
    let l = own_loan(db, actor, id).await?;
    view_of(db, l).await
}

/// The school's loans, newest first, optionally of one status.
pub async fn mine(
    db: &impl ConnectionTrait,
    actor: &Actor,
    status: Option<LoanStatus>,
    page: &PageArgs,
) -> Result<Page<LoanView>> {
    let schools = schools_of(db, actor).await?;
    let mut q = loan::Entity::find().filter(loan::Column::SchoolId.is_in(schools));
    if let Some(s) = status {
        q = q.filter(loan::Column::Status.eq(s.code()));
    }
    if let Some(after) = &page.after {
        q = q.filter(loan::Column::Id.lt(after.id));
    }
    let rows = q
        .order_by_desc(loan::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    let page = Page::from_rows(rows, page, |l| Cursor::new(String::new(), l.id));
    let mut items = Vec::with_capacity(page.items.len());
    for (c, l) in page.items {
        items.push((c, view_of(db, l).await?));
    }
    Ok(Page {
        items,
        has_next_page: page.has_next_page,
        has_previous_page: page.has_previous_page,
    })
}

/// The activation code lent with the school's own active loan.
pub async fn activation_code(db: &impl ConnectionTrait, loan_id: Uuid) -> Result<Option<String>> {
    Ok(licence_key::Entity::find()
        .filter(licence_key::Column::LoanId.eq(loan_id))
        .one(db)
        .await?
        .map(|k| k.code))
}

/// A loan's history, oldest first.
pub async fn history(db: &impl ConnectionTrait, loan_id: Uuid) -> Result<Vec<loan_event::Model>> {
    Ok(loan_event::Entity::find()
        .filter(loan_event::Column::LoanId.eq(loan_id))
        .order_by_asc(loan_event::Column::Id)
        .all(db)
        .await?)
}
