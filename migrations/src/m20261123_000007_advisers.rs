//! The adviser directory: a profile for each adviser admins manage, keyed by the adviser's user
//! id (the `users` row holds their name and email, so an adviser has one identity whether or
//! not they have signed in), with their capacity and specialisms by category and region.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

const REGIONS: &[&str] = &[
    "north_east",
    "north_west",
    "yorkshire_and_the_humber",
    "east_midlands",
    "west_midlands",
    "east_of_england",
    "london",
    "south_east",
    "south_west",
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            created_updated(
                Table::create()
                    .table("advisers")
                    .col(uuid("user_id").primary_key())
                    .col(integer("capacity"))
                    .col(boolean("active").default(true))
                    .col(integer("version").default(1))
                    .col(boolean("is_sample").default(false))
                    .check(Expr::col("capacity").between(1, 200))
                    .foreign_key(&mut fk(
                        "advisers",
                        "user_id",
                        "users",
                        ForeignKeyAction::Cascade,
                    )),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(index("advisers", "active", &["active", "user_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("adviser_categories")
                .col(uuid("adviser_id"))
                .col(string_len("category_slug", 60))
                .primary_key(Index::create().col("adviser_id").col("category_slug"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_adviser_categories_adviser_id")
                        .from("adviser_categories", "adviser_id")
                        .to("advisers", "user_id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_adviser_categories_category_slug")
                        .from("adviser_categories", "category_slug")
                        .to("categories", "slug")
                        .on_delete(ForeignKeyAction::Restrict),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "adviser_categories",
            "category",
            &["category_slug", "adviser_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("adviser_regions")
                .col(uuid("adviser_id"))
                .col(string_len("region", 40))
                .primary_key(Index::create().col("adviser_id").col("region"))
                .check(one_of("region", REGIONS))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_adviser_regions_adviser_id")
                        .from("adviser_regions", "adviser_id")
                        .to("advisers", "user_id")
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "adviser_regions",
            "region",
            &["region", "adviser_id"],
        ))
        .await?;

        // An adviser's open caseload is counted by assignee on every assignment and
        // suggestion.
        m.create_index(index(
            "advice_requests",
            "assignee_status",
            &["assignee_id", "status"],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_advice_requests_assignee_status")
                .table("advice_requests")
                .to_owned(),
        )
        .await?;
        for t in ["adviser_regions", "adviser_categories", "advisers"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
