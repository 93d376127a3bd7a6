//! Moderation: flags raised on a published review, and admins hiding or restoring one.

use chrono::Utc;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use super::aggregates::apply;
use super::{HIDDEN, PUBLISHED, find, save};
use crate::actor::{self, Actor};
use crate::entity::{review, review_flag};
use crate::vocab::Role;
use crate::{Error, Result, audit, db, outbox};

/// Anyone signed in reports a published review to the moderators.
pub async fn flag(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    reason: String,
) -> Result<review::Model> {
    crate::validate::text("reason", &reason, 3, 1_000)?;
    let tx = actor::begin(db, actor).await?;
    let r = find(&tx, id).await?;
    if r.status != PUBLISHED {
        return Err(Error::not_found("review"));
    }
    let dup = review_flag::Entity::find()
        .filter(review_flag::Column::ReviewId.eq(id))
        .filter(review_flag::Column::FlaggedBy.eq(actor.user_id))
        .count(&tx)
        .await?;
    if dup > 0 {
        return Err(Error::Conflict(
            "you have flagged this review already".into(),
        ));
    }
    review_flag::Entity::insert(review_flag::ActiveModel {
        id: Set(Uuid::now_v7()),
        review_id: Set(id),
        flagged_by: Set(actor.user_id),
        reason: Set(reason.trim().to_owned()),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(&tx)
    .await?;
    audit::record(
        &tx,
        actor,
        "review.flag",
        "review",
        id,
        None,
        Some(json!({ "reason": reason.trim() })),
    )
    .await?;
    db::commit(tx).await?;
    Ok(r)
}

/// An admin hides a published review, or restores a hidden one, with a reason.
pub async fn moderate(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    hide: bool,
    reason: String,
) -> Result<review::Model> {
    actor.require(&[Role::Admin])?;
    crate::validate::text("reason", &reason, 3, 1_000)?;
    let tx = actor::begin(db, actor).await?;
    let before = find(&tx, id).await?;
    if before.version != version {
        return Err(Error::Conflict(
            "the review has changed since you read it: reload it".into(),
        ));
    }
    let (from, to) = if hide {
        (PUBLISHED, HIDDEN)
    } else {
        (HIDDEN, PUBLISHED)
    };
    if before.status != from {
        return Err(Error::Conflict(format!(
            "the review is {} already",
            before.status
        )));
    }
    let after = review::Model {
        status: to.into(),
        moderation_reason: Some(reason.trim().to_owned()),
        version: version + 1,
        updated_at: Utc::now(),
        ..before.clone()
    };
    save(&tx, &after, version).await?;
    apply(&tx, &before, if hide { -1 } else { 1 }).await?;
    outbox::enqueue_many(
        &tx,
        outbox::EntityType::Product,
        &[before.product_id],
        outbox::Op::Upsert,
    )
    .await?;
    audit::record(
        &tx,
        actor,
        if hide {
            "review.hide"
        } else {
            "review.restore"
        },
        "review",
        id,
        Some(json!({ "status": from, "version": version })),
        Some(json!({ "status": to, "version": version + 1, "reason": reason.trim() })),
    )
    .await?;
    db::commit(tx).await?;
    Ok(after)
}
