//! One payment per order: the request that asks the payment provider for an order's payment
//! or invoice first claims the order until a time; concurrent requests for the same order
//! wait for what it records instead of asking again. A claim past its time (the process
//! died mid-call) may be taken over.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("orders")
                .add_column(timestamp_with_time_zone_null("provider_claimed_until"))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table("orders")
                .drop_column("provider_claimed_until")
                .to_owned(),
        )
        .await
    }
}
