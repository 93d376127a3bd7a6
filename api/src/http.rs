//! HTTP routes: `POST /graphql`, GraphiQL at `GET /graphql` (its assets under `/graphiql/`),
//! `GET /metrics`, `GET /healthz`, `GET /readyz`, and CSV exports under `/exports/`.
//!
//! Policy: the body is read with a size limit, a batch is bounded, every request gets an id
//! (from `x-request-id` when sane, else a new UUID) that is logged and echoed back, and a panic
//! becomes a plain 500 with no detail.

use std::net::SocketAddr;
use std::time::Instant;

use async_graphql::parser::types::DocumentOperations;
use async_graphql::{BatchRequest, BatchResponse};
use becta_domain::Code;
use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::middleware::CatchPanic;
use poem::web::{Data, Json};
use poem::{Body, Endpoint, EndpointExt, IntoResponse, Request, Response, Route, get, handler};
use serde_json::json;
use tokio::sync::oneshot;
use tracing::Instrument;

pub use crate::admission::RequestId;
use crate::admission::{Admission, Cost, admit};
use crate::config::{Limits, RateLimits};
use crate::errors::error_response;
use crate::graphql::error::ensure_codes;
use crate::graphql::loaders::RequestLoader;
use crate::graphql::types::plain::{PlainAnswers, WritesJson, write_response};
use crate::graphql::{BectaSchema, schema};
use crate::state::AppState;
use crate::{exports, webhooks};

/// What `POST /graphql` serves with.
#[derive(Clone)]
struct Http {
    schema: BectaSchema,
    state: AppState,
    limits: Limits,
    admission: Admission,
}

#[handler]
async fn graphql_post(req: &Request, body: Body, Data(http): Data<&Http>) -> Response {
    let bytes = match body.into_bytes_limit(http.limits.max_body_bytes).await {
        Ok(b) => b,
        Err(poem::error::ReadBodyError::PayloadTooLarge) => {
            let msg = format!(
                "the request body is larger than {} bytes",
                http.limits.max_body_bytes
            );
            return error_response(Code::PayloadTooLarge, &msg);
        }
        Err(_) => {
            return error_response(Code::BadUserInput, "the request body could not be read");
        }
    };
    let batch = match parse_body(&bytes) {
        Ok(b) => b,
        Err(msg) => return error_response(Code::BadUserInput, &msg),
    };
    let batch_kind = match &batch {
        BatchRequest::Single(_) => Kind::Single,
        BatchRequest::Batch(_) => Kind::Batch,
    };
    let mut requests = match batch {
        BatchRequest::Single(r) => vec![r],
        BatchRequest::Batch(v) if v.is_empty() => {
            return error_response(
                Code::BadUserInput,
                "a batch must hold at least one operation",
            );
        }
        BatchRequest::Batch(v) if v.len() > http.limits.max_batch => {
            let msg = format!(
                "a batch may hold at most {} operations",
                http.limits.max_batch
            );
            return error_response(Code::BadUserInput, &msg);
        }
        BatchRequest::Batch(v) => v,
    };
    let single = matches!(batch_kind, Kind::Single);
    let request_id = req.extensions().get::<RequestId>().cloned();
    let fast = http.limits.fast;
    let mut cost = Cost::default();
    for r in requests.iter_mut() {
        match crate::admission::cost_of(r) {
            Ok(c) => cost = cost + c,
            Err(msg) => return error_response(Code::BadUserInput, &msg),
        }
    }
    let actor = match admit(req, &http.state, &http.admission, cost).await {
        Ok(a) => a,
        Err(refused) => return refused,
    };
    let mut responses = Vec::with_capacity(requests.len());
    for mut r in requests {
        let started = Instant::now();
        let operation = operation_name(&mut r);
        if !http.limits.introspection
            && r.parsed_query()
                .is_ok_and(crate::introspection::asks_introspection)
        {
            let refused = crate::introspection::refused();
            http.state
                .metrics
                .operation(operation.as_deref(), started.elapsed());
            count_errors(&http.state.metrics, &refused);
            responses.push(refused);
            continue;
        }
        // A cache per request: prefetched rows are reused by every nested field.
        let loader = RequestLoader::new(http.state.db.clone());
        let mut r = r.data(loader);
        if fast.plain_answers {
            r = r.data(WritesJson).data(PlainAnswers);
        }
        if let Some(id) = &request_id {
            r = r.data(id.clone());
        }
        if let Some(a) = &actor {
            r = r.data(a.clone());
        }
        let response = ensure_codes(http.schema.execute(r).await);
        http.state
            .metrics
            .operation(operation.as_deref(), started.elapsed());
        count_errors(&http.state.metrics, &response);
        responses.push(response);
    }
    let out = if single {
        BatchResponse::Single(responses.remove(0))
    } else {
        BatchResponse::Batch(responses)
    };
    // Sized for a page of search results up front: grown from poem's default, the buffer
    // would be copied several times over.
    let mut body = Vec::with_capacity(16 * 1024);
    let written = if fast.plain_answers {
        write_response(&mut body, &out)
    } else {
        serde_json::to_writer(&mut body, &out)
    };
    match written {
        Ok(()) => Response::builder()
            .content_type("application/json; charset=utf-8")
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "an answer could not be written as JSON");
            error_response(Code::Internal, "internal error")
        }
    }
}

enum Kind {
    Single,
    Batch,
}

/// The operation's name: the one the request names, else that of a document's only named
/// operation; none for an anonymous one.
fn operation_name(r: &mut async_graphql::Request) -> Option<String> {
    if let Some(name) = &r.operation_name {
        return Some(name.clone());
    }
    match &r.parsed_query().ok()?.operations {
        DocumentOperations::Multiple(ops) if ops.len() == 1 => {
            ops.keys().next().map(|n| n.to_string())
        }
        _ => None,
    }
}

/// Counts a GraphQL answer's errors by code.
fn count_errors(metrics: &crate::metrics::Metrics, response: &async_graphql::Response) {
    for e in &response.errors {
        if let Some(async_graphql::Value::String(code)) =
            e.extensions.as_ref().and_then(|x| x.get("code"))
        {
            metrics.error(code);
        }
    }
}

/// A JSON object is one operation, a JSON array a batch; anything else is refused. (Parsing
/// straight into `BatchRequest` would take `[]` as one empty operation.)
fn parse_body(bytes: &[u8]) -> Result<BatchRequest, String> {
    let invalid =
        |e: serde_json::Error| format!("the body must be a GraphQL request as JSON ({e})");
    // One operation, the common case, is read straight into a request.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
        return serde_json::from_slice(bytes)
            .map(BatchRequest::Single)
            .map_err(invalid);
    }
    match serde_json::from_slice::<serde_json::Value>(bytes).map_err(invalid)? {
        serde_json::Value::Array(items) => {
            let requests = items
                .into_iter()
                .map(|v| match v {
                    serde_json::Value::Object(_) => serde_json::from_value(v).map_err(invalid),
                    _ => Err("each operation of a batch must be a JSON object".to_owned()),
                })
                .collect::<Result<Vec<async_graphql::Request>, String>>()?;
            Ok(BatchRequest::Batch(requests))
        }
        _ => Err("the body must be a JSON object (one operation) or an array (a batch)".to_owned()),
    }
}

#[handler]
async fn healthz() -> &'static str {
    "ok"
}

/// Ready while the database answers. Search is reported but does not decide readiness: when
/// the engine is down, or changes have waited in the outbox longer than
/// `BECTA_SEARCH_STALE_SECONDS` (no indexer is keeping up), writes still succeed and search
/// is `degraded` until the outbox catches up.
#[handler]
async fn readyz(Data(http): Data<&Http>) -> Response {
    let database = becta_domain::db::ping(&http.state.db).await;
    let search = http.state.search.health().await;
    let lag = becta_indexer::worker::lag(&http.state.db).await.ok();
    if let Err(e) = &database {
        tracing::warn!(error = %e, "readiness: database unreachable");
    }
    if let Err(e) = &search {
        tracing::warn!(error = %e, "readiness: search engine unavailable");
    }
    let stale = lag
        .as_ref()
        .is_some_and(|l| l.oldest_pending_seconds > http.state.search_stale_after.as_secs_f64());
    let status = match (&database, &search) {
        (Err(_), _) => "unavailable",
        (Ok(()), Err(_)) => "degraded",
        (Ok(()), Ok(())) if stale => "degraded",
        (Ok(()), Ok(())) => "ready",
    };
    let body = json!({
        "status": status,
        "database": if database.is_ok() { "ok" } else { "unreachable" },
        "search": {
            "engine": http.state.search.name(),
            "status": match (&search, stale) {
                (Err(_), _) => "unavailable",
                (Ok(()), true) => "behind",
                (Ok(()), false) => "ok",
            },
            "access": if http.state.search.read_only() { "read" } else { "read-write" },
        },
        "searchOutbox": lag.map(|l| json!({ "pending": l.pending, "oldestPendingSeconds": l.oldest_pending_seconds })),
    });
    let code = if database.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    Json(body).with_status(code).into_response()
}

/// Request id, a span for the request's logs, and one access-log line.
/// Errors answered outside GraphQL results (refusals, plain routes) are counted here by the
/// code [`crate::errors`] puts on the response.
async fn with_request_id<E: Endpoint>(
    next: E,
    mut req: Request,
    metrics: std::sync::Arc<crate::metrics::Metrics>,
) -> poem::Result<Response> {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|s| {
            !s.is_empty()
                && s.len() <= 64
                && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!("request", request_id = %id);
    async move {
        let (method, path) = (req.method().clone(), req.uri().path().to_owned());
        let started = Instant::now();
        let mut resp = match next.call(req).await {
            Ok(r) => r.into_response(),
            Err(e) => e.into_response(),
        };
        if let Some(code) = resp.extensions().get::<Code>() {
            metrics.error(code.as_str());
        }
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        tracing::info!(%method, %path, status = resp.status().as_u16(), ms, "served");
        if let Ok(v) = id.parse() {
            resp.headers_mut().insert("x-request-id", v);
        }
        Ok(resp)
    }
    .instrument(span)
    .await
}

/// How often the rate limiter forgets clients whose allowance is full again.
const HOUSEKEEPING_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

pub fn routes(state: AppState, limits: Limits, rate: RateLimits, graphiql: bool) -> impl Endpoint {
    let admission = Admission::new(rate);
    // Off the request path: no request ever scans the limiter's map.
    let limiter = std::sync::Arc::downgrade(&admission.limiter);
    tokio::spawn(async move {
        let mut every = tokio::time::interval(HOUSEKEEPING_EVERY);
        loop {
            every.tick().await;
            let Some(limiter) = limiter.upgrade() else {
                return;
            };
            let _ = tokio::task::spawn_blocking(move || limiter.housekeep()).await;
        }
    });
    let http = Http {
        schema: schema(Some(state.clone()), &limits),
        state: state.clone(),
        limits,
        admission: admission.clone(),
    };
    let metrics = state.metrics.clone();
    let graphql = if graphiql {
        get(crate::graphiql::page).post(graphql_post)
    } else {
        get(crate::graphiql::turned_off).post(graphql_post)
    };
    Route::new()
        .at("/graphql", graphql)
        .nest("/graphiql", crate::graphiql::assets(graphiql))
        .at("/metrics", get(crate::metrics::serve))
        .at("/healthz", get(healthz))
        .at("/readyz", get(readyz))
        .at("/exports/shortlists/:file", get(exports::shortlist_csv))
        .at("/exports/compare.csv", get(exports::comparison))
        .at("/exports/contracts.csv", get(exports::contracts_csv))
        .at("/exports/call-offs/:file", get(exports::call_off))
        .at("/exports/sector-view.csv", get(exports::sector_view))
        .at("/webhooks/stripe", poem::post(webhooks::stripe))
        .data(http)
        .data(state)
        .data(admission)
        .with(CatchPanic::new())
        .around(move |next, req| with_request_id(next, req, metrics.clone()))
}

/// A server running in the background; dropping `stop` (or sending on it) shuts it down.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub stop: oneshot::Sender<()>,
    pub task: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Accepts TCP connections with Nagle's algorithm off: an answer goes out as soon as it is
/// written, never held back waiting for the client's acknowledgement of an earlier segment.
struct NoDelay(poem::listener::TcpAcceptor);

impl Acceptor for NoDelay {
    type Io = tokio::net::TcpStream;

    fn local_addr(&self) -> Vec<poem::web::LocalAddr> {
        self.0.local_addr()
    }

    async fn accept(
        &mut self,
    ) -> std::io::Result<(
        Self::Io,
        poem::web::LocalAddr,
        poem::web::RemoteAddr,
        poem::http::uri::Scheme,
    )> {
        let accepted = self.0.accept().await?;
        // A socket that refuses the option still serves, only with Nagle's delays.
        let _ = accepted.0.set_nodelay(true);
        Ok(accepted)
    }
}

/// Binds `listen` (port 0 picks a free port) and serves in the background.
pub async fn start(
    listen: SocketAddr,
    state: AppState,
    limits: Limits,
    rate: RateLimits,
    graphiql: bool,
) -> anyhow::Result<RunningServer> {
    let acceptor = NoDelay(
        TcpListener::bind(listen.to_string())
            .into_acceptor()
            .await?,
    );
    let addr = acceptor
        .local_addr()
        .first()
        .and_then(|a| a.as_socket_addr().copied())
        .ok_or_else(|| anyhow::anyhow!("the listener has no address"))?;
    let (stop, stopped) = oneshot::channel::<()>();
    let app = routes(state, limits, rate, graphiql);
    let task = tokio::spawn(async move {
        poem::Server::new_with_acceptor(acceptor)
            .run_with_graceful_shutdown(
                app,
                async move {
                    let _ = stopped.await;
                },
                Some(std::time::Duration::from_secs(10)),
            )
            .await
    });
    Ok(RunningServer { addr, stop, task })
}
