//! The lending library: suppliers' trial offers, schools' loans and waitlists, and the sweeper
//! that ends loans and hands their seats on.
//!
//! Policy:
//! - Every change that touches seats runs with the offer row locked (`SELECT ... FOR UPDATE` on
//!   PostgreSQL; SQLite's `BEGIN IMMEDIATE` serialises writers), so seat counts, waitlist
//!   sequence numbers and hand-ons are decided one at a time per offer. Locks are always taken
//!   offer first, then loan, so transactions cannot deadlock.
//! - Invariant: an open offer has free seats only while its waitlist is empty. A freed seat goes
//!   to the head of the waitlist in the same transaction that frees it, so nobody can jump the
//!   queue, and `seats_free` never goes below zero (a CHECK guards it too).
//! - One open loan or waitlist place per school per product (a partial unique index guards it).
//! - Activation codes are shown only to the school holding the seat; they never enter events,
//!   the audit log or notifications. A code returns to the pool when its loan ends.
//! - A school's loans are private: another party asking for one gets `NOT_FOUND`.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::actor::{self, Actor};
use crate::entity::{licence_key, loan, loan_event, organisation, product, trial_offer};
use crate::notifications::{self, Notice};
use crate::pagination::{Cursor, Page, PageArgs};
use crate::vocab::{EstablishmentType, LoanStatus, OfferStatus, Phase, ProductStatus, Role};
use crate::{Error, Result, audit, db, outbox};

/// A supplier's trial offer as written.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "TrialOfferInput")
)]
pub struct NewOffer {
    /// Seats lent at once, 1 to 10,000.
    pub seats: i32,
    /// Length of a loan in days, 1 to 365.
    pub loan_days: i32,
    /// How many times a school may extend a loan (0 to 10).
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub max_extensions: i32,
    /// Days each extension adds.
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub extension_days: i32,
    /// Phases that may borrow; empty: all.
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub eligible_phases: Vec<Phase>,
    /// School types that may borrow; empty: all.
    #[cfg_attr(feature = "graphql", graphql(default))]
    pub eligible_organisation_types: Vec<EstablishmentType>,
    /// The trial's terms, shown to schools.
    pub terms: String,
    /// Activation codes, one lent with each seat; when given, at least one per seat.
    #[cfg_attr(feature = "graphql", graphql(default))]
    #[serde(skip)]
    pub licence_keys: Vec<String>,
}

impl NewOffer {
    pub fn validate(&self) -> Result<()> {
        let range = |field: &str, v: i32, lo: i32, hi: i32| {
            if (lo..=hi).contains(&v) {
                Ok(())
            } else {
                Err(Error::bad_input(
                    field,
                    format!("`{field}` must be {lo} to {hi}"),
                ))
            }
        };
        range("seats", self.seats, 1, 10_000)?;
        range("loanDays", self.loan_days, 1, 365)?;
        range("maxExtensions", self.max_extensions, 0, 10)?;
        range("extensionDays", self.extension_days, 0, 365)?;
        if self.max_extensions > 0 && self.extension_days == 0 {
            return Err(Error::bad_input(
                "extensionDays",
                "extensions need `extensionDays` of at least 1",
            ));
        }
        crate::validate::text("terms", &self.terms, 10, 5_000)?;
        if !self.licence_keys.is_empty() {
            if self.licence_keys.len() < self.seats as usize || self.licence_keys.len() > 10_000 {
                return Err(Error::bad_input(
                    "licenceKeys",
                    "give at least one licence key per seat (and at most 10,000)",
                ));
            }
            let mut keys: Vec<&str> = self.licence_keys.iter().map(|k| k.trim()).collect();
            keys.sort_unstable();
            keys.dedup();
            if keys.len() != self.licence_keys.len()
                || keys.iter().any(|k| k.is_empty() || k.len() > 200)
            {
                return Err(Error::bad_input(
                    "licenceKeys",
                    "licence keys must be distinct, 1 to 200 characters",
                ));
            }
        }
        Ok(())
    }
}

fn offer_status(o: &trial_offer::Model) -> Result<OfferStatus> {
    OfferStatus::from_code(&o.status)
        .ok_or_else(|| Error::Internal(format!("unknown offer status {:?}", o.status)))
}

pub fn loan_status(l: &loan::Model) -> Result<LoanStatus> {
    LoanStatus::from_code(&l.status)
        .ok_or_else(|| Error::Internal(format!("unknown loan status {:?}", l.status)))
}

/// The offer, locked for the rest of the transaction.
async fn lock_offer(tx: &impl ConnectionTrait, id: Uuid) -> Result<trial_offer::Model> {
    let mut q = trial_offer::Entity::find_by_id(id);
    if db::is_postgres(tx) {
        q = q.lock_exclusive();
    }
    q.one(tx).await?.ok_or(Error::not_found("trial offer"))
}

async fn event(
    tx: &impl ConnectionTrait,
    loan_id: Uuid,
    kind: &str,
    detail: Option<serde_json::Value>,
    actor: Option<&Actor>,
) -> Result<()> {
    events(tx, loan_id, &[(kind, detail)], actor).await
}

/// Several events of one loan in one statement, in order.
async fn events(
    tx: &impl ConnectionTrait,
    loan_id: Uuid,
    list: &[(&str, Option<serde_json::Value>)],
    actor: Option<&Actor>,
) -> Result<()> {
    let now = Utc::now();
    loan_event::Entity::insert_many(list.iter().map(|(kind, detail)| loan_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        loan_id: Set(loan_id),
        kind: Set((*kind).into()),
        detail: Set(detail.clone()),
        actor_id: Set(actor.map(|a| a.user_id)),
        at: Set(now),
    }))
    .exec_without_returning(tx)
    .await?;
    Ok(())
}

// ---- offers --------------------------------------------------------------------------------

/// A supplier puts trial seats on one of its approved products.
pub async fn create_offer(
    db: &DatabaseConnection,
    actor: &Actor,
    product_id: Uuid,
    new: NewOffer,
) -> Result<trial_offer::Model> {
    let supplier_id = actor.supplier_id()?;
    new.validate()?;
    let p = product::Entity::find_by_id(product_id)
        .one(db)
        .await?
        .ok_or(Error::not_found("product"))?;
    let approved = p.status == ProductStatus::Approved.code();
    if p.supplier_id != supplier_id {
        return Err(if approved {
            Error::Forbidden("only the product's supplier may offer trials of it".into())
        } else {
            Error::not_found("product")
        });
    }
    if !approved {
        return Err(Error::Conflict(
            "trials can be offered only on an approved listing".into(),
        ));
    }
    let tx = actor::begin(db, actor).await?;
    let now = Utc::now();
    let id = Uuid::now_v7();
    let codes = |v: Vec<&str>| json!(v);
    trial_offer::Entity::insert(trial_offer::ActiveModel {
        id: Set(id),
        product_id: Set(product_id),
        seats_total: Set(new.seats),
        seats_free: Set(new.seats),
        loan_days: Set(new.loan_days),
        max_extensions: Set(new.max_extensions),
        extension_days: Set(new.extension_days),
        eligible_phases: Set(codes(
            new.eligible_phases.iter().map(|p| p.code()).collect(),
        )),
        eligible_org_types: Set(codes(
            new.eligible_organisation_types
                .iter()
                .map(|t| t.code())
                .collect(),
        )),
        terms: Set(new.terms.trim().to_owned()),
        status: Set(OfferStatus::Open.code().into()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(&tx)
    .await?;
    for chunk in new.licence_keys.chunks(500) {
        licence_key::Entity::insert_many(chunk.iter().map(|code| licence_key::ActiveModel {
            id: Set(Uuid::now_v7()),
            offer_id: Set(id),
            code: Set(code.trim().to_owned()),
            loan_id: Set(None),
            created_at: Set(now),
        }))
        .exec_without_returning(&tx)
        .await?;
    }
    outbox::enqueue_many(
        &tx,
        outbox::EntityType::Product,
        &[product_id],
        outbox::Op::Upsert,
    )
    .await?;
    let mut after = audit::snapshot(&new)?;
    after["licenceKeys"] = json!(new.licence_keys.len());
    audit::record(
        &tx,
        actor,
        "trial_offer.create",
        "trial_offer",
        id,
        None,
        Some(after),
    )
    .await?;
    let offer = lock_offer(&tx, id).await?;
    db::commit(tx).await?;
    Ok(offer)
}

/// The offer's supplier (or an admin) opens, pauses or closes it. Closing releases the
/// waitlist; running loans run to their end. Reopening hands free seats to the waitlist.
pub async fn set_offer_status(
    db: &DatabaseConnection,
    actor: &Actor,
    offer_id: Uuid,
    version: i32,
    status: OfferStatus,
) -> Result<trial_offer::Model> {
    actor.require(&[Role::Supplier, Role::Admin])?;
    let tx = actor::begin(db, actor).await?;
    let offer = lock_offer(&tx, offer_id).await?;
    let p = product::Entity::find_by_id(offer.product_id)
        .one(&tx)
        .await?
        .ok_or(Error::not_found("product"))?;
    if !(actor.is_admin() || actor.organisation_id == Some(p.supplier_id)) {
        return Err(Error::not_found("trial offer"));
    }
    if offer.version != version {
        return Err(Error::Conflict(
            "the offer has changed since you read it: reload it".into(),
        ));
    }
    let from = offer_status(&offer)?;
    if from == OfferStatus::Closed || from == status {
        return Err(Error::Conflict(format!(
            "the offer is {}; it cannot become {}",
            from.code(),
            status.code()
        )));
    }
    trial_offer::Entity::update_many()
        .col_expr(trial_offer::Column::Status, Expr::value(status.code()))
        .col_expr(trial_offer::Column::Version, Expr::value(version + 1))
        .col_expr(trial_offer::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(trial_offer::Column::Id.eq(offer_id))
        .exec(&tx)
        .await?;
    match status {
        OfferStatus::Closed => {
            let waiting = waitlist(&tx, offer_id).await?;
            for l in waiting {
                close_loan(
                    &tx,
                    &l,
                    LoanStatus::LeftWaitlist,
                    "offer_closed",
                    Some(actor),
                )
                .await?;
            }
        }
        OfferStatus::Open => {
            let offer = lock_offer(&tx, offer_id).await?;
            for _ in 0..offer.seats_free {
                if !grant_next(&tx, &offer).await? {
                    break;
                }
            }
        }
        OfferStatus::Paused => {}
    }
    outbox::enqueue_many(
        &tx,
        outbox::EntityType::Product,
        &[offer.product_id],
        outbox::Op::Upsert,
    )
    .await?;
    audit::record(
        &tx,
        actor,
        "trial_offer.status",
        "trial_offer",
        offer_id,
        Some(json!({ "status": from.code(), "version": version })),
        Some(json!({ "status": status.code(), "version": version + 1 })),
    )
    .await?;
    let updated = lock_offer(&tx, offer_id).await?;
    db::commit(tx).await?;
    Ok(updated)
}

/// Open offers on products, for the catalogue (one query for all ids).
pub async fn open_offers(
    db: &impl ConnectionTrait,
    product_ids: &[Uuid],
) -> Result<Vec<trial_offer::Model>> {
    Ok(trial_offer::Entity::find()
        .filter(trial_offer::Column::ProductId.is_in(product_ids.iter().copied()))
        .filter(trial_offer::Column::Status.eq(OfferStatus::Open.code()))
        .order_by_asc(trial_offer::Column::Id)
        .all(db)
        .await?)
}

/// A supplier's offers (an admin's: all), newest first.
pub async fn my_offers(
    db: &impl ConnectionTrait,
    actor: &Actor,
    page: &PageArgs,
) -> Result<Page<trial_offer::Model>> {
    actor.require(&[Role::Supplier, Role::Admin])?;
    let mut q = trial_offer::Entity::find();
    if !actor.is_admin() {
        let supplier_id = actor.supplier_id()?;
        q = q.filter(
            trial_offer::Column::ProductId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(product::Column::Id)
                    .from(product::Entity)
                    .and_where(product::Column::SupplierId.eq(supplier_id))
                    .to_owned(),
            ),
        );
    }
    if let Some(after) = &page.after {
        q = q.filter(trial_offer::Column::Id.lt(after.id));
    }
    let rows = q
        .order_by_desc(trial_offer::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, page, |o| {
        Cursor::new(String::new(), o.id)
    }))
}

/// Figures a supplier sees on an offer.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct OfferStats {
    pub seats_in_use: i64,
    pub waitlist_length: i64,
    /// Loans that have ended (returned, expired or converted).
    pub loans_ended: i64,
    pub converted: i64,
}

impl OfferStats {
    /// Share of ended loans that became purchases, 0 to 1 (none ended: 0).
    pub fn conversion_rate(&self) -> f64 {
        if self.loans_ended == 0 {
            0.0
        } else {
            self.converted as f64 / self.loans_ended as f64
        }
    }
}

pub async fn offer_stats(db: &impl ConnectionTrait, offer_id: Uuid) -> Result<OfferStats> {
    let rows: Vec<(String, i64)> = loan::Entity::find()
        .select_only()
        .column(loan::Column::Status)
        .column_as(loan::Column::Id.count(), "n")
        .filter(loan::Column::OfferId.eq(offer_id))
        .group_by(loan::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut s = OfferStats::default();
    for (status, n) in rows {
        match LoanStatus::from_code(&status) {
            Some(LoanStatus::Active) => s.seats_in_use = n,
            Some(LoanStatus::Waitlisted) => s.waitlist_length = n,
            Some(LoanStatus::Converted) => {
                s.converted = n;
                s.loans_ended += n;
            }
            Some(LoanStatus::Returned | LoanStatus::Expired) => s.loans_ended += n,
            _ => {}
        }
    }
    Ok(s)
}

// ---- loans ---------------------------------------------------------------------------------

/// What the school gets back from a request.
#[derive(Debug, Clone)]
pub struct LoanView {
    pub loan: loan::Model,
    /// 1 for the head of the waitlist; `None` unless waitlisted.
    pub waitlist_position: Option<i64>,
}

fn eligible(list: &serde_json::Value, code: Option<&str>) -> bool {
    match list.as_array() {
        Some(values) if !values.is_empty() => {
            code.is_some_and(|c| values.iter().any(|v| v.as_str() == Some(c)))
        }
        _ => true,
    }
}

/// A school buyer asks for a trial seat: granted now if one is free, else a waitlist place.
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
    let listed = product::Entity::find_by_id(unlocked.product_id)
        .filter(product::Column::Status.eq(ProductStatus::Approved.code()))
        .one(&tx)
        .await?
        .is_some();
    if !listed {
        // A withdrawn listing's offer is as gone as one that never existed.
        return Err(Error::not_found("trial offer"));
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
    let offer = lock_offer(&tx, offer_id).await?;
    match offer_status(&offer)? {
        OfferStatus::Open => {}
        OfferStatus::Paused => {
            return Err(Error::Conflict(
                "this trial offer is paused: try again later".into(),
            ));
        }
        OfferStatus::Closed => return Err(Error::Conflict("this trial offer has closed".into())),
    }
    let now = Utc::now();
    let id = Uuid::now_v7();
    let mut row = loan::Model {
        id,
        offer_id,
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
    };
    let granted = offer.seats_free > 0 && take_seat(&tx, offer_id).await?;
    if granted {
        row.status = LoanStatus::Active.code().into();
        row.granted_at = Some(now);
        row.ends_at = Some(now + Duration::days(i64::from(offer.loan_days)));
    } else {
        row.waitlist_seq = Some(next_waitlist_seq(&tx, offer_id).await?);
    }
    loan::Entity::insert(loan::ActiveModel::from(row.clone()))
        .exec_without_returning(&tx)
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
        &tx,
        id,
        &[("requested", None), (second.0, Some(second.1))],
        Some(actor),
    )
    .await?;
    if granted {
        lend_key_and_notify(&tx, &row).await?;
    }
    audit::record(
        &tx,
        actor,
        "loan.request",
        "loan",
        id,
        None,
        Some(json!({ "offer": offer_id, "status": row.status })),
    )
    .await?;
    let view = view(&tx, row).await?;
    db::commit(tx).await?;
    Ok(view)
}

/// The next place in an offer's queue: after everyone waiting, and never below the clock in
/// microseconds, so places keep rising even when the queue has emptied in between. The offer
/// must be locked. (Only the waiting are scanned: an index range, however long the history.)
async fn next_waitlist_seq(tx: &impl ConnectionTrait, offer_id: Uuid) -> Result<i64> {
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
async fn take_seat(tx: &impl ConnectionTrait, offer_id: Uuid) -> Result<bool> {
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
async fn lend_key_and_notify(tx: &impl ConnectionTrait, l: &loan::Model) -> Result<()> {
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
    .await
}

/// Waitlisted loans of an offer, head first.
async fn waitlist(tx: &impl ConnectionTrait, offer_id: Uuid) -> Result<Vec<loan::Model>> {
    Ok(loan::Entity::find()
        .filter(loan::Column::OfferId.eq(offer_id))
        .filter(loan::Column::Status.eq(LoanStatus::Waitlisted.code()))
        .order_by_asc(loan::Column::WaitlistSeq)
        .all(tx)
        .await?)
}

/// Gives a free seat of the locked, open offer to the head of its waitlist; false when the
/// waitlist is empty or no seat is free.
async fn grant_next(tx: &impl ConnectionTrait, offer: &trial_offer::Model) -> Result<bool> {
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
async fn close_loan(
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
    close_loan(tx, &l, LoanStatus::Converted, "converted", None).await
}

/// A school's own loan, or `NOT_FOUND` (loans are private).
async fn own_loan(tx: &impl ConnectionTrait, actor: &Actor, id: Uuid) -> Result<loan::Model> {
    let school_id = actor.school_id()?;
    loan::Entity::find_by_id(id)
        .one(tx)
        .await?
        .filter(|l| l.school_id == school_id)
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
    actor.school_id()?;
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
            loan::Entity::update_many()
                .col_expr(loan::Column::EndsAt, Expr::value(ends_at))
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
    let v = view(&tx, after).await?;
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

async fn view(db: &impl ConnectionTrait, loan: loan::Model) -> Result<LoanView> {
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
    view(db, l).await
}

/// The school's loans, newest first, optionally of one status.
pub async fn mine(
    db: &impl ConnectionTrait,
    actor: &Actor,
    status: Option<LoanStatus>,
    page: &PageArgs,
) -> Result<Page<LoanView>> {
    let school_id = actor.school_id()?;
    let mut q = loan::Entity::find().filter(loan::Column::SchoolId.eq(school_id));
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
        items.push((c, view(db, l).await?));
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

// ---- the sweeper ---------------------------------------------------------------------------

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
