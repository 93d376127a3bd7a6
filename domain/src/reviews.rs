//! School reviews of products: writing and editing them, moderation, supplier replies, helpful
//! votes, and the per-product aggregates.
//!
//! Policy:
//! - One review per school per product (a unique index guards it); the school edits it, and
//!   each edit keeps the previous text as a revision.
//! - A review carries the **verified use** badge when the school has had a trial loan of the
//!   product (granted at some point) or a purchase of it.
//! - Reviews publish at once. Anyone signed in may flag one; admins hide or restore with a
//!   reason; the product's supplier may post one public reply.
//! - `product_ratings` changes in the same transaction as the review, by increments, so
//!   concurrent reviews on PostgreSQL cannot lose an update; only published reviews count.
//!   The product is queued for search, whose documents carry the average and count.

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::actor::{self, Actor};
use crate::entity::{
    loan, organisation, product, product_rating, review, review_flag, review_helpful_vote,
    review_revision,
};
use crate::vocab::{LoanStatus, ProductStatus, ReviewSort, Role};
use crate::{Error, Result, audit, db, outbox};

const PUBLISHED: &str = "published";
const HIDDEN: &str = "hidden";

/// A review as a school writes it.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(
    feature = "graphql",
    derive(async_graphql::InputObject),
    graphql(name = "ReviewInput")
)]
pub struct ReviewInput {
    /// Overall, 1 to 5.
    pub rating: i32,
    /// 1 to 5, each optional.
    pub ease_of_use: Option<i32>,
    /// Impact on teaching and learning.
    pub impact: Option<i32>,
    pub value_for_money: Option<i32>,
    pub support: Option<i32>,
    /// Confidence in how the product protects pupils' data.
    pub data_protection_confidence: Option<i32>,
    /// 3 to 200 characters.
    pub title: String,
    /// 20 to 5,000 characters.
    pub body: String,
    /// The reviewer's role, e.g. "School business manager".
    pub reviewer_role: Option<String>,
    /// How long the school has used the product, 0 to 240 months.
    pub months_used: Option<i32>,
}

impl ReviewInput {
    fn validate(&self) -> Result<()> {
        let stars = |field: &str, v: Option<i32>| match v {
            Some(v) if !(1..=5).contains(&v) => {
                Err(Error::bad_input(field, format!("`{field}` must be 1 to 5")))
            }
            _ => Ok(()),
        };
        stars("rating", Some(self.rating))?;
        stars("easeOfUse", self.ease_of_use)?;
        stars("impact", self.impact)?;
        stars("valueForMoney", self.value_for_money)?;
        stars("support", self.support)?;
        stars("dataProtectionConfidence", self.data_protection_confidence)?;
        crate::validate::text("title", &self.title, 3, 200)?;
        crate::validate::text("body", &self.body, 20, 5_000)?;
        if let Some(r) = &self.reviewer_role {
            crate::validate::text("reviewerRole", r, 2, 60)?;
        }
        if let Some(m) = self.months_used
            && !(0..=240).contains(&m)
        {
            return Err(Error::bad_input(
                "monthsUsed",
                "`monthsUsed` must be 0 to 240",
            ));
        }
        Ok(())
    }
}

fn small(v: Option<i32>) -> Option<i16> {
    v.and_then(|v| i16::try_from(v).ok())
}

/// Whether the school has used the product: a trial seat granted at some point.
async fn verified_use(
    tx: &impl ConnectionTrait,
    school_id: Uuid,
    product_id: Uuid,
) -> Result<bool> {
    Ok(loan::Entity::find()
        .filter(loan::Column::SchoolId.eq(school_id))
        .filter(loan::Column::ProductId.eq(product_id))
        .filter(loan::Column::Status.is_in([
            LoanStatus::Active.code(),
            LoanStatus::Returned.code(),
            LoanStatus::Expired.code(),
            LoanStatus::Converted.code(),
        ]))
        .count(tx)
        .await?
        > 0)
}

/// Adds (`sign` 1) or removes (`sign` -1) a published review's figures from its product's
/// aggregates, by increments in the caller's transaction.
async fn apply(tx: &impl ConnectionTrait, r: &review::Model, sign: i32) -> Result<()> {
    use product_rating::Column as C;
    let now = Utc::now();
    product_rating::Entity::insert(product_rating::ActiveModel {
        product_id: Set(r.product_id),
        review_count: Set(0),
        rating_sum: Set(0),
        stars_1: Set(0),
        stars_2: Set(0),
        stars_3: Set(0),
        stars_4: Set(0),
        stars_5: Set(0),
        ease_of_use_sum: Set(0),
        ease_of_use_count: Set(0),
        impact_sum: Set(0),
        impact_count: Set(0),
        value_for_money_sum: Set(0),
        value_for_money_count: Set(0),
        support_sum: Set(0),
        support_count: Set(0),
        data_protection_confidence_sum: Set(0),
        data_protection_confidence_count: Set(0),
        updated_at: Set(now),
    })
    .on_conflict_do_nothing_on([C::ProductId])
    .exec(tx)
    .await?;
    let add = |col: C, by: i32| (col, Expr::col(col).add(by));
    let star = match r.rating {
        1 => C::Stars1,
        2 => C::Stars2,
        3 => C::Stars3,
        4 => C::Stars4,
        _ => C::Stars5,
    };
    let mut changes = vec![
        add(C::ReviewCount, sign),
        add(C::RatingSum, sign * i32::from(r.rating)),
        add(star, sign),
    ];
    for (v, sum, count) in [
        (r.ease_of_use, C::EaseOfUseSum, C::EaseOfUseCount),
        (r.impact, C::ImpactSum, C::ImpactCount),
        (
            r.value_for_money,
            C::ValueForMoneySum,
            C::ValueForMoneyCount,
        ),
        (r.support, C::SupportSum, C::SupportCount),
        (
            r.data_protection_confidence,
            C::DataProtectionConfidenceSum,
            C::DataProtectionConfidenceCount,
        ),
    ] {
        if let Some(v) = v {
            changes.push(add(sum, sign * i32::from(v)));
            changes.push(add(count, sign));
        }
    }
    let mut q = product_rating::Entity::update_many().col_expr(C::UpdatedAt, Expr::value(now));
    for (col, expr) in changes {
        q = q.col_expr(col, expr);
    }
    q.filter(C::ProductId.eq(r.product_id)).exec(tx).await?;
    Ok(())
}

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

/// A school buyer reviews a public product.
pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    product_id: Uuid,
    input: ReviewInput,
) -> Result<review::Model> {
    let school_id = actor.school_id()?;
    input.validate()?;
    let tx = actor::begin(db, actor).await?;
    product::Entity::find_by_id(product_id)
        .filter(product::Column::Status.eq(ProductStatus::Approved.code()))
        .one(&tx)
        .await?
        .ok_or(Error::not_found("product"))?;
    let exists = review::Entity::find()
        .filter(review::Column::ProductId.eq(product_id))
        .filter(review::Column::SchoolId.eq(school_id))
        .count(&tx)
        .await?;
    if exists > 0 {
        return Err(Error::Conflict(
            "your school has reviewed this product already: edit that review".into(),
        ));
    }
    let phase = organisation::Entity::find_by_id(school_id)
        .one(&tx)
        .await?
        .and_then(|o| o.phase);
    let now = Utc::now();
    let row = review::Model {
        id: Uuid::now_v7(),
        product_id,
        school_id,
        author_id: Some(actor.user_id),
        rating: small(Some(input.rating)).unwrap_or(1),
        ease_of_use: small(input.ease_of_use),
        impact: small(input.impact),
        value_for_money: small(input.value_for_money),
        support: small(input.support),
        data_protection_confidence: small(input.data_protection_confidence),
        title: input.title.trim().to_owned(),
        body: input.body.trim().to_owned(),
        reviewer_role: input.reviewer_role.map(|r| r.trim().to_owned()),
        phase,
        months_used: input.months_used,
        verified_use: verified_use(&tx, school_id, product_id).await?,
        status: PUBLISHED.into(),
        moderation_reason: None,
        supplier_reply: None,
        supplier_reply_at: None,
        helpful_count: 0,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    review::Entity::insert(review::ActiveModel::from(row.clone()))
        .exec_without_returning(&tx)
        .await?;
    apply(&tx, &row, 1).await?;
    outbox::enqueue_many(
        &tx,
        outbox::EntityType::Product,
        &[product_id],
        outbox::Op::Upsert,
    )
    .await?;
    audit::record(
        &tx,
        actor,
        "review.create",
        "review",
        row.id,
        None,
        Some(audit::snapshot(&row)?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(row)
}

/// The school edits its review at `version`; the previous text is kept as a revision.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    version: i32,
    input: ReviewInput,
) -> Result<review::Model> {
    let school_id = actor.school_id()?;
    input.validate()?;
    let tx = actor::begin(db, actor).await?;
    let before = find(&tx, id).await?;
    if before.school_id != school_id {
        return Err(if before.status == PUBLISHED {
            Error::Forbidden("only the school that wrote a review may edit it".into())
        } else {
            Error::not_found("review")
        });
    }
    if before.version != version {
        return Err(Error::Conflict(
            "the review has changed since you read it: reload it".into(),
        ));
    }
    let after = review::Model {
        rating: small(Some(input.rating)).unwrap_or(1),
        ease_of_use: small(input.ease_of_use),
        impact: small(input.impact),
        value_for_money: small(input.value_for_money),
        support: small(input.support),
        data_protection_confidence: small(input.data_protection_confidence),
        title: input.title.trim().to_owned(),
        body: input.body.trim().to_owned(),
        reviewer_role: input.reviewer_role.map(|r| r.trim().to_owned()),
        months_used: input.months_used,
        verified_use: before.verified_use
            || verified_use(&tx, school_id, before.product_id).await?,
        version: version + 1,
        updated_at: Utc::now(),
        ..before.clone()
    };
    save(&tx, &after, version).await?;
    review_revision::Entity::insert(review_revision::ActiveModel {
        id: Set(Uuid::now_v7()),
        review_id: Set(id),
        version: Set(before.version),
        data: Set(audit::snapshot(&before)?),
        edited_by: Set(Some(actor.user_id)),
        edited_at: Set(after.updated_at),
    })
    .exec_without_returning(&tx)
    .await?;
    if before.status == PUBLISHED {
        apply(&tx, &before, -1).await?;
        apply(&tx, &after, 1).await?;
        outbox::enqueue_many(
            &tx,
            outbox::EntityType::Product,
            &[before.product_id],
            outbox::Op::Upsert,
        )
        .await?;
    }
    audit::record(
        &tx,
        actor,
        "review.update",
        "review",
        id,
        Some(audit::snapshot(&before)?),
        Some(audit::snapshot(&after)?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(after)
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

/// Filters on a product's published reviews.
#[derive(Debug, Clone, Default)]
pub struct ReviewFilter {
    pub verified_only: bool,
    pub phase: Option<crate::vocab::Phase>,
}

/// A page of a product's published reviews (offset paging), and how many match.
pub async fn list(
    db: &impl ConnectionTrait,
    product_id: Uuid,
    filter: &ReviewFilter,
    sort: ReviewSort,
    first: u64,
    offset: u64,
) -> Result<(Vec<review::Model>, u64)> {
    let mut q = review::Entity::find()
        .filter(review::Column::ProductId.eq(product_id))
        .filter(review::Column::Status.eq(PUBLISHED));
    if filter.verified_only {
        q = q.filter(review::Column::VerifiedUse.eq(true));
    }
    if let Some(p) = filter.phase {
        q = q.filter(review::Column::Phase.eq(p.code()));
    }
    let total = q.clone().count(db).await?;
    q = match sort {
        ReviewSort::Newest => q.order_by_desc(review::Column::CreatedAt),
        ReviewSort::MostHelpful => q
            .order_by_desc(review::Column::HelpfulCount)
            .order_by_desc(review::Column::CreatedAt),
        ReviewSort::HighestRating => q
            .order_by_desc(review::Column::Rating)
            .order_by_desc(review::Column::CreatedAt),
        ReviewSort::LowestRating => q
            .order_by_asc(review::Column::Rating)
            .order_by_desc(review::Column::CreatedAt),
    };
    let rows = q
        .order_by_asc(review::Column::Id)
        .offset(offset)
        .limit(first)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// A product's aggregates (zeros when it has no reviews).
pub async fn summary(
    db: &impl ConnectionTrait,
    product_id: Uuid,
) -> Result<Option<product_rating::Model>> {
    Ok(product_rating::Entity::find_by_id(product_id)
        .one(db)
        .await?)
}

/// The review's earlier versions, oldest first (its school and admins).
pub async fn history(
    db: &impl ConnectionTrait,
    actor: &Actor,
    r: &review::Model,
) -> Result<Vec<review_revision::Model>> {
    if !(actor.is_admin() || actor.organisation_id == Some(r.school_id)) {
        return Err(Error::Forbidden(
            "a review's history is for its school and the moderators".into(),
        ));
    }
    Ok(review_revision::Entity::find()
        .filter(review_revision::Column::ReviewId.eq(r.id))
        .order_by_asc(review_revision::Column::Version)
        .all(db)
        .await?)
}

/// The signed-in school's reviews, newest first.
pub async fn mine(db: &impl ConnectionTrait, actor: &Actor) -> Result<Vec<review::Model>> {
    let school_id = actor.school_id()?;
    Ok(review::Entity::find()
        .filter(review::Column::SchoolId.eq(school_id))
        .order_by_desc(review::Column::CreatedAt)
        .limit(200)
        .all(db)
        .await?)
}
