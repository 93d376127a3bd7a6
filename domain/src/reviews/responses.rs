//! Responses to a published review: the supplier's one public reply, and helpful votes.

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use serde_json::json;
use uuid::Uuid;

use super::{PUBLISHED, find, save};
use crate::actor::{self, Actor};
use crate::entity::{product, review, review_helpful_vote};
use crate::{Error, Result, audit, db};

/// The product's supplier posts its one public reply to a review.
pub async fn reply(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    text: String,
) -> Result<review::Model> {
    let supplier_id = actor.supplier_id()?;
    crate::validate::text("reply", &text, 3, 3_000)?;
    let tx = actor::begin(db, actor).await?;
    let r = find(&tx, id).await?;
    if r.status != PUBLISHED {
        return Err(Error::not_found("review"));
    }
    let owner = product::Entity::find_by_id(r.product_id)
        .one(&tx)
        .await?
        .is_some_and(|p| p.supplier_id == supplier_id);
    if !owner {
        return Err(Error::Forbidden(
            "only the product's supplier may reply to its reviews".into(),
        ));
    }
    if r.supplier_reply.is_some() {
        return Err(Error::Conflict("this review has a reply already".into()));
    }
    let after = review::Model {
        supplier_reply: Some(text.trim().to_owned()),
        supplier_reply_at: Some(Utc::now()),
        version: r.version + 1,
        ..r.clone()
    };
    save(&tx, &after, r.version).await?;
    audit::record(
        &tx,
        actor,
        "review.reply",
        "review",
        id,
        None,
        Some(json!({ "reply": text.trim() })),
    )
    .await?;
    db::commit(tx).await?;
    Ok(after)
}

/// A signed-in user marks a review helpful, once; not their own school's.
pub async fn mark_helpful(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
) -> Result<review::Model> {
    let tx = actor::begin(db, actor).await?;
    let r = find(&tx, id).await?;
    if r.status != PUBLISHED {
        return Err(Error::not_found("review"));
    }
    if actor.organisation_id == Some(r.school_id) {
        return Err(Error::Forbidden(
            "a school cannot vote for its own review".into(),
        ));
    }
    let dup = review_helpful_vote::Entity::find_by_id((id, actor.user_id))
        .one(&tx)
        .await?;
    if dup.is_some() {
        return Err(Error::Conflict(
            "you have marked this review helpful already".into(),
        ));
    }
    review_helpful_vote::Entity::insert(review_helpful_vote::ActiveModel {
        review_id: Set(id),
        user_id: Set(actor.user_id),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(&tx)
    .await?;
    review::Entity::update_many()
        .col_expr(
            review::Column::HelpfulCount,
            Expr::col(review::Column::HelpfulCount).add(1),
        )
        .filter(review::Column::Id.eq(id))
        .exec(&tx)
        .await?;
    audit::record(&tx, actor, "review.helpful", "review", id, None, None).await?;
    let after = find(&tx, id).await?;
    db::commit(tx).await?;
    Ok(after)
}
