//! Calling off from a framework under the Procurement Act 2023: a school's further competition
//! on a deal's lot (its criteria, scale and deadlines), the suppliers invited, clarification
//! questions and answers, sealed bids, each evaluator's scores and conflict of interest
//! declaration, the moderated scores, and the award; a direct award is a competition row of
//! kind `direct_award`, awarded in one step.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const KINDS: &[&str] = &["further_competition", "direct_award"];
const STATUSES: &[&str] = &["draft", "published", "awarded", "abandoned"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            created_updated(
                Table::create()
                    .table("competitions")
                    .col(pk_uuid("id"))
                    .col(string_len("kind", 24).check(one_of("kind", KINDS)))
                    .col(string_len("status", 12).check(one_of("status", STATUSES)))
                    .col(uuid("school_id"))
                    .col(uuid("deal_id"))
                    .col(uuid("lot_id"))
                    .col(string_len("title", 200))
                    .col(text("requirement"))
                    .col(big_integer("quantity"))
                    .col(big_integer("budget_pence"))
                    .col(integer("term_months"))
                    // [{"key", "name", "refinement", "weight"}], weights summing to 100.
                    .col(json("criteria"))
                    .col(integer("scale_max"))
                    // One descriptor per point of the scale, 0 first.
                    .col(json("scale_descriptors"))
                    .col(timestamp_with_time_zone_null("clarification_deadline"))
                    .col(timestamp_with_time_zone_null("submission_deadline"))
                    .col(timestamp_with_time_zone_null("published_at"))
                    .col(uuid_null("awarded_bid_id"))
                    .col(uuid_null("awarded_supplier_id"))
                    .col(big_integer_null("awarded_value_pence"))
                    .col(text_null("award_reason"))
                    .col(boolean("award_is_top_ranked").default(false))
                    .col(integer_null("standstill_working_days"))
                    .col(timestamp_with_time_zone_null("standstill_ends_at"))
                    .col(timestamp_with_time_zone_null("awarded_at"))
                    .col(text_null("abandon_reason"))
                    .col(timestamp_with_time_zone_null("abandoned_at"))
                    // A direct award's justification and the framework's selection rule.
                    .col(text_null("direct_award_reason"))
                    .col(text_null("selection_rule"))
                    .col(uuid("created_by"))
                    .col(integer("version").default(1)),
            )
            .check(Expr::col("quantity").gte(0))
            .check(Expr::col("budget_pence").gte(0))
            .foreign_key(&mut fk(
                "competitions",
                "school_id",
                "organisations",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "competitions",
                "deal_id",
                "deals",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "competitions",
                "lot_id",
                "lots",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "competitions",
                "awarded_supplier_id",
                "organisations",
                ForeignKeyAction::Restrict,
            ))
            .foreign_key(&mut fk(
                "competitions",
                "created_by",
                "users",
                ForeignKeyAction::Restrict,
            ))
            .to_owned(),
        )
        .await?;
        m.create_index(index(
            "competitions",
            "school",
            &["school_id", "created_at"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("competition_invitations")
                .col(uuid("competition_id"))
                .col(uuid("supplier_id"))
                .col(timestamp_with_time_zone("invited_at"))
                .col(timestamp_with_time_zone_null("declined_at"))
                .col(text_null("decline_reason"))
                .primary_key(Index::create().col("competition_id").col("supplier_id"))
                .foreign_key(&mut fk(
                    "competition_invitations",
                    "competition_id",
                    "competitions",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "competition_invitations",
                    "supplier_id",
                    "organisations",
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "competition_invitations",
            "supplier",
            &["supplier_id", "invited_at"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("competition_clarifications")
                .col(pk_uuid("id"))
                .col(uuid("competition_id"))
                // Who asked: kept for the record, never shown to other suppliers.
                .col(uuid("supplier_id"))
                .col(text("question"))
                .col(timestamp_with_time_zone("asked_at"))
                .col(text_null("answer"))
                .col(timestamp_with_time_zone_null("answered_at"))
                .foreign_key(&mut fk(
                    "competition_clarifications",
                    "competition_id",
                    "competitions",
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(index(
            "competition_clarifications",
            "competition",
            &["competition_id", "asked_at"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("competition_bids")
                .col(pk_uuid("id"))
                .col(uuid("competition_id"))
                .col(uuid("supplier_id"))
                // The whole term's price, before VAT.
                .col(big_integer("price_pence"))
                // {"<criterion key>": "response text"}
                .col(json("responses"))
                .col(json("attachments"))
                .col(integer("revision").default(1))
                .col(timestamp_with_time_zone("first_submitted_at"))
                .col(timestamp_with_time_zone("submitted_at"))
                .check(Expr::col("price_pence").gte(0))
                .foreign_key(&mut fk(
                    "competition_bids",
                    "competition_id",
                    "competitions",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "competition_bids",
                    "supplier_id",
                    "organisations",
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "competition_bids",
            "supplier",
            &["competition_id", "supplier_id"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("competition_evaluators")
                .col(uuid("competition_id"))
                .col(uuid("user_id"))
                .col(boolean("has_conflict"))
                .col(text("declaration"))
                .col(timestamp_with_time_zone("declared_at"))
                .primary_key(Index::create().col("competition_id").col("user_id"))
                .foreign_key(&mut fk(
                    "competition_evaluators",
                    "competition_id",
                    "competitions",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "competition_evaluators",
                    "user_id",
                    "users",
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("competition_scores")
                .col(pk_uuid("id"))
                .col(uuid("competition_id"))
                .col(uuid("bid_id"))
                .col(uuid("evaluator_id"))
                .col(string_len("criterion", 40))
                .col(integer("score"))
                .col(text("rationale"))
                .col(timestamp_with_time_zone("scored_at"))
                .check(Expr::col("score").gte(0))
                .foreign_key(&mut fk(
                    "competition_scores",
                    "bid_id",
                    "competition_bids",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "competition_scores",
                    "evaluator_id",
                    "users",
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "competition_scores",
            "bid_evaluator_criterion",
            &["bid_id", "evaluator_id", "criterion"],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table("competition_moderations")
                .col(pk_uuid("id"))
                .col(uuid("competition_id"))
                .col(uuid("bid_id"))
                .col(string_len("criterion", 40))
                .col(integer("score"))
                .col(text("rationale"))
                .col(uuid("moderated_by"))
                .col(timestamp_with_time_zone("moderated_at"))
                .check(Expr::col("score").gte(0))
                .foreign_key(&mut fk(
                    "competition_moderations",
                    "bid_id",
                    "competition_bids",
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    "competition_moderations",
                    "moderated_by",
                    "users",
                    ForeignKeyAction::Restrict,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(unique(
            "competition_moderations",
            "bid_criterion",
            &["bid_id", "criterion"],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            "competition_moderations",
            "competition_scores",
            "competition_evaluators",
            "competition_bids",
            "competition_clarifications",
            "competition_invitations",
            "competitions",
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
