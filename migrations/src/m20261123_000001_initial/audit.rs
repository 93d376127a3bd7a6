//! The audit log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

pub(super) async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table("audit_events")
            .col(pk_uuid("id"))
            .col(timestamp_with_time_zone("at"))
            .col(uuid_null("actor_id"))
            .col(string_len_null("actor_role", 16))
            .col(uuid_null("organisation_id"))
            .col(string_len("action", 60))
            .col(string_len("entity_type", 40))
            .col(string_len("entity_id", 64))
            .col(json_null("before"))
            .col(json_null("after"))
            .col(string_len_null("request_id", 64))
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "audit_events",
        "entity",
        &["entity_type", "entity_id", "at"],
    ))
    .await?;
    m.create_index(index("audit_events", "actor", &["actor_id", "at"]))
        .await?;
    m.create_index(index("audit_events", "at", &["at"])).await?;

    Ok(())
}
