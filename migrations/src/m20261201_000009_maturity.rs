//! The digital maturity benchmark: the versioned content of the DfE digital and technology
//! standards (one row per content version, the whole document as loaded), schools' yearly
//! self-assessments with one section per standard and its history, their technology plans'
//! recommendation statuses with history, and the link from an advice case to the
//! recommendation it was opened from.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const ASSESSMENT: &[&str] = &["in_progress", "completed"];
const SECTION: &[&str] = &["in_progress", "completed"];
const MATURITY: &[&str] = &["NOT_MET", "NOT_SURE", "PARTLY_MET", "MET"];
const PLAN: &[&str] = &["NOT_STARTED", "IN_PROGRESS", "DONE", "NOT_APPLICABLE"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("digital_content")
                .col(integer("version").primary_key())
                .col(string_len("checksum", 32))
                .col(text("document"))
                .col(timestamp_with_time_zone("loaded_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            created_updated(
                Table::create()
                    .table("maturity_assessments")
                    .col(pk_uuid("id"))
                    .col(uuid("school_id"))
                    // The academic year it answers for, by the year it starts (2026 = 2026/27).
                    .col(integer("academic_year"))
                    .col(integer("content_version"))
                    .col(string_len("status", 20).check(one_of("status", ASSESSMENT)))
                    .col(uuid_null("started_by"))
                    .col(timestamp_with_time_zone_null("completed_at"))
                    .col(integer("version").default(1)),
            )
            .foreign_key(&mut fk(
                "maturity_assessments",
                "school_id",
                "organisations",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(
                ForeignKey::create()
                    .name("fk_maturity_assessments_content_version")
                    .from("maturity_assessments", "content_version")
                    .to("digital_content", "version")
                    .on_delete(ForeignKeyAction::Restrict)
                    .on_update(ForeignKeyAction::NoAction),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "maturity_assessments",
            "school_year",
            &["school_id", "academic_year"],
        ))
        .await?;

        m.create_table(
            created_updated(
                Table::create()
                    .table("maturity_sections")
                    .col(pk_uuid("id"))
                    .col(uuid("assessment_id"))
                    .col(uuid("school_id"))
                    .col(string_len("standard_slug", 80))
                    // {"question slug": "answer slug"} along the section's current path.
                    .col(json("answers"))
                    .col(string_len_null("maturity", 20).check(one_of("maturity", MATURITY)))
                    .col(string_len("status", 20).check(one_of("status", SECTION)))
                    .col(timestamp_with_time_zone_null("completed_at"))
                    .col(uuid_null("completed_by"))
                    .col(integer("version").default(1)),
            )
            .foreign_key(&mut fk(
                "maturity_sections",
                "assessment_id",
                "maturity_assessments",
                ForeignKeyAction::Cascade,
            ))
            .foreign_key(&mut fk(
                "maturity_sections",
                "school_id",
                "organisations",
                ForeignKeyAction::Cascade,
            ))
            .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "maturity_sections",
            "assessment_standard",
            &["assessment_id", "standard_slug"],
        ))
        .await?;
        m.create_index(index(
            "maturity_sections",
            "standard_status",
            &["standard_slug", "status", "school_id"],
        ))
        .await?;
        m.create_index(index(
            "maturity_sections",
            "school",
            &["school_id", "completed_at"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("maturity_section_events")
                .col(pk_uuid("id"))
                .col(uuid("section_id"))
                .col(string_len("kind", 40))
                .col(json_null("detail"))
                .col(uuid_null("actor_id"))
                .col(timestamp_with_time_zone("at"))
                .foreign_key(&mut fk(
                    "maturity_section_events",
                    "section_id",
                    "maturity_sections",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "maturity_section_events",
            "section",
            &["section_id", "at"],
        ))
        .await?;

        m.create_table(
            created_updated(
                Table::create()
                    .table("maturity_plan_items")
                    .col(pk_uuid("id"))
                    .col(uuid("school_id"))
                    .col(string_len("recommendation_slug", 120))
                    .col(string_len("status", 20).check(one_of("status", PLAN)))
                    .col(text_null("note"))
                    .col(uuid_null("updated_by"))
                    .col(integer("version").default(1)),
            )
            .foreign_key(&mut fk(
                "maturity_plan_items",
                "school_id",
                "organisations",
                ForeignKeyAction::Cascade,
            ))
            .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "maturity_plan_items",
            "school_recommendation",
            &["school_id", "recommendation_slug"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("maturity_plan_events")
                .col(pk_uuid("id"))
                .col(uuid("item_id"))
                .col(string_len_null("from_status", 20))
                .col(string_len("to_status", 20).check(one_of("to_status", PLAN)))
                .col(text_null("note"))
                .col(uuid_null("actor_id"))
                .col(timestamp_with_time_zone("at"))
                .foreign_key(&mut fk(
                    "maturity_plan_events",
                    "item_id",
                    "maturity_plan_items",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index("maturity_plan_events", "item", &["item_id", "at"]))
            .await?;

        m.create_table(
            Table::create()
                .table("maturity_advice_links")
                .col(uuid("advice_request_id").primary_key())
                .col(uuid("school_id"))
                .col(string_len("recommendation_slug", 120))
                .col(string_len("standard_slug", 80))
                .col(integer("content_version"))
                // The standard, recommendation and answers as the school gave them.
                .col(json("context"))
                .col(timestamp_with_time_zone("created_at"))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_maturity_advice_links_advice_request_id")
                        .from("maturity_advice_links", "advice_request_id")
                        .to("advice_requests", "id")
                        .on_delete(ForeignKeyAction::Cascade)
                        .on_update(ForeignKeyAction::NoAction),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "maturity_advice_links",
            "maturity_plan_events",
            "maturity_plan_items",
            "maturity_section_events",
            "maturity_sections",
            "maturity_assessments",
            "digital_content",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
