//! The lending library: trial offers, loans, licence keys and loan events.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

const LOAN_STATUSES: &[&str] = &[
    "waitlisted",
    "active",
    "returned",
    "expired",
    "converted",
    "left_waitlist",
];

pub(super) async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        created_updated(
            Table::create()
                .table("trial_offers")
                .col(pk_uuid("id"))
                .col(uuid("product_id"))
                .col(integer("seats_total"))
                .col(integer("seats_free"))
                .col(integer("loan_days"))
                .col(integer("max_extensions").default(0))
                .col(integer("extension_days").default(0))
                .col(json("eligible_phases"))
                .col(json("eligible_org_types"))
                .col(text("terms"))
                .col(string_len("status", 10))
                .col(integer("version").default(1))
                .check(Expr::col("seats_total").gt(0))
                .check(Expr::col("seats_free").gte(0))
                .check(Expr::col("seats_free").lte(Expr::col("seats_total")))
                .check(Expr::col("loan_days").between(1, 365))
                .check(Expr::col("max_extensions").gte(0))
                .check(Expr::col("extension_days").gte(0))
                .check(one_of("status", &["open", "paused", "closed"]))
                .foreign_key(&mut fk(
                    "trial_offers",
                    "product_id",
                    "products",
                    ForeignKeyAction::Restrict,
                )),
        )
        .to_owned(),
    )
    .await?;
    m.create_index(index("trial_offers", "product", &["product_id", "status"]))
        .await?;

    m.create_table(
        Table::create()
            .table("loans")
            .col(pk_uuid("id"))
            .col(uuid("offer_id"))
            .col(uuid("product_id"))
            .col(uuid("school_id"))
            .col(uuid_null("requested_by"))
            .col(string_len("status", 16))
            .col(big_integer_null("waitlist_seq"))
            .col(timestamp_with_time_zone("requested_at"))
            .col(timestamp_with_time_zone_null("granted_at"))
            .col(timestamp_with_time_zone_null("ends_at"))
            .col(integer("extensions_used").default(0))
            .col(timestamp_with_time_zone_null("closed_at"))
            .col(integer("version").default(1))
            .check(one_of("status", LOAN_STATUSES))
            .check(Expr::col("extensions_used").gte(0))
            .foreign_key(&mut fk(
                "loans",
                "offer_id",
                "trial_offers",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "loans",
                "product_id",
                "products",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "loans",
                "school_id",
                "organisations",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "loans",
                "requested_by",
                "users",
                ForeignKeyAction::SetNull,
            ))
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "loans",
        "offer_queue",
        &["offer_id", "status", "waitlist_seq"],
    ))
    .await?;
    m.create_index(index("loans", "status_ends_at", &["status", "ends_at"]))
        .await?;
    m.create_index(index("loans", "school", &["school_id", "status"]))
        .await?;
    // One open loan or waitlist place per school per product (partial unique index; both
    // engines support the same syntax).
    m.get_connection()
        .execute_unprepared(
            "CREATE UNIQUE INDEX ux_loans_open_per_school_product ON loans (school_id, product_id) \
             WHERE status IN ('waitlisted', 'active')",
        )
        .await?;

    m.create_table(
        Table::create()
            .table("licence_keys")
            .col(pk_uuid("id"))
            .col(uuid("offer_id"))
            .col(text("code"))
            .col(uuid_null("loan_id"))
            .col(timestamp_with_time_zone("created_at"))
            .foreign_key(&mut fk(
                "licence_keys",
                "offer_id",
                "trial_offers",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                "licence_keys",
                "loan_id",
                "loans",
                ForeignKeyAction::SetNull,
            ))
            .to_owned(),
    )
    .await?;
    m.create_index(unique("licence_keys", "offer_code", &["offer_id", "code"]))
        .await?;
    m.create_index(unique("licence_keys", "loan", &["loan_id"]))
        .await?;

    m.create_table(
        Table::create()
            .table("loan_events")
            .col(pk_uuid("id"))
            .col(uuid("loan_id"))
            .col(string_len("kind", 30))
            .col(json_null("detail"))
            .col(uuid_null("actor_id"))
            .col(timestamp_with_time_zone("at"))
            .foreign_key(&mut fk(
                "loan_events",
                "loan_id",
                "loans",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                "loan_events",
                "actor_id",
                "users",
                ForeignKeyAction::SetNull,
            ))
            .to_owned(),
    )
    .await?;
    m.create_index(index("loan_events", "loan_at", &["loan_id", "at"]))
        .await?;

    Ok(())
}
