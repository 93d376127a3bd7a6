//! Device disposal: whether a deal's lot offers collection of old devices, a school's disposal
//! requests to one of the lot's suppliers (units by form factor, the erasure standard required,
//! the outcome wanted), and the per-device erasure certificates the supplier returns.

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
const ERASURE_STANDARDS: &[&str] = &[
    "nist_sp_800_88_r2",
    "nist_sp_800_88_r1",
    "ieee_2883",
    "iso_iec_27040",
    "adisa",
];
const STATUSES: &[&str] = &[
    "requested",
    "scheduled",
    "collected",
    "completed",
    "cancelled",
    "declined",
];
const OUTCOMES_WANTED: &[&str] = &["reuse", "recycle", "either"];
const OUTCOMES: &[&str] = &["reused", "recycled"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("lots")
                .add_column(boolean("offers_disposal").default(false).to_owned())
                .to_owned(),
        )
        .await?;
        m.create_table(
            created_updated(
                Table::create()
                    .table("disposal_requests")
                    .col(pk_uuid("id"))
                    .col(uuid("school_id"))
                    .col(uuid("deal_id"))
                    // Null once the deal is re-imported (its lots are written anew); the
                    // lot's number and title stay on the request.
                    .col(uuid_null("lot_id"))
                    .col(integer("lot_number"))
                    .col(string_len("lot_title", 200))
                    .col(uuid("supplier_id"))
                    .col(string_len("status", 20).check(one_of("status", STATUSES)))
                    .col(
                        string_len("erasure_standard", 30)
                            .check(one_of("erasure_standard", ERASURE_STANDARDS)),
                    )
                    .col(
                        string_len("outcome_wanted", 10)
                            .check(one_of("outcome_wanted", OUTCOMES_WANTED)),
                    )
                    .col(text("collection_note"))
                    .col(date("preferred_collection_date"))
                    .col(date_null("collection_date"))
                    .col(text_null("decline_reason"))
                    .col(text_null("cancel_reason"))
                    // Why the certificates per form factor differ from the units requested.
                    .col(text_null("difference_reason"))
                    .col(uuid("requested_by"))
                    .col(timestamp_with_time_zone_null("scheduled_at"))
                    .col(timestamp_with_time_zone_null("collected_at"))
                    .col(timestamp_with_time_zone_null("completed_at"))
                    .col(timestamp_with_time_zone_null("cancelled_at"))
                    .col(timestamp_with_time_zone_null("declined_at"))
                    .col(integer("version").default(1)),
            )
            .foreign_key(&mut fk(
                "disposal_requests",
                "school_id",
                "organisations",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "disposal_requests",
                "deal_id",
                "deals",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "disposal_requests",
                "lot_id",
                "lots",
                ForeignKeyAction::SetNull,
            ))
            .foreign_key(&mut fk(
                "disposal_requests",
                "supplier_id",
                "organisations",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "disposal_requests",
                "requested_by",
                "users",
                ForeignKeyAction::Restrict,
            ))
            .to_owned(),
        )
        .await?;
        m.create_index(index("disposal_requests", "school", &["school_id", "id"]))
            .await?;
        m.create_index(index(
            "disposal_requests",
            "supplier",
            &["supplier_id", "id"],
        ))
        .await?;
        m.create_table(
            Table::create()
                .table("disposal_lines")
                .col(uuid("request_id"))
                .col(string_len("form_factor", 20).check(one_of("form_factor", FORM_FACTORS)))
                .col(integer("units"))
                .primary_key(Index::create().col("request_id").col("form_factor"))
                .check(Expr::col("units").gt(0))
                .foreign_key(&mut fk(
                    "disposal_lines",
                    "request_id",
                    "disposal_requests",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table("disposal_certificates")
                .col(uuid("request_id"))
                // Upper-cased: a serial is unique within its request whatever its case.
                .col(string_len("serial", 100))
                // The order the supplier gave them in.
                .col(integer("position"))
                .col(string_len("form_factor", 20).check(one_of("form_factor", FORM_FACTORS)))
                .col(
                    string_len("erasure_standard", 30)
                        .check(one_of("erasure_standard", ERASURE_STANDARDS)),
                )
                .col(string_len("erasure_method", 200))
                .col(string_len("certificate_reference", 120))
                .col(string_len("outcome", 10).check(one_of("outcome", OUTCOMES)))
                .primary_key(Index::create().col("request_id").col("serial"))
                .foreign_key(&mut fk(
                    "disposal_certificates",
                    "request_id",
                    "disposal_requests",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "disposal_certificates",
            "position",
            &["request_id", "position"],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "disposal_certificates",
            "disposal_lines",
            "disposal_requests",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        m.alter_table(
            Table::alter()
                .table("lots")
                .drop_column("offers_disposal")
                .to_owned(),
        )
        .await
    }
}
