//! The moderation queue: every moderator's decision on a review (hide, restore, or dismiss its
//! flags) with who made it, when and why, and which flags each decision resolved.
//!
//! A flag is open while `review_flags.moderation_id` is null; the decision that resolves it
//! fills that column. One open flag per user per review: once the moderators have decided,
//! the same user may flag the review again (say, after the school edits it).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const ACTIONS: &[&str] = &["hide", "restore", "dismiss"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("review_moderations")
                .col(pk_uuid("id"))
                .col(uuid("review_id"))
                .col(string_len("action", 10).check(one_of("action", ACTIONS)))
                .col(text("reason"))
                .col(uuid("moderated_by"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "review_moderations",
                    "review_id",
                    "reviews",
                    ForeignKeyAction::Cascade,
                ))
                // A decision keeps its moderator: users who decided are never removed.
                .foreign_key(&mut fk(
                    "review_moderations",
                    "moderated_by",
                    "users",
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("review_moderations", "review", &["review_id", "id"]))
            .await?;

        // Both engines add a nullable column with an inline reference the same way.
        m.alter_table(
            Table::alter()
                .table("review_flags")
                .add_column(
                    uuid_null("moderation_id")
                        .extra("REFERENCES review_moderations (id) ON DELETE CASCADE")
                        .take(),
                )
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name("ux_review_flags_review_user")
                .table("review_flags")
                .to_owned(),
        )
        .await?;
        // Partial indexes: both engines support the same syntax.
        m.get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_review_flags_open_per_user \
                 ON review_flags (review_id, flagged_by) WHERE moderation_id IS NULL",
            )
            .await?;
        m.create_index(index(
            "review_flags",
            "moderation_review",
            &["moderation_id", "review_id", "created_at"],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The earlier schema keeps one flag per user per review and cannot mark one resolved:
        // resolved flags go with the decisions that resolved them.
        let db = m.get_connection();
        db.execute_unprepared("DELETE FROM review_flags WHERE moderation_id IS NOT NULL")
            .await?;
        db.execute_unprepared("DROP INDEX ux_review_flags_open_per_user")
            .await?;
        m.drop_index(
            Index::drop()
                .name("ix_review_flags_moderation_review")
                .table("review_flags")
                .to_owned(),
        )
        .await?;
        if m.get_database_backend() == sea_orm_migration::sea_orm::DbBackend::Sqlite {
            // SQLite cannot drop a column that references another table: rebuild the table.
            db.execute_unprepared(
                "CREATE TABLE review_flags_before AS \
                 SELECT id, review_id, flagged_by, reason, created_at FROM review_flags",
            )
            .await?;
            m.drop_table(Table::drop().table("review_flags").to_owned())
                .await?;
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
            db.execute_unprepared("INSERT INTO review_flags SELECT * FROM review_flags_before")
                .await?;
            m.drop_table(Table::drop().table("review_flags_before").to_owned())
                .await?;
        } else {
            m.alter_table(
                Table::alter()
                    .table("review_flags")
                    .drop_column("moderation_id")
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(unique(
            "review_flags",
            "review_user",
            &["review_id", "flagged_by"],
        ))
        .await?;
        m.drop_table(Table::drop().table("review_moderations").to_owned())
            .await
    }
}
