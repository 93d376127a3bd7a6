//! Lending benchmark (issue 5): trial loan requests per second through `POST /graphql`.
//!
//! ```sh
//! cargo bench -p becta-tests --bench lending                          # PostgreSQL, 5 s a scenario
//! cargo bench -p becta-tests --bench lending -- --seconds 10 --clients 32
//! BECTA_BENCH_POSTGRES_URL=postgres://user@host:5432/postgres cargo bench -p becta-tests --bench lending
//! ```
//!
//! It creates a new PostgreSQL database (dropped at the end), loads one supplier with 20
//! approved products and 30,000 schools, starts the real server, and drives closed-loop
//! clients, each request from a school that has not asked before:
//! - one hot offer with enough seats for every request (every request is a grant, all
//!   serialised on one offer's row lock);
//! - 20 offers, requests spread across them;
//! - one offer of 10 seats (10 grants, everyone else waitlisted).
//!
//! Every response body is checked, and afterwards every offer is checked for oversell (seats in
//! use + seats free = seats, never below zero) and distinct waitlist places. Results replace the
//! lending section of BENCHMARKS.md.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use becta_api::auth::Authenticator;
use becta_api::config::Config;
use becta_domain::actor::Actor;
use becta_domain::catalogue::organisations::{self, NewOrganisation};
use becta_domain::catalogue::products::{self, NewProduct, ProductContent};
use becta_domain::db;
use becta_domain::entity::{loan, trial_offer};
use becta_domain::lending::{self, NewOffer};
use becta_domain::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use becta_domain::vocab::*;
use serde_json::{Value, json};
use uuid::Uuid;

mod support;

use support::{load, machine};

const SCHOOLS: i32 = 30_000;
const FIRST_URN: i32 = 400_000;
const PRODUCTS: usize = 20;

struct Options {
    seconds: u64,
    clients: usize,
    write_results: bool,
}

fn options() -> Result<Options> {
    let mut o = Options {
        seconds: 5,
        clients: 16,
        write_results: true,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seconds" => o.seconds = args.next().context("--seconds S")?.parse()?,
            "--clients" => o.clients = args.next().context("--clients N")?.parse()?,
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
    let database = support::ScratchDatabase::create("becta_bench").await?;
    let dir = std::env::temp_dir().join(format!("becta-bench-{}", Uuid::new_v4().simple()));
    let outcome = bench(&opts, &database.url, &dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    database.drop_it().await?;
    outcome
}

struct Scenario {
    name: &'static str,
    offers: Vec<Uuid>,
    /// The first school (index) this scenario's clients use.
    first_school: i32,
}

async fn bench(opts: &Options, url: &str, dir: &std::path::Path) -> Result<()> {
    let env = [
        ("BECTA_DATA_DIR", dir.display().to_string()),
        ("BECTA_DATABASE_URL", url.to_owned()),
        ("BECTA_LISTEN", "127.0.0.1:0".to_owned()),
        ("BECTA_SEED", "false".to_owned()),
        ("BECTA_INDEXER", "false".to_owned()),
        ("BECTA_SWEEPER", "false".to_owned()),
        (
            "BECTA_JWT_SECRET",
            "bench-secret-that-is-at-least-32-bytes".to_owned(),
        ),
        ("BECTA_RATE_MUTATIONS_PER_MINUTE", "0".to_owned()),
        ("BECTA_RATE_MUTATIONS_PER_ADDRESS", "0".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
    ];
    let config = Config::from_lookup(|k| {
        env.iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
    })?;
    let db = becta_api::app::open_database(&config).await?;

    // One supplier, 20 approved products, 30,000 schools.
    let t = Instant::now();
    let tx = db::begin_write(&db).await?;
    organisations::insert_category(&tx, "assessment", "product", "Assessment", 0).await?;
    let supplier = organisations::insert_many(
        &tx,
        vec![NewOrganisation::new(
            OrgKind::Supplier,
            "Bench Learning Ltd",
        )],
    )
    .await?[0];
    let new_products = (0..PRODUCTS)
        .map(|i| NewProduct {
            supplier_id: supplier,
            content: ProductContent {
                name: format!("Bench Product {i}"),
                summary: "A product for the lending benchmark.".into(),
                description: "A product whose trial seats the benchmark lends.".into(),
                categories: vec!["assessment".into()],
                subjects: vec![],
                key_stages: vec![KeyStage::Ks2],
                platforms: vec![Platform::Web],
                pricing_model: PricingModel::PerSchoolPerYear,
                price_pence: 50_000,
                hosting_location: HostingLocation::Uk,
                cyber_essentials: CyberEssentials::CyberEssentials,
                accessibility_statement_url: None,
                dpia_available: true,
                sso_microsoft: false,
                sso_google: false,
                mis_integration: false,
                website: None,
                device: None,
            },
            status: ProductStatus::Approved,
            badges: vec![Badge::Safeguarding],
            is_sample: false,
        })
        .collect();
    let product_ids = products::insert_many(&tx, new_products).await?;
    let schools = (0..SCHOOLS)
        .map(|i| NewOrganisation {
            urn: Some(FIRST_URN + i),
            phase: Some(Phase::Primary),
            ..NewOrganisation::new(OrgKind::School, format!("Bench School {i}"))
        })
        .collect();
    organisations::insert_many(&tx, schools).await?;
    db::commit(tx).await?;
    db::analyze(&db).await?;
    eprintln!("setup in {:.1} s", t.elapsed().as_secs_f64());

    let actor = Actor {
        user_id: Uuid::new_v4(),
        role: Role::Supplier,
        organisation_id: Some(supplier),
        org_kind: Some(becta_domain::vocab::OrgKind::Supplier),
        email: None,
        display_name: None,
        request_id: None,
    };
    let offer = |product: Uuid, seats: i32| {
        let (db, actor) = (db.clone(), actor.clone());
        async move {
            let o = lending::create_offer(
                &db,
                &actor,
                product,
                NewOffer {
                    seats,
                    loan_days: 30,
                    max_extensions: 0,
                    extension_days: 0,
                    eligible_phases: vec![],
                    eligible_organisation_types: vec![],
                    terms: "Benchmark trial terms.".into(),
                    licence_keys: vec![],
                    licence_scope: becta_domain::vocab::LicenceScope::Seat,
                    reminder_days: None,
                    cool_off_days: 0,
                    max_trials_per_school: None,
                    reusable_codes: false,
                },
            )
            .await?;
            anyhow::Ok(o.id)
        }
    };
    let per_scenario = SCHOOLS / 3;
    let mut many = Vec::new();
    for p in &product_ids[1..] {
        many.push(offer(*p, 10_000).await?);
    }
    let scenarios = vec![
        Scenario {
            name: "one hot offer (every request a grant)",
            offers: vec![offer(product_ids[0], 10_000).await?],
            first_school: 0,
        },
        Scenario {
            name: "19 offers (every request a grant)",
            offers: many,
            first_school: per_scenario,
        },
        Scenario {
            name: "one offer of 10 seats (the rest waitlisted)",
            offers: vec![offer(product_ids[0], 10).await?],
            first_school: 2 * per_scenario,
        },
    ];

    let search = becta_api::app::open_search(&config).await?;
    let service = becta_api::app::start(&config, db.clone(), search).await?;
    let endpoint = format!("http://{}/graphql", service.addr());
    let auth = Arc::new(Authenticator::from_config(&config)?);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(opts.clients)
        .build()?;

    let mut rows = Vec::new();
    for s in &scenarios {
        let offers = Arc::new(s.offers.clone());
        let (client, endpoint, auth) = (client.clone(), endpoint.clone(), auth.clone());
        let first = s.first_school;
        let (lat, rps, errors) = load(opts.clients, opts.seconds, move |i| {
            let (client, endpoint, auth, offers) = (
                client.clone(),
                endpoint.clone(),
                auth.clone(),
                offers.clone(),
            );
            async move {
                let i = i32::try_from(i)?;
                anyhow::ensure!(i < per_scenario, "out of schools for this scenario");
                let urn = (FIRST_URN + first + i).to_string();
                let token = auth.mint(
                    Uuid::new_v4(),
                    Role::SchoolBuyer,
                    Some(&urn),
                    None,
                    std::time::Duration::from_secs(600),
                )?;
                let offer = offers[i as usize % offers.len()];
                let body = json!({
                    "query": "mutation($o: ID!) { requestTrialLoan(offerId: $o) { status } }",
                    "variables": { "o": offer.to_string() },
                });
                let v: Value = client
                    .post(&endpoint)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await?
                    .json()
                    .await?;
                anyhow::ensure!(v.get("errors").is_none(), "errors: {v}");
                Ok(())
            }
        })
        .await?;
        let mut lat = lat;
        let grants = check(&db, &s.offers).await?;
        let secs = opts.seconds as f64;
        eprintln!(
            "{}: {rps:.0} requests/s, {:.0} grants/s, p50 {:.1} ms, p99 {:.1} ms, {errors} errors",
            s.name,
            grants as f64 / secs,
            lat.pct(50.0),
            lat.pct(99.0)
        );
        rows.push(format!(
            "| {} | {rps:.0} | {:.0} | {:.1} ms | {:.1} ms | {errors} | none |",
            s.name,
            grants as f64 / secs,
            lat.pct(50.0),
            lat.pct(99.0),
        ));
    }
    service.shutdown().await?;

    if opts.write_results {
        let date = chrono::Utc::now().format("%Y-%m-%d");
        let section = format!(
            "## Lending library (issue 5)\n\n\
             Machine: {}. Date: {date}. Database: PostgreSQL (local, loopback).\n\n\
             Command: `cargo bench -p becta-tests --bench lending -- --seconds {} --clients {}`\n\n\
             Closed-loop clients, each request from a school asking for the first time, through \
             `POST /graphql` with a bearer token (authentication, the transaction with the offer \
             row locked, the loan, its events, the notification and the audit record). After each \
             scenario every offer is checked: seats in use + seats free = seats, none below zero, \
             waitlist places distinct. Target: at least 300 grants/s with no oversell.\n\n\
             | scenario | requests/s | grants/s | p50 | p99 | errors | oversold |\n\
             |---|---|---|---|---|---|---|\n{}\n\n",
            machine(),
            opts.seconds,
            opts.clients,
            rows.join("\n")
        );
        support::write_section("lending", &section)?;
    }
    Ok(())
}

/// Checks the offers for oversell and distinct waitlist places; returns the grants made.
async fn check(db: &becta_domain::sea_orm::DatabaseConnection, offers: &[Uuid]) -> Result<usize> {
    let mut grants = 0;
    for id in offers {
        let o = trial_offer::Entity::find_by_id(*id)
            .one(db)
            .await?
            .context("offer")?;
        let loans = loan::Entity::find()
            .filter(loan::Column::OfferId.eq(*id))
            .all(db)
            .await?;
        let active = loans.iter().filter(|l| l.status == "active").count() as i32;
        anyhow::ensure!(o.seats_free >= 0, "negative free seats");
        anyhow::ensure!(
            active + o.seats_free == o.seats_total,
            "oversold: {active} active + {} free != {} seats",
            o.seats_free,
            o.seats_total
        );
        let mut seqs: Vec<i64> = loans.iter().filter_map(|l| l.waitlist_seq).collect();
        let n = seqs.len();
        seqs.sort_unstable();
        seqs.dedup();
        anyhow::ensure!(seqs.len() == n, "repeated waitlist places");
        grants += active as usize;
    }
    Ok(grants)
}
