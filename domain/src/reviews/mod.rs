//! School reviews of products: writing and editing them, moderation, supplier replies, helpful
//! votes, and the per-product aggregates.
//!
//! Policy:
//! - One review per school per product (a unique index guards it); the school edits it, and
//!   each edit keeps the previous text as a revision.
//! - A review carries the **verified use** badge when the school has had a trial loan of the
//!   product (granted at some point) or a purchase of it.
//! - Reviews publish at once. Anyone signed in may flag one; admins work the flags from a queue
//!   and hide, restore, or dismiss the flags, always with a reason (see `moderation`); the
//!   product's supplier may post one public reply.
//! - `product_ratings` changes in the same transaction as the review, by increments, so
//!   concurrent reviews on PostgreSQL cannot lose an update; only published reviews count.
//!   The product is queued for search, whose documents carry the average and count.

mod aggregates;
mod moderation;
mod notices;
mod pages;
mod queue;
mod responses;
mod school_reviews;

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::entity::review;
use crate::{Error, Result, db};

pub use aggregates::summary;
pub use moderation::{dismiss_flags, flag, moderate};
pub use pages::{ReviewPageArgs, list_for_products, revisions_of};
pub use queue::{FlagFilter, FlaggedReview, ReasonCount, count_flagged, flagged};
pub use responses::{mark_helpful, reply};
pub use school_reviews::{ReviewInput, create, history, may_read_history, mine, update};

const PUBLISHED: &str = "published";
const HIDDEN: &str = "hidden";

/// Writes `after` over the review if it is still at `version`; `CONFLICT` when a racing
/// writer changed it first.
async fn save(tx: &impl ConnectionTrait, after: &review::Model, version: i32) -> Result<()> {
    // Every column but the helpful count, which votes change by increments.
    let mut row = review::ActiveModel::from(after.clone()).reset_all();
    row.helpful_count = sea_orm::ActiveValue::NotSet;
    let done = review::Entity::update_many()
        .set(row)
        .filter(review::Column::Id.eq(after.id))
        .filter(review::Column::Version.eq(version))
        .exec(tx)
        .await?;
    if done.rows_affected == 1 {
        Ok(())
    } else {
        Err(Error::Conflict(
            "the review has changed since you read it: reload it".into(),
        ))
    }
}

async fn find(tx: &impl ConnectionTrait, id: Uuid) -> Result<review::Model> {
    review::Entity::find_by_id(id)
        .one(tx)
        .await?
        .ok_or(Error::not_found("review"))
}

/// The review, locked for the rest of the transaction (`FOR UPDATE` on PostgreSQL; SQLite's
/// writers are serialised anyway). Flags and moderators' decisions take it first.
async fn lock(tx: &impl ConnectionTrait, id: Uuid) -> Result<review::Model> {
    let mut q = review::Entity::find_by_id(id);
    if db::is_postgres(tx) {
        q = q.lock_exclusive();
    }
    q.one(tx).await?.ok_or(Error::not_found("review"))
}
