//! Device disposal: a school asks one supplier of a deal's lot that offers it to collect old
//! devices for reuse or recycling, and the supplier returns an erasure certificate per device.
//!
//! Policy:
//! - A lot offers disposal when its `offers_disposal` flag is set (by the deals import's
//!   `offersDisposal`, an admin's `LotInput.offersDisposal`, or the seed). A school buyer asks
//!   for its own school; a trust-scoped buyer names one of the trust's schools (`schoolId`).
//!   The lot must offer disposal, its deal be published and in force today, and the school
//!   eligible for the deal; the supplier must be on the lot.
//! - A request gives the units by form factor (each form factor once, each 1 or more, at most
//!   [`MAX_TOTAL_UNITS`] in all), the erasure standard required (a current one: NIST SP 800-88
//!   Rev. 1 is withdrawn), the outcome wanted (REUSE, RECYCLE or EITHER), a collection note
//!   (address, contact) and a preferred collection date from today to a year ahead.
//! - Statuses: REQUESTED -> SCHEDULED (the supplier gives a collection date, and may move it
//!   while SCHEDULED) -> COLLECTED -> COMPLETED (a certificate per device). The school may
//!   cancel while REQUESTED or SCHEDULED; the supplier may decline, with a reason, while
//!   REQUESTED. Any other move is `CONFLICT`; each runs with the request's row locked
//!   (PostgreSQL; SQLite's writer lock serialises writers already).
//! - Completion checks every certificate (see [`completion`]): serials unique within the
//!   request (ignoring case and surrounding spaces), the erasure standard exactly the one
//!   required (no "stricter" standard is accepted: the standards are not ranked), a RECYCLE
//!   request has no device REUSED, and the certificates per form factor equal the units
//!   requested unless the supplier gives a `differenceReason`, which stays on the record. One
//!   transaction writes them all, with the status, the audit event and the school's notice.
//! - Who sees a request: the school's buyers (and its trust's), the supplier it is addressed
//!   to, and admins; anyone else naming it gets `NOT_FOUND`. Only the school's side cancels,
//!   and only the supplier schedules, declines, marks collected and completes.
//! - Notifications: the school (its organisation) is told `disposal.scheduled`,
//!   `disposal.declined` and `disposal.completed`; the supplier `disposal.requested` and
//!   `disposal.cancelled`. Every change is audited.

pub mod completion;
mod requests;
mod supplier;

pub use completion::{CertificateInput, complete};
pub use requests::{DisposalInput, DisposalLineInput, cancel, request};
pub use supplier::{decline, mark_collected, schedule};

use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::actor::Actor;
use crate::catalogue::organisations;
use crate::entity::{deal, disposal_certificate, disposal_line, disposal_request};
use crate::pagination::{Cursor, Page, PageArgs};
use crate::vocab::{DisposalStatus, FormFactor, Role};
use crate::{Error, Result, audit, db};

/// The most units one request may ask to collect, over all form factors.
pub const MAX_TOTAL_UNITS: i32 = 10_000;
/// How far ahead a collection date may be, in days.
pub const MAX_DAYS_AHEAD: i64 = 365;

/// The units of one form factor a request asks to collect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct DisposalLine {
    pub form_factor: FormFactor,
    pub units: i32,
}

/// A request with its lines and the names a reader needs.
#[derive(Debug, Clone)]
pub struct DisposalView {
    pub request: disposal_request::Model,
    /// By form factor, in the vocabulary's order.
    pub lines: Vec<DisposalLine>,
    pub school_name: String,
    pub supplier_name: String,
    pub deal_title: String,
    pub deal_reference: String,
}

impl DisposalView {
    pub fn status(&self) -> Result<DisposalStatus> {
        status_of(&self.request)
    }

    pub fn total_units(&self) -> i32 {
        self.lines.iter().map(|l| l.units).sum()
    }
}

pub(crate) fn status_of(r: &disposal_request::Model) -> Result<DisposalStatus> {
    DisposalStatus::from_code(&r.status)
        .ok_or_else(|| Error::Internal(format!("unknown disposal status {:?}", r.status)))
}

/// A date from today to [`MAX_DAYS_AHEAD`] days ahead, or bad input naming `field`.
pub(crate) fn check_date(field: &str, date: NaiveDate, today: NaiveDate) -> Result<()> {
    if date < today {
        return Err(Error::bad_input(
            field,
            format!("`{field}` must not be in the past"),
        ));
    }
    if date > today + Duration::days(MAX_DAYS_AHEAD) {
        return Err(Error::bad_input(
            field,
            format!("`{field}` must be within {MAX_DAYS_AHEAD} days from today"),
        ));
    }
    Ok(())
}

/// Which side of a request the actor is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    School,
    Supplier,
    Admin,
}

/// The request if the actor may see it, and their side; `NOT_FOUND` for anyone else.
pub(crate) async fn visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<(disposal_request::Model, Side)> {
    let missing = || Error::not_found("disposal request");
    let r = disposal_request::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(missing)?;
    let side = match actor.role {
        Role::Admin => Side::Admin,
        Role::Supplier if actor.organisation_id == Some(r.supplier_id) => Side::Supplier,
        Role::SchoolBuyer => {
            let schools = organisations::schools_in_scope(db, actor).await?;
            if !schools.iter().any(|s| s.id == r.school_id) {
                return Err(missing());
            }
            Side::School
        }
        _ => return Err(missing()),
    };
    Ok((r, side))
}

/// The request locked for the rest of the transaction.
pub(crate) async fn lock(tx: &impl ConnectionTrait, id: Uuid) -> Result<disposal_request::Model> {
    let mut q = disposal_request::Entity::find_by_id(id);
    if db::is_postgres(tx) {
        q = q.lock_exclusive();
    }
    q.one(tx).await?.ok_or(Error::not_found("disposal request"))
}

/// `CONFLICT` unless the request is in one of `from` (to do `what`).
pub(crate) fn require_status(
    r: &disposal_request::Model,
    from: &[DisposalStatus],
    what: &str,
) -> Result<DisposalStatus> {
    let now = status_of(r)?;
    if from.contains(&now) {
        return Ok(now);
    }
    let allowed = from
        .iter()
        .map(|s| s.label().to_uppercase())
        .collect::<Vec<_>>()
        .join(" or ");
    Err(Error::Conflict(format!(
        "only a {allowed} disposal request can be {what}; this one is {}",
        now.label().to_uppercase()
    )))
}

/// Writes `after` (its version bumped) over the locked `before`, with its audit event.
pub(crate) async fn save(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    action: &str,
    before: &disposal_request::Model,
    mut after: disposal_request::Model,
) -> Result<disposal_request::Model> {
    after.version += 1;
    after.updated_at = Utc::now();
    disposal_request::ActiveModel::from(after.clone())
        .reset_all()
        .update(tx)
        .await?;
    audit::record(
        tx,
        actor,
        action,
        "disposal_request",
        after.id,
        Some(audit::snapshot(before)?),
        Some(audit::snapshot(&after)?),
    )
    .await?;
    Ok(after)
}

/// A request the actor may read, with its lines and names.
pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: Uuid) -> Result<DisposalView> {
    let (r, _) = visible(db, actor, id).await?;
    let mut v = views(db, vec![r]).await?;
    v.pop().ok_or(Error::not_found("disposal request"))
}

/// The requests the actor may see, newest first: a school's (a trust's buyer: every school of
/// the trust's), those addressed to a supplier, or every one for an admin; optionally of one
/// status.
pub async fn mine(
    db: &impl ConnectionTrait,
    actor: &Actor,
    status: Option<DisposalStatus>,
    page: &PageArgs,
) -> Result<Page<DisposalView>> {
    actor.require(&[Role::SchoolBuyer, Role::Supplier, Role::Admin])?;
    let mut c = Condition::all();
    match actor.role {
        Role::SchoolBuyer => {
            let schools = organisations::schools_in_scope(db, actor).await?;
            c = c.add(disposal_request::Column::SchoolId.is_in(schools.into_iter().map(|s| s.id)));
        }
        Role::Supplier => c = c.add(disposal_request::Column::SupplierId.eq(actor.supplier_id()?)),
        _ => {}
    }
    if let Some(s) = status {
        c = c.add(disposal_request::Column::Status.eq(s.code()));
    }
    // Ids are UUIDv7: their order is the order requests were made.
    if let Some(after) = &page.after {
        c = c.add(disposal_request::Column::Id.lt(after.id));
    }
    let rows = disposal_request::Entity::find()
        .filter(c)
        .order_by_desc(disposal_request::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    let page = Page::from_rows(rows, page, |r| Cursor::new(String::new(), r.id));
    let (cursors, rows): (Vec<Cursor>, Vec<_>) = page.items.into_iter().unzip();
    let views = views(db, rows).await?;
    Ok(Page {
        items: cursors.into_iter().zip(views).collect(),
        has_next_page: page.has_next_page,
        has_previous_page: page.has_previous_page,
    })
}

/// Requests with their lines and the names of their schools, suppliers and deals: three
/// queries however many.
async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<disposal_request::Model>,
) -> Result<Vec<DisposalView>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut lines: HashMap<Uuid, Vec<DisposalLine>> = HashMap::new();
    for l in disposal_line::Entity::find()
        .filter(disposal_line::Column::RequestId.is_in(ids))
        .all(db)
        .await?
    {
        let form_factor = FormFactor::from_code(&l.form_factor)
            .ok_or_else(|| Error::Internal(format!("unknown form factor {:?}", l.form_factor)))?;
        lines.entry(l.request_id).or_default().push(DisposalLine {
            form_factor,
            units: l.units,
        });
    }
    let org_ids: Vec<Uuid> = rows
        .iter()
        .flat_map(|r| [r.school_id, r.supplier_id])
        .collect();
    let orgs = organisations::by_ids(db, &org_ids).await?;
    let deals: HashMap<Uuid, deal::Model> = deal::Entity::find()
        .filter(deal::Column::Id.is_in(rows.iter().map(|r| r.deal_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let name = |id: Uuid| orgs.get(&id).map(|o| o.name.clone()).unwrap_or_default();
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut lines = lines.remove(&r.id).unwrap_or_default();
            lines.sort_by_key(|l| l.form_factor);
            let deal = deals.get(&r.deal_id);
            DisposalView {
                lines,
                school_name: name(r.school_id),
                supplier_name: name(r.supplier_id),
                deal_title: deal.map(|d| d.title.clone()).unwrap_or_default(),
                deal_reference: deal.map(|d| d.reference.clone()).unwrap_or_default(),
                request: r,
            }
        })
        .collect())
}

/// The certificates of each request, in the order the supplier gave them: one query for all.
/// The caller has checked that the reader may see the requests.
pub async fn certificates_of(
    db: &impl ConnectionTrait,
    request_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<disposal_certificate::Model>>> {
    let mut out: HashMap<Uuid, Vec<disposal_certificate::Model>> = HashMap::new();
    if request_ids.is_empty() {
        return Ok(out);
    }
    for c in disposal_certificate::Entity::find()
        .filter(disposal_certificate::Column::RequestId.is_in(request_ids.iter().copied()))
        .order_by_asc(disposal_certificate::Column::RequestId)
        .order_by_asc(disposal_certificate::Column::Position)
        .all(db)
        .await?
    {
        out.entry(c.request_id).or_default().push(c);
    }
    Ok(out)
}
