//! Bringing the service up: open the database and the search engine, seed an empty database,
//! start the outbox worker, serve.

use std::sync::Arc;

use becta_domain::payments::PaymentProvider;
use becta_domain::sea_orm::DatabaseConnection;
use becta_indexer::Engine;
use becta_indexer::embedded::EmbeddedEngine;
use becta_indexer::meili::MeiliEngine;
use becta_indexer::suggest::Suggester;
use becta_indexer::timed::Timed;
use becta_indexer::worker::Worker;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::auth::Authenticator;
use crate::config::{Config, SearchConfig};
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

/// Opens the configured search engine. Its settings are applied by the outbox worker
/// (`Worker::run`), which retries until the engine answers, so a server starts while
/// Meilisearch is down or frozen; `becta reindex` builds each index with its settings.
pub async fn open_search(config: &Config) -> anyhow::Result<Engine> {
    let engine: Engine = match &config.search {
        SearchConfig::Embedded => Arc::new(EmbeddedEngine::open(config.data_dir.join("search"))?),
        // Over the network: every call gets a time limit.
        SearchConfig::Meilisearch { url, key, prefix } => Arc::new(Timed(MeiliEngine::new(
            url,
            key.as_ref().map(|k| k.expose()),
            prefix,
        )?)),
    };
    tracing::info!(engine = engine.name(), "search engine opened");
    Ok(engine)
}

/// Loads the sample dataset when the database holds no catalogue yet; says what it did.
pub async fn seed_if_empty(db: &DatabaseConnection) -> anyhow::Result<becta_seed::Seeding> {
    Ok(becta_seed::load_if_empty(db).await?)
}

/// The running service: the HTTP server and its background workers.
pub struct Service {
    pub server: RunningServer,
    stop_workers: watch::Sender<bool>,
    workers: Vec<JoinHandle<()>>,
}

impl Service {
    pub fn addr(&self) -> std::net::SocketAddr {
        self.server.addr
    }

    /// Stops taking requests, lets the workers finish their step, and waits for both.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.server.stop.send(());
        self.server.task.await??;
        let _ = self.stop_workers.send(true);
        for w in self.workers {
            w.await?;
        }
        Ok(())
    }
}

/// Starts the outbox worker in the background.
pub fn spawn_worker(
    db: DatabaseConnection,
    engine: Engine,
    stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(Worker::new(db, engine).run(stop))
}

/// Starts the loan sweeper in the background: every `interval` it expires due loans, hands
/// their seats on and writes reminders, then writes the contracts register's renewal
/// reminders that are due and tells advisers and admins of overdue cases and the vetting
/// backlog. Several sweepers may run against one database.
pub fn spawn_sweeper(
    db: DatabaseConnection,
    interval: std::time::Duration,
    mut stop: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            match becta_domain::lending::sweep(&db, chrono::Utc::now(), 200).await {
                Ok(s) if s.expired > 0 => {
                    tracing::info!(expired = s.expired, reminders = s.reminders, "loans swept")
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "loan sweep failed; retrying"),
            }
            match becta_domain::contracts::sweep(&db, chrono::Utc::now(), 200).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(reminders = n, "contract renewal reminders written"),
                Err(e) => tracing::warn!(error = %e, "contract reminder sweep failed; retrying"),
            }
            // Overdue cases and the vetting backlog, told once each.
            if let Err(e) =
                becta_domain::deliveries::alerts::sweep(&db, chrono::Utc::now(), 200).await
            {
                tracing::warn!(error = %e, "alert sweep failed; retrying");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = stop.changed() => return,
            }
            if *stop.borrow() {
                return;
            }
        }
    })
}

/// Starts the deliverer in the background: email from the notification outbox (when an SMTP
/// server is configured) and supplier webhooks. Several may run against one database.
pub fn spawn_deliverer(
    db: DatabaseConnection,
    settings: becta_domain::deliveries::DeliverySettings,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<JoinHandle<()>> {
    let deliverer = becta_domain::deliveries::Deliverer::new(db, settings)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if !deliverer.sends_email() {
        tracing::info!("no BECTA_SMTP_URL: email notifications wait in the outbox");
    }
    Ok(tokio::spawn(deliverer.run(stop)))
}

/// Starts serving on an already opened, migrated database.
pub async fn start(
    config: &Config,
    db: DatabaseConnection,
    search: Engine,
) -> anyhow::Result<Service> {
    // First, so a production server without a token key refuses before doing anything else.
    let auth = Arc::new(Authenticator::from_config(config)?);
    // Reference content, loaded whether or not sample data is: a new content version reaches
    // a running service on its next start.
    if becta_seed::maturity::ensure_content(&db).await? {
        tracing::info!("loaded a new version of the digital and technology standards content");
    }
    if config.seed {
        let seeding = seed_if_empty(&db).await?;
        tracing::info!("{seeding}");
    }
    if search.needs_refill() {
        tracing::info!("the search index was made for an older schema: refilling it");
        let done = becta_indexer::worker::reindex(&db, &search).await?;
        tracing::info!(?done, "search index refilled");
    }
    let (stop_workers, stopped) = watch::channel(false);
    let mut workers = Vec::new();
    if config.indexer && search.read_only() {
        tracing::info!(
            "another process writes the embedded search index: this one reads it and leaves indexing to that process"
        );
    } else if config.indexer {
        workers.push(spawn_worker(db.clone(), search.clone(), stopped.clone()));
    }
    if config.deliverer {
        workers.push(spawn_deliverer(
            db.clone(),
            config.delivery.clone(),
            stopped.clone(),
        )?);
    }
    if config.sweeper {
        workers.push(spawn_sweeper(db.clone(), config.sweep_interval, stopped));
    }
    let payments = match &config.stripe {
        Some(s) => Some(Arc::new(crate::stripe::Gateway::new(s)?) as Arc<dyn PaymentProvider>),
        None => {
            tracing::info!("no BECTA_STRIPE_SECRET_KEY: purchases are turned off");
            None
        }
    };
    let suggester = Arc::new(Suggester::new(config.suggest_refresh));
    becta_indexer::suggest::refresh(&db, &suggester).await?;
    if config.graphiql && !config.limits.introspection {
        tracing::warn!(
            "GraphiQL is on but introspection is off: it runs queries, without its schema explorer or completion"
        );
    }
    let metrics = Arc::new(crate::metrics::Metrics::new());
    let state = AppState {
        db,
        // Searches answered for requests are timed into the metrics (the worker's are not).
        search: Arc::new(crate::metered::Metered {
            engine: search,
            metrics: metrics.clone(),
        }),
        auth,
        payments,
        search_stale_after: config.search_stale_after,
        suggester,
        metrics,
        metrics_access: config.metrics.clone(),
        webhook_http_loopback: config.webhook_http_loopback,
        competition_min_response: config.competition_min_response,
    };
    let server = http::start(
        config.listen,
        state,
        config.limits.clone(),
        config.rate_limits.clone(),
        config.graphiql,
    )
    .await?;
    Ok(Service {
        server,
        stop_workers,
        workers,
    })
}
