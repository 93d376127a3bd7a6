//! Moderation types: an entry of the moderators' queue of flagged reviews, its reasons, and
//! the decision that resolved it.

use async_graphql::{Context, ID, Object, SimpleObject};
use becta_domain::entity::review_moderation;
use becta_domain::reviews;
use becta_domain::vocab::{FlagStatus, ModerationAction};
use chrono::{DateTime, Utc};

use super::catalogue::{code, load};
use super::{Product, Review};
use crate::graphql::loaders::UserId;

/// A review in the moderators' queue: with its open flags, or with the flags one decision
/// resolved.
pub struct FlaggedReview(pub reviews::FlaggedReview);

/// A review in the moderators' queue: with its open flags, or with the flags one decision
/// resolved.
#[Object]
impl FlaggedReview {
    /// The review as it is now.
    async fn review(&self) -> Review {
        Review(self.0.review.clone())
    }
    /// The reviewed product, whatever its status.
    async fn product(&self) -> Product {
        Product(self.0.product.clone())
    }
    /// `OPEN` while no moderator has decided on these flags, `RESOLVED` after.
    async fn status(&self) -> FlagStatus {
        if self.0.moderation.is_some() {
            FlagStatus::Resolved
        } else {
            FlagStatus::Open
        }
    }
    /// How many flags; pass it to `dismissReviewFlags` as `flagCount`.
    async fn flag_count(&self) -> u64 {
        self.0.flag_count
    }
    /// The reasons the flags gave, most given first (reasons differing only in letter case
    /// count as one).
    async fn reasons(&self) -> Vec<FlagReason> {
        self.0
            .reasons
            .iter()
            .map(|r| FlagReason {
                reason: r.reason.clone(),
                count: r.count,
            })
            .collect()
    }
    /// When the first of these flags was raised.
    async fn first_flagged_at(&self) -> DateTime<Utc> {
        self.0.first_flagged_at
    }
    /// When the latest of these flags was raised.
    async fn last_flagged_at(&self) -> DateTime<Utc> {
        self.0.last_flagged_at
    }
    /// The decision that resolved these flags; null while they are open.
    async fn resolution(&self) -> Option<ReviewModeration> {
        self.0.moderation.clone().map(ReviewModeration)
    }
}

/// A reason given for flagging a review, and how many flags gave it.
#[derive(SimpleObject)]
pub struct FlagReason {
    /// The reason, as the flags wrote it.
    pub reason: String,
    /// How many flags gave it.
    pub count: u64,
}

/// A moderator's decision on a review: what, who, when and why.
pub struct ReviewModeration(pub review_moderation::Model);

/// A moderator's decision on a review: what, who, when and why.
#[Object]
impl ReviewModeration {
    /// The decision's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Hidden, restored, or flags dismissed.
    async fn action(&self) -> async_graphql::Result<ModerationAction> {
        code(
            ModerationAction::from_code,
            "review_moderations.action",
            &self.0.action,
        )
    }
    /// Why the moderator decided so.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    /// The moderator's user id (as in the audit log's `actorId`).
    async fn moderator_id(&self) -> ID {
        ID(self.0.moderated_by.to_string())
    }
    /// The moderator's display name.
    async fn moderator_name(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(load(ctx, UserId(self.0.moderated_by), "user")
            .await?
            .display_name)
    }
    /// When the decision was made.
    async fn decided_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
