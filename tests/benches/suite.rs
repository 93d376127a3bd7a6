//! The load, fault and fuzz suite (issue 8), against real `becta` processes on PostgreSQL.
//!
//! ```sh
//! tests/suite/run            # full run; results replace the suite section of BENCHMARKS.md
//! tests/suite/run --short    # what CI runs: a few seconds of load, every fault, a short fuzz
//! ```
//!
//! The script builds `becta` and passes it here as `BECTA_BIN`. On a new PostgreSQL database
//! (dropped at the end) and one data dir, it starts one `becta index` (the search outbox worker,
//! which writes the embedded index) and several `becta serve` processes (which read that index
//! and share the database and the outbox), then:
//! 1. **Load**: closed-loop clients spread over the servers mix what users do (search, browse,
//!    trial loan requests, reviews, advice messages, supplier edits) for a bounded time and
//!    request count. Every answer is checked; the only errors allowed are business refusals
//!    (a supplier's edit on a version another edit just replaced). Afterwards: every
//!    acknowledged write is in the database, no seat is given twice, rating aggregates equal a
//!    recount, and `becta index --check` finds every record in search as the database has it.
//! 2. **Faults**: `kill -9` of a server in the middle of writes, then a restart; `kill -9` of
//!    the indexer (search falls behind, writes go on) and its restart; a server whose search
//!    engine cannot be reached; PostgreSQL stopped for a few seconds (requests get
//!    `UNAVAILABLE`, the servers recover by themselves). The invariants are checked after each.
//! 3. **Fuzz**: `tests/fuzz/graphql.sh` (schemathesis over the served schema).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use becta_api::auth::Authenticator;
use becta_api::config::Config;
use becta_domain::actor::Actor;
use becta_domain::catalogue::organisations::{self, NewOrganisation};
use becta_domain::db;
use becta_domain::lending::{self, NewOffer};
use becta_domain::sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use becta_domain::vocab::*;
use serde_json::{Value, json};
use uuid::Uuid;

#[allow(
    dead_code,
    reason = "support is shared by the benches; suite uses no load driver, CPU time or raw HTTP"
)]
mod support;

use support::{Latencies, machine};

const SECRET: &str = "suite-secret-that-is-at-least-32-bytes";
const FIRST_URN: i32 = 700_000;
const SCHOOLS: i32 = 40_000;
const OFFERS: usize = 12;
const SEATS: i32 = 40;

struct Options {
    short: bool,
    seconds: u64,
    clients: usize,
    servers: usize,
    max_requests: usize,
    fuzz_examples: usize,
    write_results: bool,
}

fn options() -> Result<Options> {
    let mut o = Options {
        short: false,
        seconds: 30,
        clients: 32,
        servers: 3,
        max_requests: 200_000,
        fuzz_examples: 25,
        write_results: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--short" => {
                o.short = true;
                o.seconds = 4;
                o.clients = 8;
                o.servers = 2;
                o.max_requests = 5_000;
                o.fuzz_examples = 5;
                o.write_results = false;
            }
            "--seconds" => o.seconds = args.next().context("--seconds S")?.parse()?,
            "--clients" => o.clients = args.next().context("--clients N")?.parse()?,
            "--servers" => o.servers = args.next().context("--servers N")?.parse()?,
            "--max-requests" => {
                o.max_requests = args.next().context("--max-requests N")?.parse()?
            }
            "--fuzz-examples" => {
                o.fuzz_examples = args.next().context("--fuzz-examples N")?.parse()?
            }
            "--no-write" => o.write_results = false,
            "--bench" => {}
            other => bail!("unknown argument {other}"),
        }
    }
    ensure!(
        o.servers >= 2,
        "--servers must be at least 2 (one is killed)"
    );
    ensure!(o.clients >= 1, "--clients must be at least 1");
    Ok(o)
}

fn main() -> ExitCode {
    support::main(options, run)
}

async fn run(opts: Options) -> Result<()> {
    let bin = PathBuf::from(
        std::env::var("BECTA_BIN")
            .context("BECTA_BIN must name the becta binary (tests/suite/run sets it)")?,
    );
    ensure!(bin.is_file(), "no becta binary at {}", bin.display());
    let database = support::ScratchDatabase::create("becta_suite").await?;
    let dir = std::env::temp_dir().join(format!("becta-suite-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let outcome = suite(&opts, &bin, &database.url, &dir).await;
    if outcome.is_err() {
        eprintln!("process logs are kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    database.drop_it().await?;
    outcome
}

// ---------------------------------------------------------------------------------------------
// Processes

/// A `becta` process, killed when dropped.
struct Proc {
    name: String,
    child: Child,
}

impl Proc {
    fn kill9(&mut self) -> Result<()> {
        eprintln!("kill -9 {} (pid {})", self.name, self.child.id());
        self.child.kill()?; // SIGKILL on unix
        self.child.wait()?;
        Ok(())
    }

    fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Cluster {
    bin: PathBuf,
    dir: PathBuf,
    env: Vec<(String, String)>,
    http: reqwest::Client,
    indexer: Option<Proc>,
    servers: Vec<(u16, Option<Proc>)>,
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

impl Cluster {
    fn command(&self, extra: &[(&str, String)]) -> Command {
        let mut c = Command::new(&self.bin);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        for (k, v) in extra {
            c.env(k, v);
        }
        c
    }

    /// Runs `becta <args>` to the end; returns its stdout.
    fn run(&self, args: &[&str]) -> Result<(bool, String)> {
        let out = self
            .command(&[])
            .args(args)
            .stderr(Stdio::inherit())
            .output()
            .with_context(|| format!("running becta {args:?}"))?;
        Ok((
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ))
    }

    fn spawn(&self, name: &str, args: &[&str], extra: &[(&str, String)]) -> Result<Proc> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join(format!("{name}.log")))?;
        let child = self
            .command(extra)
            .args(args)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        Ok(Proc {
            name: name.to_owned(),
            child,
        })
    }

    fn start_indexer(&mut self) -> Result<()> {
        self.indexer = Some(self.spawn("indexer", &["index"], &[])?);
        Ok(())
    }

    fn url(&self, i: usize) -> String {
        format!("http://127.0.0.1:{}", self.servers[i].0)
    }

    async fn start_server(&mut self, i: usize) -> Result<()> {
        let port = self.servers[i].0;
        let p = self.spawn(
            &format!("server{i}"),
            &["serve"],
            &[
                ("BECTA_LISTEN", format!("127.0.0.1:{port}")),
                ("BECTA_INDEXER", "false".into()),
            ],
        )?;
        self.servers[i].1 = Some(p);
        self.wait_ready(&self.url(i)).await
    }

    async fn wait_ready(&self, base: &str) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Ok(r) = self.http.get(format!("{base}/readyz")).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            ensure!(Instant::now() < deadline, "{base} did not become ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn all_alive(&mut self) -> bool {
        self.indexer.as_mut().is_some_and(Proc::alive)
            && self
                .servers
                .iter_mut()
                .all(|(_, p)| p.as_mut().is_some_and(Proc::alive))
    }
}

// ---------------------------------------------------------------------------------------------
// The data the load works on

struct World {
    auth: Authenticator,
    offers: Vec<Uuid>,
    /// Approved products: (id, supplier).
    products: Vec<(Uuid, Uuid)>,
    /// Per client: an editable product of a supplier.
    editable: Vec<(Uuid, Uuid)>,
    deals: Vec<Uuid>,
    /// Per client: an advice case and the token of the school user who opened it.
    cases: Vec<(Uuid, String)>,
    next_school: AtomicUsize,
}

impl World {
    fn school_token(&self) -> Result<String> {
        let i = self.next_school.fetch_add(1, Ordering::Relaxed) as i32;
        ensure!(
            i < SCHOOLS,
            "out of schools: lower --seconds or --max-requests"
        );
        self.token(Role::SchoolBuyer, &(FIRST_URN + i).to_string())
    }

    fn token(&self, role: Role, org: &str) -> Result<String> {
        self.auth.mint(
            Uuid::new_v4(),
            role,
            Some(org),
            None,
            Duration::from_secs(3600),
        )
    }
}

async fn rows(
    db: &DatabaseConnection,
    sql: &str,
) -> Result<Vec<becta_domain::sea_orm::QueryResult>> {
    Ok(db
        .query_all_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await?)
}

async fn ids(db: &DatabaseConnection, sql: &str) -> Result<Vec<Uuid>> {
    rows(db, sql)
        .await?
        .iter()
        .map(|r| Ok(r.try_get_by_index::<Uuid>(0)?))
        .collect()
}

async fn count(db: &DatabaseConnection, sql: &str) -> Result<i64> {
    rows(db, sql)
        .await?
        .first()
        .context("no row")?
        .try_get_by_index::<i64>(0)
        .map_err(Into::into)
}

async fn setup(db: &DatabaseConnection, auth: Authenticator, clients: usize) -> Result<World> {
    let tx = db::begin_write(db).await?;
    let schools = (0..SCHOOLS)
        .map(|i| NewOrganisation {
            urn: Some(FIRST_URN + i),
            phase: Some(Phase::Primary),
            ..NewOrganisation::new(OrgKind::School, format!("Suite School {i}"))
        })
        .collect();
    organisations::insert_many(&tx, schools).await?;
    db::commit(tx).await?;
    db::analyze(db).await?;

    let approved: Vec<(Uuid, Uuid)> = rows(
        db,
        "SELECT id, supplier_id FROM products WHERE status = 'approved' ORDER BY name",
    )
    .await?
    .iter()
    .map(|r| Ok((r.try_get_by_index(0)?, r.try_get_by_index(1)?)))
    .collect::<Result<_>>()?;
    ensure!(
        approved.len() > OFFERS + clients,
        "the sample has too few products"
    );
    // Trial offers of a few seats each on the first products: waitlists form under load.
    let mut offers = Vec::new();
    for (product, supplier) in approved.iter().take(OFFERS) {
        let actor = Actor {
            user_id: Uuid::new_v4(),
            role: Role::Supplier,
            organisation_id: Some(*supplier),
            org_kind: Some(becta_domain::vocab::OrgKind::Supplier),
            email: None,
            display_name: None,
            request_id: None,
        };
        let o = lending::create_offer(
            db,
            &actor,
            *product,
            NewOffer {
                seats: SEATS,
                loan_days: 30,
                max_extensions: 0,
                extension_days: 0,
                eligible_phases: vec![],
                eligible_organisation_types: vec![],
                terms: "Suite trial terms.".into(),
                licence_keys: vec![],
                licence_scope: becta_domain::vocab::LicenceScope::Seat,
                reminder_days: None,
                cool_off_days: 0,
                max_trials_per_school: None,
                reusable_codes: false,
            },
        )
        .await?;
        offers.push(o.id);
    }
    let editable = approved
        .iter()
        .skip(OFFERS)
        .take(clients)
        .copied()
        .collect();
    let deals = ids(db, "SELECT id FROM deals WHERE status = 'published'").await?;
    Ok(World {
        auth,
        offers,
        products: approved,
        editable,
        deals,
        cases: vec![],
        next_school: AtomicUsize::new(0),
    })
}

/// Opens one advice case per client, through the API.
async fn open_cases(
    world: &mut World,
    http: &reqwest::Client,
    base: &str,
    clients: usize,
) -> Result<()> {
    for _ in 0..clients {
        let token = world.school_token()?;
        let v = gql(
            http,
            base,
            Some(&token),
            "mutation($input: AdviceRequestInput!) { openAdviceRequest(input: $input) { id } }",
            json!({ "input": {
                "category": "devices",
                "need": "We need 60 Chromebooks for Year 5 and 6, with management and a charging trolley.",
                "preferredContact": "EMAIL",
            }}),
        )
        .await?;
        let id = data(&v)?["openAdviceRequest"]["id"]
            .as_str()
            .context("case id")?
            .parse()?;
        world.cases.push((id, token));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Requests

async fn gql(
    http: &reqwest::Client,
    base: &str,
    token: Option<&str>,
    query: &str,
    variables: Value,
) -> Result<Value> {
    let mut req = http
        .post(format!("{base}/graphql"))
        .json(&json!({ "query": query, "variables": variables }));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await?;
    let status = resp.status();
    let v: Value = resp.json().await.context("a JSON body")?;
    ensure!(
        !status.is_server_error() || v.get("errors").is_some(),
        "HTTP {status}: {v}"
    );
    Ok(v)
}

fn codes(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|e| {
                    e["extensions"]["code"]
                        .as_str()
                        .unwrap_or("none")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

fn data(v: &Value) -> Result<&Value> {
    ensure!(v.get("errors").is_none(), "errors: {v}");
    Ok(&v["data"])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Op {
    Search,
    Browse,
    Loan,
    Review,
    Advice,
    Edit,
}

impl Op {
    /// Out of every 20 requests: 8 searches, 5 browses, 2 loan requests, 2 reviews, 1 advice
    /// message, 2 supplier edits.
    fn nth(i: usize) -> Op {
        const MIX: [Op; 20] = [
            Op::Search,
            Op::Browse,
            Op::Search,
            Op::Loan,
            Op::Search,
            Op::Browse,
            Op::Review,
            Op::Search,
            Op::Edit,
            Op::Browse,
            Op::Search,
            Op::Advice,
            Op::Search,
            Op::Browse,
            Op::Loan,
            Op::Search,
            Op::Review,
            Op::Browse,
            Op::Search,
            Op::Edit,
        ];
        MIX[i % MIX.len()]
    }

    fn label(self) -> &'static str {
        match self {
            Op::Search => "search (products or deals, typos, facets)",
            Op::Browse => "browse (lists and records)",
            Op::Loan => "trial loan request",
            Op::Review => "review",
            Op::Advice => "advice message",
            Op::Edit => "supplier edit",
        }
    }
}

const QUERIES: &[&str] = &[
    "phonics",
    "chromebok",
    "safegarding",
    "reading",
    "maths",
    "MIS",
    "laptop",
    "SEND",
    "interactive panel",
    "multiplicaton",
    "",
    "science",
];

/// What the writes acknowledged: ids the API returned.
#[derive(Default)]
struct Acknowledged {
    loans: Vec<Uuid>,
    reviews: Vec<Uuid>,
    messages: Vec<Uuid>,
    edits: usize,
}

#[derive(Default)]
struct OpStats {
    lat: Latencies,
    expected_errors: usize,
    errors: usize,
    first_error: Option<String>,
}

#[derive(Default)]
struct ClientResult {
    ops: BTreeMap<Op, OpStats>,
    acked: Acknowledged,
}

enum Outcome {
    Ok,
    /// A business refusal the scenario expects.
    Refused,
}

fn uuid_at(v: &Value, path: &[&str]) -> Result<Uuid> {
    let mut cur = v;
    for p in path {
        cur = &cur[*p];
    }
    Ok(cur
        .as_str()
        .with_context(|| format!("{path:?} in {v}"))?
        .parse()?)
}

/// One request of kind `op` by client `c`; writes acknowledged are added to `acked`.
#[expect(
    clippy::too_many_arguments,
    reason = "a request needs its client, number, HTTP client, server, world, versions and acks"
)]
async fn request(
    op: Op,
    c: usize,
    i: usize,
    http: &reqwest::Client,
    base: &str,
    world: &World,
    versions: &mut HashMap<Uuid, i64>,
    acked: &mut Acknowledged,
) -> Result<Outcome> {
    match op {
        Op::Search => {
            let q = QUERIES[i % QUERIES.len()];
            let v = if i.is_multiple_of(3) {
                gql(http, base, None,
                    "query($q: String) { searchDeals(query: $q, first: 10) { totalHits hits { deal { id title } } facets { field values { value count } } } }",
                    json!({ "q": q })).await?
            } else {
                gql(http, base, None,
                    "query($q: String, $f: ProductSearchFilter) { searchProducts(query: $q, filter: $f, first: 10) { totalHits hits { score product { id name pricePence } } facets { field values { value count } } } }",
                    json!({ "q": q, "f": if i.is_multiple_of(2) { json!({ "keyStages": ["KS2"] }) } else { Value::Null } })).await?
            };
            data(&v)?;
        }
        Op::Browse => {
            let v = match i % 4 {
                0 => {
                    gql(
                        http,
                        base,
                        None,
                        "{ products(first: 20) { totalCount edges { node { id name } } } }",
                        json!({}),
                    )
                    .await?
                }
                1 => {
                    let (p, _) = world.products[i % world.products.len()];
                    gql(http, base, None, "query($id: ID!) { product(id: $id) { id name summary supplier { name } } }", json!({ "id": p })).await?
                }
                2 => {
                    gql(
                        http,
                        base,
                        None,
                        "{ deals(first: 20) { totalCount edges { node { id title } } } }",
                        json!({}),
                    )
                    .await?
                }
                _ => {
                    let d = world.deals[i % world.deals.len()];
                    gql(
                        http,
                        base,
                        None,
                        "query($id: ID!) { deal(id: $id) { id title lots { title } } }",
                        json!({ "id": d }),
                    )
                    .await?
                }
            };
            data(&v)?;
        }
        Op::Loan => {
            let token = world.school_token()?;
            let offer = world.offers[i % world.offers.len()];
            let v = gql(
                http,
                base,
                Some(&token),
                "mutation($o: ID!) { requestTrialLoan(offerId: $o) { id status } }",
                json!({ "o": offer }),
            )
            .await?;
            let loan = &data(&v)?["requestTrialLoan"];
            ensure!(
                matches!(loan["status"].as_str(), Some("ACTIVE" | "WAITLISTED")),
                "loan status: {v}"
            );
            acked.loans.push(uuid_at(loan, &["id"])?);
        }
        Op::Review => {
            let token = world.school_token()?;
            let (p, _) = world.products[(i / 7) % world.products.len()];
            let v = gql(http, base, Some(&token),
                "mutation($p: ID!, $input: ReviewInput!) { createReview(productId: $p, input: $input) { id } }",
                json!({ "p": p, "input": {
                    "rating": 1 + (i % 5), "easeOfUse": 1 + (i % 4),
                    "title": format!("Review {i} from the suite"),
                    "body": "Our staff used it for a term; pupils took to it quickly and the reports helped.",
                }})).await?;
            acked
                .reviews
                .push(uuid_at(data(&v)?, &["createReview", "id"])?);
        }
        Op::Advice => {
            let (case, token) = &world.cases[c % world.cases.len()];
            let v = gql(http, base, Some(token),
                "mutation($id: ID!, $b: String!) { postAdviceMessage(id: $id, body: $b) { id } }",
                json!({ "id": case, "b": format!("Message {i}: could we also see the charging options?") })).await?;
            acked
                .messages
                .push(uuid_at(data(&v)?, &["postAdviceMessage", "id"])?);
        }
        Op::Edit => {
            let (product, supplier) = world.editable[c % world.editable.len()];
            let token = world.token(Role::Supplier, &supplier.to_string())?;
            let version = match versions.get(&product) {
                Some(v) => *v,
                None => {
                    let v = gql(
                        http,
                        base,
                        Some(&token),
                        "query($id: ID!) { listing(id: $id) { version } }",
                        json!({ "id": product }),
                    )
                    .await?;
                    data(&v)?["listing"]["version"]
                        .as_i64()
                        .context("version")?
                }
            };
            let v = gql(http, base, Some(&token),
                "mutation($id: ID!, $v: Int!, $patch: ProductPatchInput!) { updateProduct(id: $id, version: $v, patch: $patch) { version } }",
                json!({ "id": product, "v": version, "patch": { "summary": format!("Edited by the suite, round {i}: clearer pricing and set-up notes.") } })).await?;
            if codes(&v) == ["CONFLICT"] {
                versions.remove(&product);
                return Ok(Outcome::Refused);
            }
            let new = data(&v)?["updateProduct"]["version"]
                .as_i64()
                .context("version")?;
            versions.insert(product, new);
            acked.edits += 1;
        }
    }
    Ok(Outcome::Ok)
}

struct LoadReport {
    ops: BTreeMap<Op, OpStats>,
    acked: Acknowledged,
    seconds: f64,
    requests: usize,
}

/// How a load run ends for a client.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OnError {
    /// Count the error and go on.
    Continue,
    /// Stop this client (its server was killed under it).
    Stop,
}

/// Closed-loop clients over `servers` until `secs` pass or `max` requests are sent.
#[expect(
    clippy::too_many_arguments,
    reason = "each load phase sets its own servers, clients, length, cap, operations, error policy"
)]
async fn drive(
    world: Arc<World>,
    http: &reqwest::Client,
    bases: Vec<String>,
    clients: usize,
    secs: f64,
    max: usize,
    only: Option<&'static [Op]>,
    on_error: OnError,
) -> Result<LoadReport> {
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let sent = Arc::new(AtomicUsize::new(0));
    let bases = Arc::new(bases);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (world, http, bases, sent) = (world.clone(), http.clone(), bases.clone(), sent.clone());
        tasks.push(tokio::spawn(async move {
            let mut r = ClientResult::default();
            let mut versions = HashMap::new();
            let mut k = 0usize;
            while Instant::now() < deadline {
                let i = sent.fetch_add(1, Ordering::Relaxed);
                if i >= max {
                    break;
                }
                let op = match only {
                    Some(ops) => ops[i % ops.len()],
                    None => Op::nth(i),
                };
                let base = &bases[(c + k) % bases.len()];
                k += 1;
                let t = Instant::now();
                let outcome =
                    request(op, c, i, &http, base, &world, &mut versions, &mut r.acked).await;
                let s = r.ops.entry(op).or_default();
                match outcome {
                    Ok(Outcome::Ok) => s.lat.0.push(t.elapsed().as_secs_f64() * 1000.0),
                    Ok(Outcome::Refused) => s.expected_errors += 1,
                    Err(e) => {
                        s.errors += 1;
                        if s.first_error.is_none() {
                            s.first_error = Some(format!("{e:#}"));
                        }
                        if on_error == OnError::Stop {
                            break;
                        }
                    }
                }
            }
            r
        }));
    }
    let mut report = LoadReport {
        ops: BTreeMap::new(),
        acked: Acknowledged::default(),
        seconds: 0.0,
        requests: 0,
    };
    for t in tasks {
        let r = t.await?;
        for (op, s) in r.ops {
            let into = report.ops.entry(op).or_default();
            into.lat.0.extend(s.lat.0);
            into.expected_errors += s.expected_errors;
            into.errors += s.errors;
            if into.first_error.is_none() {
                into.first_error = s.first_error;
            }
        }
        report.acked.loans.extend(r.acked.loans);
        report.acked.reviews.extend(r.acked.reviews);
        report.acked.messages.extend(r.acked.messages);
        report.acked.edits += r.acked.edits;
    }
    report.seconds = started.elapsed().as_secs_f64();
    report.requests = report
        .ops
        .values()
        .map(|s| s.lat.0.len() + s.expected_errors + s.errors)
        .sum();
    Ok(report)
}

// ---------------------------------------------------------------------------------------------
// Invariants

/// What the invariants found; every count must be 0.
#[derive(Debug, Default)]
struct Violations {
    lost_writes: usize,
    oversold_offers: usize,
    repeated_waitlist_places: usize,
    rating_mismatches: usize,
    half_written: usize,
    search_drift: Option<String>,
}

impl Violations {
    fn clean(&self) -> bool {
        self.lost_writes == 0
            && self.oversold_offers == 0
            && self.repeated_waitlist_places == 0
            && self.rating_mismatches == 0
            && self.half_written == 0
            && self.search_drift.is_none()
    }
}

async fn wait_outbox_drained(db: &DatabaseConnection, within: Duration) -> Result<f64> {
    let started = Instant::now();
    loop {
        let pending = count(
            db,
            "SELECT count(*) FROM search_outbox WHERE processed_at IS NULL",
        )
        .await;
        if matches!(pending, Ok(0)) {
            return Ok(started.elapsed().as_secs_f64());
        }
        ensure!(
            started.elapsed() < within,
            "the search outbox did not drain in {within:?} ({pending:?} pending)"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn check(
    db: &DatabaseConnection,
    cluster: &Cluster,
    acked: &Acknowledged,
) -> Result<Violations> {
    let mut v = Violations::default();
    let present = |table: &str, wanted: &[Uuid]| {
        let sql = format!("SELECT id FROM {table}");
        let wanted = wanted.to_vec();
        async move {
            let have: HashSet<Uuid> = ids(db, &sql).await?.into_iter().collect();
            anyhow::Ok(wanted.iter().filter(|id| !have.contains(id)).count())
        }
    };
    v.lost_writes += present("loans", &acked.loans).await?;
    v.lost_writes += present("reviews", &acked.reviews).await?;
    v.lost_writes += present("advice_messages", &acked.messages).await?;

    v.oversold_offers = count(db, "SELECT count(*) FROM trial_offers o \
        LEFT JOIN (SELECT offer_id, count(*) AS n FROM loans WHERE status = 'active' GROUP BY offer_id) l ON l.offer_id = o.id \
        WHERE o.seats_free < 0 OR COALESCE(l.n, 0) + o.seats_free <> o.seats_total").await? as usize;
    v.repeated_waitlist_places = count(
        db,
        "SELECT count(*) FROM (SELECT offer_id, waitlist_seq FROM loans \
        WHERE waitlist_seq IS NOT NULL GROUP BY offer_id, waitlist_seq HAVING count(*) > 1) t",
    )
    .await? as usize;
    v.rating_mismatches = count(db, "SELECT count(*) FROM product_ratings p \
        FULL JOIN (SELECT product_id, count(*) AS n, sum(rating) AS s FROM reviews WHERE status = 'published' GROUP BY product_id) r \
        ON r.product_id = p.product_id \
        WHERE COALESCE(p.review_count, 0) <> COALESCE(r.n, 0) OR COALESCE(p.rating_sum, 0) <> COALESCE(r.s, 0)").await? as usize;
    // Each write is one transaction: a loan has its events and its audit record, a review its
    // audit record, a message its case.
    v.half_written = count(db, "SELECT count(*) FROM loans l WHERE NOT EXISTS (SELECT 1 FROM loan_events e WHERE e.loan_id = l.id) \
        OR NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_id = l.id::text)").await? as usize
        + count(db, "SELECT count(*) FROM reviews r WHERE NOT EXISTS (SELECT 1 FROM audit_events a WHERE a.entity_id = r.id::text)").await? as usize;

    wait_outbox_drained(db, Duration::from_secs(120)).await?;
    let (ok, out) = cluster.run(&["index", "--check"])?;
    if !ok {
        v.search_drift = Some(out.trim().replace('\n', "; "));
    }
    Ok(v)
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL stop and start

/// The local PostgreSQL cluster, stopped while this lives (started again when dropped).
struct PgStopped {
    version: String,
}

fn pg_ctl(version: &str, action: &str) -> Result<()> {
    let mut c = Command::new("pg_ctlcluster");
    c.args(["--skip-systemctl-redirect", version, "main", action]);
    if action == "stop" {
        c.args(["-m", "fast"]);
    }
    let status = c.status().context("pg_ctlcluster")?;
    ensure!(status.success(), "pg_ctlcluster {action} failed");
    Ok(())
}

impl PgStopped {
    fn stop() -> Result<PgStopped> {
        let version = std::fs::read_dir("/etc/postgresql")
            .context("the local PostgreSQL cluster (/etc/postgresql)")?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .max()
            .context("no PostgreSQL cluster")?;
        pg_ctl(&version, "stop")?;
        Ok(PgStopped { version })
    }

    fn start(self) -> Result<()> {
        let r = pg_ctl(&self.version, "start");
        std::mem::forget(self);
        r
    }
}

impl Drop for PgStopped {
    fn drop(&mut self) {
        let _ = pg_ctl(&self.version, "start");
    }
}

// ---------------------------------------------------------------------------------------------
// The suite

struct FaultRow {
    fault: &'static str,
    expected: String,
    observed: String,
    ok: bool,
}

async fn suite(opts: &Options, bin: &Path, url: &str, dir: &Path) -> Result<()> {
    let env: Vec<(String, String)> = [
        ("BECTA_DATA_DIR", dir.display().to_string()),
        ("BECTA_DATABASE_URL", url.to_owned()),
        ("BECTA_JWT_SECRET", SECRET.to_owned()),
        ("BECTA_SEED", "false".to_owned()),
        ("BECTA_SWEEPER", "false".to_owned()),
        ("BECTA_RATE_MUTATIONS_PER_MINUTE", "0".to_owned()),
        ("BECTA_RATE_MUTATIONS_PER_ADDRESS", "0".to_owned()),
        ("BECTA_RATE_SEARCHES_PER_MINUTE", "0".to_owned()),
        ("BECTA_SEARCH_STALE_SECONDS", "2".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(opts.clients)
        .timeout(Duration::from_secs(30))
        .build()?;
    let mut cluster = Cluster {
        bin: bin.to_owned(),
        dir: dir.to_owned(),
        env,
        http: http.clone(),
        indexer: None,
        servers: (0..opts.servers)
            .map(|_| Ok((free_port()?, None)))
            .collect::<Result<_>>()?,
    };

    let t = Instant::now();
    let (ok, _) = cluster.run(&["seed"])?;
    ensure!(ok, "becta seed failed");
    let db = db::connect(url).await?;
    let config = Config::from_lookup(|k| {
        cluster
            .env
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    })?;
    let mut world = setup(&db, Authenticator::from_config(&config)?, opts.clients).await?;
    cluster.start_indexer()?;
    wait_outbox_drained(&db, Duration::from_secs(120)).await?;
    for i in 0..opts.servers {
        cluster.start_server(i).await?;
    }
    let ready: Value = http
        .get(format!("{}/readyz", cluster.url(0)))
        .send()
        .await?
        .json()
        .await?;
    ensure!(
        ready["search"]["access"] == "read",
        "servers read the indexer's index: {ready}"
    );
    open_cases(&mut world, &http, &cluster.url(0), opts.clients).await?;
    let world = Arc::new(world);
    eprintln!(
        "setup in {:.1} s: {} servers, 1 indexer",
        t.elapsed().as_secs_f64(),
        opts.servers
    );

    // 1. Load.
    let bases: Vec<String> = (0..opts.servers).map(|i| cluster.url(i)).collect();
    let mut load = drive(
        world.clone(),
        &http,
        bases,
        opts.clients,
        opts.seconds as f64,
        opts.max_requests,
        None,
        OnError::Continue,
    )
    .await?;
    let unexpected: usize = load.ops.values().map(|s| s.errors).sum();
    for (op, s) in &load.ops {
        if let Some(e) = &s.first_error {
            eprintln!("{}: first error: {e}", op.label());
        }
    }
    let drained_after = wait_outbox_drained(&db, Duration::from_secs(120)).await?;
    let after_load = check(&db, &cluster, &load.acked).await?;
    eprintln!(
        "load: {} requests in {:.1} s, {unexpected} errors; outbox drained {drained_after:.2} s after; {after_load:?}",
        load.requests, load.seconds
    );

    // 2. Faults.
    let mut faults = Vec::new();

    // 2a. kill -9 a server in the middle of writes, then restart it.
    {
        let target = vec![cluster.url(0)];
        let w = world.clone();
        let h = http.clone();
        let writers = tokio::spawn(async move {
            drive(
                w,
                &h,
                target,
                8,
                3.0,
                usize::MAX,
                Some(&[Op::Loan, Op::Review]),
                OnError::Stop,
            )
            .await
        });
        tokio::time::sleep(Duration::from_millis(1200)).await;
        if let Some(p) = cluster.servers[0].1.as_mut() {
            p.kill9()?;
        }
        let killed_at = Instant::now();
        let report = writers.await??;
        let failed: usize = report.ops.values().map(|s| s.errors).sum();
        cluster.start_server(0).await?;
        let back = killed_at.elapsed().as_secs_f64();
        let v = check(&db, &cluster, &report.acked).await?;
        let acked = report.acked.loans.len() + report.acked.reviews.len();
        faults.push(FaultRow {
            fault: "`kill -9` of a server during writes (8 writers), then restart",
            expected: "no acknowledged write lost, nothing half-written, outbox converges".into(),
            observed: format!(
                "{acked} writes acknowledged, {failed} of the 8 writers met the kill (a request cut off or refused); lost {}, half-written {}, oversold {}, ratings off {}, search {}; restarted and ready {back:.1} s after the kill",
                v.lost_writes, v.half_written, v.oversold_offers, v.rating_mismatches,
                v.search_drift.as_deref().unwrap_or("in step")
            ),
            ok: v.clean() && acked > 0,
        });
        load.acked.loans.extend(report.acked.loans);
        load.acked.reviews.extend(report.acked.reviews);
    }

    // 2b. The indexer (the process that writes the search index) killed: writes go on, search
    // is reported behind, and the index catches up when it is back.
    {
        if let Some(p) = cluster.indexer.as_mut() {
            p.kill9()?;
        }
        let report = drive(
            world.clone(),
            &http,
            vec![cluster.url(1)],
            4,
            3.0,
            40,
            Some(&[Op::Review]),
            OnError::Continue,
        )
        .await?;
        let failed: usize = report.ops.values().map(|s| s.errors).sum();
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let ready: Value = http
            .get(format!("{}/readyz", cluster.url(1)))
            .send()
            .await?
            .json()
            .await?;
        let search = gql(
            &http,
            &cluster.url(1),
            None,
            "{ searchProducts(query: \"phonics\") { totalHits } }",
            json!({}),
        )
        .await?;
        let t = Instant::now();
        cluster.start_indexer()?;
        let caught_up = wait_outbox_drained(&db, Duration::from_secs(120))
            .await
            .is_ok();
        let catch_up = t.elapsed().as_secs_f64();
        let v = check(&db, &cluster, &report.acked).await?;
        faults.push(FaultRow {
            fault: "`kill -9` of the indexer (search stops following), then restart",
            expected: "writes succeed, readiness says degraded, search still answers, the index catches up".into(),
            observed: format!(
                "{} reviews written, {failed} failed; readiness {} (search {}); search answered {}; caught up {catch_up:.1} s after the restart; search {}",
                report.acked.reviews.len(), ready["status"], ready["search"]["status"],
                if search.get("errors").is_none() { "from the index as it was" } else { "with errors" },
                v.search_drift.as_deref().unwrap_or("in step")
            ),
            ok: failed == 0 && report.acked.reviews.len() == 40 && ready["status"] == "degraded"
                && search.get("errors").is_none() && caught_up && v.clean(),
        });
        load.acked.reviews.extend(report.acked.reviews);
    }

    // 2c. A server whose search engine cannot be reached (Meilisearch configured, nothing there).
    {
        let port = free_port()?;
        let dead = free_port()?;
        let base = format!("http://127.0.0.1:{port}");
        let mut p = cluster.spawn(
            "server-no-search",
            &["serve"],
            &[
                ("BECTA_LISTEN", format!("127.0.0.1:{port}")),
                ("BECTA_INDEXER", "false".into()),
                ("BECTA_MEILISEARCH_URL", format!("http://127.0.0.1:{dead}")),
            ],
        )?;
        cluster.wait_ready(&base).await?;
        let report = drive(
            world.clone(),
            &http,
            vec![base.clone()],
            2,
            2.0,
            10,
            Some(&[Op::Review]),
            OnError::Continue,
        )
        .await?;
        let failed: usize = report.ops.values().map(|s| s.errors).sum();
        let search = gql(
            &http,
            &base,
            None,
            "{ searchProducts(query: \"phonics\") { totalHits } }",
            json!({}),
        )
        .await?;
        let ready: Value = http
            .get(format!("{base}/readyz"))
            .send()
            .await?
            .json()
            .await?;
        p.kill9()?;
        drop(p);
        let v = check(&db, &cluster, &report.acked).await?;
        faults.push(FaultRow {
            fault: "search engine unreachable (a server configured with a Meilisearch that is down)",
            expected: "writes succeed, search answers UNAVAILABLE, readiness says degraded".into(),
            observed: format!(
                "{} reviews written, {failed} failed; search answered {:?}; readiness {} (search {}); the embedded index took the changes: search {}",
                report.acked.reviews.len(), codes(&search), ready["status"], ready["search"]["status"],
                v.search_drift.as_deref().unwrap_or("in step")
            ),
            ok: failed == 0 && codes(&search) == ["UNAVAILABLE"] && ready["status"] == "degraded" && v.clean(),
        });
        load.acked.reviews.extend(report.acked.reviews);
    }

    // 2d. PostgreSQL stopped for a few seconds.
    {
        let base = cluster.url(1);
        let token = world.school_token()?;
        let stopped = PgStopped::stop()?;
        let t = Instant::now();
        let read = gql(
            &http,
            &base,
            None,
            "{ products(first: 1) { totalCount } }",
            json!({}),
        )
        .await;
        let write = gql(
            &http,
            &base,
            Some(&token),
            "mutation($o: ID!) { requestTrialLoan(offerId: $o) { id } }",
            json!({ "o": world.offers[0] }),
        )
        .await;
        let answered_in = t.elapsed().as_secs_f64();
        let ready = http.get(format!("{base}/readyz")).send().await?.status();
        let (read_codes, write_codes) = (
            read.as_ref()
                .map(codes)
                .unwrap_or_else(|e| vec![format!("{e:#}")]),
            write
                .as_ref()
                .map(codes)
                .unwrap_or_else(|e| vec![format!("{e:#}")]),
        );
        tokio::time::sleep(Duration::from_secs(2)).await;
        stopped.start()?;
        let back = Instant::now();
        let mut recovered = None;
        while back.elapsed() < Duration::from_secs(60) {
            if let Ok(v) = gql(
                &http,
                &base,
                None,
                "{ products(first: 1) { totalCount } }",
                json!({}),
            )
            .await
                && v.get("errors").is_none()
            {
                recovered = Some(back.elapsed().as_secs_f64());
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        // Every process recovers by itself: a write through each server, then the invariants.
        let mut after = Acknowledged::default();
        for i in 0..opts.servers {
            let token = world.school_token()?;
            let v = gql(
                &http,
                &cluster.url(i),
                Some(&token),
                "mutation($o: ID!) { requestTrialLoan(offerId: $o) { id } }",
                json!({ "o": world.offers[1] }),
            )
            .await?;
            after
                .loans
                .push(uuid_at(data(&v)?, &["requestTrialLoan", "id"])?);
        }
        let alive = cluster.all_alive();
        let v = check(&db, &cluster, &after).await?;
        faults.push(FaultRow {
            fault: "PostgreSQL stopped (`pg_ctlcluster stop -m fast`) for about 2 s",
            expected: "requests fail with UNAVAILABLE, readiness 503, every process recovers by itself".into(),
            observed: format!(
                "read {read_codes:?}, write {write_codes:?} (both in {answered_in:.2} s); readiness {}; answering again {} after the restart; every process still running: {alive}; writes through every server afterwards, search {}",
                ready.as_u16(),
                recovered.map(|s| format!("{s:.1} s")).unwrap_or_else(|| "never".into()),
                v.search_drift.as_deref().unwrap_or("in step")
            ),
            ok: read_codes == ["UNAVAILABLE"] && write_codes == ["UNAVAILABLE"] && ready.as_u16() == 503
                && recovered.is_some() && alive && v.clean(),
        });
        load.acked.loans.extend(after.loans);
    }

    let final_check = check(&db, &cluster, &load.acked).await?;
    drop(cluster);

    // 3. Fuzzing.
    let fuzz = Command::new("bash")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/graphql.sh"))
        .arg(opts.fuzz_examples.to_string())
        .stderr(Stdio::inherit())
        .output()
        .context("running tests/fuzz/graphql.sh")?;
    let fuzz_out = String::from_utf8_lossy(&fuzz.stdout).into_owned();
    eprint!("{fuzz_out}");
    let fuzz_lines: Vec<String> = fuzz_out
        .lines()
        .filter(|l| l.contains("requests; error codes"))
        .map(str::to_owned)
        .collect();

    // Report.
    for f in &faults {
        eprintln!(
            "{}: {} -> {}",
            if f.ok { "ok" } else { "FAILED" },
            f.fault,
            f.observed
        );
    }
    eprintln!("final invariants: {final_check:?}");
    let passed = unexpected == 0
        && after_load.clean()
        && final_check.clean()
        && faults.iter().all(|f| f.ok)
        && fuzz.status.success();
    if opts.write_results {
        write_results(
            opts,
            &load,
            unexpected,
            drained_after,
            &after_load,
            &final_check,
            &faults,
            &fuzz_lines,
            fuzz.status.success(),
        )?;
    }
    ensure!(passed, "the suite found problems (see above)");
    eprintln!("suite passed");
    Ok(())
}

#[expect(
    clippy::too_many_arguments,
    reason = "the results report every phase: load, drain, both checks, faults and fuzzing"
)]
fn write_results(
    opts: &Options,
    load: &LoadReport,
    unexpected: usize,
    drained_after: f64,
    after_load: &Violations,
    final_check: &Violations,
    faults: &[FaultRow],
    fuzz_lines: &[String],
    fuzz_ok: bool,
) -> Result<()> {
    let mut ops = String::new();
    for (op, s) in &load.ops {
        let mut lat = Latencies(s.lat.0.clone());
        ops.push_str(&format!(
            "| {} | {} | {:.0} | {:.1} ms | {:.1} ms | {} | {} |\n",
            op.label(),
            s.lat.0.len(),
            s.lat.0.len() as f64 / load.seconds,
            lat.pct(50.0),
            lat.pct(99.0),
            s.expected_errors,
            s.errors,
        ));
    }
    let mut fault_rows = String::new();
    for f in faults {
        fault_rows.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            f.fault,
            f.expected,
            f.observed,
            if f.ok { "yes" } else { "**no**" }
        ));
    }
    let invariants = |v: &Violations| {
        format!(
            "lost writes {}, oversold offers {}, repeated waitlist places {}, rating aggregates off {}, half-written records {}, search {}",
            v.lost_writes,
            v.oversold_offers,
            v.repeated_waitlist_places,
            v.rating_mismatches,
            v.half_written,
            v.search_drift
                .as_deref()
                .unwrap_or("in step with the database (`becta index --check`)")
        )
    };
    let section = format!(
        "## Load, faults and fuzzing (issue 8)\n\n\
         {date} on {machine}; PostgreSQL 15 (local, loopback); embedded search index written by one \
         `becta index` and read by every server.\n\n\
         Command: `tests/suite/run --seconds {secs} --clients {clients} --servers {servers}` (release build)\n\n\
         ### Load\n\n\
         {clients} closed-loop clients over {servers} `becta serve` processes sharing one database and one \
         outbox, for {secs} s (at most {max} requests): {requests} requests in {took:.1} s, \
         **{rps:.0} requests/s**, **{unexpected} unexpected errors**. The search outbox was drained \
         {drained_after:.1} s after the load stopped.\n\n\
         | operation | answered | per second | p50 | p99 | business refusals | errors |\n\
         |---|---|---|---|---|---|---|\n{ops}\n\
         Business refusals are a supplier's edit on a version another edit had just replaced \
         (`CONFLICT`). Waitlisted loan requests are answers, not refusals.\n\n\
         Invariants after the load: {after}.\n\n\
         ### Faults\n\n\
         | fault | expected | observed | held |\n|---|---|---|---|\n{fault_rows}\n\
         Invariants at the end, over every acknowledged write of the run: {fin}.\n\n\
         ### Fuzzing\n\n\
         `tests/fuzz/graphql.sh {fuzz_examples}` (schemathesis, anonymous then as an admin): {fuzz}; \
         {fuzz_verdict}.\n\n",
        date = chrono::Utc::now().format("%Y-%m-%d"),
        machine = machine(),
        secs = opts.seconds,
        clients = opts.clients,
        servers = opts.servers,
        max = opts.max_requests,
        requests = load.requests,
        took = load.seconds,
        rps = load.requests as f64 / load.seconds,
        after = invariants(after_load),
        fin = invariants(final_check),
        fuzz_examples = opts.fuzz_examples,
        fuzz = fuzz_lines.join("; "),
        fuzz_verdict = if fuzz_ok {
            "no 5xx, no INTERNAL error, no panic"
        } else {
            "**it found server errors**"
        },
    );
    support::write_section("suite", &section)
}
