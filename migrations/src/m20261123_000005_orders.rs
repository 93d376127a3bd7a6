//! Purchases: orders with their lines in pence, the school's Stripe customer, and the Stripe
//! events already applied (each once).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const METHODS: &[&str] = &["card", "invoice"];
const STATUSES: &[&str] = &[
    "pending",
    "awaiting_payment",
    "invoiced",
    "paid",
    "payment_failed",
    "void",
    "failed",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("payment_customers")
                .col(uuid("school_id").primary_key())
                .col(string_len("stripe_customer_id", 255).unique_key())
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(&mut fk(
                    "payment_customers",
                    "school_id",
                    "organisations",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            created_updated(
                Table::create()
                    .table("orders")
                    .col(pk_uuid("id"))
                    .col(uuid("school_id"))
                    .col(uuid_null("buyer_id"))
                    .col(uuid("product_id"))
                    .col(uuid("supplier_id"))
                    .col(uuid_null("deal_id"))
                    .col(uuid_null("loan_id"))
                    .col(string_len("method", 20).check(one_of("method", METHODS)))
                    .col(string_len("status", 20).check(one_of("status", STATUSES)))
                    .col(string_len_null("purchase_order_number", 40))
                    // The caller's key for retrying the same purchase request.
                    .col(string_len_null("client_key", 100))
                    .col(string_len("currency", 3))
                    .col(big_integer("list_net_pence"))
                    .col(big_integer("net_pence"))
                    .col(big_integer("vat_pence"))
                    .col(big_integer("total_pence"))
                    .col(big_integer("savings_pence"))
                    .col(string_len_null("stripe_customer_id", 255))
                    .col(string_len_null("stripe_payment_intent_id", 255))
                    .col(string_len_null("stripe_invoice_id", 255))
                    .col(text_null("client_secret"))
                    .col(text_null("failure_reason"))
                    .col(timestamp_with_time_zone_null("paid_at"))
                    .col(integer("version").default(1)),
            )
            .check(Expr::col("total_pence").gte(0))
            .check(Expr::col("savings_pence").gte(0))
            .foreign_key(&mut fk(
                "orders",
                "school_id",
                "organisations",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "orders",
                "buyer_id",
                "users",
                ForeignKeyAction::SetNull,
            ))
            .foreign_key(&mut fk(
                "orders",
                "product_id",
                "products",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "orders",
                "supplier_id",
                "organisations",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "orders",
                "deal_id",
                "deals",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "orders",
                "loan_id",
                "loans",
                ForeignKeyAction::SetNull,
            ))
            .to_owned(),
        )
        .await?;
        m.create_index(index("orders", "school", &["school_id", "created_at"]))
            .await?;
        m.create_index(index("orders", "paid", &["status", "paid_at"]))
            .await?;
        m.create_index(unique("orders", "client_key", &["school_id", "client_key"]))
            .await?;
        m.create_index(unique(
            "orders",
            "payment_intent",
            &["stripe_payment_intent_id"],
        ))
        .await?;
        m.create_index(unique("orders", "invoice", &["stripe_invoice_id"]))
            .await?;

        m.create_table(
            Table::create()
                .table("order_lines")
                .col(pk_uuid("id"))
                .col(uuid("order_id"))
                .col(integer("position"))
                .col(string_len("description", 300))
                .col(big_integer("quantity"))
                .col(big_integer("unit_pence"))
                .col(big_integer("net_pence"))
                .col(big_integer("vat_pence"))
                .foreign_key(&mut fk(
                    "order_lines",
                    "order_id",
                    "orders",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("order_lines", "order", &["order_id", "position"]))
            .await?;

        m.create_table(
            Table::create()
                .table("stripe_events")
                .col(string_len("id", 255).primary_key())
                .col(string_len("kind", 100))
                .col(uuid_null("order_id"))
                .col(string_len("outcome", 40))
                .col(timestamp_with_time_zone("created_at"))
                .col(timestamp_with_time_zone("received_at"))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "stripe_events",
            "order_lines",
            "orders",
            "payment_customers",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
