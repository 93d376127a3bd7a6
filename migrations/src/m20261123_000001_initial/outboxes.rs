//! The two outboxes: search and notifications.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

pub(super) async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    // Every write that changes a searchable record adds a row here in the same transaction;
    // the indexer applies rows in id order and marks them processed once the engine confirms.
    m.create_table(
        Table::create()
            .table("search_outbox")
            .col(big_pk_auto("id"))
            .col(string_len("entity_type", 10))
            .col(uuid("entity_id"))
            .col(string_len("op", 10))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone("available_at"))
            .col(timestamp_with_time_zone_null("processed_at"))
            .col(integer("attempts").default(0))
            .col(text_null("last_error"))
            .check(one_of("entity_type", &["product", "deal"]))
            .check(one_of("op", &["upsert", "delete"]))
            .to_owned(),
    )
    .await?;
    m.get_connection()
        .execute_unprepared("CREATE INDEX ix_search_outbox_pending ON search_outbox (available_at, id) WHERE processed_at IS NULL")
        .await?;

    m.create_table(
        Table::create()
            .table("notifications")
            .col(pk_uuid("id"))
            .col(uuid_null("user_id"))
            .col(uuid("organisation_id"))
            .col(string_len("kind", 40))
            .col(string_len("subject", 200))
            .col(json("payload"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone_null("delivered_at"))
            .col(string_len_null("dedupe_key", 120))
            .foreign_key(&mut fk(
                "notifications",
                "user_id",
                "users",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                "notifications",
                "organisation_id",
                "organisations",
                ForeignKeyAction::Cascade,
            ))
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "notifications",
        "org_created",
        &["organisation_id", "created_at"],
    ))
    .await?;
    m.create_index(unique("notifications", "dedupe_key", &["dedupe_key"]))
        .await?;
    m.get_connection()
        .execute_unprepared("CREATE INDEX ix_notifications_undelivered ON notifications (created_at) WHERE delivered_at IS NULL")
        .await?;

    Ok(())
}
