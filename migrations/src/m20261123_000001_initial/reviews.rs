//! Reviews and the per-product rating aggregates.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

pub(super) async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let rating = |c: &'static str| Expr::col(c).is_null().or(Expr::col(c).between(1, 5));
    m.create_table(
        created_updated(
            Table::create()
                .table("reviews")
                .col(pk_uuid("id"))
                .col(uuid("product_id"))
                .col(uuid("school_id"))
                .col(uuid_null("author_id"))
                .col(small_integer("rating"))
                .col(small_integer_null("ease_of_use"))
                .col(small_integer_null("impact"))
                .col(small_integer_null("value_for_money"))
                .col(small_integer_null("support"))
                .col(small_integer_null("data_protection_confidence"))
                .col(string_len("title", 200))
                .col(text("body"))
                .col(string_len_null("reviewer_role", 60))
                .col(string_len_null("phase", 20))
                .col(integer_null("months_used"))
                .col(boolean("verified_use").default(false))
                .col(string_len("status", 10))
                .col(text_null("moderation_reason"))
                .col(text_null("supplier_reply"))
                .col(timestamp_with_time_zone_null("supplier_reply_at"))
                .col(integer("helpful_count").default(0))
                .col(integer("version").default(1))
                .check(Expr::col("rating").between(1, 5))
                .check(rating("ease_of_use"))
                .check(rating("impact"))
                .check(rating("value_for_money"))
                .check(rating("support"))
                .check(rating("data_protection_confidence"))
                .check(one_of("status", &["published", "hidden"]))
                .foreign_key(&mut fk(
                    "reviews",
                    "product_id",
                    "products",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "reviews",
                    "school_id",
                    "organisations",
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "reviews",
                    "author_id",
                    "users",
                    ForeignKeyAction::SetNull,
                )),
        )
        .to_owned(),
    )
    .await?;
    m.create_index(unique(
        "reviews",
        "product_school",
        &["product_id", "school_id"],
    ))
    .await?;
    m.create_index(index(
        "reviews",
        "product_status_created",
        &["product_id", "status", "created_at"],
    ))
    .await?;

    // Per-product aggregates, kept in the same transaction as the review that changes them.
    let mut ratings = Table::create();
    ratings
        .table("product_ratings")
        .col(uuid("product_id").primary_key())
        .col(integer("review_count").default(0))
        .col(integer("rating_sum").default(0));
    for stars in 1..=5 {
        ratings.col(integer(format!("stars_{stars}")).default(0));
    }
    for c in [
        "ease_of_use",
        "impact",
        "value_for_money",
        "support",
        "data_protection_confidence",
    ] {
        ratings.col(integer(format!("{c}_sum")).default(0));
        ratings.col(integer(format!("{c}_count")).default(0));
    }
    ratings
        .col(timestamp_with_time_zone("updated_at"))
        .check(Expr::col("review_count").gte(0))
        .foreign_key(&mut fk(
            "product_ratings",
            "product_id",
            "products",
            ForeignKeyAction::Cascade,
        ));
    m.create_table(ratings).await?;

    Ok(())
}
