//! Who hears of a review: the product's supplier when one is published (and by webhook) or
//! edited after its reply; the admins when one is flagged.

use sea_orm::{ConnectionTrait, EntityTrait};
use serde_json::json;
use uuid::Uuid;

use crate::Result;
use crate::deliveries::alerts;
use crate::deliveries::webhooks::WebhookEventKind;
use crate::entity::{product, review};

/// A review of a supplier's product was published (written, or restored by a moderator).
pub(super) async fn published(tx: &impl ConnectionTrait, r: &review::Model) -> Result<()> {
    let Some(p) = product::Entity::find_by_id(r.product_id).one(tx).await? else {
        return Ok(());
    };
    alerts::tell_supplier(
        tx,
        p.supplier_id,
        "review.published",
        format!("A new review of {}", p.name),
        json!({
            "reviewId": r.id,
            "productId": p.id,
            "productName": p.name,
            "rating": r.rating,
            "title": r.title,
        }),
        Some(format!("review:{}:published:{}", r.id, r.version)),
        Some(WebhookEventKind::ReviewPublished),
    )
    .await
}

/// A school edited a review its supplier had replied to.
pub(super) async fn updated_after_reply(
    tx: &impl ConnectionTrait,
    r: &review::Model,
) -> Result<()> {
    let Some(p) = product::Entity::find_by_id(r.product_id).one(tx).await? else {
        return Ok(());
    };
    alerts::tell_supplier(
        tx,
        p.supplier_id,
        "review.updated",
        format!("A review of {} was updated", p.name),
        json!({ "reviewId": r.id, "productId": p.id, "rating": r.rating }),
        Some(format!("review:{}:updated:{}", r.id, r.version)),
        None,
    )
    .await
}

/// Someone flagged a published review for moderation.
pub(super) async fn flagged(
    tx: &impl ConnectionTrait,
    r: &review::Model,
    flag_id: Uuid,
    reason: &str,
) -> Result<()> {
    let name = product::Entity::find_by_id(r.product_id)
        .one(tx)
        .await?
        .map(|p| p.name)
        .unwrap_or_else(|| "a product".into());
    alerts::tell_admins(
        tx,
        "review.flagged",
        format!("A review of {name} was flagged"),
        json!({ "reviewId": r.id, "productId": r.product_id, "reason": reason }),
        Some(format!("review:{}:flag:{flag_id}", r.id)),
    )
    .await
}
