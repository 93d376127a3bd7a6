//! `becta import ...`: reads the files named on the command line and hands them to the
//! import services in `becta_domain::imports`, with a progress bar on a terminal.
//!
//! Policy: the summary goes to stdout, the progress bar to stderr and only when stderr is a
//! terminal (a log or a pipe gets no bar). The command fails (status 1) when any row was
//! refused, after importing the others, so a scheduled import is noticed.

use std::io::IsTerminal;
use std::path::Path;

use becta_domain::imports::{Progress, deals, gias, gias_apply};
use becta_domain::sea_orm::DatabaseConnection;

/// A progress bar on stderr, one stage at a time.
struct Bar(indicatif::ProgressBar);

impl Bar {
    fn new() -> Option<Bar> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let style = indicatif::ProgressStyle::with_template(
            "{msg:>10} [{bar:40}] {pos}/{len} ({eta} left)",
        )
        .ok()?
        .progress_chars("=> ");
        Some(Bar(indicatif::ProgressBar::new(0).with_style(style)))
    }
}

impl Progress for Bar {
    fn stage(&self, what: &str, total: u64) {
        self.0.reset();
        self.0.set_length(total);
        self.0.set_message(what.to_owned());
    }

    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}

fn read(what: &str, path: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("cannot read the {what} file {}: {e}", path.display()))
}

/// `becta import gias`: prints the summary; an error when rows were refused.
pub async fn gias(
    db: &DatabaseConnection,
    establishments: &Path,
    groups: &Path,
    links: &Path,
    stop_on_error: bool,
) -> anyhow::Result<()> {
    let extract = gias::read(
        &read("establishments", establishments)?,
        &read("groups", groups)?,
        &read("links", links)?,
    );
    let bar = Bar::new();
    let progress: &dyn Progress = match &bar {
        Some(b) => b,
        None => &(),
    };
    let summary =
        gias_apply::apply(db, extract, gias_apply::Options { stop_on_error }, progress).await?;
    if let Some(b) = bar {
        b.0.finish_and_clear();
    }
    print!("{summary}");
    if !summary.errors.is_empty() {
        anyhow::bail!(
            "{} rows refused (see above){}",
            summary.errors.len(),
            if summary.written {
                "; the other rows were imported"
            } else {
                ""
            }
        );
    }
    Ok(())
}

/// `becta import deals`: prints what was loaded, or every problem (and writes nothing).
pub async fn deals(db: &DatabaseConnection, file: &Path) -> anyhow::Result<()> {
    let summary = deals::import(db, &read("deals", file)?).await?;
    print!("{summary}");
    if !summary.errors.is_empty() {
        anyhow::bail!(
            "{} problems in {} (see above); nothing was written",
            summary.errors.len(),
            file.display()
        );
    }
    Ok(())
}
