//! Buying-advice requests and their messages.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

const ADVICE_STATUSES: &[&str] = &[
    "new",
    "triaged",
    "in_progress",
    "awaiting_school",
    "recommended",
    "closed",
];

pub(super) async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        created_updated(
            Table::create()
                .table("advice_requests")
                .col(pk_uuid("id"))
                .col(string_len("reference", 20))
                .col(uuid("school_id"))
                .col(uuid_null("requested_by"))
                .col(string_len("category", 60))
                .col(text("need"))
                .col(big_integer_null("budget_min_pence"))
                .col(big_integer_null("budget_max_pence"))
                .col(date_null("deadline"))
                .col(text("current_setup"))
                .col(string_len("preferred_contact", 20))
                .col(string_len("status", 20))
                .col(string_len_null("outcome", 10))
                .col(uuid_null("assignee_id"))
                .col(timestamp_with_time_zone("first_response_due_at"))
                .col(timestamp_with_time_zone("resolution_due_at"))
                .col(timestamp_with_time_zone_null("first_responded_at"))
                .col(timestamp_with_time_zone_null("closed_at"))
                .col(integer("version").default(1))
                .check(one_of("status", ADVICE_STATUSES))
                .check(
                    Expr::col("outcome")
                        .is_null()
                        .or(one_of("outcome", &["resolved", "withdrawn"])),
                )
                .check(
                    Expr::col("budget_min_pence")
                        .is_null()
                        .or(Expr::col("budget_min_pence").gte(0)),
                )
                .foreign_key(&mut fk(
                    "advice_requests",
                    "school_id",
                    "organisations",
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "advice_requests",
                    "requested_by",
                    "users",
                    ForeignKeyAction::SetNull,
                ))
                .foreign_key(&mut fk(
                    "advice_requests",
                    "assignee_id",
                    "users",
                    ForeignKeyAction::SetNull,
                )),
        )
        .to_owned(),
    )
    .await?;
    m.create_index(unique("advice_requests", "reference", &["reference"]))
        .await?;
    m.create_index(index(
        "advice_requests",
        "status_assignee",
        &["status", "assignee_id"],
    ))
    .await?;
    m.create_index(index(
        "advice_requests",
        "school",
        &["school_id", "created_at"],
    ))
    .await?;

    m.create_table(
        Table::create()
            .table("advice_messages")
            .col(pk_uuid("id"))
            .col(uuid("request_id"))
            .col(uuid_null("author_id"))
            .col(string_len("visibility", 10))
            .col(text("body"))
            .col(timestamp_with_time_zone("created_at"))
            .check(one_of("visibility", &["school", "internal"]))
            .foreign_key(&mut fk(
                "advice_messages",
                "request_id",
                "advice_requests",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                "advice_messages",
                "author_id",
                "users",
                ForeignKeyAction::SetNull,
            ))
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "advice_messages",
        "request_created",
        &["request_id", "created_at"],
    ))
    .await?;

    Ok(())
}
