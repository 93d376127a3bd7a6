//! Why an order failed, as a class a client can act on: `declined` (try another card),
//! `invalid_request` (change what the message names) or `unavailable` (retry). The message
//! itself stays in `failure_reason`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::ddl::one_of;

#[derive(DeriveMigrationName)]
pub struct Migration;

const KINDS: &[&str] = &["declined", "invalid_request", "unavailable"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("orders")
                .add_column(
                    string_len_null("failure_kind", 20).check(one_of("failure_kind", KINDS)),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("orders")
                .drop_column("failure_kind")
                .to_owned(),
        )
        .await
    }
}
