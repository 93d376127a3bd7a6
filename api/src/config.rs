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
//! | `BECTA_INTROSPECTION` | `true`; `false` in production | allow schema introspection (GraphiQL needs it); when off, an introspection query is refused with `INTROSPECTION_DISABLED` |
//! | `BECTA_GRAPHIQL` | `true`; `false` in production | serve GraphiQL at `GET /graphql` (its assets come from the server itself) |
//! | `BECTA_METRICS_TOKEN` | none | bearer token `GET /metrics` requires; without one, metrics are open in development and off in production |
//! | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` / `OTEL_EXPORTER_OTLP_ENDPOINT` | none | an OpenTelemetry collector (OTLP over HTTP/protobuf) to send traces to |
//! | `OTEL_SERVICE_NAME` | `becta` | the service name traces carry |
//! | `BECTA_MEILISEARCH_URL` | none | a Meilisearch server; without it the embedded index in the data dir serves |
//! | `BECTA_MEILISEARCH_KEY` | none | its API key |
//! | `BECTA_MEILISEARCH_PREFIX` | none | prefix of the index names, so deployments can share a server |
//! | `BECTA_INDEXER` | `true` | run the search outbox worker inside `serve` |
//! | `BECTA_ENV` | `development` | `production` refuses to start without a configured token key |
//! | `BECTA_JWT_SECRET` | generated into `<data dir>/jwt-secret` (not in production) | HS256 secret, at least 32 bytes |
//! | `BECTA_JWT_PUBLIC_KEY` | none | PEM public key (or a path to one) of an external identity provider; replaces the secret |
//! | `BECTA_JWT_ALGORITHM` | `HS256`, or `RS256` with a public key | `HS256`, `RS256` or `EdDSA`; tokens signed otherwise are refused |
//! | `BECTA_JWT_ISSUER` | `becta` | required `iss` of tokens |
//! | `BECTA_JWT_AUDIENCE` | `becta-api` | required `aud` of tokens |
//! | `BECTA_JWT_KEY_ID` | none | when set, tokens must carry this `kid` |
//! | `BECTA_JWT_LEEWAY_SECONDS` | `30` | clock skew allowed on `exp` and `nbf`, at most 60 |
//! | `BECTA_RATE_MUTATIONS_PER_MINUTE` | `60` | mutations per token per minute (0: no limit) |
//! | `BECTA_RATE_MUTATIONS_PER_ADDRESS` | `300` | mutations per client address per minute (0: no limit) |
//! | `BECTA_RATE_SEARCHES_PER_MINUTE` | `600` | search fields per token, or per address without one, per minute (0: no limit) |
//! | `BECTA_TRUST_FORWARDED_FOR` | `false` | take the client address from `X-Forwarded-For` (only behind a proxy that sets it) |
//! | `BECTA_STRIPE_SECRET_KEY` | unset | Stripe secret key; unset turns purchases off (`PAYMENTS_DISABLED`) |
//! | `BECTA_STRIPE_API_BASE` | Stripe | another Stripe API base, e.g. a local emulator |
//! | `BECTA_STRIPE_WEBHOOK_SECRET` | unset | signing secret of `POST /webhooks/stripe` |
//! | `BECTA_SWEEPER` | `true` | run the sweeper (loan expiry, hand-on, loan and contract renewal reminders) inside `serve` |
//! | `BECTA_SWEEP_INTERVAL_MS` | `30000` | how often the sweeper looks for due loans |
//! | `BECTA_COMPETITION_MIN_RESPONSE_HOURS` | `168` | least time between publishing a further competition and its submission deadline (at most 2160) |
//! | `BECTA_SUGGEST_REFRESH_MS` | `2000` | how often typeahead (`suggest`) checks the catalogue for new names (0: at every call) |
//! | `BECTA_SMTP_URL` | unset | SMTP server for email notifications: `smtp://host:25` (plain), `smtp://host:587?tls=required` (STARTTLS; `tls=opportunistic` if offered), `smtps://host:465` (TLS); `smtp://user:password@host` carries credentials. Unset: no email is sent and notifications wait in the outbox |
//! | `BECTA_SMTP_USERNAME`, `BECTA_SMTP_PASSWORD` | unset | SMTP credentials, instead of putting them in the URL |
//! | `BECTA_SMTP_FROM` | `BECTA <notifications@localhost>` | sender of notification email |
//! | `BECTA_SMTP_TIMEOUT_SECONDS` | `10` | limit of each SMTP command (a whole message: four times this) |
//! | `BECTA_DELIVERER` | `true` | run the deliverer (email when SMTP is set, and supplier webhooks) inside `serve` |
//! | `BECTA_DELIVERY_BACKOFF_MS` | `30000` | first retry pause of a failed email or webhook; doubles per attempt, at most an hour |
//! | `BECTA_WEBHOOK_TIMEOUT_SECONDS` | `10` | limit of each webhook call |
//! | `BECTA_WEBHOOK_ALLOW_HTTP_LOOPBACK` | `false` | accept `http://` webhook endpoints on loopback (development and tests only) |
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
    /// Fast paths of the search answers, each switchable off (see BENCHMARKS.md).
    pub fast: FastPaths,
}

/// The search answers' fast paths; each is measured against the general path it replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FastPaths {
    /// `BECTA_FAST_PLAIN_ANSWERS`: plain search fields answered without a future per field and
    /// written as JSON text.
    pub plain_answers: bool,
}

impl Default for FastPaths {
    fn default() -> Self {
        FastPaths {
            plain_answers: true,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 256 * 1024,
            max_batch: 10,
            max_depth: 16,
            max_complexity: 5000,
            introspection: true,
            fast: FastPaths::default(),
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
    pub fn new(value: String) -> Self {
        Secret(value)
    }

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

/// The payment provider; absent when `BECTA_STRIPE_SECRET_KEY` is not set.
#[derive(Debug, Clone)]
pub struct StripeConfig {
    pub secret_key: Secret,
    /// Another API base, e.g. a local Stripe emulator (`http://127.0.0.1:8420`).
    pub api_base: Option<String>,
    /// Verifies `POST /webhooks/stripe`; without it the route refuses every event.
    pub webhook_secret: Option<Secret>,
}

fn stripe_config(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Option<StripeConfig>> {
    let nonempty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
    let Some(secret_key) = nonempty("BECTA_STRIPE_SECRET_KEY") else {
        return Ok(None);
    };
    if !(secret_key.starts_with("sk_") || secret_key.starts_with("rk_")) {
        bail!("BECTA_STRIPE_SECRET_KEY must be a secret key (sk_...) or a restricted key (rk_...)");
    }
    let api_base = nonempty("BECTA_STRIPE_API_BASE");
    if let Some(b) = &api_base
        && !(b.starts_with("http://") || b.starts_with("https://"))
    {
        bail!("BECTA_STRIPE_API_BASE must be an http(s) URL");
    }
    Ok(Some(StripeConfig {
        secret_key: Secret(secret_key),
        api_base,
        webhook_secret: nonempty("BECTA_STRIPE_WEBHOOK_SECRET").map(Secret),
    }))
}

/// Which algorithm signs the tokens the API accepts; exactly one is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlgorithm {
    Hs256,
    Rs256,
    EdDsa,
}

/// How bearer tokens are verified.
#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub secret: Option<Secret>,
    /// PEM text of an identity provider's public key.
    pub public_key: Option<String>,
    pub algorithm: JwtAlgorithm,
    pub issuer: String,
    pub audience: String,
    pub key_id: Option<String>,
    pub leeway_seconds: u64,
}

/// Abuse limits, in operations per minute; 0 turns a limit off.
#[derive(Debug, Clone)]
pub struct RateLimits {
    pub mutations_per_token: u32,
    pub mutations_per_address: u32,
    pub searches: u32,
    pub trust_forwarded_for: bool,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            mutations_per_token: 60,
            mutations_per_address: 300,
            searches: 600,
            trust_forwarded_for: false,
        }
    }
}

/// Who may read `GET /metrics`.
#[derive(Debug, Clone)]
pub enum MetricsAccess {
    /// Anyone who reaches the server (development without a token).
    Open,
    /// Only requests with `Authorization: Bearer <token>`.
    Token(Secret),
    /// Not served (production without a token).
    Off,
}

/// `BECTA_METRICS_TOKEN`: a token protects the metrics anywhere; without one they are open
/// in development and off in production.
fn metrics_access(
    get: &impl Fn(&str) -> Option<String>,
    production: bool,
) -> anyhow::Result<MetricsAccess> {
    match get("BECTA_METRICS_TOKEN").filter(|t| !t.trim().is_empty()) {
        Some(t) if t.len() < 16 => bail!("BECTA_METRICS_TOKEN must be at least 16 characters"),
        Some(t) => Ok(MetricsAccess::Token(Secret(t))),
        None if production => Ok(MetricsAccess::Off),
        None => Ok(MetricsAccess::Open),
    }
}

/// Where traces go: an OpenTelemetry collector over OTLP (HTTP/protobuf), when configured.
#[derive(Debug, Clone)]
pub struct TracingConfig {
    /// The traces endpoint, e.g. `http://collector:4318/v1/traces`.
    pub otlp_traces_endpoint: Option<String>,
    pub service_name: String,
}

impl TracingConfig {
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as it is, or `OTEL_EXPORTER_OTLP_ENDPOINT` with
    /// `/v1/traces` added, as the OpenTelemetry specification says.
    pub fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let nonempty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let endpoint = match (
            nonempty("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
            nonempty("OTEL_EXPORTER_OTLP_ENDPOINT"),
        ) {
            (Some(traces), _) => Some(traces),
            (None, Some(base)) => Some(format!("{}/v1/traces", base.trim_end_matches('/'))),
            (None, None) => None,
        };
        if let Some(e) = &endpoint
            && !(e.starts_with("http://") || e.starts_with("https://"))
        {
            bail!("OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL (OTLP over HTTP)");
        }
        Ok(TracingConfig {
            otlp_traces_endpoint: endpoint,
            service_name: nonempty("OTEL_SERVICE_NAME").unwrap_or_else(|| "becta".into()),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    /// `BECTA_ENV=production`: no generated secrets, no defaults that suit only a laptop.
    pub production: bool,
    pub jwt: JwtConfig,
    pub rate_limits: RateLimits,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub listen: SocketAddr,
    pub seed: bool,
    pub limits: Limits,
    pub log_json: bool,
    pub search: SearchConfig,
    /// Run the outbox worker inside `serve`.
    pub indexer: bool,
    /// Run the loan sweeper inside `serve`.
    pub sweeper: bool,
    pub sweep_interval: std::time::Duration,
    /// Readiness reports search as degraded when a change has waited this long in the outbox.
    pub search_stale_after: std::time::Duration,
    /// How often typeahead checks the catalogue for new names.
    pub suggest_refresh: std::time::Duration,
    pub stripe: Option<StripeConfig>,
    /// Serve GraphiQL at `GET /graphql`.
    pub graphiql: bool,
    pub metrics: MetricsAccess,
    pub tracing: TracingConfig,
    /// Email and webhook delivery.
    pub delivery: becta_domain::deliveries::DeliverySettings,
    /// Run the deliverer inside `serve`.
    pub deliverer: bool,
    /// Accept `http://` webhook endpoints on loopback.
    pub webhook_http_loopback: bool,
    /// The least time suppliers get between a further competition's publication and its
    /// submission deadline.
    pub competition_min_response: chrono::Duration,
}

/// Email (when `BECTA_SMTP_URL` is set) and webhook delivery settings.
fn delivery_config(
    get: &impl Fn(&str) -> Option<String>,
) -> anyhow::Result<becta_domain::deliveries::DeliverySettings> {
    use becta_domain::deliveries::{Backoff, DeliverySettings, SmtpSettings};
    let nonempty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
    let smtp = match nonempty("BECTA_SMTP_URL") {
        None => None,
        Some(url) => {
            if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                bail!("BECTA_SMTP_URL must start with smtp:// or smtps://");
            }
            let username = nonempty("BECTA_SMTP_USERNAME");
            let password = nonempty("BECTA_SMTP_PASSWORD");
            if username.is_some() != password.is_some() {
                bail!("set both BECTA_SMTP_USERNAME and BECTA_SMTP_PASSWORD, or neither");
            }
            Some(SmtpSettings {
                url,
                username,
                password,
                from: nonempty("BECTA_SMTP_FROM")
                    .unwrap_or_else(|| "BECTA <notifications@localhost>".into()),
                timeout: std::time::Duration::from_secs(
                    number(get, "BECTA_SMTP_TIMEOUT_SECONDS", 10)?.clamp(1, 300) as u64,
                ),
            })
        }
    };
    let settings = DeliverySettings {
        smtp,
        backoff: Backoff {
            base: std::time::Duration::from_millis(
                number(get, "BECTA_DELIVERY_BACKOFF_MS", 30_000)?.max(10) as u64,
            ),
        },
        http_timeout: std::time::Duration::from_secs(
            number(get, "BECTA_WEBHOOK_TIMEOUT_SECONDS", 10)?.clamp(1, 60) as u64,
        ),
        ..DeliverySettings::default()
    };
    // Refuse a bad URL or sender at start, not at the first email.
    if let Some(s) = &settings.smtp {
        becta_domain::deliveries::Mailer::new(s).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok(settings)
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
        let production = match get("BECTA_ENV").as_deref() {
            None | Some("development") | Some("test") => false,
            Some("production") => true,
            Some(other) => bail!("BECTA_ENV must be development or production, not {other}"),
        };
        let d = Limits::default();
        let limits = Limits {
            max_body_bytes: number(&get, "BECTA_MAX_BODY_BYTES", d.max_body_bytes)?,
            max_batch: number(&get, "BECTA_MAX_BATCH", d.max_batch)?,
            max_depth: number(&get, "BECTA_MAX_DEPTH", d.max_depth)?,
            max_complexity: number(&get, "BECTA_MAX_COMPLEXITY", d.max_complexity)?,
            // A production schema is not published unless the operator says so.
            introspection: flag(&get, "BECTA_INTROSPECTION", d.introspection && !production)?,
            fast: FastPaths {
                plain_answers: flag(&get, "BECTA_FAST_PLAIN_ANSWERS", d.fast.plain_answers)?,
            },
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
        let jwt = jwt_config(&get)?;
        let r = RateLimits::default();
        let rate_limits = RateLimits {
            mutations_per_token: number(
                &get,
                "BECTA_RATE_MUTATIONS_PER_MINUTE",
                r.mutations_per_token as usize,
            )? as u32,
            mutations_per_address: number(
                &get,
                "BECTA_RATE_MUTATIONS_PER_ADDRESS",
                r.mutations_per_address as usize,
            )? as u32,
            searches: number(&get, "BECTA_RATE_SEARCHES_PER_MINUTE", r.searches as usize)? as u32,
            trust_forwarded_for: flag(&get, "BECTA_TRUST_FORWARDED_FOR", false)?,
        };
        Ok(Config {
            production,
            jwt,
            rate_limits,
            data_dir,
            database_url,
            listen,
            seed: flag(&get, "BECTA_SEED", true)?,
            limits,
            log_json,
            search,
            indexer: flag(&get, "BECTA_INDEXER", true)?,
            sweeper: flag(&get, "BECTA_SWEEPER", true)?,
            sweep_interval: std::time::Duration::from_millis(
                number(&get, "BECTA_SWEEP_INTERVAL_MS", 30_000)?.max(10) as u64,
            ),
            search_stale_after: std::time::Duration::from_secs(
                number(&get, "BECTA_SEARCH_STALE_SECONDS", 60)?.max(1) as u64,
            ),
            suggest_refresh: std::time::Duration::from_millis(number(
                &get,
                "BECTA_SUGGEST_REFRESH_MS",
                2_000,
            )? as u64),
            stripe: stripe_config(&get)?,
            graphiql: flag(&get, "BECTA_GRAPHIQL", !production)?,
            metrics: metrics_access(&get, production)?,
            tracing: TracingConfig::from_lookup(&get)?,
            delivery: delivery_config(&get)?,
            deliverer: flag(&get, "BECTA_DELIVERER", true)?,
            webhook_http_loopback: flag(&get, "BECTA_WEBHOOK_ALLOW_HTTP_LOOPBACK", false)?,
            competition_min_response: chrono::Duration::hours(
                number(
                    &get,
                    "BECTA_COMPETITION_MIN_RESPONSE_HOURS",
                    becta_domain::competitions::DEFAULT_MIN_RESPONSE_HOURS as usize,
                )?
                .min(24 * 90) as i64,
            ),
        })
    }
}

fn jwt_config(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<JwtConfig> {
    let secret = get("BECTA_JWT_SECRET").filter(|s| !s.is_empty());
    if let Some(s) = &secret
        && s.len() < 32
    {
        bail!("BECTA_JWT_SECRET must be at least 32 bytes");
    }
    let public_key = match get("BECTA_JWT_PUBLIC_KEY").filter(|s| !s.is_empty()) {
        None => None,
        Some(pem) if pem.trim_start().starts_with("-----BEGIN") => Some(pem),
        Some(path) => Some(
            std::fs::read_to_string(&path)
                .with_context(|| format!("reading BECTA_JWT_PUBLIC_KEY from {path}"))?,
        ),
    };
    if secret.is_some() && public_key.is_some() {
        bail!("set BECTA_JWT_SECRET or BECTA_JWT_PUBLIC_KEY, not both");
    }
    let algorithm = match (get("BECTA_JWT_ALGORITHM").as_deref(), &public_key) {
        (None, None) | (Some("HS256"), None) => JwtAlgorithm::Hs256,
        (None, Some(_)) | (Some("RS256"), Some(_)) => JwtAlgorithm::Rs256,
        (Some("EdDSA"), Some(_)) => JwtAlgorithm::EdDsa,
        (Some("RS256" | "EdDSA"), None) => {
            bail!("BECTA_JWT_ALGORITHM RS256 or EdDSA needs BECTA_JWT_PUBLIC_KEY")
        }
        (Some("HS256"), Some(_)) => bail!("BECTA_JWT_ALGORITHM HS256 needs BECTA_JWT_SECRET"),
        (Some(other), _) => bail!("BECTA_JWT_ALGORITHM must be HS256, RS256 or EdDSA, not {other}"),
    };
    let leeway_seconds = number(get, "BECTA_JWT_LEEWAY_SECONDS", 30)? as u64;
    if leeway_seconds > 60 {
        bail!("BECTA_JWT_LEEWAY_SECONDS must be at most 60");
    }
    Ok(JwtConfig {
        secret: secret.map(Secret),
        public_key,
        algorithm,
        issuer: get("BECTA_JWT_ISSUER").unwrap_or_else(|| "becta".into()),
        audience: get("BECTA_JWT_AUDIENCE").unwrap_or_else(|| "becta-api".into()),
        key_id: get("BECTA_JWT_KEY_ID").filter(|s| !s.is_empty()),
        leeway_seconds,
    })
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
