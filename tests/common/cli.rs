//! Running the real `becta` binary, as an operator does, against a test's database.
//!
//! The binary is built once per test run (`cargo build -p becta-api --bin becta`, with the
//! profile the tests were built with; a no-op when it is fresh), or taken from `BECTA_BIN`.

use std::path::PathBuf;
use std::process::Output;
use std::sync::OnceLock;

use anyhow::{Context, Result};

use super::{TEST_JWT_SECRET, TestApp};

/// The path of the `becta` binary, built if need be.
fn binary() -> Result<PathBuf> {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| build().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(|e| anyhow::anyhow!("building the becta binary: {e}"))
}

fn build() -> Result<PathBuf> {
    if let Some(bin) = std::env::var_os("BECTA_BIN") {
        return Ok(bin.into());
    }
    // This test binary is <target>/<profile>/deps/main-<hash>.
    let exe = std::env::current_exe()?;
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .context("where the test binary lies")?;
    let profile = profile_dir
        .file_name()
        .and_then(|n| n.to_str())
        .context("the profile directory")?;
    let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = std::process::Command::new(cargo);
    cmd.current_dir(&workspace)
        .args(["build", "--quiet", "-p", "becta-api", "--bin", "becta"]);
    match profile {
        "debug" => {}
        "release" => {
            cmd.arg("--release");
        }
        other => {
            cmd.args(["--profile", other]);
        }
    }
    let status = cmd.status().context("running cargo build")?;
    anyhow::ensure!(status.success(), "cargo build failed: {status}");
    Ok(profile_dir.join("becta"))
}

impl TestApp {
    /// Runs `becta <args>` on this app's database (a data dir of its own, no seeding),
    /// with the working directory `dir`.
    pub async fn becta(&self, dir: &std::path::Path, args: &[&str]) -> Result<Output> {
        let bin = tokio::task::spawn_blocking(binary).await??;
        let data_dir =
            std::env::temp_dir().join(format!("becta-cli-{}", uuid::Uuid::new_v4().simple()));
        let out = tokio::process::Command::new(bin)
            .args(args)
            .current_dir(dir)
            .env("BECTA_DATABASE_URL", &self.database_url)
            .env("BECTA_DATA_DIR", &data_dir)
            .env("BECTA_SEED", "false")
            .env("BECTA_JWT_SECRET", TEST_JWT_SECRET)
            .env_remove("BECTA_MEILISEARCH_URL")
            .kill_on_drop(true)
            .output()
            .await
            .context("running becta")?;
        let _ = std::fs::remove_dir_all(&data_dir);
        Ok(out)
    }
}
