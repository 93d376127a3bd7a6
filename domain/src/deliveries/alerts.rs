//! Telling suppliers, advisers and admins what concerns them: the notices services write in
//! their own transactions, and the sweep that finds what is late.
//!
//! Policy: a supplier's notices go to the supplier organisation as a whole (every user of it
//! sees them, and each gets the email unless they turned the kind off) and, where the kind
//! has a webhook event, to the supplier's endpoints too. An adviser's go to the adviser. An
//! admin's go to the service organisation, which every ADMIN sees; the service organisation
//! is made on first use if the database has none. The sweep is idempotent: each late thing is
//! told once (a `dedupe_key` per case and deadline, per listing and submission).

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::webhooks::{self, WebhookEventKind};
use crate::advice::add_working_days;
use crate::entity::{advice_request, organisation, product};
use crate::notifications::{self, Notice};
use crate::vocab::{AdviceStatus, OrgKind, ProductStatus};
use crate::{Result, db};

/// Working days a listing may wait for vetting before admins are told.
pub const VETTING_WAIT_WORKING_DAYS: i64 = 5;

/// A notice to a supplier organisation, and the matching webhook event when there is one.
pub async fn tell_supplier(
    tx: &impl ConnectionTrait,
    supplier_id: Uuid,
    kind: &str,
    subject: String,
    payload: Value,
    dedupe_key: Option<String>,
    event: Option<WebhookEventKind>,
) -> Result<()> {
    notifications::notify(
        tx,
        Notice {
            user_id: None,
            organisation_id: supplier_id,
            kind,
            subject,
            payload: payload.clone(),
            dedupe_key,
        },
    )
    .await?;
    if let Some(event) = event {
        webhooks::publish(tx, supplier_id, event, payload).await?;
    }
    Ok(())
}

/// The service organisation admins' notices are addressed to (made if missing).
pub async fn service_organisation(tx: &impl ConnectionTrait) -> Result<Uuid> {
    if let Some(o) = organisation::Entity::find()
        .filter(organisation::Column::Kind.eq(OrgKind::Service.code()))
        .order_by_asc(organisation::Column::CreatedAt)
        .one(tx)
        .await?
    {
        return Ok(o.id);
    }
    let id = Uuid::new_v5(&Uuid::NAMESPACE_URL, b"https://becta/service-organisation");
    let now = Utc::now();
    organisation::Entity::insert(organisation::ActiveModel {
        id: Set(id),
        kind: Set(OrgKind::Service.code().into()),
        name: Set("BECTA service".into()),
        urn: Set(None),
        establishment_type: Set(None),
        phase: Set(None),
        la_code: Set(None),
        la_name: Set(None),
        region: Set(None),
        trust_id: Set(None),
        group_uid: Set(None),
        pupil_count: Set(None),
        postcode: Set(None),
        companies_house_number: Set(None),
        website: Set(None),
        is_sample: Set(false),
        status: Set("open".into()),
        ukprn: Set(None),
        opened_on: Set(None),
        closed_on: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([organisation::Column::Id])
    .exec_without_returning(tx)
    .await?;
    Ok(id)
}

/// A notice to every admin.
pub async fn tell_admins(
    tx: &impl ConnectionTrait,
    kind: &str,
    subject: String,
    payload: Value,
    dedupe_key: Option<String>,
) -> Result<()> {
    let org = service_organisation(tx).await?;
    notifications::notify(
        tx,
        Notice {
            user_id: None,
            organisation_id: org,
            kind,
            subject,
            payload,
            dedupe_key,
        },
    )
    .await
}

/// A notice to one user (an adviser), shown under their organisation if they have one, else
/// the service organisation's.
pub async fn tell_user(
    tx: &impl ConnectionTrait,
    user_id: Uuid,
    kind: &str,
    subject: String,
    payload: Value,
    dedupe_key: Option<String>,
) -> Result<()> {
    let org = match crate::entity::user::Entity::find_by_id(user_id)
        .one(tx)
        .await?
        .and_then(|u| u.organisation_id)
    {
        Some(o) => o,
        None => service_organisation(tx).await?,
    };
    notifications::notify(
        tx,
        Notice {
            user_id: Some(user_id),
            organisation_id: org,
            kind,
            subject,
            payload,
            dedupe_key,
        },
    )
    .await
}

/// The name of a school or other organisation, for notices.
pub async fn organisation_name(tx: &impl ConnectionTrait, id: Uuid) -> Result<String> {
    Ok(organisation::Entity::find_by_id(id)
        .one(tx)
        .await?
        .map(|o| o.name)
        .unwrap_or_else(|| "A school".into()))
}

/// What one sweep wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Alerted {
    pub overdue_cases: usize,
    pub vetting_backlog: usize,
}

/// Tells advisers (or, for an unassigned case, admins) of overdue cases, and admins of
/// listings waiting for vetting for more than 5 working days.
pub async fn sweep(db: &DatabaseConnection, now: DateTime<Utc>, batch: u64) -> Result<Alerted> {
    let mut out = Alerted::default();
    let late = advice_request::Entity::find()
        .filter(advice_request::Column::Status.ne(AdviceStatus::Closed.code()))
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(advice_request::Column::FirstRespondedAt.is_null())
                        .add(advice_request::Column::FirstResponseDueAt.lt(now)),
                )
                .add(advice_request::Column::ResolutionDueAt.lt(now)),
        )
        .order_by_asc(advice_request::Column::Id)
        .limit(batch)
        .all(db)
        .await?;
    // Submitted for vetting more than 5 working days ago: waiting since the last change of a
    // listing in `submitted` or `in_review`.
    let waiting: Vec<product::Model> = product::Entity::find()
        .filter(product::Column::Status.is_in([
            ProductStatus::Submitted.code(),
            ProductStatus::InReview.code(),
        ]))
        .filter(
            product::Column::UpdatedAt.lt(now - chrono::Duration::days(VETTING_WAIT_WORKING_DAYS)),
        )
        .order_by_asc(product::Column::UpdatedAt)
        .limit(batch)
        .all(db)
        .await?
        .into_iter()
        .filter(|p| add_working_days(p.updated_at, VETTING_WAIT_WORKING_DAYS) < now)
        .collect();
    if late.is_empty() && waiting.is_empty() {
        return Ok(out);
    }
    let tx = db::begin_write(db).await?;
    for c in &late {
        let (which, due) = if c.first_responded_at.is_none() && c.first_response_due_at < now {
            ("first_response", c.first_response_due_at)
        } else {
            ("resolution", c.resolution_due_at)
        };
        let payload = json!({
            "requestId": c.id,
            "reference": c.reference,
            "deadline": which,
            "dueAt": due.to_rfc3339(),
        });
        let key = Some(format!(
            "advice:{}:overdue:{which}:{}",
            c.id,
            due.timestamp()
        ));
        let subject = format!("Case {} is overdue", c.reference);
        match c.assignee_id {
            Some(a) => tell_user(&tx, a, "advice.overdue", subject, payload, key).await?,
            None => tell_admins(&tx, "advice.overdue", subject, payload, key).await?,
        }
        out.overdue_cases += 1;
    }
    for p in &waiting {
        tell_admins(
            &tx,
            "vetting.backlog",
            format!("{} has waited over 5 working days for vetting", p.name),
            json!({ "productId": p.id, "submittedAt": p.updated_at.to_rfc3339() }),
            Some(format!(
                "vetting:{}:backlog:{}",
                p.id,
                p.updated_at.timestamp()
            )),
        )
        .await?;
        out.vetting_backlog += 1;
    }
    db::commit(tx).await?;
    Ok(out)
}

/// What happened to a loan on a supplier's offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoanNews {
    Granted,
    Returned,
    Expired,
}

/// Tells the supplier of a loan on its offer (notice and webhook). Loans are private to the
/// school, so the supplier learns the product, offer and dates, and never which school.
pub async fn tell_supplier_of_loan(
    tx: &impl ConnectionTrait,
    l: &crate::entity::loan::Model,
    news: LoanNews,
) -> Result<()> {
    let Some(p) = product::Entity::find_by_id(l.product_id).one(tx).await? else {
        return Ok(());
    };
    let (kind, event, subject) = match news {
        LoanNews::Granted => (
            "supplier.loan_granted",
            WebhookEventKind::LoanGranted,
            format!("A school is trialling {}", p.name),
        ),
        LoanNews::Returned => (
            "supplier.loan_returned",
            WebhookEventKind::LoanReturned,
            format!("A trial seat of {} was returned", p.name),
        ),
        LoanNews::Expired => (
            "supplier.loan_expired",
            WebhookEventKind::LoanExpired,
            format!("A trial of {} has ended", p.name),
        ),
    };
    tell_supplier(
        tx,
        p.supplier_id,
        kind,
        subject,
        json!({
            "loanId": l.id,
            "offerId": l.offer_id,
            "productId": p.id,
            "productName": p.name,
            "grantedAt": l.granted_at.map(|t| t.to_rfc3339()),
            "endsAt": l.ends_at.map(|t| t.to_rfc3339()),
        }),
        Some(format!("{kind}:{}", l.id)),
        Some(event),
    )
    .await
}
