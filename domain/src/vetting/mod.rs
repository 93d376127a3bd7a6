//! Vetting: admins check a listing before schools see it.
//!
//! The workflow: draft -> submitted -> in review -> approved (published) | changes requested |
//! rejected. An approved listing's pending revision is decided the same way, straight from
//! pending: approving it makes its content live, anything else leaves the live content alone.
//! Every decision records the checklist and notes to the supplier; the catalogue's badges are
//! the checklist items that passed in the approving decision. Approval needs the data
//! protection and safeguarding items to pass: nothing reaches schools without them. An
//! approving checklist must record the facts the listing (or the revision) states, so badges
//! never claim what a school reading the listing would not find.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::Serialize;
use uuid::Uuid;

use crate::actor::{self, Actor};
use crate::catalogue::products;
use crate::entity::{product, product_revision, vetting_decision};
use crate::listings::{self, Listing};
use crate::pagination::{Cursor, Page, PageArgs};
use crate::vocab::{Badge, CheckOutcome, ProductStatus, Role, VettingDecision};
use crate::{Error, Result, audit, db};

mod checklist;

pub use checklist::{
    AccessibilityCheck, Check, Checklist, CyberSecurityCheck, DataProtectionCheck, ListedFacts,
};

/// What the audit log and the decision row keep.
#[derive(Serialize)]
struct DecisionSnapshot<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<&'a str>,
    status: &'a str,
    version: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    revision: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    badges: Option<Vec<Badge>>,
}

/// An admin takes a submitted listing into review.
pub async fn start_review(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
) -> Result<Listing> {
    actor.require(&[Role::Admin])?;
    let tx = actor::begin(db, actor).await?;
    listings::lock(&tx, id).await?;
    let p = find(&tx, id).await?;
    check_version(&p, version)?;
    if listings::status_of(&p)? != ProductStatus::Submitted {
        return Err(Error::Conflict(format!(
            "only a submitted listing can be taken into review; this one is {}",
            p.status
        )));
    }
    let updated = listings::bump(&tx, &p, Some(ProductStatus::InReview)).await?;
    insert_decision(
        &tx,
        actor,
        id,
        None,
        "in_review",
        serde_json::Value::Null,
        "",
    )
    .await?;
    audit::record(
        &tx,
        actor,
        "product.review.start",
        "product",
        id,
        Some(snap(None, &p, None, None)?),
        Some(snap(Some("in_review"), &updated, None, None)?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(Listing {
        product: updated,
        pending_revision: None,
    })
}

/// An admin decides on a listing in review, or on an approved listing's pending revision.
pub async fn decide(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    decision: VettingDecision,
    checklist: Checklist,
    notes: String,
) -> Result<Listing> {
    actor.require(&[Role::Admin])?;
    checklist.validate()?;
    crate::validate::text("notes", &notes, 0, 5_000)?;
    if decision != VettingDecision::Approve && notes.trim().is_empty() {
        return Err(Error::bad_input(
            "notes",
            "tell the supplier what to change or why the listing is refused",
        ));
    }
    if decision == VettingDecision::Approve {
        for (field, outcome) in [
            (
                "checklist.dataProtection",
                checklist.data_protection.outcome,
            ),
            ("checklist.safeguarding", checklist.safeguarding.outcome),
        ] {
            if outcome != CheckOutcome::Pass {
                return Err(Error::bad_input(
                    field,
                    "a listing is approved only when data protection and safeguarding pass",
                ));
            }
        }
    }
    let tx = actor::begin(db, actor).await?;
    listings::lock(&tx, id).await?;
    let p = find(&tx, id).await?;
    check_version(&p, version)?;
    let badges = checklist.badges();
    let checklist_json = audit::snapshot(&checklist)?;
    let status = listings::status_of(&p)?;
    let (updated, revision) = match status {
        ProductStatus::InReview => {
            let next = match decision {
                VettingDecision::Approve => ProductStatus::Approved,
                VettingDecision::RequestChanges => ProductStatus::ChangesRequested,
                VettingDecision::Reject => ProductStatus::Rejected,
            };
            if decision == VettingDecision::Approve {
                let device = crate::devices::spec::specs_of(&tx, &[id])
                    .await?
                    .remove(&id);
                checklist.agrees_with(&ListedFacts::of_row(&p, device)?)?;
                products::replace_badges(&tx, id, &badges).await?;
            }
            (listings::bump(&tx, &p, Some(next)).await?, None)
        }
        ProductStatus::Approved => {
            let rev = product_revision::Entity::find()
                .filter(product_revision::Column::ProductId.eq(id))
                .filter(product_revision::Column::Status.eq("pending"))
                .one(&tx)
                .await?
                .ok_or_else(|| {
                    Error::Conflict("this approved listing has no revision awaiting vetting".into())
                })?;
            let revision_status = if decision == VettingDecision::Approve {
                let content = serde_json::from_value(rev.data.clone())
                    .map_err(|e| Error::Internal(format!("revision {} data: {e}", rev.id)))?;
                let content = listings::check_content(&tx, content).await?;
                checklist.agrees_with(&ListedFacts::of_content(&content))?;
                products::replace_content(&tx, id, &content).await?;
                products::replace_badges(&tx, id, &badges).await?;
                "approved"
            } else {
                "rejected"
            };
            product_revision::Entity::update_many()
                .col_expr(
                    product_revision::Column::Status,
                    Expr::value(revision_status),
                )
                .col_expr(product_revision::Column::DecidedAt, Expr::value(Utc::now()))
                .filter(product_revision::Column::Id.eq(rev.id))
                .exec(&tx)
                .await?;
            (listings::bump(&tx, &p, None).await?, Some(rev.id))
        }
        other => {
            return Err(Error::Conflict(format!(
                "a listing in status {} cannot be decided; it must be in review (or approved with a pending revision)",
                other.code()
            )));
        }
    };
    insert_decision(
        &tx,
        actor,
        id,
        revision,
        decision.code(),
        checklist_json,
        &notes,
    )
    .await?;
    crate::deliveries::alerts::tell_supplier(
        &tx,
        p.supplier_id,
        "vetting.decided",
        format!("Vetting decision on {}", p.name),
        serde_json::json!({
            "productId": id,
            "productName": p.name,
            "revisionId": revision,
            "decision": decision.code(),
            "notes": notes.trim(),
        }),
        None,
        Some(crate::deliveries::webhooks::WebhookEventKind::VettingDecided),
    )
    .await?;
    let approved = decision == VettingDecision::Approve;
    audit::record(
        &tx,
        actor,
        "product.review.decide",
        "product",
        id,
        Some(snap(None, &p, revision, None)?),
        Some(snap(
            Some(decision.code()),
            &updated,
            revision,
            approved.then_some(badges),
        )?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(Listing {
        product: updated,
        pending_revision: None,
    })
}

fn snap(
    decision: Option<&str>,
    p: &product::Model,
    revision: Option<Uuid>,
    badges: Option<Vec<Badge>>,
) -> Result<serde_json::Value> {
    audit::snapshot(&DecisionSnapshot {
        decision,
        status: &p.status,
        version: p.version,
        revision,
        badges,
    })
}

async fn find(tx: &impl ConnectionTrait, id: Uuid) -> Result<product::Model> {
    product::Entity::find_by_id(id)
        .one(tx)
        .await?
        .ok_or(Error::not_found("product"))
}

fn check_version(p: &product::Model, expected: i32) -> Result<()> {
    if p.version == expected {
        Ok(())
    } else {
        Err(Error::Conflict(
            "the listing has changed since you read it: reload it and decide on the current version".into(),
        ))
    }
}

async fn insert_decision(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    product_id: Uuid,
    revision_id: Option<Uuid>,
    decision: &str,
    checklist: serde_json::Value,
    notes: &str,
) -> Result<()> {
    vetting_decision::Entity::insert(vetting_decision::ActiveModel {
        id: Set(Uuid::now_v7()),
        product_id: Set(product_id),
        revision_id: Set(revision_id),
        decision: Set(decision.into()),
        checklist: Set(checklist),
        notes: Set(notes.trim().to_owned()),
        decided_by: Set(Some(actor.user_id)),
        decided_at: Set(Utc::now()),
    })
    .exec_without_returning(tx)
    .await?;
    Ok(())
}

/// Listings awaiting an admin: submitted or in review, and approved listings with a pending
/// revision; oldest first.
pub async fn queue(
    db: &impl ConnectionTrait,
    actor: &Actor,
    page: &PageArgs,
) -> Result<Page<product::Model>> {
    actor.require(&[Role::Admin])?;
    let with_revision = sea_orm::sea_query::Query::select()
        .column(product_revision::Column::ProductId)
        .from(product_revision::Entity)
        .and_where(product_revision::Column::Status.eq("pending"))
        .to_owned();
    let mut q = product::Entity::find().filter(
        sea_orm::Condition::any()
            .add(product::Column::Status.is_in([
                ProductStatus::Submitted.code(),
                ProductStatus::InReview.code(),
            ]))
            .add(product::Column::Id.in_subquery(with_revision)),
    );
    if let Some(after) = &page.after {
        q = q.filter(product::Column::Id.gt(after.id));
    }
    let rows = q
        .order_by_asc(product::Column::Id)
        .limit(page.first + 1)
        .all(db)
        .await?;
    Ok(Page::from_rows(rows, page, |p| {
        Cursor::new(String::new(), p.id)
    }))
}
