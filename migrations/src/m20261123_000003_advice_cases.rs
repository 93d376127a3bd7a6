//! What advice cases need beyond the initial schema: the case history, recommendations that
//! link deals and products, and a per-year counter for human references (`BA-2026-000123`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("advice_events")
                .col(pk_uuid("id"))
                .col(uuid("request_id"))
                .col(string_len("kind", 40))
                .col(json_null("detail"))
                .col(uuid_null("actor_id"))
                .col(boolean("internal").default(false))
                .col(timestamp_with_time_zone("at"))
                .foreign_key(&mut fk(
                    "advice_events",
                    "request_id",
                    "advice_requests",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "advice_events",
                    "actor_id",
                    "users",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("advice_events", "request_at", &["request_id", "at"]))
            .await?;

        m.create_table(
            Table::create()
                .table("advice_recommendations")
                .col(pk_uuid("id"))
                .col(uuid("request_id"))
                .col(uuid_null("deal_id"))
                .col(uuid_null("product_id"))
                .col(text("rationale"))
                .col(uuid_null("created_by"))
                .col(timestamp_with_time_zone("created_at"))
                .check(
                    Expr::col("deal_id")
                        .is_not_null()
                        .or(Expr::col("product_id").is_not_null()),
                )
                .foreign_key(&mut fk(
                    "advice_recommendations",
                    "request_id",
                    "advice_requests",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "advice_recommendations",
                    "deal_id",
                    "deals",
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "advice_recommendations",
                    "product_id",
                    "products",
                    ForeignKeyAction::Restrict,
                ))
                .foreign_key(&mut fk(
                    "advice_recommendations",
                    "created_by",
                    "users",
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "advice_recommendations",
            "request",
            &["request_id", "created_at"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("advice_reference_counters")
                .col(integer("year").primary_key())
                .col(big_integer("last"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "advice_reference_counters",
            "advice_recommendations",
            "advice_events",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
