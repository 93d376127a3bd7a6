//! The `becta` command line as a user runs it: the real binary on a fresh data dir, asserting
//! what it prints. (The command line needs the binary, which only this package's tests are
//! given; everything else is tested through the server in `tests/`.)

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::{Value, json};

/// A data dir of its own (SQLite file, search index, development secret), removed afterwards.
struct DataDir(PathBuf);

impl DataDir {
    fn new() -> Result<Self> {
        let dir = std::env::temp_dir().join(format!("becta-cli-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir)?;
        Ok(DataDir(dir))
    }
}

impl Drop for DataDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `becta` with only the settings given here, so the caller's environment cannot leak in.
fn becta(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_becta"));
    c.env_clear()
        .env("BECTA_DATA_DIR", dir)
        .env("RUST_LOG", "warn");
    c
}

/// Runs `becta <args>` to the end; fails unless it succeeds. Returns its stdout.
fn run(dir: &Path, args: &[&str]) -> Result<String> {
    let Output {
        status,
        stdout,
        stderr,
    } = becta(dir).args(args).output()?;
    ensure!(
        status.success(),
        "becta {args:?} failed ({status}): {}",
        String::from_utf8_lossy(&stderr)
    );
    Ok(String::from_utf8(stdout)?)
}

/// The number before `word` in `text`: `count("37 deals from", "deals")` is 37.
fn count(text: &str, word: &str) -> Result<u64> {
    let before = text
        .split(&format!(" {word}"))
        .next()
        .context("no such word")?;
    let digits = before.rsplit(' ').next().context("no number")?;
    digits
        .parse()
        .with_context(|| format!("no count of {word} in {text:?}"))
}

#[test]
fn seed_says_what_it_loaded_and_a_second_run_that_it_loaded_nothing_and_why() -> Result<()> {
    let dir = DataDir::new()?;
    let first = run(&dir.0, &["seed"])?;
    assert!(
        first.starts_with("loaded the sample dataset: ") && first.ends_with(" categories\n"),
        "{first:?}"
    );
    let (deals, products) = (count(&first, "deals")?, count(&first, "products")?);
    let (providers, categories) = (count(&first, "providers")?, count(&first, "categories")?);
    assert!(deals > 0 && products > 0 && providers > 0 && categories > 0);

    let second = run(&dir.0, &["seed"])?;
    assert_eq!(
        second,
        format!(
            "the database already holds {deals} deals and {products} products ({providers} \
             providers, {categories} categories); nothing was loaded (seeding only fills an \
             empty database)\n"
        )
    );

    let scaled = run(&dir.0, &["seed", "--scale", "3", "--seed", "7"])?;
    let mut lines = scaled.lines();
    assert_eq!(lines.next(), second.lines().next());
    assert!(
        lines
            .next()
            .is_some_and(|l| l.starts_with("added 3 generated products (seed 7) in ")),
        "{scaled:?}"
    );
    Ok(())
}

#[test]
fn organisations_lists_what_a_token_may_name_and_says_when_there_is_more() -> Result<()> {
    let dir = DataDir::new()?;
    assert_eq!(
        run(&dir.0, &["organisations", "--role", "SUPPLIER"])?,
        "no suppliers: the database holds none (`becta seed` loads the sample dataset into an \
         empty database)\n"
    );
    run(&dir.0, &["seed"])?;
    let schools = run(
        &dir.0,
        &["organisations", "--role", "school_buyer", "--limit", "2"],
    )?;
    let lines: Vec<&str> = schools.lines().collect();
    assert_eq!(lines.len(), 4, "{schools}");
    assert!(lines[0].starts_with("URN ") && lines[0].ends_with("  name"));
    let urn: u32 = lines[1]
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .parse()?;
    assert!((100_000..1_000_000).contains(&urn), "{schools}");
    assert!(
        lines[3].starts_with("2 of ")
            && lines[3].ends_with(" schools; narrow them with --name, or show more with --limit"),
        "{schools}"
    );
    assert_eq!(
        run(
            &dir.0,
            &[
                "organisations",
                "--role",
                "SUPPLIER",
                "--name",
                "no such name"
            ]
        )?,
        "no suppliers whose name contains \"no such name\"\n"
    );
    Ok(())
}

/// A running `becta serve`, stopped when dropped.
struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn serve(dir: &Path) -> Result<Server> {
    serve_with(dir, &[]).await
}

/// `becta serve` with more settings.
async fn serve_with(dir: &Path, settings: &[(&str, &str)]) -> Result<Server> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let child = becta(dir)
        .envs(settings.iter().copied())
        .arg("serve")
        .env("BECTA_LISTEN", format!("127.0.0.1:{port}"))
        .env("BECTA_SWEEPER", "false")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while reqwest::get(format!("{}/healthz", server.url))
        .await
        .is_err()
    {
        if started.elapsed() > Duration::from_secs(60) {
            bail!("becta serve did not answer within a minute");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(server)
}

async fn query(server: &Server, token: Option<&str>, query: &str) -> Result<Value> {
    let mut req = reqwest::Client::new()
        .post(format!("{}/graphql", server.url))
        .json(&json!({ "query": query }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let answer: Value = req.send().await?.json().await?;
    ensure!(answer.get("errors").is_none(), "{answer}");
    Ok(answer["data"].clone())
}

#[tokio::test]
async fn token_help_says_how_to_find_the_organisation_and_its_ways_give_a_working_token()
-> Result<()> {
    let dir = DataDir::new()?;
    let help = run(&dir.0, &["token", "--help"])?;
    for line in [
        "Finding the organisation (--org):",
        "  SCHOOL_BUYER    the school's 6-digit URN. List schools and their URNs with",
        "                    becta organisations --role SCHOOL_BUYER --name <part of its name>",
        "                  or, for a trust-scoped buyer, trust:<Group UID>, listed with",
        "                    becta organisations --role SCHOOL_BUYER --trusts",
        "  SUPPLIER        the supplier's id. List suppliers and their ids with",
        "                    becta organisations --role SUPPLIER --name <part of its name>",
        "                  or ask the running API (no token needed):",
        "  ADVISER, ADMIN  none needed.",
    ] {
        assert!(help.lines().any(|l| l == line), "{line:?} not in\n{help}");
    }
    let graphql = help
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("{ products"))
        .context("no GraphQL query in the help")?;

    // The ways the help gives find an organisation that a token may name.
    run(&dir.0, &["seed"])?;
    let schools = run(
        &dir.0,
        &["organisations", "--role", "SCHOOL_BUYER", "--limit", "1"],
    )?;
    let (urn, school) = schools
        .lines()
        .nth(1)
        .and_then(|l| l.split_once("  "))
        .context("no school listed")?;
    let trusts = run(
        &dir.0,
        &[
            "organisations",
            "--role",
            "SCHOOL_BUYER",
            "--trusts",
            "--limit",
            "1",
        ],
    )?;
    let (trust_org, trust) = trusts
        .lines()
        .nth(1)
        .and_then(|l| l.split_once("  "))
        .context("no trust listed")?;
    assert!(trust_org.starts_with("trust:"), "{trusts}");
    let server = serve(&dir.0).await?;
    let answer = query(&server, None, graphql).await?;
    let supplier = &answer["products"]["edges"][0]["node"]["supplier"];
    let (id, name) = (
        supplier["id"].as_str().context("no supplier id")?,
        supplier["name"].as_str().context("no supplier name")?,
    );
    let listed = run(
        &dir.0,
        &["organisations", "--role", "SUPPLIER", "--name", name],
    )?;
    assert!(
        listed.lines().any(|l| l == format!("{id}  {name}")),
        "{listed}"
    );

    let me = "{ me { role organisation { name urn } } }";
    for (role, org, expected) in [
        (
            "SCHOOL_BUYER",
            urn,
            json!({ "name": school.trim(), "urn": urn.parse::<u32>()? }),
        ),
        ("SUPPLIER", id, json!({ "name": name, "urn": null })),
        (
            "SCHOOL_BUYER",
            trust_org.trim(),
            json!({ "name": trust.trim(), "urn": null }),
        ),
    ] {
        let token = run(&dir.0, &["token", "--role", role, "--org", org])?;
        let answer = query(&server, Some(token.trim()), me).await?;
        assert_eq!(answer["me"]["role"], role);
        assert_eq!(answer["me"]["organisation"], expected);
    }
    Ok(())
}

/// An OpenTelemetry collector's OTLP/HTTP receiver on loopback, keeping every trace export.
mod collector {
    use std::sync::{Arc, Mutex};

    use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
    use poem::listener::{Acceptor, Listener, TcpListener};
    use poem::web::Data;
    use poem::{EndpointExt, IntoResponse, Response, Route, handler, post};
    use prost::Message;

    pub type Exports = Arc<Mutex<Vec<ExportTraceServiceRequest>>>;

    #[handler]
    async fn traces(body: Vec<u8>, Data(exports): Data<&Exports>) -> Response {
        match ExportTraceServiceRequest::decode(body.as_slice()) {
            Ok(export) => {
                exports
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(export);
                // An empty ExportTraceServiceResponse.
                Vec::<u8>::new()
                    .with_content_type("application/x-protobuf")
                    .into_response()
            }
            Err(_) => poem::http::StatusCode::BAD_REQUEST.into_response(),
        }
    }

    /// Starts the receiver: its base URL and what it received.
    pub async fn start() -> anyhow::Result<(String, Exports)> {
        let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await?;
        let addr = acceptor
            .local_addr()
            .first()
            .and_then(|a| a.as_socket_addr().copied())
            .ok_or_else(|| anyhow::anyhow!("no address"))?;
        let exports = Exports::default();
        let app = Route::new()
            .at("/v1/traces", post(traces))
            .data(exports.clone());
        tokio::spawn(poem::Server::new_with_acceptor(acceptor).run(app));
        Ok((format!("http://{addr}"), exports))
    }
}

#[tokio::test]
async fn serve_sends_each_request_and_its_database_calls_as_one_trace_to_an_otlp_collector()
-> Result<()> {
    use opentelemetry_proto::tonic::common::v1::any_value::Value as Any;
    use opentelemetry_proto::tonic::trace::v1::Span;

    let (endpoint, exports) = collector::start().await?;
    let dir = DataDir::new()?;
    let server = serve_with(
        &dir.0,
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.as_str()),
            ("OTEL_SERVICE_NAME", "becta-under-test"),
            ("OTEL_BSP_SCHEDULE_DELAY", "100"),
        ],
    )
    .await?;
    let request_id = "trace-me-4711";
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/graphql", server.url))
        .header("x-request-id", request_id)
        .json(&json!({ "query": "query DealCount { deals(first: 3) { totalCount } }" }))
        .send()
        .await?
        .json()
        .await?;
    ensure!(
        answer["data"]["deals"]["totalCount"].as_i64() > Some(0),
        "{answer}"
    );

    let text = |span: &Span, key: &str| {
        span.attributes.iter().find(|a| a.key == key).and_then(|a| {
            match a.value.as_ref().and_then(|v| v.value.as_ref()) {
                Some(Any::StringValue(s)) => Some(s.clone()),
                _ => None,
            }
        })
    };
    let started = Instant::now();
    let (request, db_calls, service) = loop {
        let (spans, services): (Vec<Span>, Vec<String>) = {
            let exports = exports.lock().unwrap_or_else(|e| e.into_inner());
            let spans = exports
                .iter()
                .flat_map(|e| &e.resource_spans)
                .flat_map(|r| &r.scope_spans)
                .flat_map(|s| s.spans.clone())
                .collect();
            let services = exports
                .iter()
                .flat_map(|e| &e.resource_spans)
                .filter_map(|r| r.resource.as_ref())
                .flat_map(|r| &r.attributes)
                .filter(|a| a.key == "service.name")
                .filter_map(|a| match a.value.as_ref().and_then(|v| v.value.as_ref()) {
                    Some(Any::StringValue(s)) => Some(s.clone()),
                    _ => None,
                })
                .collect();
            (spans, services)
        };
        let request = spans
            .iter()
            .find(|s| s.name == "request" && text(s, "request_id").as_deref() == Some(request_id))
            .cloned();
        if let Some(request) = request {
            // The database calls made inside the request: spans of its trace whose chain of
            // parents reaches it.
            let inside = |span: &Span| {
                let mut parent = span.parent_span_id.clone();
                for _ in 0..32 {
                    if parent == request.span_id {
                        return true;
                    }
                    match spans
                        .iter()
                        .find(|s| s.trace_id == request.trace_id && s.span_id == parent)
                    {
                        Some(p) => parent = p.parent_span_id.clone(),
                        None => return false,
                    }
                }
                false
            };
            let db_calls: Vec<Span> = spans
                .iter()
                .filter(|s| s.name.starts_with("sea_orm.") && s.trace_id == request.trace_id)
                .filter(|s| inside(s))
                .cloned()
                .collect();
            if !db_calls.is_empty() {
                break (request, db_calls, services);
            }
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!(
                "no trace of the request with its database calls within a minute ({} spans received)",
                spans.len()
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(request.trace_id.len(), 16);
    assert!(
        service.iter().any(|s| s == "becta-under-test"),
        "{service:?}"
    );
    // The database calls say what they ran.
    assert!(
        db_calls
            .iter()
            .any(|s| text(s, "db.statement")
                .is_some_and(|sql| sql.to_uppercase().contains("SELECT"))),
        "{db_calls:?}"
    );
    assert!(db_calls.iter().all(|s| text(s, "db.system").is_some()));
    drop(server);
    Ok(())
}

#[test]
fn deliver_once_sends_what_is_due_and_a_bad_smtp_url_is_refused_at_start() -> Result<()> {
    let dir = DataDir::new()?;
    let out = run(&dir.0, &["deliver", "--once"])?;
    assert_eq!(out, "0 deliveries attempted\n");
    let refused = becta(&dir.0)
        .env("BECTA_SMTP_URL", "imap://mail.example.com")
        .args(["deliver", "--once"])
        .output()?;
    assert_eq!(refused.status.code(), Some(2));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("BECTA_SMTP_URL must start with smtp:// or smtps://"),
        "{said}"
    );
    Ok(())
}
