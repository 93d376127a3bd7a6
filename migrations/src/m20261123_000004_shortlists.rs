//! Shortlists: a school's named lists of products and deals it is weighing, with a note and a
//! decision per item, optionally attached to one of its advice cases.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SHARING: &[&str] = &["private", "school", "trust"];
const DECISIONS: &[&str] = &["undecided", "chosen", "rejected"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            created_updated(
                Table::create()
                    .table("shortlists")
                    .col(pk_uuid("id"))
                    .col(uuid("school_id"))
                    .col(uuid("owner_id"))
                    .col(string_len("name", 120))
                    .col(text_null("description"))
                    .col(string_len("sharing", 20).check(one_of("sharing", SHARING)))
                    .col(uuid_null("advice_request_id"))
                    .col(integer("version").default(1)),
            )
            .foreign_key(&mut fk(
                "shortlists",
                "school_id",
                "organisations",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                "shortlists",
                "owner_id",
                "users",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "shortlists",
                "advice_request_id",
                "advice_requests",
                ForeignKeyAction::SetNull,
            ))
            .to_owned(),
        )
        .await?;
        m.create_index(index("shortlists", "school", &["school_id", "updated_at"]))
            .await?;
        m.create_index(index(
            "shortlists",
            "advice_request",
            &["advice_request_id"],
        ))
        .await?;

        m.create_table(
            created_updated(
                Table::create()
                    .table("shortlist_items")
                    .col(pk_uuid("id"))
                    .col(uuid("shortlist_id"))
                    .col(uuid_null("product_id"))
                    .col(uuid_null("deal_id"))
                    // The name when added, so an item that is later withdrawn still says what it was.
                    .col(string_len("title", 200))
                    .col(text_null("note"))
                    .col(string_len("decision", 20).check(one_of("decision", DECISIONS)))
                    .col(text_null("reason"))
                    .col(integer("position"))
                    .col(uuid_null("added_by")),
            )
            .check(
                Expr::col("deal_id")
                    .is_null()
                    .and(Expr::col("product_id").is_not_null())
                    .or(Expr::col("deal_id")
                        .is_not_null()
                        .and(Expr::col("product_id").is_null())),
            )
            .foreign_key(&mut fk(
                "shortlist_items",
                "shortlist_id",
                "shortlists",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                "shortlist_items",
                "product_id",
                "products",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "shortlist_items",
                "deal_id",
                "deals",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "shortlist_items",
                "added_by",
                "users",
                ForeignKeyAction::SetNull,
            ))
            .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "shortlist_items",
            "product",
            &["shortlist_id", "product_id"],
        ))
        .await?;
        m.create_index(unique(
            "shortlist_items",
            "deal",
            &["shortlist_id", "deal_id"],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["shortlist_items", "shortlists"] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
