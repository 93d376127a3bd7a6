//! Organisations (schools, trusts, suppliers, services) and users.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

const ORG_KINDS: &[&str] = &["school", "trust", "supplier", "service"];
const ROLES: &[&str] = &["SCHOOL_BUYER", "SUPPLIER", "ADVISER", "ADMIN"];

pub(super) async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        created_updated(
            Table::create()
                .table("organisations")
                .col(pk_uuid("id"))
                .col(string_len("kind", 16))
                .col(string_len("name", 200))
                .col(integer_null("urn"))
                .col(string_len_null("establishment_type", 40))
                .col(string_len_null("phase", 20))
                .col(string_len_null("la_code", 3))
                .col(string_len_null("la_name", 100))
                .col(string_len_null("region", 40))
                .col(uuid_null("trust_id"))
                .col(string_len_null("group_uid", 10))
                .col(integer_null("pupil_count"))
                .col(string_len_null("postcode", 10))
                .col(string_len_null("companies_house_number", 8))
                .col(string_len_null("website", 300))
                .col(boolean("is_sample").default(false))
                .check(one_of("kind", ORG_KINDS))
                .check(
                    Expr::col("kind")
                        .ne("school")
                        .or(Expr::col("urn").is_not_null()),
                )
                .check(
                    Expr::col("urn")
                        .is_null()
                        .or(Expr::col("urn").between(100000, 999999)),
                )
                .check(
                    Expr::col("pupil_count")
                        .is_null()
                        .or(Expr::col("pupil_count").gte(0)),
                )
                .foreign_key(&mut fk(
                    "organisations",
                    "trust_id",
                    "organisations",
                    ForeignKeyAction::SetNull,
                )),
        )
        .to_owned(),
    )
    .await?;
    m.create_index(unique("organisations", "urn", &["urn"]))
        .await?;
    m.create_index(unique("organisations", "group_uid", &["group_uid"]))
        .await?;
    m.create_index(unique(
        "organisations",
        "companies_house_number",
        &["companies_house_number"],
    ))
    .await?;
    m.create_index(index("organisations", "kind_name", &["kind", "name"]))
        .await?;
    m.create_index(index("organisations", "trust_id", &["trust_id"]))
        .await?;
    m.create_index(index("organisations", "region", &["region"]))
        .await?;

    m.create_table(
        Table::create()
            .table("users")
            .col(pk_uuid("id"))
            .col(string_len("email", 254))
            .col(string_len("display_name", 200))
            .col(string_len("role", 16))
            .col(uuid_null("organisation_id"))
            .col(timestamp_with_time_zone("created_at"))
            .check(one_of("role", ROLES))
            .foreign_key(&mut fk(
                "users",
                "organisation_id",
                "organisations",
                ForeignKeyAction::Restrict,
            ))
            .to_owned(),
    )
    .await?;
    m.create_index(unique("users", "email", &["email"])).await?;
    m.create_index(index("users", "organisation_id", &["organisation_id"]))
        .await?;

    Ok(())
}
