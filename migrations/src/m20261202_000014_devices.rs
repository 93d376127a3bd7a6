//! Devices, new and refurbished: a device listing's model, specification, condition and the
//! facts a refurbished unit is bought on (grade, battery health, warranty, data erasure), its
//! carbon figures with their sources, and the units in stock.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const FORM_FACTORS: &[&str] = &[
    "laptop",
    "chromebook",
    "tablet",
    "desktop",
    "interactive_panel",
];
const CONDITIONS: &[&str] = &["new", "refurbished", "remanufactured"];
const GRADES: &[&str] = &["a", "b", "c"];
const ERASURE_STANDARDS: &[&str] = &[
    "nist_sp_800_88_r2",
    "nist_sp_800_88_r1",
    "ieee_2883",
    "iso_iec_27040",
    "adisa",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            created_updated(
                Table::create()
                    .table("product_devices")
                    .col(pk_uuid("product_id"))
                    .col(string_len("maker", 80))
                    .col(string_len("model", 120))
                    .col(string_len("form_factor", 20).check(one_of("form_factor", FORM_FACTORS)))
                    .col(string_len("processor", 120))
                    .col(integer("memory_gb"))
                    .col(integer("storage_gb"))
                    .col(string_len("screen", 80))
                    .col(string_len("operating_system", 80))
                    .col(date_null("os_support_ends_on"))
                    .col(string_len("condition", 20).check(one_of("condition", CONDITIONS)))
                    .col(string_len_null("grade", 1).check(one_of("grade", GRADES)))
                    .col(string_len_null("grade_descriptor", 300))
                    .col(integer_null("battery_health_percent"))
                    .col(integer("warranty_months"))
                    .col(
                        string_len_null("erasure_standard", 30)
                            .check(one_of("erasure_standard", ERASURE_STANDARDS)),
                    )
                    .col(string_len_null("erasure_method", 200))
                    .col(string_len_null("erasure_certifier", 120))
                    .col(string_len_null("refurbisher", 200))
                    .col(integer_null("new_footprint_kg"))
                    .col(string_len_null("new_footprint_source", 300))
                    .col(integer_null("refurbishment_footprint_kg"))
                    .col(string_len_null("refurbishment_footprint_source", 300)),
            )
            .check(Expr::col("memory_gb").gt(0))
            .check(Expr::col("storage_gb").gt(0))
            .check(Expr::col("battery_health_percent").between(80, 100))
            .check(Expr::col("warranty_months").between(0, 60))
            .check(Expr::col("new_footprint_kg").gt(0))
            .check(Expr::col("refurbishment_footprint_kg").gte(0))
            .foreign_key(&mut fk(
                "product_devices",
                "product_id",
                "products",
                ForeignKeyAction::Cascade,
            ))
            .to_owned(),
        )
        .await?;
        // Kept apart from the listing's content: stock moves with orders, not with vetting.
        m.create_table(
            Table::create()
                .table("device_stock")
                .col(pk_uuid("product_id"))
                .col(big_integer("units_available").default(0))
                .col(timestamp_with_time_zone("updated_at"))
                .check(Expr::col("units_available").gte(0))
                .foreign_key(&mut fk(
                    "device_stock",
                    "product_id",
                    "products",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        // The units an order took from stock; released when the order fails or is cancelled.
        m.create_table(
            Table::create()
                .table("device_reservations")
                .col(pk_uuid("order_id"))
                .col(uuid("product_id"))
                .col(big_integer("units"))
                .col(timestamp_with_time_zone_null("released_at"))
                // The carbon one unit saves as the listing stated it when ordered, and its source.
                .col(big_integer_null("saved_kg_per_unit"))
                .col(text_null("saved_source"))
                .check(Expr::col("units").gt(0))
                .foreign_key(&mut fk(
                    "device_reservations",
                    "order_id",
                    "orders",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "device_reservations",
                    "product_id",
                    "products",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("device_reservations").to_owned())
            .await?;
        m.drop_table(Table::drop().table("device_stock").to_owned())
            .await?;
        m.drop_table(Table::drop().table("product_devices").to_owned())
            .await
    }
}
