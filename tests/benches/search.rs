//! Search benchmark (issue 3) and catalogue load time (issue 2).
//!
//! ```sh
//! cargo bench -p becta-tests --bench search                       # 100,000 products, SQLite
//! cargo bench -p becta-tests --bench search -- --products 20000 --seconds 5
//! BECTA_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/becta_bench cargo bench -p becta-tests --bench search
//! MEILISEARCH_URL=http://127.0.0.1:7700 cargo bench -p becta-tests --bench search  # Meilisearch mode
//! ```
//!
//! In Meilisearch mode the same phases run against the server `MEILISEARCH_URL` names (indexes
//! under a prefix of the run's own), and "GraphQL over engine" is the API's added latency over
//! Meilisearch sent the adapter's exact requests; the figures go to their own section.
//!
//! It loads the sample dataset plus N generated products, times the outbox worker applying what
//! the load queued, rebuilds the embedded index (bulk indexing throughput), starts the real
//! server with its outbox worker, then measures search latency through `POST /graphql` at 1, 16
//! and 64 concurrent clients beside the same queries run on the engine in-process, and freshness
//! (commit to searchable). Every response body is checked for errors. Results replace the search
//! section of BENCHMARKS.md.

/// The allocator the `becta` binary runs with, so the in-process server measures as it serves.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use becta_api::config::Config;
use becta_domain::catalogue::products;
use becta_domain::db;
use becta_domain::entity::product;
use becta_domain::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use becta_domain::vocab::{Badge, KeyStage, Platform, ProductSort, ProductStatus};
use becta_indexer::service::{ProductFilter, ProductSearch, product_query};
use becta_indexer::{Documents, Kind, SearchQuery};
use serde_json::{Value, json};

mod support;

use support::{Latencies, RawHttp, load_for, machine, process_cpu_seconds};

struct Options {
    products: usize,
    seconds: u64,
    freshness_writes: usize,
    write_results: bool,
}

fn options() -> Result<Options> {
    let mut o = Options {
        products: 100_000,
        seconds: 8,
        freshness_writes: 200,
        write_results: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--products" => o.products = args.next().context("--products N")?.parse()?,
            "--seconds" => o.seconds = args.next().context("--seconds S")?.parse()?,
            "--writes" => o.freshness_writes = args.next().context("--writes N")?.parse()?,
            "--no-write" => o.write_results = false,
            "--bench" => {}
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(o)
}

/// The queries a school business manager types, with filters and sorts.
fn workload() -> Vec<(Option<&'static str>, ProductFilter, ProductSort)> {
    let f = ProductFilter::default;
    vec![
        (Some("chromebook"), f(), ProductSort::Relevance),
        (
            Some("phonics"),
            ProductFilter {
                key_stages: vec![KeyStage::Ks1],
                ..f()
            },
            ProductSort::Relevance,
        ),
        (Some("safegarding"), f(), ProductSort::Relevance),
        (
            Some("times tables"),
            ProductFilter {
                max_price_pence: Some(500),
                ..f()
            },
            ProductSort::PriceLowToHigh,
        ),
        (
            Some("maths"),
            ProductFilter {
                key_stages: vec![KeyStage::Ks2],
                ..f()
            },
            ProductSort::Relevance,
        ),
        (Some("parent app"), f(), ProductSort::Relevance),
        (
            None,
            ProductFilter {
                key_stages: vec![KeyStage::Ks3],
                badges: vec![Badge::DataProtection],
                max_price_pence: Some(100_000),
                ..f()
            },
            ProductSort::Rating,
        ),
        (Some("attendance tracker"), f(), ProductSort::Relevance),
        (Some("send"), f(), ProductSort::Relevance),
        (
            Some("reading"),
            ProductFilter {
                platforms: vec![Platform::ChromeOs],
                ..f()
            },
            ProductSort::Newest,
        ),
        (Some("timetable"), f(), ProductSort::Relevance),
        (
            Some("assesment"),
            ProductFilter {
                categories: vec!["assessment".into()],
                ..f()
            },
            ProductSort::Relevance,
        ),
    ]
}

/// What a buyer types into the search box, a letter at a time (typos included).
const TYPEAHEAD: &[&str] = &[
    "c",
    "ch",
    "chr",
    "chro",
    "chrom",
    "chromeb",
    "chromebok",
    "p",
    "ph",
    "pho",
    "phon",
    "phonic",
    "s",
    "sa",
    "saf",
    "safeg",
    "safegard",
    "i",
    "in",
    "inter",
    "interactive p",
    "m",
    "ma",
    "mat",
    "maths t",
    "r",
    "re",
    "read",
    "readng",
    "t",
    "ti",
    "timet",
    "a",
    "as",
    "asses",
    "assesm",
];

/// A workload query in words, e.g. `"chromebook"` or `(no text) KS3, badges, price, by rating`.
fn label(q: &(Option<&str>, ProductFilter, ProductSort)) -> String {
    let (text, f, sort) = q;
    let mut parts = vec![text.map_or("(no text)".to_owned(), |t| format!("`{t}`"))];
    if !f.key_stages.is_empty() {
        parts.push("key stage".into());
    }
    if !f.platforms.is_empty() {
        parts.push("platform".into());
    }
    if !f.categories.is_empty() {
        parts.push("category".into());
    }
    if !f.badges.is_empty() {
        parts.push("badge".into());
    }
    if f.max_price_pence.is_some() {
        parts.push("max price".into());
    }
    match sort {
        ProductSort::Relevance => {}
        ProductSort::Rating => parts.push("by rating".into()),
        ProductSort::PriceLowToHigh | ProductSort::PriceHighToLow => parts.push("by price".into()),
        ProductSort::Newest => parts.push("newest first".into()),
        ProductSort::MostEvidence => parts.push("by evidence".into()),
        ProductSort::ConversionRate => parts.push("by conversion".into()),
        ProductSort::BatteryHealth => parts.push("by battery health".into()),
        ProductSort::WarrantyLongest => parts.push("by warranty".into()),
        ProductSort::CarbonSaved => parts.push("by carbon saved".into()),
    }
    parts.join(", ")
}

/// Enum values as GraphQL names them, or null for none.
fn upper<T: Copy>(values: &[T], code: fn(T) -> &'static str) -> Option<Vec<String>> {
    (!values.is_empty()).then(|| values.iter().map(|v| code(*v).to_uppercase()).collect())
}

fn graphql_body(q: &(Option<&str>, ProductFilter, ProductSort)) -> Value {
    let (text, f, sort) = q;
    let filter = json!({
        "keyStages": upper(&f.key_stages, KeyStage::code),
        "badges": upper(&f.badges, Badge::code),
        "platforms": upper(&f.platforms, Platform::code),
        "categories": (!f.categories.is_empty()).then_some(&f.categories),
        "maxPricePence": f.max_price_pence,
    });
    let sort = match sort {
        ProductSort::Relevance => "RELEVANCE",
        ProductSort::Rating => "RATING",
        ProductSort::PriceLowToHigh => "PRICE_LOW_TO_HIGH",
        ProductSort::PriceHighToLow => "PRICE_HIGH_TO_LOW",
        ProductSort::Newest => "NEWEST",
        ProductSort::MostEvidence => "MOST_EVIDENCE",
        ProductSort::ConversionRate => "CONVERSION_RATE",
        ProductSort::BatteryHealth => "BATTERY_HEALTH",
        ProductSort::WarrantyLongest => "WARRANTY_LONGEST",
        ProductSort::CarbonSaved => "CARBON_SAVED",
    };
    json!({
        "query": "query($q: String, $f: ProductSearchFilter, $s: ProductSort) { searchProducts(query: $q, filter: $f, sort: $s, first: 20) {
            totalHits processingTimeMs hits { score highlights { field snippet } product { id name pricePence supplier { name } keyStages badges } }
            facets { field values { value count } } } }",
        "variables": { "q": text, "f": filter, "s": sort },
    })
}

/// A search answer as the load generator checks it: no errors, and a list of hits (each hit
/// is checked to be well-formed JSON, not kept).
#[derive(serde::Deserialize)]
struct Answer {
    data: Option<AnswerData>,
    errors: Option<serde::de::IgnoredAny>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct AnswerData {
    search_products: AnswerResults,
}

#[derive(serde::Deserialize)]
struct AnswerResults {
    hits: Vec<serde::de::IgnoredAny>,
}

fn check_answer(body: &[u8]) -> Result<()> {
    match serde_json::from_slice::<Answer>(body) {
        // The workload asks for the first 20 hits.
        Ok(Answer {
            data: Some(d),
            errors: None,
        }) if d.search_products.hits.len() <= 20 => Ok(()),
        _ => bail!("bad response: {}", String::from_utf8_lossy(body)),
    }
}

fn engine_query(q: &(Option<&str>, ProductFilter, ProductSort)) -> Result<SearchQuery> {
    let (text, f, sort) = q;
    let search = ProductSearch {
        filter: f.clone(),
        sort: *sort,
        ..ProductSearch::new(text.unwrap_or_default())
    };
    product_query(&search).map_err(|e| anyhow::anyhow!("{e}"))
}

/// Turns each path takes, in every client count's measurement.
const ROUNDS: usize = 4;

/// One path's measurement, summed over its rounds.
#[derive(Default)]
struct Phase {
    latencies: Latencies,
    seconds: f64,
    errors: usize,
    /// CPU seconds this process used while this path ran.
    cpu_seconds: f64,
    /// A round whose CPU time could not be read.
    cpu_unknown: bool,
}

impl Phase {
    fn add(
        &mut self,
        lat: Latencies,
        took: Duration,
        errors: usize,
        cpu_before: Option<f64>,
        cpu_after: Option<f64>,
    ) {
        self.latencies.0.extend(lat.0);
        self.seconds += took.as_secs_f64();
        self.errors += errors;
        match (cpu_before, cpu_after) {
            (Some(b), Some(a)) => self.cpu_seconds += a - b,
            _ => self.cpu_unknown = true,
        }
    }

    fn rate(&self) -> f64 {
        self.latencies.0.len() as f64 / self.seconds
    }

    fn cpu_ms_per_call(&self) -> Option<f64> {
        let calls = self.latencies.0.len();
        (!self.cpu_unknown && calls > 0).then(|| self.cpu_seconds * 1000.0 / calls as f64)
    }
}

fn main() -> ExitCode {
    support::main(options, run)
}

async fn run(opts: Options) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("becta-bench-{}", uuid::Uuid::new_v4().simple()));
    let db_url = std::env::var("BECTA_BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}?mode=rwc", dir.join("becta.db").display()));
    let engine_label = if db_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    // Meilisearch mode: `MEILISEARCH_URL` (and `MEILISEARCH_KEY`) name a server; the bench's
    // indexes get a prefix of their own, so a server's other indexes are left alone.
    let meili = std::env::var("MEILISEARCH_URL")
        .ok()
        .filter(|u| !u.is_empty());
    let meili_env = meili.iter().flat_map(|url| {
        [
            ("BECTA_MEILISEARCH_URL", url.clone()),
            (
                "BECTA_MEILISEARCH_PREFIX",
                format!("bench_{}_", uuid::Uuid::new_v4().simple()),
            ),
            (
                "BECTA_MEILISEARCH_KEY",
                std::env::var("MEILISEARCH_KEY").unwrap_or_default(),
            ),
        ]
    });
    let env: Vec<(&str, String)> = [
        ("BECTA_DATA_DIR", dir.display().to_string()),
        ("BECTA_DATABASE_URL", db_url.clone()),
        ("BECTA_LISTEN", "127.0.0.1:0".to_owned()),
        ("BECTA_SEED", "false".to_owned()),
        ("BECTA_MAX_BATCH", "10".to_owned()),
        // The bench is one address making thousands of searches: measure the engine and the
        // API, not the abuse limit.
        ("BECTA_RATE_SEARCHES_PER_MINUTE", "0".to_owned()),
        ("BECTA_RATE_MUTATIONS_PER_ADDRESS", "0".to_owned()),
        ("BECTA_RATE_MUTATIONS_PER_MINUTE", "0".to_owned()),
    ]
    .into_iter()
    .chain(meili_env)
    .collect();
    // The fast paths' switches come from the environment, for A/B runs of one build.
    let config = Config::from_lookup(|k| {
        env.iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
            .or_else(|| {
                k.starts_with("BECTA_FAST_")
                    .then(|| std::env::var(k).ok())
                    .flatten()
            })
    })?;
    let outcome = bench(&opts, &config, engine_label).await;
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

async fn bench(opts: &Options, config: &Config, db_label: &str) -> Result<()> {
    let meili = matches!(
        config.search,
        becta_api::config::SearchConfig::Meilisearch { .. }
    );
    let mut rows: Vec<(String, String, String)> = Vec::new();
    let db = becta_api::app::open_database(config).await?;
    anyhow::ensure!(
        becta_seed::is_empty(&db).await?,
        "the benchmark needs an empty database"
    );

    // 1. Catalogue load (issue 2).
    becta_seed::load_sample(&db).await?;
    let t = Instant::now();
    let added = becta_seed::generate_products(&db, opts.products, 1).await?;
    let load_secs = t.elapsed().as_secs_f64();
    eprintln!("loaded {added} generated products in {load_secs:.1} s");
    rows.push((
        format!(
            "`becta seed --scale {}` load time ({db_label})",
            opts.products
        ),
        format!(
            "{load_secs:.1} s ({:.0} products/s)",
            added as f64 / load_secs
        ),
        "< 60 s for 100,000".into(),
    ));

    // 2. The load queued every product in the search outbox: time the worker applying that
    // backlog (the reindex below would otherwise mark it as covered by its rebuild).
    let engine = becta_api::app::open_search(config).await?;
    engine.prepare().await?;
    let t = Instant::now();
    let applied = becta_indexer::worker::Worker::new(db.clone(), engine.clone())
        .drain()
        .await?;
    let drain_secs = t.elapsed().as_secs_f64();
    eprintln!("the outbox worker applied {applied} queued changes in {drain_secs:.1} s");
    rows.push((
        "outbox catch-up after the load (the worker applying the queued changes)".into(),
        format!(
            "{applied} changes in {drain_secs:.1} s ({:.0}/s)",
            applied as f64 / drain_secs
        ),
        String::new(),
    ));

    // 3. Bulk indexing.
    let ids: Vec<uuid::Uuid> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .filter(product::Column::Status.eq("approved"))
        .into_tuple()
        .all(&db)
        .await?;
    let t = Instant::now();
    let mut docs = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(1000) {
        docs.extend(becta_domain::search::product_documents(&db, chunk).await?);
    }
    let build_secs = t.elapsed().as_secs_f64();
    let n = docs.len();
    let t = Instant::now();
    engine.rebuild(Documents::Products(docs)).await?;
    let index_secs = t.elapsed().as_secs_f64();
    eprintln!("built {n} documents in {build_secs:.1} s, indexed in {index_secs:.1} s");
    rows.push((
        format!("bulk indexing, engine only ({n} product documents)"),
        format!(
            "{:.0} documents/s ({index_secs:.1} s)",
            n as f64 / index_secs
        ),
        ">= 5,000 documents/s".into(),
    ));
    rows.push((
        "bulk indexing from the database (documents built from rows, then indexed)".into(),
        format!("{:.0} documents/s", n as f64 / (build_secs + index_secs)),
        String::new(),
    ));
    let t = Instant::now();
    let done = becta_indexer::worker::reindex(&db, &engine).await?;
    rows.push((
        "`becta reindex` (products and deals, built aside and swapped)".into(),
        format!(
            "{:.1} s for {} documents",
            t.elapsed().as_secs_f64(),
            done.products + done.deals
        ),
        String::new(),
    ));

    // 4. The real server, with its outbox worker (nothing is left for it to catch up on).
    let service = becta_api::app::start(config, db.clone(), engine.clone()).await?;
    let url = format!("http://{}/graphql", service.addr());
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(128)
        .build()?;
    // The load generator shares the machine's cores with the server: requests are prepared
    // once, sent by a minimal HTTP/1.1 client, and answers are checked without building a
    // JSON tree.
    let bodies: Vec<Value> = workload().iter().map(graphql_body).collect();
    let requests: Arc<Vec<Vec<u8>>> = Arc::new(
        bodies
            .iter()
            .map(|b| {
                Ok(RawHttp::post_json(
                    service.addr(),
                    "/graphql",
                    &serde_json::to_vec(b)?,
                ))
            })
            .collect::<Result<_>>()?,
    );
    let queries: Arc<Vec<SearchQuery>> =
        Arc::new(workload().iter().map(engine_query).collect::<Result<_>>()?);

    // Warm up both paths.
    let mut answer_bytes = 0;
    for b in &bodies {
        let bytes = client.post(&url).json(b).send().await?.bytes().await?;
        let v: Value = serde_json::from_slice(&bytes)?;
        anyhow::ensure!(v.get("errors").is_none(), "warm-up failed: {v}");
        answer_bytes += bytes.len();
    }
    rows.push((
        "answer size through `POST /graphql` (mean over the workload's queries)".into(),
        format!(
            "{:.1} KiB",
            answer_bytes as f64 / bodies.len() as f64 / 1024.0
        ),
        String::new(),
    ));
    // Each query alone on the engine: which queries cost what.
    for (w, query) in workload().iter().zip(queries.iter()) {
        let mut one = Latencies::default();
        let mut hits = 0;
        for _ in 0..30 {
            let t = Instant::now();
            hits = engine.search(Kind::Products, query).await?.total_hits;
            one.0.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        rows.push((
            format!("engine, one query at a time: {}", label(w)),
            format!("p50 {:.1} ms, {hits} hits", one.pct(50.0)),
            String::new(),
        ));
    }
    for clients in [1usize, 16, 64] {
        // A mark for profilers attaching to one phase.
        eprintln!("measuring {clients} client(s) through POST /graphql");
        // One connection per client; client `c` makes calls c, c + clients, c + 2 * clients...
        let mut conns = Vec::with_capacity(clients);
        for _ in 0..clients {
            conns.push(tokio::sync::Mutex::new(
                RawHttp::connect(service.addr()).await?,
            ));
        }
        let conns = Arc::new(conns);
        // The two paths take turns in short rounds, the order swapped each round, so that both
        // meet the same machine: on a shared VM the cores' speed drifts over seconds, and one
        // long phase after the other measured the drift as much as the paths.
        let round = Duration::from_secs_f64(opts.seconds as f64 / ROUNDS as f64);
        let (mut api, mut direct) = (Phase::default(), Phase::default());
        for r in 0..ROUNDS {
            for api_turn in [r % 2 == 0, r % 2 == 1] {
                let cpu = process_cpu_seconds();
                let t = Instant::now();
                let (lat, _, errors) = if api_turn {
                    let (conns, reqs) = (conns.clone(), requests.clone());
                    load_for(clients, round, move |i| {
                        let (conns, reqs) = (conns.clone(), reqs.clone());
                        async move {
                            let mut conn = conns[i % clients].lock().await;
                            check_answer(conn.call(&reqs[i % reqs.len()]).await?)
                        }
                    })
                    .await?
                } else {
                    let (e, q) = (engine.clone(), queries.clone());
                    load_for(clients, round, move |i| {
                        let (e, query) = (e.clone(), q[i % q.len()].clone());
                        async move {
                            e.search(Kind::Products, &query).await?;
                            Ok(())
                        }
                    })
                    .await?
                };
                let phase = if api_turn { &mut api } else { &mut direct };
                phase.add(lat, t.elapsed(), errors, cpu, process_cpu_seconds());
            }
        }
        let (api_rps, direct_rps) = (api.rate(), direct.rate());
        let (api_errors, direct_errors) = (api.errors, direct.errors);
        let (api_cpu, direct_cpu) = (api.cpu_ms_per_call(), direct.cpu_ms_per_call());
        let mut api = api.latencies;
        let mut direct = direct.latencies;
        anyhow::ensure!(
            api_errors == 0 && direct_errors == 0,
            "errors under load: api {api_errors}, engine {direct_errors}"
        );
        let (a50, a99, d50, d99) = (
            api.pct(50.0),
            api.pct(99.0),
            direct.pct(50.0),
            direct.pct(99.0),
        );
        eprintln!(
            "{clients} clients: api p50 {a50:.2} p99 {a99:.2} ({api_rps:.0}/s); engine p50 {d50:.2} p99 {d99:.2} ({direct_rps:.0}/s)"
        );
        rows.push((
            format!("search via `POST /graphql`, {clients} client(s)"),
            format!("p50 {a50:.1} ms, p99 {a99:.1} ms, {api_rps:.0} req/s, 0 errors"),
            if clients == 16 {
                "p99 < 25 ms".into()
            } else {
                String::new()
            },
        ));
        rows.push((
            format!("same queries on the engine in-process, {clients} client(s)"),
            format!("p50 {d50:.1} ms, p99 {d99:.1} ms, {direct_rps:.0} queries/s"),
            String::new(),
        ));
        if let (Some(a), Some(d)) = (api_cpu, direct_cpu) {
            rows.push((
                format!("CPU time per search (this process, all threads), {clients} client(s)"),
                format!(
                    "via `POST /graphql` {a:.2} ms, engine in-process {d:.2} ms: {:.2}x ({:+.0}%)",
                    a / d,
                    (a / d - 1.0) * 100.0
                ),
                String::new(),
            ));
        }
        rows.push((
            format!("GraphQL over engine, {clients} client(s): p50 ratio (overhead)"),
            format!("{:.2}x ({:+.0}%)", a50 / d50, (a50 / d50 - 1.0) * 100.0),
            if clients == 16 {
                "overhead < 25%".into()
            } else {
                String::new()
            },
        ));
    }

    // 5. Typeahead: what `suggest` answers while a buyer types, letter by letter.
    let typed: Arc<Vec<Vec<u8>>> = Arc::new(
        TYPEAHEAD
            .iter()
            .map(|p| {
                let body = json!({
                    "query": "query($p: String!) { suggest(prefix: $p, first: 8) { text kind id } }",
                    "variables": { "p": p },
                });
                Ok(RawHttp::post_json(
                    service.addr(),
                    "/graphql",
                    &serde_json::to_vec(&body)?,
                ))
            })
            .collect::<Result<_>>()?,
    );
    for clients in [1usize, 16] {
        eprintln!("measuring typeahead at {clients} client(s)");
        let mut conns = Vec::with_capacity(clients);
        for _ in 0..clients {
            conns.push(tokio::sync::Mutex::new(
                RawHttp::connect(service.addr()).await?,
            ));
        }
        let conns = Arc::new(conns);
        let reqs = typed.clone();
        let (mut lat, rate, errors) =
            load_for(clients, Duration::from_secs(opts.seconds), move |i| {
                let (conns, reqs) = (conns.clone(), reqs.clone());
                async move {
                    let mut conn = conns[i % clients].lock().await;
                    let body = conn.call(&reqs[i % reqs.len()]).await?;
                    let v: Value = serde_json::from_slice(body)?;
                    anyhow::ensure!(
                        v.get("errors").is_none() && v["data"]["suggest"].is_array(),
                        "bad typeahead answer: {v}"
                    );
                    Ok(())
                }
            })
            .await?;
        anyhow::ensure!(errors == 0, "typeahead errors under load: {errors}");
        let (p50, p99) = (lat.pct(50.0), lat.pct(99.0));
        eprintln!("typeahead {clients} clients: p50 {p50:.2} p99 {p99:.2} ({rate:.0}/s)");
        rows.push((
            format!("typeahead (`suggest`, {} prefixes typed letter by letter) via `POST /graphql`, {clients} client(s)", TYPEAHEAD.len()),
            format!("p50 {p50:.1} ms, p99 {p99:.1} ms, {rate:.0} req/s, 0 errors"),
            if clients == 16 {
                "p99 < 10 ms".into()
            } else {
                String::new()
            },
        ));
    }

    // 6. Freshness: commit a change, then poll the engine until it shows.
    let sample: Vec<product::Model> = product::Entity::find()
        .filter(product::Column::Name.contains("G1-"))
        .limit(opts.freshness_writes as u64)
        .all(&db)
        .await?;
    let mut fresh = Latencies::default();
    for p in &sample {
        let code = p.name.rsplit(' ').next().unwrap_or_default().to_owned();
        for (status, visible) in [
            (ProductStatus::Withdrawn, false),
            (ProductStatus::Approved, true),
        ] {
            let tx = db::begin_write(&db).await?;
            products::set_status(&tx, p.id, status).await?;
            db::commit(tx).await?;
            let committed = Instant::now();
            let q = SearchQuery::new(code.clone());
            loop {
                let found = engine
                    .search(Kind::Products, &q)
                    .await?
                    .hits
                    .iter()
                    .any(|h| h.id == p.id.to_string());
                if found == visible {
                    break;
                }
                anyhow::ensure!(
                    committed.elapsed() < Duration::from_secs(30),
                    "a write never became searchable"
                );
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            fresh.0.push(committed.elapsed().as_secs_f64() * 1000.0);
        }
    }
    let (f50, f99) = (fresh.pct(50.0), fresh.pct(99.0));
    eprintln!(
        "freshness p50 {f50:.0} ms p99 {f99:.0} ms over {} writes",
        fresh.0.len()
    );
    rows.push((
        format!(
            "freshness: commit to searchable ({} writes, worker polling every 50 ms)",
            fresh.0.len()
        ),
        format!("p50 {f50:.0} ms, p99 {f99:.0} ms"),
        "p99 < 1 s".into(),
    ));
    service.shutdown().await?;

    let mut table = String::from("| what | figure | target |\n|---|---|---|\n");
    for (what, figure, target) in &rows {
        table.push_str(&format!("| {what} | {figure} | {target} |\n"));
    }
    let section = format!(
        "## Search and catalogue load{}\n\n{} on {}; database {db_label}, {} search engine.\n\nCommand: `{}cargo bench -p becta-tests --bench search -- --products {} --seconds {}`\n\n{table}",
        if meili { " on Meilisearch" } else { "" },
        chrono::Utc::now().format("%Y-%m-%d"),
        machine(),
        if meili { "Meilisearch" } else { "embedded" },
        if meili {
            "MEILISEARCH_URL=<server> "
        } else {
            ""
        },
        opts.products,
        opts.seconds,
    );
    println!("{section}");
    if opts.write_results {
        let name = if meili {
            "search-meilisearch"
        } else {
            "search"
        };
        support::write_section(name, &section)?;
    }
    Ok(())
}
