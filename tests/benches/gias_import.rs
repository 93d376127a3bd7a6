//! GIAS import benchmark (issue 28): how long `becta import gias` takes on a national-size
//! extract. The target is 100,000 establishment rows in under a minute.
//!
//! ```sh
//! cargo bench -p becta-tests --bench gias_import                      # 100,000 rows, SQLite
//! cargo bench -p becta-tests --bench gias_import -- --rows 2000       # a quick look
//! cargo bench -p becta-tests --bench gias_import -- --database-url postgres://postgres@127.0.0.1:5432/bench_gias
//! ```
//!
//! It generates the three extracts (establishments with the real GIAS headers and Latin-1
//! names, one academy trust for every 20 schools, their links), then times on a new database:
//! the first import (every school and trust added), the same files again (nothing changes),
//! and a newer extract in which 1% of schools close and 1% move trust. Reading and applying
//! are timed apart. A `--database-url` database must exist and be empty; it is migrated.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use becta_domain::imports::{gias, gias_apply};

const HEADER: &str = "URN,LA (code),LA (name),EstablishmentNumber,EstablishmentName,TypeOfEstablishment (code),TypeOfEstablishment (name),EstablishmentTypeGroup (name),EstablishmentStatus (code),EstablishmentStatus (name),OpenDate,CloseDate,PhaseOfEducation (code),PhaseOfEducation (name),StatutoryLowAge,StatutoryHighAge,NumberOfPupils,PercentageFSM,Trusts (code),Trusts (name),UKPRN,LastChangedDate,Street,Town,Postcode,GOR (code),GOR (name)";
const TYPES: &[&str] = &[
    "Community school",
    "Academy converter",
    "Academy sponsor led",
    "Voluntary aided school",
    "Free schools",
    "Foundation school",
    "Other independent school",
];
const PHASES: &[&str] = &["Primary", "Secondary", "Nursery", "All-through"];
const REGIONS: &[&str] = &[
    "North East",
    "North West",
    "Yorkshire and the Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
];

struct Options {
    rows: u32,
    database_url: Option<String>,
}

fn options() -> Result<Options> {
    let mut o = Options {
        rows: 100_000,
        database_url: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rows" => {
                o.rows = args
                    .next()
                    .context("--rows needs a number")?
                    .parse()
                    .context("--rows needs a number")?;
                if !(1..=800_000).contains(&o.rows) {
                    bail!("--rows must be 1 to 800000");
                }
            }
            "--database-url" => o.database_url = Some(args.next().context("--database-url URL")?),
            "--bench" => {}
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(o)
}

/// The three extracts for `rows` schools; `newer` closes every 100th school and moves every
/// 100th (offset by 50) to the next trust.
fn extracts(rows: u32, newer: bool) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let trusts = rows.div_ceil(20);
    let mut est = format!("{HEADER}\r\n");
    let mut links = String::from("Group UID,Group Name,Group Type,Joined date,URN\r\n");
    for i in 0..rows {
        let urn = 100_000 + i;
        let closed = newer && i % 100 == 0;
        let mut trust = i / 20;
        if newer && i % 100 == 50 {
            trust = (trust + 1) % trusts;
        }
        let typ = TYPES[i as usize % TYPES.len()];
        let academy = typ.starts_with("Academy") || typ == "Free schools";
        let (trust_code, trust_name) = if academy {
            (format!("{}", 10_000 + trust), format!("Trust {trust}"))
        } else {
            (String::new(), String::new())
        };
        let _ = write!(
            est,
            "{urn},{la},LA {la},{n},\"Sch\u{f6}ol {i}, St Ren\u{e9}e's\",01,{typ},Group,{status_code},{status},01-09-2000,{close},2,{phase},4,11,{pupils},10.5,{trust_code},{trust_name},{ukprn},01-11-2026,1 High Street,Town,AB1 2CD,H,{region}\r\n",
            la = 200 + i % 150,
            n = 2000 + i % 7000,
            status_code = if closed { 2 } else { 1 },
            status = if closed { "Closed" } else { "Open" },
            close = if closed { "31-08-2026" } else { "" },
            phase = PHASES[i as usize % PHASES.len()],
            pupils = 100 + i % 1500,
            ukprn = 10_000_000 + i,
            region = REGIONS[i as usize % REGIONS.len()],
        );
        if academy {
            let _ = write!(
                links,
                "{trust_code},{trust_name},Multi-academy trust,01-09-2015,{urn}\r\n"
            );
        }
    }
    let mut groups = String::from(
        "Group UID,Group ID,Group Name,Companies House Number,Group Type,Group Status,Incorporated on (open date)\r\n",
    );
    for t in 0..trusts {
        let _ = write!(
            groups,
            "{},TR{t:05},Trust {t},{:08},Multi-academy trust,Open,01-09-2015\r\n",
            10_000 + t,
            20_000_000 + t
        );
    }
    // Latin-1, as published.
    let latin1 = |s: String| s.chars().map(|c| c as u32 as u8).collect::<Vec<u8>>();
    (latin1(est), latin1(groups), latin1(links))
}

async fn run(o: &Options) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("becta-gias-bench-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    let url = o
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", dir.join("becta.db").display()));
    let db = becta_domain::db::connect(&url).await?;
    becta_domain::db::migrate(&db).await?;
    println!(
        "GIAS import of {} establishment rows on {}",
        o.rows,
        if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    for (what, newer) in [
        ("first import", false),
        ("same files again", false),
        ("newer extract", true),
    ] {
        let started = Instant::now();
        let (e, g, l) = extracts(o.rows, newer);
        let generated = started.elapsed();
        let started = Instant::now();
        let extract = gias::read(&e, &g, &l);
        let read = started.elapsed();
        let started = Instant::now();
        let s = gias_apply::apply(&db, extract, gias_apply::Options::default(), &()).await?;
        let applied = started.elapsed();
        let total = read + applied;
        println!(
            "{what:>17}: {:.2} s (read {:.2} s, apply {:.2} s; {:.0} rows/s; generating took {:.2} s) \
             schools {} added, {} closed, {} changed trust, {} unchanged; {} refused",
            total.as_secs_f64(),
            read.as_secs_f64(),
            applied.as_secs_f64(),
            f64::from(o.rows) / total.as_secs_f64(),
            generated.as_secs_f64(),
            s.schools.added,
            s.schools.closed,
            s.changed_trust,
            s.schools.unchanged,
            s.errors.len()
        );
        if !s.errors.is_empty() {
            bail!("rows refused: {}", s.errors[0]);
        }
    }
    db.close().await?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn main() -> ExitCode {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("gias_import bench: {e:#}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("gias_import bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(&o)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gias_import bench: {e:#}");
            ExitCode::FAILURE
        }
    }
}
