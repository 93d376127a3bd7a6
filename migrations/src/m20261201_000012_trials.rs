//! Trials that produce evidence: an offer's licence scope (seat, whole school, trust), its
//! reminder days and fair-use limits, a reusable flag on its pool of activation codes; a loan's
//! next reminder and the `offer_closed` state of a waitlist place ended by the offer closing;
//! how often each code was lent; and the outcome a school records when a trial ends.
//!
//! SQLite cannot alter a CHECK constraint, and rebuilding `loans` would cascade-delete its
//! events: the constraint is widened in place (`writable_schema`, the procedure SQLite documents
//! for loosening a constraint; existing rows satisfy the wider one). PostgreSQL drops and adds
//! the constraint.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::ddl::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD_STATUSES: &str = "'converted', 'left_waitlist'";
const NEW_STATUSES: &str = "'converted', 'left_waitlist', 'offer_closed'";

async fn add(m: &SchemaManager<'_>, table: &'static str, col: ColumnDef) -> Result<(), DbErr> {
    let mut col = col;
    m.alter_table(Table::alter().table(table).add_column(&mut col).to_owned())
        .await
}

async fn drop_col(
    m: &SchemaManager<'_>,
    table: &'static str,
    col: &'static str,
) -> Result<(), DbErr> {
    m.alter_table(Table::alter().table(table).drop_column(col).to_owned())
        .await
}

/// Rewrites the loans table's status CHECK from `from` to `to`.
async fn loan_statuses(m: &SchemaManager<'_>, from: &str, to: &str) -> Result<(), DbErr> {
    let db = m.get_connection();
    if m.get_database_backend() == DbBackend::Sqlite {
        let row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'loans'",
            ))
            .await?
            .ok_or_else(|| DbErr::Migration("no loans table".into()))?;
        let sql: String = row.try_get("", "sql")?;
        if !sql.contains(from) {
            return Err(DbErr::Migration(format!(
                "loans status CHECK not as expected: {sql}"
            )));
        }
        let widened = sql.replacen(from, to, 1).replace('\'', "''");
        let version_row = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA schema_version",
            ))
            .await?
            .ok_or_else(|| DbErr::Migration("no schema_version".into()))?;
        let version: i64 = version_row.try_get_by_index(0)?;
        db.execute_unprepared("PRAGMA writable_schema = ON").await?;
        db.execute_unprepared(&format!(
            "UPDATE sqlite_master SET sql = '{widened}' WHERE type = 'table' AND name = 'loans'"
        ))
        .await?;
        db.execute_unprepared(&format!("PRAGMA schema_version = {}", version + 1))
            .await?;
        db.execute_unprepared("PRAGMA writable_schema = OFF")
            .await?;
    } else {
        db.execute_unprepared(&format!(
            "DO $$ DECLARE c text; BEGIN \
               FOR c IN SELECT conname FROM pg_constraint \
                 WHERE conrelid = 'loans'::regclass AND contype = 'c' \
                 AND pg_get_constraintdef(oid) LIKE '%left_waitlist%' LOOP \
                 EXECUTE format('ALTER TABLE loans DROP CONSTRAINT %I', c); \
               END LOOP; END $$; \
             ALTER TABLE loans ADD CONSTRAINT ck_loans_status CHECK (status IN \
               ('waitlisted', 'active', 'returned', 'expired', {to}))"
        ))
        .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on both engines: the SQLite schema rewrite must run on one connection.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add(
            m,
            "trial_offers",
            string_len("licence_scope", 10)
                .default("seat")
                .check(one_of("licence_scope", &["seat", "school", "trust"]))
                .to_owned(),
        )
        .await?;
        add(m, "trial_offers", json_null("reminder_days")).await?;
        add(
            m,
            "trial_offers",
            integer("cool_off_days")
                .default(0)
                .check(Expr::col("cool_off_days").between(0, 730))
                .to_owned(),
        )
        .await?;
        add(m, "trial_offers", integer_null("max_trials_per_school")).await?;
        add(
            m,
            "trial_offers",
            boolean("reusable_codes").default(false).to_owned(),
        )
        .await?;
        add(
            m,
            "trial_offers",
            boolean("has_codes").default(false).to_owned(),
        )
        .await?;
        m.get_connection()
            .execute_unprepared(
                "UPDATE trial_offers SET has_codes = TRUE \
                 WHERE id IN (SELECT offer_id FROM licence_keys)",
            )
            .await?;
        add(
            m,
            "loans",
            timestamp_with_time_zone_null("next_reminder_at"),
        )
        .await?;
        add(m, "loans", integer_null("next_reminder_days")).await?;
        add(
            m,
            "licence_keys",
            integer("times_lent").default(0).to_owned(),
        )
        .await?;
        // Codes lent before this migration count as lent once.
        m.get_connection()
            .execute_unprepared("UPDATE licence_keys SET times_lent = 1 WHERE loan_id IS NOT NULL")
            .await?;
        loan_statuses(m, OLD_STATUSES, NEW_STATUSES).await?;
        m.create_index(index(
            "loans",
            "next_reminder",
            &["status", "next_reminder_at"],
        ))
        .await?;
        m.create_index(index(
            "loans",
            "school_product",
            &["school_id", "product_id", "closed_at"],
        ))
        .await?;

        m.create_table(
            created_updated(
                Table::create()
                    .table("trial_outcomes")
                    .col(pk_uuid("id"))
                    .col(uuid("loan_id"))
                    .col(uuid("product_id"))
                    .col(uuid("school_id"))
                    .col(string_len_null("phase", 20))
                    .col(boolean("used"))
                    .col(integer("staff_count"))
                    .col(integer("pupil_count"))
                    .col(string_len("frequency", 10))
                    .col(string_len("met_need", 10))
                    .col(integer("impact"))
                    .col(text("impact_text"))
                    .col(boolean("would_buy"))
                    .col(text_null("why_not"))
                    .col(boolean("share_school_name").default(false))
                    .col(boolean("converted").default(false))
                    .col(uuid_null("recorded_by"))
                    .col(integer("version").default(1))
                    .check(Expr::col("staff_count").between(0, 100_000))
                    .check(Expr::col("pupil_count").between(0, 100_000))
                    .check(Expr::col("impact").between(1, 5))
                    .check(one_of(
                        "frequency",
                        &["daily", "weekly", "monthly", "rarely", "never"],
                    ))
                    .check(one_of("met_need", &["yes", "partly", "no"]))
                    .foreign_key(&mut fk(
                        "trial_outcomes",
                        "loan_id",
                        "loans",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "trial_outcomes",
                        "product_id",
                        "products",
                        ForeignKeyAction::Cascade,
                    ))
                    .foreign_key(&mut fk(
                        "trial_outcomes",
                        "school_id",
                        "organisations",
                        ForeignKeyAction::Restrict,
                    ))
                    .foreign_key(&mut fk(
                        "trial_outcomes",
                        "recorded_by",
                        "users",
                        ForeignKeyAction::SetNull,
                    )),
            )
            .to_owned(),
        )
        .await?;
        m.create_index(unique("trial_outcomes", "loan", &["loan_id"]))
            .await?;
        m.create_index(index("trial_outcomes", "product", &["product_id"]))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table("trial_outcomes").to_owned())
            .await?;
        // Waitlist places the offer closed read as left, as before.
        m.get_connection()
            .execute_unprepared(
                "UPDATE loans SET status = 'left_waitlist' WHERE status = 'offer_closed'",
            )
            .await?;
        loan_statuses(m, NEW_STATUSES, OLD_STATUSES).await?;
        for ix in ["ix_loans_next_reminder", "ix_loans_school_product"] {
            m.drop_index(Index::drop().name(ix).table("loans").to_owned())
                .await?;
        }
        drop_col(m, "licence_keys", "times_lent").await?;
        drop_col(m, "loans", "next_reminder_days").await?;
        drop_col(m, "loans", "next_reminder_at").await?;
        for c in [
            "has_codes",
            "reusable_codes",
            "max_trials_per_school",
            "cool_off_days",
            "reminder_days",
            "licence_scope",
        ] {
            drop_col(m, "trial_offers", c).await?;
        }
        Ok(())
    }
}
