//! Search asks, for every page of hits, which of them are public now: by id, only the status.
//! An index on `(id, status)` answers that from the index alone, without reading product rows
//! (long descriptions, often on overflow pages).

use sea_orm_migration::prelude::*;

use crate::ddl::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(index("products", "id_status", &["id", "status"]))
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name("ix_products_id_status")
                .table("products")
                .to_owned(),
        )
        .await
    }
}
