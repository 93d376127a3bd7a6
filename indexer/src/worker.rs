//! The outbox worker: keeps a search engine in step with the database.
//!
//! Each step takes a batch of pending `search_outbox` rows, rebuilds the documents of the
//! records they name from the database as it is now (a record that is no longer public becomes
//! a delete), sends them to the engine, waits for the engine to confirm, and only then marks the
//! rows processed. A failure leaves the rows pending, with a growing backoff.
//!
//! Several workers share one outbox. On PostgreSQL a worker claims rows with
//! `FOR UPDATE SKIP LOCKED` and takes a transaction-scoped advisory lock per record, held until
//! the engine has confirmed. So two workers never write the same record at once, and a later
//! write (read later from the database) always reaches the engine later. On SQLite, workers in
//! one process take turns, and the embedded index admits one writing process.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Duration;

use becta_domain::db;
use becta_domain::entity::{deal, product, search_outbox};
use becta_domain::sea_orm::sea_query::{Expr, LockBehavior, LockType};
use becta_domain::sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement, TransactionTrait,
};
use becta_domain::search::{self, Kind};
use chrono::Utc;
use tokio::sync::watch;
use uuid::Uuid;

use crate::{Documents, Engine};

/// Workers of one process on SQLite take turns.
static SQLITE_TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    #[error(transparent)]
    Db(#[from] becta_domain::Error),
    #[error(transparent)]
    Search(#[from] crate::SearchError),
}

impl From<becta_domain::sea_orm::DbErr> for WorkerError {
    fn from(e: becta_domain::sea_orm::DbErr) -> Self {
        WorkerError::Db(e.into())
    }
}

pub type WorkerResult<T> = Result<T, WorkerError>;

/// How far search is behind the database.
#[derive(Debug, Clone, PartialEq)]
pub struct Lag {
    pub pending: u64,
    /// Age of the oldest pending row, in seconds (0 when none).
    pub oldest_pending_seconds: f64,
}

pub struct Worker {
    db: DatabaseConnection,
    engine: Engine,
    batch: u64,
    idle_poll: Duration,
}

impl Worker {
    pub fn new(db: DatabaseConnection, engine: Engine) -> Self {
        Worker {
            db,
            engine,
            batch: 1_000,
            idle_poll: Duration::from_millis(50),
        }
    }

    pub fn with_batch(mut self, batch: u64) -> Self {
        self.batch = batch.max(1);
        self
    }

    /// Sets the engine's indexes up (retrying, with backoff, until the engine takes it), then
    /// processes batches until `stop` turns true (or its sender is dropped); backs off while
    /// the engine fails.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        if !self.prepare(&mut stop).await {
            return;
        }
        let mut failures: u32 = 0;
        let mut last_purge = std::time::Instant::now();
        loop {
            if *stop.borrow() {
                return;
            }
            let pause = match self.step().await {
                Ok(0) => self.idle_poll,
                Ok(_) => {
                    failures = 0;
                    continue;
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    let pause = backoff(failures);
                    tracing::warn!(error = %e, retry_in_ms = pause.as_millis() as u64, "search indexing failed");
                    pause
                }
            };
            if last_purge.elapsed() > Duration::from_secs(600) {
                last_purge = std::time::Instant::now();
                if let Err(e) = purge_processed(&self.db, chrono::Duration::days(1)).await {
                    tracing::warn!(error = %e, "purging processed outbox rows failed");
                }
            }
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                changed = stop.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
        }
    }

    /// Applies the engine's settings until it succeeds; false when stopped first. An engine
    /// that is down (or frozen) at start is set up once it answers, and nothing is indexed
    /// before: documents added to a missing Meilisearch index would create it without the
    /// ranking rules, filters and synonyms.
    async fn prepare(&self, stop: &mut watch::Receiver<bool>) -> bool {
        let mut failures: u32 = 0;
        loop {
            if *stop.borrow() {
                return false;
            }
            match self.engine.prepare().await {
                Ok(()) => {
                    if failures > 0 {
                        tracing::info!(engine = self.engine.name(), "search engine set up");
                    }
                    return true;
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    let pause = backoff(failures);
                    tracing::warn!(engine = self.engine.name(), error = %e, retry_in_ms = pause.as_millis() as u64, "search engine setup failed");
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => {}
                        changed = stop.changed() => {
                            if changed.is_err() {
                                return false;
                            }
                        }
                    }
                }
            }
        }
    }

    /// Processes batches until none is ready; returns how many rows were processed.
    pub async fn drain(&self) -> WorkerResult<usize> {
        let mut total = 0;
        loop {
            match self.step().await? {
                0 => return Ok(total),
                n => total += n,
            }
        }
    }

    /// Processes one batch; returns how many outbox rows it marked processed.
    pub async fn step(&self) -> WorkerResult<usize> {
        if db::is_postgres(&self.db) {
            self.step_postgres().await
        } else {
            self.step_sqlite().await
        }
    }

    /// Rows due now, in the order of the pending index `(available_at, id)`, so each poll reads
    /// only the rows it takes. (Ordered by id alone, SQLite walked the whole table, processed
    /// rows included, on every poll: 9 ms at 100,000 rows, twenty times a second.) Documents are
    /// rebuilt from the database as it is now, so the order does not decide what the index holds.
    fn pending(&self) -> becta_domain::sea_orm::Select<search_outbox::Entity> {
        search_outbox::Entity::find()
            .filter(search_outbox::Column::ProcessedAt.is_null())
            .filter(search_outbox::Column::AvailableAt.lte(Utc::now()))
            .order_by_asc(search_outbox::Column::AvailableAt)
            .order_by_asc(search_outbox::Column::Id)
            .limit(self.batch)
    }

    async fn step_postgres(&self) -> WorkerResult<usize> {
        let tx = self.db.begin().await?;
        let rows = self
            .pending()
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .all(&tx)
            .await?;
        if rows.is_empty() {
            tx.commit().await?;
            return Ok(0);
        }
        let keys: BTreeSet<String> = rows
            .iter()
            .map(|r| format!("{}:{}", r.entity_type, r.entity_id))
            .collect();
        // Keys are our own type codes and UUIDs: safe to write into the statement.
        let values = keys
            .iter()
            .map(|k| format!("('{k}')"))
            .collect::<Vec<_>>()
            .join(",");
        let locked: BTreeSet<String> = tx
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                format!(
                    "SELECT k FROM (VALUES {values}) AS t(k) WHERE pg_try_advisory_xact_lock(hashtextextended(k, 7))"
                ),
            ))
            .await?
            .iter()
            .filter_map(|r| r.try_get::<String>("", "k").ok())
            .collect();
        let rows: Vec<search_outbox::Model> = rows
            .into_iter()
            .filter(|r| locked.contains(&format!("{}:{}", r.entity_type, r.entity_id)))
            .collect();
        let outcome = sync(&tx, &self.engine, &rows).await;
        finish(tx, &rows, outcome).await
    }

    async fn step_sqlite(&self) -> WorkerResult<usize> {
        let _turn = SQLITE_TURN.lock().await;
        let rows = self.pending().all(&self.db).await?;
        if rows.is_empty() {
            return Ok(0);
        }
        let outcome = sync(&self.db, &self.engine, &rows).await;
        finish(db::begin_write(&self.db).await?, &rows, outcome).await
    }
}

/// Records the outcome of syncing `rows` and commits: processed on success, else pending with
/// a backoff (and the error returned).
async fn finish(
    tx: becta_domain::sea_orm::DatabaseTransaction,
    rows: &[search_outbox::Model],
    outcome: WorkerResult<()>,
) -> WorkerResult<usize> {
    match outcome {
        Ok(()) => {
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            mark_processed(&tx, &ids).await?;
            tx.commit().await?;
            Ok(ids.len())
        }
        Err(e) => {
            mark_failed(&tx, rows, &e.to_string()).await?;
            tx.commit().await?;
            Err(e)
        }
    }
}

/// `attempts + 1` (sea-query's `ExprTrait` is not imported: its `min`/`max` shadow `Ord`'s).
fn attempts_plus_one() -> Expr {
    becta_domain::sea_orm::sea_query::ExprTrait::add(Expr::col(search_outbox::Column::Attempts), 1)
}

fn backoff(failures: u32) -> Duration {
    Duration::from_millis((250u64 << failures.min(8)).min(30_000))
}

/// Rebuilds the documents of the records `rows` name and applies them to the engine.
async fn sync(
    conn: &impl ConnectionTrait,
    engine: &Engine,
    rows: &[search_outbox::Model],
) -> WorkerResult<()> {
    let mut by_kind: HashMap<Kind, BTreeSet<Uuid>> = HashMap::new();
    for r in rows {
        if let Some(kind) = Kind::from_outbox_code(&r.entity_type) {
            by_kind.entry(kind).or_default().insert(r.entity_id);
        }
    }
    for (kind, ids) in by_kind {
        let ids: Vec<Uuid> = ids.into_iter().collect();
        for chunk in ids.chunks(500) {
            let (docs, present): (Documents, BTreeSet<String>) = match kind {
                Kind::Products => {
                    let d = search::product_documents(conn, chunk).await?;
                    let present = d.iter().map(|d| d.id.clone()).collect();
                    (Documents::Products(d), present)
                }
                Kind::Deals => {
                    let d = search::deal_documents(conn, chunk).await?;
                    let present = d.iter().map(|d| d.id.clone()).collect();
                    (Documents::Deals(d), present)
                }
            };
            let gone: Vec<String> = chunk
                .iter()
                .map(Uuid::to_string)
                .filter(|id| !present.contains(id))
                .collect();
            engine.upsert(docs).await?;
            engine.delete(kind, &gone).await?;
        }
    }
    Ok(())
}

async fn mark_processed(conn: &impl ConnectionTrait, ids: &[i64]) -> WorkerResult<()> {
    for chunk in ids.chunks(1000) {
        search_outbox::Entity::update_many()
            .col_expr(search_outbox::Column::ProcessedAt, Expr::value(Utc::now()))
            .col_expr(search_outbox::Column::Attempts, attempts_plus_one())
            .col_expr(
                search_outbox::Column::LastError,
                Expr::value(Option::<String>::None),
            )
            .filter(search_outbox::Column::Id.is_in(chunk.iter().copied()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

async fn mark_failed(
    conn: &impl ConnectionTrait,
    rows: &[search_outbox::Model],
    error: &str,
) -> WorkerResult<()> {
    for r in rows {
        let wait = backoff(u32::try_from(r.attempts + 1).unwrap_or(u32::MAX));
        let retry_at = Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
        search_outbox::Entity::update_many()
            .col_expr(search_outbox::Column::Attempts, attempts_plus_one())
            .col_expr(
                search_outbox::Column::LastError,
                Expr::value(error.chars().take(500).collect::<String>()),
            )
            .col_expr(search_outbox::Column::AvailableAt, Expr::value(retry_at))
            .filter(search_outbox::Column::Id.eq(r.id))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Deletes processed rows older than `age`.
pub async fn purge_processed(db: &DatabaseConnection, age: chrono::Duration) -> WorkerResult<u64> {
    let tx = db::begin_write(db).await?;
    let res = search_outbox::Entity::delete_many()
        .filter(search_outbox::Column::ProcessedAt.lt(Utc::now() - age))
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok(res.rows_affected)
}

/// Pending outbox rows and the age of the oldest.
pub async fn lag(db: &impl ConnectionTrait) -> WorkerResult<Lag> {
    // Only pending rows, through the pending index. SQLite is told to use it: with statistics
    // taken while many rows were pending (after a bulk load), it would scan the whole table.
    let backend = db.get_database_backend();
    let index = if backend == DbBackend::Sqlite {
        " INDEXED BY ix_search_outbox_pending"
    } else {
        ""
    };
    let sql = format!(
        "SELECT COUNT(*) AS pending, MIN(created_at) AS oldest FROM search_outbox{index} \
         WHERE processed_at IS NULL"
    );
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await?;
    let (count, oldest): (i64, Option<chrono::DateTime<Utc>>) = match row {
        Some(row) => (row.try_get("", "pending")?, row.try_get("", "oldest")?),
        None => (0, None),
    };
    let oldest = oldest
        .map(|at| (Utc::now() - at).num_milliseconds().max(0) as f64 / 1000.0)
        .unwrap_or(0.0);
    Ok(Lag {
        pending: count.max(0) as u64,
        oldest_pending_seconds: oldest,
    })
}

/// What `reindex` wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reindexed {
    pub products: usize,
    pub deals: usize,
}

/// Every public document, built from the database as the worker builds them.
async fn public_documents(
    db: &DatabaseConnection,
) -> WorkerResult<(Vec<search::ProductDocument>, Vec<search::DealDocument>)> {
    let product_ids: Vec<Uuid> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .filter(product::Column::Status.eq("approved"))
        .into_tuple()
        .all(db)
        .await?;
    let mut products = Vec::with_capacity(product_ids.len());
    for chunk in product_ids.chunks(1000) {
        products.extend(search::product_documents(db, chunk).await?);
    }
    let deal_ids: Vec<Uuid> = deal::Entity::find()
        .select_only()
        .column(deal::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut deals = Vec::with_capacity(deal_ids.len());
    for chunk in deal_ids.chunks(1000) {
        deals.extend(search::deal_documents(db, chunk).await?);
    }
    Ok((products, deals))
}

/// How one index differs from the documents the database makes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drift {
    /// Public documents in the database.
    pub expected: usize,
    /// Documents in the index.
    pub indexed: usize,
    /// Public in the database, not in the index.
    pub missing: Vec<String>,
    /// In the index with other content than the database's.
    pub stale: Vec<String>,
    /// In the index, not public in the database.
    pub extra: Vec<String>,
}

impl Drift {
    pub fn is_clean(&self) -> bool {
        self.missing.is_empty() && self.stale.is_empty() && self.extra.is_empty()
    }
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} expected, {} indexed, {} missing, {} stale, {} extra",
            self.expected,
            self.indexed,
            self.missing.len(),
            self.stale.len(),
            self.extra.len()
        )
    }
}

/// Compares the index of one kind with the documents the database makes now.
fn drift(expected: Documents, indexed: HashMap<String, u64>) -> WorkerResult<Drift> {
    let docs = crate::to_json(&expected)?;
    let mut d = Drift {
        expected: docs.len(),
        indexed: indexed.len(),
        ..Drift::default()
    };
    let mut seen = HashSet::new();
    for doc in &docs {
        let Some(id) = doc.get("id").and_then(|v| v.as_str()) else {
            continue;
        };
        seen.insert(id.to_owned());
        match indexed.get(id) {
            None => d.missing.push(id.to_owned()),
            Some(digest) if *digest != crate::digest(doc) => d.stale.push(id.to_owned()),
            Some(_) => {}
        }
    }
    d.extra = indexed
        .into_keys()
        .filter(|id| !seen.contains(id))
        .collect();
    d.missing.sort();
    d.stale.sort();
    d.extra.sort();
    Ok(d)
}

/// Checks that the search indexes hold exactly the public records, as they are now in the
/// database (`becta index --check`). Run it when the outbox is drained: a change still waiting
/// there shows as drift.
pub async fn check(db: &DatabaseConnection, engine: &Engine) -> WorkerResult<(Drift, Drift)> {
    let (products, deals) = public_documents(db).await?;
    let products = drift(
        Documents::Products(products),
        engine.digests(Kind::Products).await?,
    )?;
    let deals = drift(Documents::Deals(deals), engine.digests(Kind::Deals).await?)?;
    Ok((products, deals))
}

/// Rebuilds both indexes from the database without downtime: each is built aside and swapped
/// in. Writes committed while it runs are replayed from the outbox afterwards.
pub async fn reindex(db: &DatabaseConnection, engine: &Engine) -> WorkerResult<Reindexed> {
    let high_water = search_outbox::Entity::find()
        .order_by_desc(search_outbox::Column::Id)
        .one(db)
        .await?
        .map(|r| r.id)
        .unwrap_or(0);
    let (products, deals) = public_documents(db).await?;
    let done = Reindexed {
        products: products.len(),
        deals: deals.len(),
    };
    engine.rebuild(Documents::Products(products)).await?;
    engine.rebuild(Documents::Deals(deals)).await?;

    let tx = db::begin_write(db).await?;
    let now = Utc::now();
    // Rows up to the high-water mark are covered by the rebuild; later ones may have been
    // applied to the index that was swapped out, so they run again.
    search_outbox::Entity::update_many()
        .col_expr(search_outbox::Column::ProcessedAt, Expr::value(now))
        .filter(search_outbox::Column::Id.lte(high_water))
        .filter(search_outbox::Column::ProcessedAt.is_null())
        .exec(&tx)
        .await?;
    search_outbox::Entity::update_many()
        .col_expr(
            search_outbox::Column::ProcessedAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .col_expr(search_outbox::Column::AvailableAt, Expr::value(now))
        .filter(search_outbox::Column::Id.gt(high_water))
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok(done)
}
