//! Review history, flags and helpful votes: what moderation and the "most helpful" sort need
//! beyond the `reviews` table of the initial schema.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Each edit keeps the review as it was before, so a review's history can be shown.
        m.create_table(
            Table::create()
                .table("review_revisions")
                .col(pk_uuid("id"))
                .col(uuid("review_id"))
                .col(integer("version"))
                .col(json("data"))
                .col(uuid_null("edited_by"))
                .col(timestamp_with_time_zone("edited_at"))
                .foreign_key(&mut fk(
                    "review_revisions",
                    "review_id",
                    "reviews",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "review_revisions",
                    "edited_by",
                    "users",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "review_revisions",
            "review",
            &["review_id", "version"],
        ))
        .await?;

        // One flag per user per review.
        m.create_table(
            Table::create()
                .table("review_flags")
                .col(pk_uuid("id"))
                .col(uuid("review_id"))
                .col(uuid("flagged_by"))
                .col(text("reason"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "review_flags",
                    "review_id",
                    "reviews",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "review_flags",
                    "flagged_by",
                    "users",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "review_flags",
            "review_user",
            &["review_id", "flagged_by"],
        ))
        .await?;

        // One helpful vote per user per review; `reviews.helpful_count` counts them.
        m.create_table(
            Table::create()
                .table("review_helpful_votes")
                .col(uuid("review_id"))
                .col(uuid("user_id"))
                .col(timestamp_with_time_zone("created_at"))
                .primary_key(Index::create().col("review_id").col("user_id"))
                .foreign_key(&mut fk(
                    "review_helpful_votes",
                    "review_id",
                    "reviews",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "review_helpful_votes",
                    "user_id",
                    "users",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["review_helpful_votes", "review_flags", "review_revisions"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
