//! The deals catalogue: providers, categories, deals, their categories and eligibility, lots and lot suppliers.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

const DEAL_STATUSES: &[&str] = &["draft", "published", "archived"];
const ROUTES: &[&str] = &[
    "direct_award",
    "further_competition",
    "direct_award_or_further_competition",
];

pub(super) async fn up(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    m.create_table(
        Table::create()
            .table("providers")
            .col(pk_uuid("id"))
            .col(string_len("short_name", 40))
            .col(string_len("name", 200))
            .col(string_len("website", 300))
            .col(boolean("is_sample").default(false))
            .to_owned(),
    )
    .await?;
    m.create_index(unique("providers", "short_name", &["short_name"]))
        .await?;

    m.create_table(
        Table::create()
            .table("categories")
            .col(string_len("slug", 60).primary_key())
            .col(string_len("scope", 10))
            .col(string_len("name", 120))
            .col(integer("position"))
            .check(one_of("scope", &["deal", "product"]))
            .to_owned(),
    )
    .await?;

    m.create_table(
        created_updated(
            Table::create()
                .table("deals")
                .col(pk_uuid("id"))
                .col(uuid("provider_id"))
                .col(string_len("reference", 60))
                .col(string_len("title", 200))
                .col(text("summary"))
                .col(text("description"))
                .col(text("how_to_buy"))
                .col(string_len("route_to_market", 40))
                .col(date("starts_on"))
                .col(date("ends_on"))
                .col(text("typical_savings"))
                .col(integer_null("typical_savings_bps"))
                .col(text("fees"))
                .col(boolean("dfe_endorsed"))
                .col(string_len("url", 300))
                .col(string_len("status", 16))
                .col(integer("version").default(1))
                .col(boolean("is_sample").default(false))
                .check(one_of("route_to_market", ROUTES))
                .check(one_of("status", DEAL_STATUSES))
                .check(Expr::col("ends_on").gte(Expr::col("starts_on")))
                .check(
                    Expr::col("typical_savings_bps")
                        .is_null()
                        .or(Expr::col("typical_savings_bps").between(0, 10000)),
                )
                .foreign_key(&mut fk(
                    "deals",
                    "provider_id",
                    "providers",
                    ForeignKeyAction::Restrict,
                )),
        )
        .to_owned(),
    )
    .await?;
    m.create_index(unique(
        "deals",
        "provider_reference",
        &["provider_id", "reference"],
    ))
    .await?;
    m.create_index(index("deals", "status_ends_on", &["status", "ends_on"]))
        .await?;
    m.create_index(index("deals", "status_title", &["status", "title", "id"]))
        .await?;

    m.create_table(
        Table::create()
            .table("deal_categories")
            .col(uuid("deal_id"))
            .col(string_len("category_slug", 60))
            .primary_key(Index::create().col("deal_id").col("category_slug"))
            .foreign_key(&mut fk(
                "deal_categories",
                "deal_id",
                "deals",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_deal_categories_category_slug")
                    .from("deal_categories", "category_slug")
                    .to("categories", "slug")
                    .on_delete(ForeignKeyAction::Restrict),
            )
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "deal_categories",
        "category",
        &["category_slug", "deal_id"],
    ))
    .await?;

    m.create_table(
        Table::create()
            .table("deal_eligibility")
            .col(uuid("deal_id"))
            .col(string_len("kind", 16))
            .col(string_len("value", 40))
            .primary_key(Index::create().col("deal_id").col("kind").col("value"))
            .check(one_of("kind", &["org_type", "phase"]))
            .foreign_key(&mut fk(
                "deal_eligibility",
                "deal_id",
                "deals",
                ForeignKeyAction::Cascade,
            ))
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "deal_eligibility",
        "kind_value",
        &["kind", "value", "deal_id"],
    ))
    .await?;

    m.create_table(
        Table::create()
            .table("lots")
            .col(pk_uuid("id"))
            .col(uuid("deal_id"))
            .col(integer("number"))
            .col(string_len("title", 200))
            .col(text("description"))
            .check(Expr::col("number").gte(1))
            .foreign_key(&mut fk(
                "lots",
                "deal_id",
                "deals",
                ForeignKeyAction::Cascade,
            ))
            .to_owned(),
    )
    .await?;
    m.create_index(unique("lots", "deal_number", &["deal_id", "number"]))
        .await?;

    m.create_table(
        Table::create()
            .table("lot_suppliers")
            .col(uuid("lot_id"))
            .col(uuid("supplier_id"))
            .primary_key(Index::create().col("lot_id").col("supplier_id"))
            .foreign_key(&mut fk(
                "lot_suppliers",
                "lot_id",
                "lots",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                "lot_suppliers",
                "supplier_id",
                "organisations",
                ForeignKeyAction::Restrict,
            ))
            .to_owned(),
    )
    .await?;
    m.create_index(index(
        "lot_suppliers",
        "supplier",
        &["supplier_id", "lot_id"],
    ))
    .await?;

    Ok(())
}
