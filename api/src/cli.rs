//! The command line: `becta [serve|migrate|seed|import|index|sweep|deliver|reindex|schema|token|organisations]`;
//! no subcommand means `serve`.
//!
//! Policy: a command with a result prints it on stdout (a token, a listing, the schema, an
//! index check, what seeding loaded or why it loaded nothing); logs go to stderr.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use becta_domain::catalogue::organisations;
use becta_domain::sea_orm::DatabaseConnection;
use becta_domain::vocab::{OrgKind, Role};

use crate::auth::{Authenticator, parse_ttl};
use crate::config::Config;
use crate::{app, graphql, telemetry};

#[derive(Parser)]
#[command(
    name = "becta",
    version,
    about = "BECTA 2.0: buying school technology well, as a GraphQL API"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate, seed an empty database, and serve the API (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load the sample dataset into an empty database; with --scale, add generated products.
    Seed {
        /// How many generated products to add (deterministic from --seed), for benchmarks.
        #[arg(long, default_value_t = 0)]
        scale: usize,
        /// The seed number of the generator.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Load real data from files: the GIAS extracts of schools and trusts, or deals.
    Import {
        #[command(subcommand)]
        what: Import,
    },
    /// Run only the search outbox worker (for a separate indexer process); with --check,
    /// compare the indexes with the database once and exit (status 1 on any difference).
    Index {
        /// Compare every indexed document with the one the database makes, then exit.
        #[arg(long)]
        check: bool,
    },
    /// Run only the sweeper: expire due loans, hand seats on, write loan reminders and
    /// contract renewal reminders.
    Sweep {
        /// Sweep once and exit, instead of every BECTA_SWEEP_INTERVAL_MS.
        #[arg(long)]
        once: bool,
    },
    /// Run only the deliverer (for a separate worker): email from the notification outbox
    /// over SMTP (BECTA_SMTP_URL) and signed webhooks to suppliers' endpoints.
    Deliver {
        /// Deliver what is due now, then exit.
        #[arg(long)]
        once: bool,
    },
    /// Rebuild the search indexes from the database, built aside and swapped in.
    Reindex,
    /// Print the GraphQL schema (SDL) the server serves.
    Schema,
    /// Mint a bearer token for local use and tests, signed with the configured (or the
    /// generated development) HS256 secret.
    #[command(after_help = TOKEN_ORG_HELP)]
    Token {
        /// SCHOOL_BUYER, SUPPLIER, ADVISER or ADMIN.
        #[arg(long)]
        role: String,
        /// The token's organisation: a school's URN (SCHOOL_BUYER) or a supplier's id
        /// (SUPPLIER); see below for how to find one.
        #[arg(long)]
        org: Option<String>,
        /// How long the token lives: e.g. 30m, 1h (default), 7d.
        #[arg(long, default_value = "1h")]
        ttl: String,
        /// The user id (a new one by default).
        #[arg(long)]
        sub: Option<uuid::Uuid>,
        /// The user's display name.
        #[arg(long)]
        name: Option<String>,
    },
    /// List the organisations a token may name with --org: schools with their URN, suppliers
    /// (or the service) with their id.
    Organisations {
        /// Whose organisations: SCHOOL_BUYER (schools), SUPPLIER (suppliers), ADVISER or
        /// ADMIN (the service).
        #[arg(long)]
        role: String,
        /// Only those whose name contains this, in any case.
        #[arg(long)]
        name: Option<String>,
        /// Show at most this many (at least 1).
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..))]
        limit: u64,
        /// With SCHOOL_BUYER: list trusts (`trust:<Group UID>`, for a trust-scoped buyer)
        /// instead of schools.
        #[arg(long)]
        trusts: bool,
    },
}

#[derive(Subcommand)]
enum Import {
    /// Import (or bring up to date) every school and academy trust from the three GIAS
    /// extracts, as published (Latin-1 CSV) at
    /// https://get-information-schools.service.gov.uk/Downloads. Prints what changed; a
    /// second run with the same files changes nothing.
    Gias {
        /// The establishments extract ("All establishment data", edubasealldata*.csv).
        #[arg(long)]
        establishments: std::path::PathBuf,
        /// The groups extract ("All group records", allgroupsdata*.csv).
        #[arg(long)]
        groups: std::path::PathBuf,
        /// The group links extract ("All group links", alllinksdata*.csv).
        #[arg(long)]
        links: std::path::PathBuf,
        /// Write nothing if any row is refused (by default the good rows are imported and
        /// the bad ones reported).
        #[arg(long)]
        stop_on_error: bool,
    },
    /// Load or update deals from a JSON file (an array of deals, each with its provider's
    /// short name, reference, lots and their suppliers' Companies House numbers): the whole
    /// file is checked first, and one problem means nothing is written.
    Deals {
        /// The deals file (JSON).
        file: std::path::PathBuf,
    },
}

/// How to find the value of `becta token --org`, shown by `becta token --help`.
const TOKEN_ORG_HELP: &str = "\
Finding the organisation (--org):
  SCHOOL_BUYER    the school's 6-digit URN. List schools and their URNs with
                    becta organisations --role SCHOOL_BUYER --name <part of its name>
                  or, for a trust-scoped buyer, trust:<Group UID>, listed with
                    becta organisations --role SCHOOL_BUYER --trusts
  SUPPLIER        the supplier's id. List suppliers and their ids with
                    becta organisations --role SUPPLIER --name <part of its name>
                  or ask the running API (no token needed):
                    { products(first: 5) { edges { node { supplier { id name } } } } }
  ADVISER, ADMIN  none needed.

Example:
  becta token --role SUPPLIER --org <supplier id> --ttl 8h";

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Schema) = cli.command {
        print!("{}", graphql::sdl());
        return ExitCode::SUCCESS;
    }
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("becta: configuration error: {e:#}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("becta: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Inside the runtime: traces are sent from a task of it.
    let telemetry =
        match runtime.block_on(async { telemetry::init(config.log_json, &config.tracing) }) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("becta: cannot set up traces: {e:#}");
                return ExitCode::from(2);
            }
        };
    let code = match runtime.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("becta: {e:#}");
            ExitCode::FAILURE
        }
    };
    runtime.block_on(async { telemetry.shutdown() });
    code
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Token {
            role,
            org,
            ttl,
            sub,
            name,
        } => {
            let role = parse_role(&role)?;
            let auth = Authenticator::from_config(&config)?;
            let token = auth.mint(
                sub.unwrap_or_else(uuid::Uuid::new_v4),
                role,
                org.as_deref(),
                name.as_deref(),
                parse_ttl(&ttl)?,
            )?;
            println!("{token}");
        }
        Command::Organisations {
            role,
            name,
            limit,
            trusts,
        } => {
            let role = parse_role(&role)?;
            if trusts && role != Role::SchoolBuyer {
                anyhow::bail!(
                    "--trusts lists what a SCHOOL_BUYER token may name: use --role SCHOOL_BUYER"
                );
            }
            let db = app::open_database(&config).await?;
            print!(
                "{}",
                organisations(&db, role, trusts, name.as_deref(), limit).await?
            );
        }
        Command::Import {
            what:
                Import::Gias {
                    establishments,
                    groups,
                    links,
                    stop_on_error,
                },
        } => {
            let db = app::open_database(&config).await?;
            crate::imports::gias(&db, &establishments, &groups, &links, stop_on_error).await?;
        }
        Command::Import {
            what: Import::Deals { file },
        } => {
            let db = app::open_database(&config).await?;
            crate::imports::deals(&db, &file).await?;
        }
        Command::Schema => print!("{}", graphql::sdl()),
        Command::Migrate => {
            app::open_database(&config).await?;
            tracing::info!("migrations applied");
        }
        Command::Seed { scale, seed } => {
            let db = app::open_database(&config).await?;
            println!("{}", app::seed_if_empty(&db).await?);
            if scale > 0 {
                let started = std::time::Instant::now();
                let n = becta_seed::generate_products(&db, scale, seed).await?;
                let secs = started.elapsed().as_secs_f64();
                tracing::info!(
                    products = n,
                    seconds = secs,
                    per_second = n as f64 / secs,
                    "generated products loaded"
                );
                println!("added {n} generated products (seed {seed}) in {secs:.1} s");
            }
        }
        Command::Serve => {
            let db = app::open_database(&config).await?;
            let search = app::open_search(&config).await?;
            let service = app::start(&config, db, search).await?;
            tracing::info!("BECTA 2.0 API on http://{}/graphql", service.addr());
            shutdown_signal().await;
            tracing::info!("shutting down");
            service.shutdown().await?;
        }
        Command::Index { check: true } => {
            let db = app::open_database(&config).await?;
            let search = app::open_search(&config).await?;
            let (products, deals) = becta_indexer::worker::check(&db, &search).await?;
            println!("products: {products}");
            println!("deals: {deals}");
            for (kind, d) in [("product", &products), ("deal", &deals)] {
                for (what, ids) in [
                    ("missing", &d.missing),
                    ("stale", &d.stale),
                    ("extra", &d.extra),
                ] {
                    for id in ids.iter().take(20) {
                        println!("  {what} {kind} {id}");
                    }
                }
            }
            if !(products.is_clean() && deals.is_clean()) {
                anyhow::bail!("the search indexes differ from the database");
            }
        }
        Command::Index { check: false } => {
            let db = app::open_database(&config).await?;
            let search = app::open_search(&config).await?;
            if search.read_only() {
                anyhow::bail!(
                    "another process writes the embedded index under {}: run the indexer there, or stop it first",
                    config.data_dir.display()
                );
            }
            let (stop, stopped) = tokio::sync::watch::channel(false);
            let worker = app::spawn_worker(db, search, stopped);
            tracing::info!("search outbox worker running");
            shutdown_signal().await;
            let _ = stop.send(true);
            worker.await?;
        }
        Command::Sweep { once } => {
            let db = app::open_database(&config).await?;
            if once {
                let s = becta_domain::lending::sweep(&db, chrono::Utc::now(), 10_000).await?;
                tracing::info!(expired = s.expired, reminders = s.reminders, "loans swept");
                let n = becta_domain::contracts::sweep(&db, chrono::Utc::now(), 10_000).await?;
                tracing::info!(reminders = n, "contract renewal reminders written");
                let a = becta_domain::deliveries::alerts::sweep(&db, chrono::Utc::now(), 10_000)
                    .await?;
                tracing::info!(
                    overdue_cases = a.overdue_cases,
                    vetting_backlog = a.vetting_backlog,
                    "alerts swept"
                );
            } else {
                let (stop, stopped) = tokio::sync::watch::channel(false);
                let sweeper = app::spawn_sweeper(db, config.sweep_interval, stopped);
                tracing::info!("loan sweeper running");
                shutdown_signal().await;
                let _ = stop.send(true);
                sweeper.await?;
            }
        }
        Command::Deliver { once } => {
            let db = app::open_database(&config).await?;
            if config.delivery.smtp.is_none() {
                tracing::warn!("no BECTA_SMTP_URL: only webhooks are delivered");
            }
            if once {
                let d = becta_domain::deliveries::Deliverer::new(db, config.delivery.clone())?;
                let mut total = 0;
                loop {
                    match d.step().await? {
                        0 => break,
                        n => total += n,
                    }
                }
                println!("{total} deliveries attempted");
            } else {
                let (stop, stopped) = tokio::sync::watch::channel(false);
                let worker = app::spawn_deliverer(db, config.delivery.clone(), stopped)?;
                tracing::info!("deliverer running");
                shutdown_signal().await;
                let _ = stop.send(true);
                worker.await?;
            }
        }
        Command::Reindex => {
            let db = app::open_database(&config).await?;
            let search = app::open_search(&config).await?;
            let started = std::time::Instant::now();
            let done = becta_indexer::worker::reindex(&db, &search).await?;
            let secs = started.elapsed().as_secs_f64();
            let docs = (done.products + done.deals) as f64;
            tracing::info!(
                products = done.products,
                deals = done.deals,
                seconds = secs,
                documents_per_second = docs / secs,
                "search indexes rebuilt"
            );
        }
    }
    Ok(())
}

fn parse_role(role: &str) -> anyhow::Result<Role> {
    Role::from_code(&role.to_uppercase())
        .ok_or_else(|| anyhow::anyhow!("--role must be SCHOOL_BUYER, SUPPLIER, ADVISER or ADMIN"))
}

/// The listing `becta organisations` prints: what to pass as `--org` and the name, one a line,
/// then how many more there are, if any.
async fn organisations(
    db: &DatabaseConnection,
    role: Role,
    trusts: bool,
    name: Option<&str>,
    limit: u64,
) -> anyhow::Result<String> {
    let (kind, plural, key) = match role {
        Role::SchoolBuyer if trusts => (OrgKind::Trust, "trusts", "org"),
        Role::SchoolBuyer => (OrgKind::School, "schools", "URN"),
        Role::Supplier => (OrgKind::Supplier, "suppliers", "id"),
        Role::Adviser | Role::Admin => (OrgKind::Service, "service organisations", "id"),
    };
    let (rows, total) = organisations::named(db, kind, name, limit).await?;
    let matching = match name {
        Some(n) => format!(" whose name contains {n:?}"),
        None => String::new(),
    };
    if rows.is_empty() {
        let hint = match (kind, name) {
            (OrgKind::Service, _) => ": ADVISER and ADMIN tokens need no --org",
            (_, None) => {
                ": the database holds none (`becta seed` loads the sample dataset into an empty database)"
            }
            (_, Some(_)) => "",
        };
        return Ok(format!("no {plural}{matching}{hint}\n"));
    }
    let values: Vec<String> = rows
        .iter()
        .map(|o| match (kind, o.urn, &o.group_uid) {
            (OrgKind::School, Some(urn), _) => urn.to_string(),
            (OrgKind::Trust, _, Some(uid)) => format!("trust:{uid}"),
            _ => o.id.to_string(),
        })
        .collect();
    let width = values
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max(key.len());
    let mut out = format!("{key:width$}  name\n");
    for (value, o) in values.iter().zip(&rows) {
        out += &format!("{value:width$}  {}\n", o.name);
    }
    if total > rows.len() as u64 {
        out += &format!(
            "{} of {total} {plural}{matching}; narrow them with --name, or show more with --limit\n",
            rows.len()
        );
    }
    Ok(out)
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {},
            _ = term.recv() => {},
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
