//! What an operator watches: `GET /metrics` in the Prometheus text format (OpenMetrics 1.0,
//! through `prometheus-client`, the Prometheus project's own crate).
//!
//! Policy: figures this process sees (GraphQL operations, their latency and errors, search
//! latency) live in one registry per server; figures the database holds (outbox lag and
//! pending rows, loans granted, pool use) are read at scrape time, each query with a time
//! limit, so every instance reports the same, current values (aggregate those with `max`, not
//! `sum`). Labels are bounded: operation names are the client's, so past
//! [`MAX_OPERATION_NAMES`] distinct names the rest are counted as `other`. `/metrics` is
//! behind `BECTA_METRICS_TOKEN` (a bearer token); without one it is open in development and
//! not served in production.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use becta_domain::Code;
use becta_domain::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, QueryResult, Statement,
};
use becta_indexer::Engine;
use chrono::Utc;
use poem::http::StatusCode;
use poem::web::Data;
use poem::{IntoResponse, Request, Response, handler};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use sha2::{Digest, Sha256};

use crate::config::MetricsAccess;
use crate::errors::{error_response, unauthenticated};
use crate::state::AppState;

/// An outbox whose backlog `/metrics` reports: rows written with the change they announce,
/// pending until a worker has handled them.
#[derive(Debug, Clone, Copy)]
pub struct Outbox {
    /// The `outbox` label.
    pub name: &'static str,
    pub table: &'static str,
    /// When a row was written.
    pub created_at: &'static str,
    /// The SQL condition that holds while a row waits.
    pub pending: &'static str,
    /// On SQLite, the partial index over pending rows to read through (its statistics, taken
    /// while a bulk load was pending, can make it prefer a scan).
    pub sqlite_index: Option<&'static str>,
}

/// Every outbox measured; a new outbox adds one line here.
pub const OUTBOXES: &[Outbox] = &[
    Outbox {
        name: "search",
        table: "search_outbox",
        created_at: "created_at",
        pending: "processed_at IS NULL",
        sqlite_index: Some("ix_search_outbox_pending"),
    },
    Outbox {
        name: "notifications",
        table: "notifications",
        created_at: "created_at",
        // Email still to send (or to retry); in-app, every notification shows at once.
        pending: "email_status = 'pending'",
        sqlite_index: Some("ix_notifications_email_pending"),
    },
    Outbox {
        name: "webhooks",
        table: "webhook_deliveries",
        created_at: "created_at",
        pending: "status = 'pending'",
        sqlite_index: Some("ix_webhook_deliveries_pending"),
    },
];

/// Distinct operation names kept as labels; later names count as `other`.
pub const MAX_OPERATION_NAMES: usize = 200;
/// Each query a scrape makes gets this long.
const SCRAPE_QUERY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabels {
    operation: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabels {
    code: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EngineLabels {
    engine: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutboxLabels {
    outbox: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabels {
    status: String,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

/// Latency buckets from 1 ms to about 16 s.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

/// This server's own figures.
pub struct Metrics {
    registry: Registry,
    requests: Family<OperationLabels, Counter>,
    latency: Histograms<OperationLabels>,
    errors: Family<CodeLabels, Counter>,
    search: Histograms<EngineLabels>,
    operation_names: Mutex<HashSet<String>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<OperationLabels, Counter>::default();
        registry.register(
            "becta_graphql_requests",
            "GraphQL operations served, by operation name (`anonymous` without one)",
            requests.clone(),
        );
        let latency = Histograms::<OperationLabels>::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "becta_graphql_request_duration",
            "Time to run a GraphQL operation, by operation name",
            Unit::Seconds,
            latency.clone(),
        );
        let errors = Family::<CodeLabels, Counter>::default();
        registry.register(
            "becta_errors",
            "Errors answered, by extensions.code (inside GraphQL results and refusals before them)",
            errors.clone(),
        );
        let search = Histograms::<EngineLabels>::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "becta_search_duration",
            "Time the search engine took to answer a search, by engine",
            Unit::Seconds,
            search.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            errors,
            search,
            operation_names: Mutex::new(HashSet::new()),
        }
    }

    /// The label for an operation name: itself while few names are known, else `other`.
    fn operation_label(&self, name: Option<&str>) -> String {
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            return "anonymous".into();
        };
        let mut known = self
            .operation_names
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if known.contains(name) {
            return name.to_owned();
        }
        if known.len() >= MAX_OPERATION_NAMES {
            return "other".into();
        }
        known.insert(name.to_owned());
        name.to_owned()
    }

    /// One GraphQL operation served in `elapsed`.
    pub fn operation(&self, name: Option<&str>, elapsed: Duration) {
        let labels = OperationLabels {
            operation: self.operation_label(name),
        };
        self.requests.get_or_create(&labels).inc();
        self.latency
            .get_or_create(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// One error answered with `code`.
    pub fn error(&self, code: &str) {
        // Codes come from the one table; anything else (never expected) is not a label.
        let code = Code::ALL
            .iter()
            .map(|c| c.as_str())
            .find(|c| *c == code)
            .unwrap_or("OTHER");
        self.errors.get_or_create(&CodeLabels { code }).inc();
    }

    /// One search answered by `engine` in `elapsed`.
    pub fn search(&self, engine: &'static str, elapsed: Duration) {
        self.search
            .get_or_create(&EngineLabels { engine })
            .observe(elapsed.as_secs_f64());
    }

    /// The whole exposition: this server's figures, then the database's.
    pub async fn render(&self, db: &DatabaseConnection, search: &Engine) -> String {
        let scraped = scrape(db, search).await;
        let mut out = String::with_capacity(16 * 1024);
        let written = encode_registry(&mut out, &self.registry)
            .and_then(|()| encode_registry(&mut out, &scraped))
            .and_then(|()| encode_eof(&mut out));
        if let Err(e) = written {
            tracing::error!(error = %e, "metrics could not be written");
        }
        out
    }
}

/// A fresh registry holding what the database says now.
async fn scrape(db: &DatabaseConnection, search: &Engine) -> Registry {
    let mut r = Registry::default();

    let pending = Family::<OutboxLabels, Gauge>::default();
    let lag = Family::<OutboxLabels, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
    for outbox in OUTBOXES {
        match within(outbox_backlog(db, outbox)).await {
            Ok((rows, oldest)) => {
                let labels = OutboxLabels {
                    outbox: outbox.name,
                };
                pending.get_or_create(&labels).set(rows);
                lag.get_or_create(&labels).set(oldest);
            }
            Err(e) => {
                tracing::warn!(outbox = outbox.name, error = %e, "metrics: outbox unreadable")
            }
        }
    }
    r.register("becta_outbox_pending", "Rows waiting in an outbox", pending);
    r.register_with_unit(
        "becta_outbox_lag",
        "Age of the oldest row waiting in an outbox (0 when none waits)",
        Unit::Seconds,
        lag,
    );

    let granted = Counter::<u64>::default();
    let loans = Family::<StatusLabels, Gauge>::default();
    match within(loan_figures(db)).await {
        Ok(rows) => {
            let mut ever = 0;
            for (status, count, was_granted) in rows {
                loans.get_or_create(&StatusLabels { status }).set(count);
                ever += was_granted.max(0) as u64;
            }
            granted.inc_by(ever);
        }
        Err(e) => tracing::warn!(error = %e, "metrics: loans unreadable"),
    }
    r.register(
        "becta_loans_granted",
        "Trial loans ever granted (from the database: the same on every instance)",
        granted,
    );
    r.register("becta_loans", "Trial loans by status", loans);

    let pool = Family::<StateLabels, Gauge>::default();
    let (size, idle, max) = pool_use(db);
    pool.get_or_create(&StateLabels { state: "in_use" })
        .set(i64::from(size.saturating_sub(idle as u32)));
    pool.get_or_create(&StateLabels { state: "idle" })
        .set(idle as i64);
    r.register(
        "becta_db_pool_connections",
        "Database connections of this process's pool, by state",
        pool,
    );
    let max_gauge = Gauge::<i64>::default();
    max_gauge.set(i64::from(max));
    r.register(
        "becta_db_pool_max_connections",
        "Most connections the pool opens",
        max_gauge,
    );

    let engine = Family::<EngineLabels, Gauge>::default();
    engine
        .get_or_create(&EngineLabels {
            engine: search.name(),
        })
        .set(1);
    r.register(
        "becta_search_engine",
        "The search engine serving (1)",
        engine,
    );
    r
}

async fn within<T>(
    query: impl std::future::Future<Output = Result<T, becta_domain::sea_orm::DbErr>>,
) -> Result<T, String> {
    match tokio::time::timeout(SCRAPE_QUERY_TIMEOUT, query).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err(format!(
            "no answer within {} s",
            SCRAPE_QUERY_TIMEOUT.as_secs()
        )),
    }
}

/// Pending rows and the age in seconds of the oldest.
async fn outbox_backlog(
    db: &DatabaseConnection,
    outbox: &Outbox,
) -> Result<(i64, f64), becta_domain::sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let hint = match (backend, outbox.sqlite_index) {
        (DbBackend::Sqlite, Some(index)) => format!(" INDEXED BY {index}"),
        _ => String::new(),
    };
    let sql = format!(
        "SELECT COUNT(*) AS pending, MIN({created}) AS oldest FROM {table}{hint} WHERE {pending}",
        created = outbox.created_at,
        table = outbox.table,
        pending = outbox.pending,
    );
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await?;
    let Some(row) = row else {
        return Ok((0, 0.0));
    };
    let count: i64 = row.try_get("", "pending")?;
    let oldest: Option<chrono::DateTime<Utc>> = row.try_get("", "oldest")?;
    let age = oldest
        .map(|at| (Utc::now() - at).num_milliseconds().max(0) as f64 / 1000.0)
        .unwrap_or(0.0);
    Ok((count, age))
}

/// (status, loans, of which ever granted) per loan status.
async fn loan_figures(
    db: &DatabaseConnection,
) -> Result<Vec<(String, i64, i64)>, becta_domain::sea_orm::DbErr> {
    let backend = db.get_database_backend();
    let rows: Vec<QueryResult> = db
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT status, COUNT(*) AS loans, COUNT(granted_at) AS granted FROM loans GROUP BY status",
        ))
        .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get::<String>("", "status")?,
                row.try_get::<i64>("", "loans")?,
                row.try_get::<i64>("", "granted")?,
            ))
        })
        .collect()
}

/// (open connections, idle ones, the most the pool opens).
fn pool_use(db: &DatabaseConnection) -> (u32, usize, u32) {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let p = db.get_sqlite_connection_pool();
            (p.size(), p.num_idle(), p.options().get_max_connections())
        }
        DbBackend::Postgres => {
            let p = db.get_postgres_connection_pool();
            (p.size(), p.num_idle(), p.options().get_max_connections())
        }
        _ => (0, 0, 0),
    }
}

/// The SHA-256 of a token: compared digest to digest, so the time taken says nothing of how
/// much of a guess was right.
fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// `GET /metrics`.
#[handler]
pub async fn serve(req: &Request, Data(state): Data<&AppState>) -> Response {
    match &state.metrics_access {
        MetricsAccess::Off => {
            return error_response(
                Code::NotFound,
                "metrics are not served: set BECTA_METRICS_TOKEN to turn them on",
            );
        }
        MetricsAccess::Token(expected) => {
            let given = req
                .headers()
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim);
            match given {
                Some(t) if digest(t) == digest(expected.expose()) => {}
                Some(_) => {
                    return unauthenticated(
                        "the metrics token is not the one configured",
                        "Bearer realm=\"metrics\"",
                    );
                }
                None => {
                    return unauthenticated(
                        "metrics need Authorization: Bearer <BECTA_METRICS_TOKEN>",
                        "Bearer realm=\"metrics\"",
                    );
                }
            }
        }
        MetricsAccess::Open => {}
    }
    let body = state.metrics.render(&state.db, &state.search).await;
    body.with_content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .with_status(StatusCode::OK)
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names_past_the_bound_count_as_other() {
        let m = Metrics::new();
        for i in 0..MAX_OPERATION_NAMES {
            assert_eq!(m.operation_label(Some(&format!("Op{i}"))), format!("Op{i}"));
        }
        assert_eq!(m.operation_label(Some("OneTooMany")), "other");
        assert_eq!(m.operation_label(Some("Op3")), "Op3");
        assert_eq!(m.operation_label(None), "anonymous");
    }

    #[test]
    fn an_unknown_code_is_not_a_label() {
        let m = Metrics::new();
        m.error("NOT_FOUND");
        m.error("made-up");
        let mut out = String::new();
        assert!(encode_registry(&mut out, &m.registry).is_ok());
        assert!(
            out.contains("becta_errors_total{code=\"NOT_FOUND\"} 1"),
            "{out}"
        );
        assert!(
            out.contains("becta_errors_total{code=\"OTHER\"} 1"),
            "{out}"
        );
        assert!(!out.contains("made-up"), "{out}");
    }
}
