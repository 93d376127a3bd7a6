//! Reviews as schools write them: the input, verified use, creating and editing a review
//! (with its revisions), and reading a product's or a school's reviews.

use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

use super::aggregates::apply;
use super::{PUBLISHED, find, save};
use crate::actor::{self, Actor};
use crate::entity::{loan, organisation, product, review, review_revision};
use crate::vocab::{LoanStatus, ProductStatus};
use crate::{Error, Result, audit, db, outbox};

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
    super::notices::published(&tx, &row).await?;
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
    if before.status == PUBLISHED && before.supplier_reply.is_some() {
        super::notices::updated_after_reply(&tx, &after).await?;
    }
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

/// `FORBIDDEN` unless `actor` may read the review's history: its school and admins.
pub fn may_read_history(actor: &Actor, r: &review::Model) -> Result<()> {
    if actor.is_admin() || actor.organisation_id == Some(r.school_id) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "a review's history is for its school and the moderators".into(),
        ))
    }
}

/// The review's earlier versions, oldest first (its school and admins).
pub async fn history(
    db: &impl ConnectionTrait,
    actor: &Actor,
    r: &review::Model,
) -> Result<Vec<review_revision::Model>> {
    may_read_history(actor, r)?;
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
