//! Connecting to the database, migrating it, and starting write transactions.
//!
//! Policy: every write is one transaction started with [`begin_write`]. On SQLite that is
//! `BEGIN IMMEDIATE` (a deferred transaction that reads then writes fails at once with
//! SQLITE_BUSY under a concurrent writer), with WAL and a busy timeout; on PostgreSQL it is
//! an ordinary READ COMMITTED transaction whose writes are guarded row by row.

use std::time::Duration;

use becta_migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::Result;

/// Opens a pool on `url` (`sqlite://path?mode=rwc` or `postgres://...`).
pub async fn connect(url: &str) -> Result<DatabaseConnection> {
    let sqlite = url.starts_with("sqlite:");
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(if sqlite { 8 } else { 20 })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .create_if_missing(true)
        });
    Ok(Database::connect(opts).await?)
}

/// Applies every pending migration, then lets SQLite refresh its planner statistics.
pub async fn migrate(db: &DatabaseConnection) -> Result<()> {
    Migrator::up(db, None).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA optimize").await?;
    }
    Ok(())
}

/// Refreshes the planner's statistics after a bulk load (both engines).
pub async fn analyze(db: &DatabaseConnection) -> Result<()> {
    db.execute_unprepared("ANALYZE").await?;
    Ok(())
}

/// Starts a write transaction (`BEGIN IMMEDIATE` on SQLite).
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction> {
    Ok(db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?)
}

/// A cheap round trip, for readiness.
pub async fn ping(db: &DatabaseConnection) -> Result<()> {
    db.ping().await?;
    Ok(())
}

pub fn is_postgres(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

/// Marks the end of a transaction's work; committing is the caller's last step.
pub async fn commit(tx: DatabaseTransaction) -> Result<()> {
    tx.commit().await?;
    Ok(())
}
