//! The initial schema, designed for the whole product: organisations and users; the deals
//! catalogue (providers, categories, deals, lots and their suppliers); product listings with
//! their facets, revisions and vetting decisions; the lending library (trial offers, licence
//! keys, loans and their events); reviews and rating aggregates; buying-advice requests;
//! the audit log; and two outboxes (search and notifications).
//!
//! Conventions: ids are UUIDs (v7, so they sort by creation time); times are UTC; money is
//! integer pence; enumerations are text codes guarded by CHECK constraints; every table that
//! users edit carries a `version` for optimistic concurrency.

use sea_orm_migration::prelude::*;

mod advice;
mod audit;
mod deals;
mod lending;
mod organisations;
mod outboxes;
mod products;
mod reviews;

pub struct Migration;

// Written by hand: `DeriveMigrationName` takes the name from the file stem, which is now `mod`.
impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261123_000001_initial"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        organisations::up(m).await?;
        deals::up(m).await?;
        products::up(m).await?;
        lending::up(m).await?;
        reviews::up(m).await?;
        advice::up(m).await?;
        audit::up(m).await?;
        outboxes::up(m).await?;
        Ok(())
    }
}
