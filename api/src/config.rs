//! Settings, read once from the environment at start.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `BECTA_DATA_DIR` | `./data` | where the SQLite file and the embedded search index live |
//! | `BECTA_DATABASE_URL` | `sqlite://<data dir>/becta.db` | `sqlite://...` or `postgres://...` |
//! | `BECTA_LISTEN` | `127.0.0.1:8080` | address to serve on |
//! | `BECTA_SEED` | `true` | load the sample dataset into an empty database at start |
//! | `BECTA_MAX_BODY_BYTES` | `262144` | largest request body accepted |
//! | `BECTA_MAX_BATCH` | `10` | most operations in one batched request |
//! | `BECTA_MAX_DEPTH` | `16` | deepest query accepted |
//! | `BECTA_MAX_COMPLEXITY` | `5000` | most complex query accepted (each field costs 1, lists cost `first` times their items) |
//! | `BECTA_INTROSPECTION` | `true` | allow schema introspection (GraphiQL needs it) |
//! | `BECTA_MEILISEARCH_URL` | none | a Meilisearch server; without it the embedded index in the data dir serves |
//! | `BECTA_MEILISEARCH_KEY` | none | its API key |
//! | `BECTA_MEILISEARCH_PREFIX` | none | prefix of the index names, so deployments can share a server |
//! | `BECTA_INDEXER` | `true` | run the search outbox worker inside `serve` |
//! | `BECTA_LOG_FORMAT` | `text` | `text` or `json` |
//! | `RUST_LOG` | `info` | log filter |

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, bail};

#[derive(Debug, Clone)]
pub struct Limits {
    pub max_body_bytes: usize,
    pub max_batch: usize,
    pub max_depth: usize,
    pub max_complexity: usize,
    pub introspection: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 256 * 1024,
            max_batch: 10,
            max_depth: 16,
            max_complexity: 5000,
            introspection: true,
        }
    }
}

/// Which search engine serves.
#[derive(Clone)]
pub enum SearchConfig {
    /// tantivy indexes under `<data dir>/search`.
    Embedded,
    Meilisearch {
        url: String,
        key: Option<Secret>,
        prefix: String,
    },
}

/// A secret that never prints.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Debug for SearchConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SearchConfig::Embedded => f.write_str("Embedded"),
            SearchConfig::Meilisearch { url, prefix, .. } => {
                write!(f, "Meilisearch({url}, prefix {prefix:?})")
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub listen: SocketAddr,
    pub seed: bool,
    pub limits: Limits,
    pub log_json: bool,
    pub search: SearchConfig,
    /// Run the outbox worker inside `serve`.
    pub indexer: bool,
}

impl Config {
    /// Reads every `BECTA_*` variable listed in the module docs.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let data_dir = PathBuf::from(get("BECTA_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = match get("BECTA_DATABASE_URL") {
            Some(url) => url,
            None => format!("sqlite://{}?mode=rwc", data_dir.join("becta.db").display()),
        };
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres:")
            || database_url.starts_with("postgresql:"))
        {
            bail!("BECTA_DATABASE_URL must start with sqlite: or postgres:");
        }
        let listen = get("BECTA_LISTEN")
            .unwrap_or_else(|| "127.0.0.1:8080".into())
            .parse()
            .context("BECTA_LISTEN must be an address such as 127.0.0.1:8080")?;
        let d = Limits::default();
        let limits = Limits {
            max_body_bytes: number(&get, "BECTA_MAX_BODY_BYTES", d.max_body_bytes)?,
            max_batch: number(&get, "BECTA_MAX_BATCH", d.max_batch)?,
            max_depth: number(&get, "BECTA_MAX_DEPTH", d.max_depth)?,
            max_complexity: number(&get, "BECTA_MAX_COMPLEXITY", d.max_complexity)?,
            introspection: flag(&get, "BECTA_INTROSPECTION", d.introspection)?,
        };
        let log_json = match get("BECTA_LOG_FORMAT").as_deref() {
            None | Some("text") => false,
            Some("json") => true,
            Some(other) => bail!("BECTA_LOG_FORMAT must be text or json, not {other}"),
        };
        let search = match get("BECTA_MEILISEARCH_URL").filter(|u| !u.is_empty()) {
            None => SearchConfig::Embedded,
            Some(url) => {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    bail!("BECTA_MEILISEARCH_URL must be an http(s) URL");
                }
                SearchConfig::Meilisearch {
                    url,
                    key: get("BECTA_MEILISEARCH_KEY")
                        .filter(|k| !k.is_empty())
                        .map(Secret),
                    prefix: get("BECTA_MEILISEARCH_PREFIX").unwrap_or_default(),
                }
            }
        };
        Ok(Config {
            data_dir,
            database_url,
            listen,
            seed: flag(&get, "BECTA_SEED", true)?,
            limits,
            log_json,
            search,
            indexer: flag(&get, "BECTA_INDEXER", true)?,
        })
    }
}

fn number(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: usize,
) -> anyhow::Result<usize> {
    match get(key) {
        None => Ok(default),
        Some(v) => v
            .parse()
            .with_context(|| format!("{key} must be a whole number, not {v:?}")),
    }
}

fn flag(get: &impl Fn(&str) -> Option<String>, key: &str, default: bool) -> anyhow::Result<bool> {
    match get(key).as_deref() {
        None => Ok(default),
        Some("1" | "true" | "yes") => Ok(true),
        Some("0" | "false" | "no") => Ok(false),
        Some(v) => bail!("{key} must be true or false, not {v:?}"),
    }
}
