//! The test harness: start the real server on a free port against a fresh, migrated database.
//!
//! SQLite by default (a file in a new temporary folder); with `TEST_DATABASE_URL=postgres://...`
//! each test gets its own new PostgreSQL database, dropped when the test ends.

pub mod chromium;
pub mod cli;
pub mod fixture;
pub mod flows;
pub mod outage;
pub mod pypi;
pub mod smtp;
pub mod stripe;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{Context, Result};
use becta_api::app::Service;
use becta_api::auth::Authenticator;
use becta_api::config::Config;
use becta_domain::sea_orm::{ConnectionTrait, DatabaseConnection};
use becta_domain::vocab::Role;
use becta_indexer::Engine;
use serde_json::{Value, json};
use uuid::Uuid;

/// The HS256 secret test servers verify tokens with.
pub const TEST_JWT_SECRET: &str = "test-secret-that-is-at-least-32-bytes-long";

pub struct TestApp {
    pub url: String,
    /// Mints tokens the server accepts.
    pub auth: Arc<Authenticator>,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    /// Where `db` points, for a test that needs a second pool (as another process would).
    pub database_url: String,
    /// The search engine the server uses.
    pub search: Engine,
    queries: Arc<AtomicUsize>,
    service: Option<Service>,
    _cleanup: Vec<Cleanup>,
}

/// Removes the test's database when the test ends, pass or fail.
enum Cleanup {
    /// A folder of its own: an SQLite database or a data dir.
    Sqlite(std::path::PathBuf),
    Postgres {
        admin_url: String,
        name: String,
    },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Cleanup::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime: use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()?;
                    rt.block_on(async {
                        let admin = becta_domain::db::connect(&admin_url).await?;
                        admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            ))
                            .await?;
                        Ok::<_, anyhow::Error>(())
                    })
                })
                .join();
            }
        }
    }
}

/// The PostgreSQL server under test, when `TEST_DATABASE_URL` is set.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

/// A fresh, empty database: its URL and what removes it.
async fn fresh_database() -> Result<(String, Cleanup)> {
    let id = Uuid::new_v4().simple().to_string();
    match postgres_url() {
        Some(base) => {
            let name = format!("becta_test_{id}");
            let admin = becta_domain::db::connect(&base)
                .await
                .context("connecting to TEST_DATABASE_URL")?;
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            admin.close().await?;
            let (prefix, _) = base
                .rsplit_once('/')
                .context("TEST_DATABASE_URL needs a database name")?;
            Ok((
                format!("{prefix}/{name}"),
                Cleanup::Postgres {
                    admin_url: base,
                    name,
                },
            ))
        }
        None => {
            let dir = std::env::temp_dir().join(format!("becta-test-{id}"));
            std::fs::create_dir_all(&dir)?;
            let url = format!("sqlite://{}?mode=rwc", dir.join("becta.db").display());
            Ok((url, Cleanup::Sqlite(dir)))
        }
    }
}

/// Starts the server on a fresh database; `seed` loads the sample dataset first.
pub async fn spawn_app_with(seed: bool, extra: &[(&str, &str)]) -> Result<TestApp> {
    spawn_app_with_engine(seed, extra, |engine| engine).await
}

/// As [`spawn_app_with`], letting the test wrap the search engine (to cut it off, say).
pub async fn spawn_app_with_engine(
    seed: bool,
    extra: &[(&str, &str)],
    wrap: impl FnOnce(Engine) -> Engine,
) -> Result<TestApp> {
    becta_api::telemetry::init_for_tests();
    let (database_url, cleanup) = fresh_database().await?;
    let data_dir = std::env::temp_dir().join(format!("becta-data-{}", Uuid::new_v4().simple()));
    let mut env: Vec<(String, String)> = vec![
        ("BECTA_DATABASE_URL".into(), database_url.clone()),
        ("BECTA_LISTEN".into(), "127.0.0.1:0".into()),
        ("BECTA_DATA_DIR".into(), data_dir.display().to_string()),
        ("BECTA_SEED".into(), seed.to_string()),
        ("BECTA_JWT_SECRET".into(), TEST_JWT_SECRET.into()),
        // Limits are tested on their own; elsewhere they would only make tests flaky.
        ("BECTA_RATE_MUTATIONS_PER_MINUTE".into(), "0".into()),
        ("BECTA_RATE_MUTATIONS_PER_ADDRESS".into(), "0".into()),
        ("BECTA_RATE_SEARCHES_PER_MINUTE".into(), "0".into()),
        // The loan sweeper runs only in the tests that need it (its polling would otherwise
        // be counted by the query-count tests).
        ("BECTA_SWEEPER".into(), "false".into()),
        // Typeahead checks for new names at every call, so a test sees what it just wrote.
        ("BECTA_SUGGEST_REFRESH_MS".into(), "0".into()),
    ];
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    // Later entries (the test's own) win.
    let config = Config::from_lookup(|k| {
        env.iter()
            .rev()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    })?;
    let auth = Arc::new(Authenticator::from_config(&config)?);

    let mut db = becta_domain::db::connect(&database_url).await?;
    let queries = Arc::new(AtomicUsize::new(0));
    let counter = queries.clone();
    db.set_metric_callback(move |info| {
        // Count the catalogue's queries, not background workers polling their queues.
        let sql = &info.statement.sql;
        if !(sql.contains("search_outbox")
            || sql.contains("webhook_deliveries")
            || sql.contains("email_status"))
        {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    becta_domain::db::migrate(&db).await?;
    let search = wrap(becta_api::app::open_search(&config).await?);
    let service = becta_api::app::start(&config, db.clone(), search.clone()).await?;
    Ok(TestApp {
        auth,
        url: format!("http://{}", service.addr()),
        client: reqwest::Client::new(),
        db,
        database_url,
        search,
        queries,
        service: Some(service),
        _cleanup: vec![cleanup, Cleanup::Sqlite(data_dir)],
    })
}

/// A server on an empty, migrated database.
pub async fn spawn_app() -> Result<TestApp> {
    spawn_app_with(false, &[]).await
}

/// A server on a database holding the sample dataset.
pub async fn spawn_seeded_app() -> Result<TestApp> {
    spawn_app_with(true, &[]).await
}

impl TestApp {
    /// POSTs a GraphQL operation and returns the whole JSON response.
    pub async fn gql(&self, query: &str, variables: Value) -> Result<Value> {
        let resp = self
            .client
            .post(format!("{}/graphql", self.url))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await?;
        anyhow::ensure!(resp.status().is_success(), "HTTP {}", resp.status());
        Ok(resp.json().await?)
    }

    /// Like `gql`, but fails unless the response has data and no errors.
    pub async fn data(&self, query: &str, variables: Value) -> Result<Value> {
        let v = self.gql(query, variables).await?;
        anyhow::ensure!(v.get("errors").is_none(), "unexpected errors: {v}");
        Ok(v["data"].clone())
    }

    /// The body of `GET /readyz`.
    pub async fn readiness(&self) -> Result<Value> {
        Ok(self
            .client
            .get(format!("{}/readyz", self.url))
            .send()
            .await?
            .json()
            .await?)
    }

    /// A token for a new user with `role`, acting for `org` (a URN, `trust:<Group UID>` or a
    /// supplier id).
    pub fn token(&self, role: Role, org: Option<&str>) -> String {
        self.token_for(Uuid::new_v4(), role, org)
    }

    /// A token for the user `sub`.
    pub fn token_for(&self, sub: Uuid, role: Role, org: Option<&str>) -> String {
        match self.auth.mint(
            sub,
            role,
            org,
            Some("Test User"),
            std::time::Duration::from_secs(600),
        ) {
            Ok(t) => t,
            Err(e) => panic!("minting a test token: {e}"),
        }
    }

    /// POSTs an operation with `Authorization: Bearer <token>`: (status, headers, body).
    pub async fn post_as(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Result<(u16, reqwest::header::HeaderMap, Value)> {
        let mut req = self
            .client
            .post(format!("{}/graphql", self.url))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await?;
        Ok((
            status,
            headers,
            serde_json::from_str(&text).unwrap_or(Value::Null),
        ))
    }

    /// An operation as the token's user; the whole JSON response (HTTP must be 200).
    pub async fn gql_as(&self, token: &str, query: &str, variables: Value) -> Result<Value> {
        let (status, _, body) = self.post_as(Some(token), query, variables).await?;
        anyhow::ensure!(status == 200, "HTTP {status}: {body}");
        Ok(body)
    }

    /// Like `gql_as`, but fails unless the response has data and no errors.
    pub async fn data_as(&self, token: &str, query: &str, variables: Value) -> Result<Value> {
        let v = self.gql_as(token, query, variables).await?;
        anyhow::ensure!(v.get("errors").is_none(), "unexpected errors: {v}");
        Ok(v["data"].clone())
    }

    /// GETs `path` (e.g. `/exports/compare.csv?...`), with a bearer token when given:
    /// (status, headers, body as text).
    pub async fn get_as(
        &self,
        token: Option<&str>,
        path: &str,
    ) -> Result<(u16, reqwest::header::HeaderMap, String)> {
        let mut req = self.client.get(format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        Ok((status, headers, resp.text().await?))
    }

    /// POSTs raw bytes to /graphql: (status, body as JSON or null).
    pub async fn post_raw(&self, body: Vec<u8>) -> Result<(u16, Value)> {
        let resp = self
            .client
            .post(format!("{}/graphql", self.url))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?;
        let status = resp.status().as_u16();
        let text = resp.text().await?;
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// SQL statements run so far (excluding background queue polling).
    pub fn query_count(&self) -> usize {
        self.queries.load(Ordering::SeqCst)
    }

    pub async fn stop(mut self) -> Result<()> {
        if let Some(service) = self.service.take() {
            service.shutdown().await?;
        }
        Ok(())
    }

    /// Waits until the search outbox is drained (every committed write is searchable).
    pub async fn wait_for_search(&self) -> Result<()> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let lag = becta_indexer::worker::lag(&self.db).await?;
            if lag.pending == 0 {
                return Ok(());
            }
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "search still {} writes behind",
                lag.pending
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

/// The `extensions.code` of each error in a response.
pub fn error_codes(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .map(|errs| {
            errs.iter()
                .filter_map(|e| e["extensions"]["code"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The `name` (or `title`) of each node of a connection.
pub fn names(connection: &Value) -> Vec<String> {
    connection["edges"]
        .as_array()
        .map(|edges| {
            edges
                .iter()
                .filter_map(|e| {
                    e["node"]["name"]
                        .as_str()
                        .or_else(|| e["node"]["title"].as_str())
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Parses a CSV export: (header, rows), checking it is UTF-8 with a byte-order mark and CRLF
/// line ends.
pub fn parse_csv(body: &str) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    anyhow::ensure!(body.starts_with('\u{feff}'), "no byte-order mark");
    anyhow::ensure!(body.ends_with("\r\n"), "lines must end with CRLF");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(body.trim_start_matches('\u{feff}').as_bytes());
    let header = reader.headers()?.iter().map(str::to_owned).collect();
    let rows = reader
        .records()
        .map(|r| Ok(r?.iter().map(str::to_owned).collect()))
        .collect::<Result<Vec<Vec<String>>>>()?;
    Ok((header, rows))
}

/// The index of the column headed `name`.
pub fn column(header: &[String], name: &str) -> Result<usize> {
    header
        .iter()
        .position(|h| h == name)
        .with_context(|| format!("no column {name}"))
}
