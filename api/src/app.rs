//! Bringing the service up: open the database, migrate, seed an empty database, serve.

use becta_domain::sea_orm::DatabaseConnection;

use crate::config::Config;
use crate::http::{self, RunningServer};
use crate::state::AppState;

/// Opens the configured database (creating the data dir for SQLite) and migrates it.
pub async fn open_database(config: &Config) -> anyhow::Result<DatabaseConnection> {
    if config.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)?;
    }
    let db = becta_domain::db::connect(&config.database_url).await?;
    becta_domain::db::migrate(&db).await?;
    Ok(db)
}

/// Loads the sample dataset when the database holds no catalogue yet.
pub async fn seed_if_empty(db: &DatabaseConnection) -> anyhow::Result<()> {
    if becta_seed::is_empty(db).await? {
        tracing::info!("empty database: loading the sample dataset");
        let report = becta_seed::load_sample(db).await?;
        tracing::info!(%report, "sample dataset loaded");
    }
    Ok(())
}

/// Starts serving on an already opened, migrated database.
pub async fn start(config: &Config, db: DatabaseConnection) -> anyhow::Result<RunningServer> {
    if config.seed {
        seed_if_empty(&db).await?;
    }
    let state = AppState { db };
    http::start(config.listen, state, config.limits.clone()).await
}
