//! Third-party servers from PyPI that the tests run as real processes (localstripe, aiosmtpd):
//! a pinned install in a venv under `target/`, and a process on a free loopback port that a
//! watchdog shell stops when the test process ends.

use std::ffi::OsString;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// `target/<name>`, beside the build.
pub fn venv(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
        .join(name)
}

fn run(cmd: &mut Command, what: &str) -> Result<()> {
    let out = cmd
        .output()
        .with_context(|| format!("{what}: could not start"))?;
    if !out.status.success() {
        bail!(
            "{what} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// The Python of venv `target/<venv_name>` with `package==version` installed (once per
/// machine: a marker file records the install).
pub fn install(venv_name: &str, package: &str, version: &str) -> Result<PathBuf> {
    let dir = venv(venv_name);
    let python = dir.join("bin").join("python3");
    let marker = dir.join(format!("{package}-{version}.installed"));
    if marker.exists() {
        return Ok(python);
    }
    run(
        Command::new("python3").args(["-m", "venv"]).arg(&dir),
        "python3 -m venv",
    )?;
    run(
        Command::new(dir.join("bin").join("pip")).args([
            "install",
            "--quiet",
            &format!("{package}=={version}"),
        ]),
        &format!("pip install {package}"),
    )?;
    std::fs::write(&marker, version)?;
    Ok(python)
}

/// A free loopback port.
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Runs `program args...` with its output in `log` and `env` set, stopped by a watchdog when
/// this test process ends, and waits (up to 30 s) until it listens on `port`.
pub fn serve(
    what: &str,
    program: &Path,
    args: &[OsString],
    env: &[(&str, &Path)],
    port: u16,
    log: &Path,
) -> Result<()> {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(
            "log=$0; watched=$1; shift; \"$@\" >\"$log\" 2>&1 & child=$!; \
             while kill -0 \"$watched\" 2>/dev/null; do sleep 1; done; kill $child",
        )
        .arg(log)
        .arg(std::process::id().to_string())
        .arg(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().with_context(|| format!("starting {what}"))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let said = std::fs::read_to_string(log).unwrap_or_default();
            bail!("{what} did not start on port {port}: {said}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}
