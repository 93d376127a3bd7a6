//! Relevance benchmark: nDCG@10 and recall@10 of the judged relevance set
//! (`tests/fixtures/judged_queries.json`, read by `tests/judged_set.rs`) on the seeded
//! catalogue, asked through `POST /graphql` of the real server, for the embedded engine and,
//! when `MEILISEARCH_URL` is set, for Meilisearch.
//!
//! ```sh
//! cargo bench -p becta-tests --bench relevance
//! MEILISEARCH_URL=http://127.0.0.1:7700 MEILISEARCH_KEY=... cargo bench -p becta-tests --bench relevance
//! cargo bench -p becta-tests --bench relevance -- --no-write    # print only
//! ```
//!
//! Each engine gets a fresh SQLite database with the sample dataset, `becta reindex`, then the
//! server with its outbox worker; the queries, the GraphQL documents, the judging and the
//! metrics are the floor test's own (`judged_set`). The two runs differ only in
//! `BECTA_MEILISEARCH_URL` (indexes under a new `relevance_<uuid>_` prefix, left on the
//! server). Results replace the `relevance-embedded` / `relevance-meilisearch` sections of
//! BENCHMARKS.md.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use becta_api::config::Config;

#[path = "../judged_set.rs"]
mod judged_set;
#[allow(
    dead_code,
    reason = "shared with the other benches: this one uses only main, machine and write_section"
)]
mod support;

use judged_set::DEPTH;

struct Options {
    write_results: bool,
}

fn options() -> Result<Options> {
    let mut o = Options {
        write_results: true,
    };
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--no-write" => o.write_results = false,
            "--bench" => {}
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(o)
}

fn main() -> ExitCode {
    support::main(options, run)
}

async fn run(opts: Options) -> Result<()> {
    let mut engines: Vec<(&str, Vec<(&str, String)>)> = vec![("embedded", Vec::new())];
    match std::env::var("MEILISEARCH_URL") {
        Ok(url) if !url.is_empty() => {
            let mut extra = vec![
                ("BECTA_MEILISEARCH_URL", url),
                (
                    "BECTA_MEILISEARCH_PREFIX",
                    format!("relevance_{}_", uuid::Uuid::new_v4().simple()),
                ),
            ];
            if let Ok(key) = std::env::var("MEILISEARCH_KEY") {
                extra.push(("BECTA_MEILISEARCH_KEY", key));
            }
            engines.push(("meilisearch", extra));
        }
        _ => eprintln!("MEILISEARCH_URL is not set: the embedded engine only"),
    }
    for (name, extra) in engines {
        let section = measure(name, &extra).await?;
        print!("{section}");
        if opts.write_results {
            support::write_section(&format!("relevance-{name}"), &section)?;
        }
    }
    Ok(())
}

/// Seeds a fresh database, serves it with the engine `extra` configures, asks the judged set
/// and returns its section of BENCHMARKS.md.
async fn measure(engine_name: &str, extra: &[(&str, String)]) -> Result<String> {
    let dir =
        std::env::temp_dir().join(format!("becta-relevance-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let mut env: Vec<(&str, String)> = vec![
        ("BECTA_DATA_DIR", dir.display().to_string()),
        (
            "BECTA_DATABASE_URL",
            format!("sqlite://{}?mode=rwc", dir.join("becta.db").display()),
        ),
        ("BECTA_LISTEN", "127.0.0.1:0".to_owned()),
        ("BECTA_SEED", "false".to_owned()),
        ("BECTA_RATE_SEARCHES_PER_MINUTE", "0".to_owned()),
    ];
    env.extend(extra.iter().cloned());
    let config = Config::from_lookup(|k| {
        env.iter()
            .rev()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
    })?;
    let outcome = judge(engine_name, &config).await;
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

async fn judge(engine_name: &str, config: &Config) -> Result<String> {
    let db = becta_api::app::open_database(config).await?;
    becta_seed::load_sample(&db).await?;
    let engine = becta_api::app::open_search(config).await?;
    becta_indexer::worker::reindex(&db, &engine).await?;
    let service = becta_api::app::start(config, db.clone(), engine.clone()).await?;
    let deadline = Instant::now() + Duration::from_secs(120);
    while becta_indexer::worker::lag(&db).await?.pending > 0 {
        anyhow::ensure!(Instant::now() < deadline, "the outbox did not drain");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let graphql = format!("http://{}/graphql", service.addr());
    let outcomes = judged_set::evaluate(&client, &graphql).await?;
    service.shutdown().await?;

    let failures = judged_set::failures(&outcomes);
    for f in &failures {
        eprintln!("{engine_name}: floor failed: {f}");
    }
    let mut s = format!(
        "## Relevance: the judged set on the {engine_name} engine\n\n\
         `cargo bench -p becta-tests --bench relevance`{}, {}, {} on {}. \
         {} judged queries on the seeded catalogue, asked through `POST /graphql` \
         (`searchProducts` / `searchDeals`, default `LAST` matching); graded gains (top 2, \
         relevant 1).\n\n\
         | queries | n | nDCG@{DEPTH} | recall@{DEPTH} |\n|---|---|---|---|\n",
        if engine_name == "meilisearch" {
            " with `MEILISEARCH_URL`"
        } else {
            ""
        },
        chrono::Utc::now().format("%Y-%m-%d"),
        support::machine(),
        std::env::consts::OS,
        outcomes.len(),
    );
    for (label, kind) in [
        ("products", Some("products")),
        ("deals", Some("deals")),
        ("all", None),
    ] {
        let (ndcg, recall, n) = judged_set::means(&outcomes, kind);
        s.push_str(&format!("| {label} | {n} | {ndcg:.3} | {recall:.3} |\n"));
    }
    s.push_str(&format!(
        "\nFloor (first expected record in the top {}, nothing forbidden in the top {DEPTH}): \
         {} of {} queries pass.\n",
        judged_set::FLOOR_RANK,
        outcomes.len() - failures.len(),
        outcomes.len()
    ));
    Ok(s)
}
