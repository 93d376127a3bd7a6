//! Review types: a school's review, a product's rating summary, a page of reviews.

use async_graphql::{Context, ID, Json, Object, SimpleObject};
use becta_domain::entity::{product_rating, review, review_revision};
use becta_domain::reviews;
use becta_domain::vocab::Phase;
use chrono::{DateTime, Utc};

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::loaders::{RequestLoader, ReviewRevisions};

/// A school's review of a product.
pub struct Review(pub review::Model);

#[Object]
impl Review {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// Pass to `updateReview`, `hideReview`, `restoreReview` or `dismissReviewFlags`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// Overall rating, 1 to 5.
    async fn rating(&self) -> i32 {
        i32::from(self.0.rating)
    }
    async fn ease_of_use(&self) -> Option<i32> {
        self.0.ease_of_use.map(i32::from)
    }
    /// Impact on teaching and learning.
    async fn impact(&self) -> Option<i32> {
        self.0.impact.map(i32::from)
    }
    async fn value_for_money(&self) -> Option<i32> {
        self.0.value_for_money.map(i32::from)
    }
    async fn support(&self) -> Option<i32> {
        self.0.support.map(i32::from)
    }
    async fn data_protection_confidence(&self) -> Option<i32> {
        self.0.data_protection_confidence.map(i32::from)
    }
    async fn title(&self) -> &str {
        &self.0.title
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn reviewer_role(&self) -> Option<&str> {
        self.0.reviewer_role.as_deref()
    }
    /// The reviewing school's phase.
    async fn phase(&self) -> Option<Phase> {
        self.0.phase.as_deref().and_then(Phase::from_code)
    }
    async fn months_used(&self) -> Option<i32> {
        self.0.months_used
    }
    /// The school had a trial loan (or a purchase) of the product.
    async fn verified_use(&self) -> bool {
        self.0.verified_use
    }
    /// False while moderators have hidden it.
    async fn published(&self) -> bool {
        self.0.status == "published"
    }
    /// Why moderators hid or restored it.
    async fn moderation_reason(&self) -> Option<&str> {
        self.0.moderation_reason.as_deref()
    }
    /// The supplier's one public reply.
    async fn supplier_reply(&self) -> Option<&str> {
        self.0.supplier_reply.as_deref()
    }
    async fn supplier_reply_at(&self) -> Option<DateTime<Utc>> {
        self.0.supplier_reply_at
    }
    async fn helpful_count(&self) -> i32 {
        self.0.helpful_count
    }
    /// True once the school has edited it.
    async fn edited(&self) -> bool {
        self.0.version > 1
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Earlier versions, oldest first (the reviewing school and admins).
    async fn history(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ReviewRevision>> {
        reviews::may_read_history(actor(ctx)?, &self.0).gql()?;
        let revisions = ctx
            .data::<RequestLoader>()?
            .load_one(ReviewRevisions(self.0.id))
            .await
            .map_err(|e| (*e).clone())?;
        Ok(revisions
            .unwrap_or_default()
            .into_iter()
            .map(ReviewRevision)
            .collect())
    }
}

/// A review as it was before an edit.
pub struct ReviewRevision(pub review_revision::Model);

#[Object]
impl ReviewRevision {
    async fn version(&self) -> i32 {
        self.0.version
    }
    async fn edited_at(&self) -> DateTime<Utc> {
        self.0.edited_at
    }
    /// The review's fields at that version.
    async fn data(&self) -> Json<serde_json::Value> {
        Json(self.0.data.clone())
    }
}

/// How many reviews gave each number of stars.
#[derive(SimpleObject)]
pub struct StarCount {
    pub stars: i32,
    pub count: i32,
}

/// A product's review figures, from published reviews.
pub struct RatingSummary(pub Option<product_rating::Model>);

fn avg(sum: i32, count: i32) -> Option<f64> {
    (count > 0).then(|| f64::from(sum) / f64::from(count))
}

#[Object]
impl RatingSummary {
    /// Average overall rating; null without reviews.
    async fn average(&self) -> Option<f64> {
        self.0
            .as_ref()
            .and_then(|r| avg(r.rating_sum, r.review_count))
    }
    async fn count(&self) -> i32 {
        self.0.as_ref().map_or(0, |r| r.review_count)
    }
    /// Reviews per star, 5 down to 1.
    async fn distribution(&self) -> Vec<StarCount> {
        let r = self.0.as_ref();
        let n = |f: fn(&product_rating::Model) -> i32| r.map_or(0, f);
        vec![
            StarCount {
                stars: 5,
                count: n(|r| r.stars_5),
            },
            StarCount {
                stars: 4,
                count: n(|r| r.stars_4),
            },
            StarCount {
                stars: 3,
                count: n(|r| r.stars_3),
            },
            StarCount {
                stars: 2,
                count: n(|r| r.stars_2),
            },
            StarCount {
                stars: 1,
                count: n(|r| r.stars_1),
            },
        ]
    }
    async fn ease_of_use(&self) -> Option<f64> {
        self.0
            .as_ref()
            .and_then(|r| avg(r.ease_of_use_sum, r.ease_of_use_count))
    }
    async fn impact(&self) -> Option<f64> {
        self.0
            .as_ref()
            .and_then(|r| avg(r.impact_sum, r.impact_count))
    }
    async fn value_for_money(&self) -> Option<f64> {
        self.0
            .as_ref()
            .and_then(|r| avg(r.value_for_money_sum, r.value_for_money_count))
    }
    async fn support(&self) -> Option<f64> {
        self.0
            .as_ref()
            .and_then(|r| avg(r.support_sum, r.support_count))
    }
    async fn data_protection_confidence(&self) -> Option<f64> {
        self.0.as_ref().and_then(|r| {
            avg(
                r.data_protection_confidence_sum,
                r.data_protection_confidence_count,
            )
        })
    }
}

/// A page of reviews.
#[derive(SimpleObject)]
pub struct ReviewPage {
    /// How many reviews match, across pages.
    pub total_count: u64,
    pub items: Vec<Review>,
}
