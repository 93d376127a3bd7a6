//! The database schema of BECTA 2.0, as ordered sea-orm migrations.
//!
//! Policy: this crate owns DDL only. It depends on nothing of ours and holds no data (sample data
//! lives in `seed/`). Every migration must run on SQLite and on PostgreSQL; a feature one engine
//! lacks is written per backend inside the migration, never left out.

pub use sea_orm_migration::prelude::*;

mod ddl;
mod m20261123_000001_initial;
mod m20261123_000002_review_moderation;
mod m20261123_000003_advice_cases;
mod m20261123_000004_shortlists;
mod m20261123_000005_orders;
mod m20261123_000006_visibility_index;
mod m20261123_000007_advisers;
mod m20261123_000007_flag_resolutions;
mod m20261129_000007_order_provider_claim;
mod m20261130_000008_order_failure_kind;
mod m20261201_000009_maturity;
mod m20261201_000010_deliveries;
mod m20261201_000011_contracts;
mod m20261201_000012_trials;
mod m20261202_000013_further_competition;
mod m20261202_000014_devices;
mod m20261202_000015_gias;
mod m20261203_000016_disposals;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_initial::Migration),
            Box::new(m20261123_000002_review_moderation::Migration),
            Box::new(m20261123_000003_advice_cases::Migration),
            Box::new(m20261123_000004_shortlists::Migration),
            Box::new(m20261123_000005_orders::Migration),
            Box::new(m20261123_000006_visibility_index::Migration),
            Box::new(m20261123_000007_flag_resolutions::Migration),
            Box::new(m20261123_000007_advisers::Migration),
            Box::new(m20261129_000007_order_provider_claim::Migration),
            Box::new(m20261130_000008_order_failure_kind::Migration),
            Box::new(m20261201_000009_maturity::Migration),
            Box::new(m20261201_000010_deliveries::Migration),
            Box::new(m20261201_000011_contracts::Migration),
            Box::new(m20261201_000012_trials::Migration),
            Box::new(m20261202_000013_further_competition::Migration),
            Box::new(m20261202_000014_devices::Migration),
            Box::new(m20261202_000015_gias::Migration),
            Box::new(m20261203_000016_disposals::Migration),
        ]
    }
}
