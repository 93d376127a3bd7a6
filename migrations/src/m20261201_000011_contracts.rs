//! The contracts register: each school's contracts for products and services, made by a paid
//! order or added by the school for something bought elsewhere, with renewal terms and the
//! derived notice date the reminder sweep looks for.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const SOURCES: &[&str] = &["order", "manual"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            created_updated(
                Table::create()
                    .table("contracts")
                    .col(pk_uuid("id"))
                    .col(uuid("school_id"))
                    .col(string_len("source", 10).check(one_of("source", SOURCES)))
                    .col(uuid_null("product_id"))
                    .col(string_len("product_name", 200))
                    .col(uuid_null("supplier_id"))
                    .col(string_len("supplier_name", 200))
                    .col(uuid_null("deal_id"))
                    .col(uuid_null("lot_id"))
                    .col(uuid_null("last_order_id"))
                    .col(integer("paid_orders").default(0))
                    .col(date("starts_on"))
                    .col(date("ends_on"))
                    // `ends_on` less `notice_days`: the last day to give notice.
                    .col(date("notice_on"))
                    .col(boolean("auto_renews"))
                    .col(integer("notice_days"))
                    // Days before the notice date to remind, largest first: "90,30".
                    .col(string_len("reminder_days", 40))
                    // The next reminder to send (the sweep looks for those due).
                    .col(date_null("next_reminder_on"))
                    .col(big_integer("annual_cost_pence"))
                    .col(big_integer("licences_bought"))
                    .col(big_integer_null("licences_in_use"))
                    .col(text_null("notes"))
                    .col(uuid_null("created_by"))
                    .col(integer("version").default(1)),
            )
            .check(Expr::col("ends_on").gte(Expr::col("starts_on")))
            .check(Expr::col("notice_days").gte(0))
            .check(Expr::col("annual_cost_pence").gte(0))
            .check(Expr::col("licences_bought").gte(0))
            .check(Expr::col("licences_in_use").gte(0))
            .foreign_key(&mut fk(
                "contracts",
                "school_id",
                "organisations",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "contracts",
                "product_id",
                "products",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "contracts",
                "supplier_id",
                "organisations",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "contracts",
                "deal_id",
                "deals",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "contracts",
                "lot_id",
                "lots",
                ForeignKeyAction::SetNull,
            ))
            .foreign_key(&mut fk(
                "contracts",
                "last_order_id",
                "orders",
                ForeignKeyAction::SetNull,
            ))
            .foreign_key(&mut fk(
                "contracts",
                "created_by",
                "users",
                ForeignKeyAction::SetNull,
            ))
            .to_owned(),
        )
        .await?;
        m.create_index(index("contracts", "school", &["school_id", "ends_on"]))
            .await?;
        m.create_index(index(
            "contracts",
            "school_product",
            &["school_id", "product_id"],
        ))
        .await?;
        m.create_index(index("contracts", "next_reminder", &["next_reminder_on"]))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("contracts").to_owned())
            .await
    }
}
