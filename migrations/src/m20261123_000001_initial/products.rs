//! Product listings with their categories, facets, revisions and vetting decisions.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

const PRODUCT_STATUSES: &[&str] = &[
    "draft",
    "submitted",
    "in_review",
    "approved",
    "changes_requested",
    "rejected",
    "withdrawn",
];
const PRICING: &[&str] = &[
    "per_pupil_per_year",
    "per_school_per_year",
    "per_user_per_year",
    "one_off",
    "free_tier",
    "free",
];
const HOSTING: &[&str] = &["uk", "eea", "us"];
const CYBER: &[&str] = &["none", "cyber_essentials", "cyber_essentials_plus"];
const PRODUCT_FACETS: &[&str] = &["subject", "key_stage", "platform", "badge"];

pub(super) async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        created_updated(
            Table::create()
                .table("products")
                .col(pk_uuid("id"))
                .col(uuid("supplier_id"))
                .col(string_len("name", 200))
                .col(text("summary"))
                .col(text("description"))
                .col(string_len("pricing_model", 30))
                .col(big_integer("price_pence"))
                .col(string_len("hosting_location", 8))
                .col(string_len("cyber_essentials", 30))
                .col(string_len_null("accessibility_statement_url", 300))
                .col(boolean("dpia_available"))
                .col(boolean("sso_microsoft"))
                .col(boolean("sso_google"))
                .col(boolean("mis_integration"))
                .col(string_len_null("website", 300))
                .col(string_len("status", 20))
                .col(timestamp_with_time_zone_null("published_at"))
                .col(integer("version").default(1))
                .col(boolean("is_sample").default(false))
                .check(one_of("pricing_model", PRICING))
                .check(one_of("hosting_location", HOSTING))
                .check(one_of("cyber_essentials", CYBER))
                .check(one_of("status", PRODUCT_STATUSES))
                .check(Expr::col("price_pence").gte(0))
                .foreign_key(&mut fk(
                    "products",
                    "supplier_id",
                    "organisations",
                    ForeignKeyAction::Restrict,
                )),
        )
        .to_owned(),
    )
    .await?;
    m.create_index(unique(
        "products",
        "supplier_name",
        &["supplier_id", "name"],
    ))
    .await?;
    m.create_index(index("products", "status_name", &["status", "name", "id"]))
        .await?;
    m.create_index(index(
        "products",
        "status_price",
        &["status", "price_pence", "id"],
    ))
    .await?;

    m.create_table(
        Table::create()
            .table("product_categories")
            .col(uuid("product_id"))
            .col(string_len("category_slug", 60))
            .primary_key(Index::create().col("product_id").col("category_slug"))
            .foreign_key(&mut fk(
                "product_categories",
                "product_id",
                "products",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_product_categories_category_slug")
                    .from("product_categories", "category_slug")
                    .to("categories", "slug")
                    .on_delete(ForeignKeyAction::Restrict),
            )
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "product_categories",
        "category",
        &["category_slug", "product_id"],
    ))
    .await?;

    m.create_table(
        Table::create()
            .table("product_facets")
            .col(uuid("product_id"))
            .col(string_len("facet", 16))
            .col(string_len("value", 40))
            .primary_key(Index::create().col("product_id").col("facet").col("value"))
            .check(one_of("facet", PRODUCT_FACETS))
            .foreign_key(&mut fk(
                "product_facets",
                "product_id",
                "products",
                ForeignKeyAction::Cascade,
            ))
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "product_facets",
        "facet_value",
        &["facet", "value", "product_id"],
    ))
    .await?;

    // A supplier's edit of an approved product waits here until it is vetted; the live row
    // in `products` stays as published until then.
    m.create_table(
        Table::create()
            .table("product_revisions")
            .col(pk_uuid("id"))
            .col(uuid("product_id"))
            .col(integer("base_version"))
            .col(json("data"))
            .col(string_len("status", 16))
            .col(uuid_null("submitted_by"))
            .col(timestamp_with_time_zone("created_at"))
            .col(timestamp_with_time_zone_null("decided_at"))
            .check(one_of(
                "status",
                &["pending", "approved", "rejected", "superseded"],
            ))
            .foreign_key(&mut fk(
                "product_revisions",
                "product_id",
                "products",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                "product_revisions",
                "submitted_by",
                "users",
                ForeignKeyAction::SetNull,
            ))
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "product_revisions",
        "product_status",
        &["product_id", "status"],
    ))
    .await?;

    m.create_table(
        Table::create()
            .table("vetting_decisions")
            .col(pk_uuid("id"))
            .col(uuid("product_id"))
            .col(uuid_null("revision_id"))
            .col(string_len("decision", 20))
            .col(json("checklist"))
            .col(text("notes"))
            .col(uuid_null("decided_by"))
            .col(timestamp_with_time_zone("decided_at"))
            .check(one_of(
                "decision",
                &["in_review", "approved", "changes_requested", "rejected"],
            ))
            .foreign_key(&mut fk(
                "vetting_decisions",
                "product_id",
                "products",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                "vetting_decisions",
                "revision_id",
                "product_revisions",
                ForeignKeyAction::SetNull,
            ))
            .foreign_key(&mut fk(
                "vetting_decisions",
                "decided_by",
                "users",
                ForeignKeyAction::SetNull,
            ))
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "vetting_decisions",
        "product",
        &["product_id", "decided_at"],
    ))
    .await?;

    Ok(())
}
