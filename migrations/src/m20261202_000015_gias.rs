//! Real school data from GIAS: an organisation's status (`open`, `closed`, `proposed_to_open`,
//! as GIAS says; a closed school is kept, since loans, reviews and orders point at it), its
//! UKPRN, and the dates GIAS gives for opening and closing.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn add(m: &SchemaManager<'_>, col: ColumnDef) -> Result<(), DbErr> {
    let mut col = col;
    m.alter_table(
        Table::alter()
            .table("organisations")
            .add_column(&mut col)
            .to_owned(),
    )
    .await
}

async fn drop_col(m: &SchemaManager<'_>, col: &'static str) -> Result<(), DbErr> {
    m.alter_table(
        Table::alter()
            .table("organisations")
            .drop_column(col)
            .to_owned(),
    )
    .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add(m, string_len("status", 20).default("open").to_owned()).await?;
        add(m, integer_null("ukprn")).await?;
        add(m, date_null("opened_on")).await?;
        add(m, date_null("closed_on")).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for col in ["closed_on", "opened_on", "ukprn", "status"] {
            drop_col(m, col).await?;
        }
        Ok(())
    }
}
