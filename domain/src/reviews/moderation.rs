//! Moderation: flags raised on a published review, and admins' decisions on it: hide it,
//! restore it, or dismiss its flags.
//!
//! Policy:
//! - A flag and a decision both run with the review's row locked (see `super::lock`), so a
//!   flag is either resolved by a decision or left open for the next one, never lost between.
//! - Every decision is recorded in `review_moderations` (what, who, when, why), resolves every
//!   open flag of the review in the same transaction, and moves the review to its next
//!   version: a moderator acting on what they read before another's decision gets `CONFLICT`
//!   instead of overruling a decision they have not seen.
//! - A second decision on flags already resolved is `CONFLICT` naming that state. Dismissing
//!   takes the number of flags the moderator read, so a flag that came in meanwhile is never
//!   dismissed unseen.
//! - A user has one open flag per review; once the moderators have decided, they may flag it
//!   again, which reopens it in the queue.

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Select, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::aggregates::apply;
use super::queue::{FlaggedReview, resolved_entry};
use super::{HIDDEN, PUBLISHED, lock, save};
use crate::actor::{self, Actor};
use crate::entity::{review, review_flag, review_moderation};
use crate::vocab::{ModerationAction, Role};
use crate::{Error, Result, audit, db, outbox};

fn open_flags(review_id: Uuid) -> Select<review_flag::Entity> {
    review_flag::Entity::find()
        .filter(review_flag::Column::ReviewId.eq(review_id))
        .filter(review_flag::Column::ModerationId.is_null())
}

/// Anyone signed in reports a published review to the moderators.
pub async fn flag(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    reason: String,
) -> Result<review::Model> {
    crate::validate::text("reason", &reason, 3, 1_000)?;
    let tx = actor::begin(db, actor).await?;
    let r = lock(&tx, id).await?;
    if r.status != PUBLISHED {
        return Err(Error::not_found("review"));
    }
    let dup = open_flags(id)
        .filter(review_flag::Column::FlaggedBy.eq(actor.user_id))
        .count(&tx)
        .await?;
    if dup > 0 {
        return Err(Error::Conflict(
            "you have flagged this review already, and the moderators have not decided on it yet"
                .into(),
        ));
    }
    let flag_id = Uuid::now_v7();
    super::notices::flagged(&tx, &r, flag_id, reason.trim()).await?;
    review_flag::Entity::insert(review_flag::ActiveModel {
        id: Set(flag_id),
        review_id: Set(id),
        flagged_by: Set(actor.user_id),
        reason: Set(reason.trim().to_owned()),
        created_at: Set(Utc::now()),
        moderation_id: Set(None),
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

/// The review's latest decision, for telling a moderator what changed.
async fn last_decision(
    tx: &impl ConnectionTrait,
    review_id: Uuid,
) -> Result<Option<review_moderation::Model>> {
    Ok(review_moderation::Entity::find()
        .filter(review_moderation::Column::ReviewId.eq(review_id))
        .order_by_desc(review_moderation::Column::Id)
        .one(tx)
        .await?)
}

/// A decision as a moderator reads it: "flags dismissed at 2026-11-23T10:00:00Z".
fn described(m: &review_moderation::Model) -> String {
    let what = ModerationAction::from_code(&m.action).map_or(m.action.as_str(), |a| a.label());
    format!(
        "{} at {}",
        what.to_lowercase(),
        m.created_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
}

/// " (last decision: hidden at ...)", or nothing for a review never moderated.
async fn last_decision_note(tx: &impl ConnectionTrait, review_id: Uuid) -> Result<String> {
    Ok(match last_decision(tx, review_id).await? {
        Some(m) => format!(" (last decision: {})", described(&m)),
        None => String::new(),
    })
}

/// `CONFLICT` for a moderator who read the review at an earlier version.
async fn changed(tx: &impl ConnectionTrait, review_id: Uuid) -> Result<Error> {
    let since = last_decision_note(tx, review_id).await?;
    Ok(Error::Conflict(format!(
        "the review has changed since you read it{since}: reload it"
    )))
}

/// Records a moderator's decision on the review and resolves its open flags with it: the
/// decision and how many flags it resolved.
async fn decide(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    review_id: Uuid,
    action: ModerationAction,
    reason: &str,
) -> Result<(review_moderation::Model, u64)> {
    let m = review_moderation::Model {
        id: Uuid::now_v7(),
        review_id,
        action: action.code().into(),
        reason: reason.to_owned(),
        moderated_by: actor.user_id,
        created_at: Utc::now(),
    };
    review_moderation::Entity::insert(review_moderation::ActiveModel::from(m.clone()))
        .exec_without_returning(tx)
        .await?;
    let resolved = review_flag::Entity::update_many()
        .col_expr(review_flag::Column::ModerationId, Expr::value(m.id))
        .filter(review_flag::Column::ReviewId.eq(review_id))
        .filter(review_flag::Column::ModerationId.is_null())
        .exec(tx)
        .await?
        .rows_affected;
    Ok((m, resolved))
}

/// An admin hides a published review, or restores a hidden one, with a reason. Its open flags
/// are resolved by that decision.
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
    let reason = reason.trim();
    let tx = actor::begin(db, actor).await?;
    let before = lock(&tx, id).await?;
    let (from, to, action) = if hide {
        (PUBLISHED, HIDDEN, ModerationAction::Hide)
    } else {
        (HIDDEN, PUBLISHED, ModerationAction::Restore)
    };
    if before.status != from {
        let since = last_decision_note(&tx, id).await?;
        return Err(Error::Conflict(format!(
            "the review is {} already{since}",
            before.status
        )));
    }
    if before.version != version {
        return Err(changed(&tx, id).await?);
    }
    let after = review::Model {
        status: to.into(),
        moderation_reason: Some(reason.to_owned()),
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
    let (decision, resolved) = decide(&tx, actor, id, action, reason).await?;
    if !hide {
        super::notices::published(&tx, &after).await?;
    }
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
        Some(json!({
            "status": to,
            "version": version + 1,
            "reason": reason,
            "moderationId": decision.id,
            "flagsResolved": resolved,
        })),
    )
    .await?;
    db::commit(tx).await?;
    Ok(after)
}

/// An admin dismisses a review's open flags, with a reason; the review stays as it is.
/// `flag_count` is how many open flags the admin read: if more have come in since, nothing is
/// dismissed. Returns the flags as resolved, with the decision.
pub async fn dismiss_flags(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    flag_count: i32,
    reason: String,
) -> Result<FlaggedReview> {
    actor.require(&[Role::Admin])?;
    crate::validate::text("reason", &reason, 3, 1_000)?;
    if flag_count < 1 {
        return Err(Error::bad_input(
            "flagCount",
            "`flagCount` must be the number of open flags you read, 1 or more",
        ));
    }
    let reason = reason.trim();
    let tx = actor::begin(db, actor).await?;
    let before = lock(&tx, id).await?;
    let open = open_flags(id).count(&tx).await?;
    if open == 0 {
        let state = match last_decision(&tx, id).await? {
            Some(m) => format!("its flags were resolved already ({})", described(&m)),
            None => "nobody has flagged it".into(),
        };
        return Err(Error::Conflict(format!(
            "the review has no open flags: {state}"
        )));
    }
    if before.version != version {
        return Err(changed(&tx, id).await?);
    }
    if open != u64::try_from(flag_count).unwrap_or(0) {
        return Err(Error::Conflict(format!(
            "{open} flags are open on this review, not {flag_count}: reload the queue and read \
             them before dismissing"
        )));
    }
    let after = review::Model {
        version: version + 1,
        ..before.clone()
    };
    save(&tx, &after, version).await?;
    let (decision, resolved) = decide(&tx, actor, id, ModerationAction::Dismiss, reason).await?;
    audit::record(
        &tx,
        actor,
        "review.flags.dismiss",
        "review",
        id,
        Some(json!({ "openFlags": open, "version": version })),
        Some(json!({
            "version": version + 1,
            "reason": reason,
            "moderationId": decision.id,
            "flagsResolved": resolved,
        })),
    )
    .await?;
    let entry = resolved_entry(&tx, id, decision.id).await?;
    db::commit(tx).await?;
    Ok(entry)
}
