//! The per-product aggregates (`product_ratings`): kept by increments, and read.

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::Result;
use crate::entity::{product_rating, review};

/// Adds (`sign` 1) or removes (`sign` -1) a published review's figures from its product's
/// aggregates, by increments in the caller's transaction.
pub(super) async fn apply(tx: &impl ConnectionTrait, r: &review::Model, sign: i32) -> Result<()> {
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

/// A product's aggregates (zeros when it has no reviews).
pub async fn summary(
    db: &impl ConnectionTrait,
    product_id: Uuid,
) -> Result<Option<product_rating::Model>> {
    Ok(product_rating::Entity::find_by_id(product_id)
        .one(db)
        .await?)
}
