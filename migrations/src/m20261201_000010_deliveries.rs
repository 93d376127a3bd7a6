//! Delivering notifications: email state on the notification outbox, each user's deliverable
//! address and email preferences, and suppliers' webhook endpoints with their delivery outbox.
//!
//! Notifications written before this migration are marked `skipped`: they predate email and
//! would otherwise all be mailed at once on the first start.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const EMAIL_STATUSES: &[&str] = &["pending", "sent", "skipped", "failed"];
const DELIVERY_STATUSES: &[&str] = &["pending", "delivered", "failed"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // A user's deliverable address, apart from `users.email` (unique, and a placeholder
        // for users signed in through a token): refreshed from the token's `email` claim, or
        // set by the user (`source = 'user'`), which the token then no longer overrides. Not
        // unique: a school office's address may be shared by several people.
        m.create_table(
            Table::create()
                .table("user_contacts")
                .col(uuid("user_id").primary_key())
                .col(string_len("email", 254))
                .col(string_len("source", 10).check(one_of("source", &["token", "user"])))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk(
                    "user_contacts",
                    "user_id",
                    "users",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table("notifications")
                .add_column(
                    string_len("email_status", 10)
                        .default("pending")
                        .check(one_of("email_status", EMAIL_STATUSES)),
                )
                .to_owned(),
        )
        .await?;
        for col in [
            integer("email_attempts").default(0).to_owned(),
            timestamp_with_time_zone_null("email_next_at").to_owned(),
            text_null("email_error").to_owned(),
        ] {
            m.alter_table(
                Table::alter()
                    .table("notifications")
                    .add_column(col)
                    .to_owned(),
            )
            .await?;
        }
        m.get_connection()
            .execute_unprepared("UPDATE notifications SET email_status = 'skipped'")
            .await?;
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_notifications_email_pending ON notifications (created_at) \
                 WHERE email_status = 'pending'",
            )
            .await?;
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_notifications_email_failed ON notifications (created_at) \
                 WHERE email_status = 'failed'",
            )
            .await?;

        m.create_table(
            Table::create()
                .table("notification_preferences")
                .col(uuid("user_id"))
                .col(string_len("kind", 40))
                .col(boolean("email"))
                .col(timestamp_with_time_zone("updated_at"))
                .primary_key(Index::create().col("user_id").col("kind"))
                .foreign_key(&mut fk(
                    "notification_preferences",
                    "user_id",
                    "users",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("webhook_endpoints")
                .col(pk_uuid("id"))
                .col(uuid("supplier_id"))
                .col(string_len("url", 2000))
                .col(json("kinds"))
                .col(string_len("secret", 100))
                .col(string_len_null("previous_secret", 100))
                .col(timestamp_with_time_zone_null("previous_secret_expires_at"))
                .col(boolean("active").default(true))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("updated_at"))
                .foreign_key(&mut fk(
                    "webhook_endpoints",
                    "supplier_id",
                    "organisations",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("webhook_endpoints", "supplier", &["supplier_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("webhook_deliveries")
                .col(pk_uuid("id"))
                .col(uuid("endpoint_id"))
                .col(uuid("supplier_id"))
                .col(uuid("event_id"))
                .col(string_len("kind", 40))
                .col(text("body"))
                .col(
                    string_len("status", 10)
                        .default("pending")
                        .check(one_of("status", DELIVERY_STATUSES)),
                )
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone("next_attempt_at"))
                .col(integer_null("last_status_code"))
                .col(text_null("last_error"))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone_null("delivered_at"))
                .foreign_key(&mut fk(
                    "webhook_deliveries",
                    "endpoint_id",
                    "webhook_endpoints",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "webhook_deliveries",
            "supplier_created",
            &["supplier_id", "created_at"],
        ))
        .await?;
        m.get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_webhook_deliveries_pending ON webhook_deliveries \
                 (next_attempt_at) WHERE status = 'pending'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "webhook_deliveries",
            "webhook_endpoints",
            "notification_preferences",
            "user_contacts",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        let c = m.get_connection();
        c.execute_unprepared("DROP INDEX ix_notifications_email_pending")
            .await?;
        c.execute_unprepared("DROP INDEX ix_notifications_email_failed")
            .await?;
        for col in [
            "email_status",
            "email_attempts",
            "email_next_at",
            "email_error",
        ] {
            m.alter_table(
                Table::alter()
                    .table("notifications")
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
