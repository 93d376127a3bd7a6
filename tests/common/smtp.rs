//! A real SMTP server for the email tests: aiosmtpd, from PyPI, run as its own process on
//! loopback. It stores every message it accepts in a Maildir the tests read, and refuses
//! (550) recipients whose address starts with `bounce` (`smtp_mailbox.py`).
//!
//! `SMTP_TEST_SERVER` names a running one as `host:port,maildir` (CI may start one).
//! Otherwise the first test that needs one installs aiosmtpd into `target/aiosmtpd-venv`
//! (once per machine) and starts it on a free port; a watchdog stops it when the test
//! process ends.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The version CI and this harness install.
pub const AIOSMTPD_VERSION: &str = "1.4.6";

fn venv() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("target")
        .join("aiosmtpd-venv")
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

/// The venv's Python, with the pinned aiosmtpd installed.
fn install() -> Result<PathBuf> {
    let python = venv().join("bin").join("python3");
    let marker = venv().join(format!("aiosmtpd-{AIOSMTPD_VERSION}.installed"));
    if marker.exists() {
        return Ok(python);
    }
    run(
        Command::new("python3").args(["-m", "venv"]).arg(venv()),
        "python3 -m venv",
    )?;
    run(
        Command::new(venv().join("bin").join("pip")).args([
            "install",
            "--quiet",
            &format!("aiosmtpd=={AIOSMTPD_VERSION}"),
        ]),
        "pip install aiosmtpd",
    )?;
    std::fs::write(&marker, AIOSMTPD_VERSION)?;
    Ok(python)
}

/// A running server: its address and where it keeps what it received.
#[derive(Clone, Debug)]
pub struct SmtpServer {
    pub addr: String,
    pub maildir: PathBuf,
}

fn start() -> Result<SmtpServer> {
    if let Ok(v) = std::env::var("SMTP_TEST_SERVER")
        && let Some((addr, dir)) = v.split_once(',')
    {
        return Ok(SmtpServer {
            addr: addr.to_owned(),
            maildir: PathBuf::from(dir),
        });
    }
    let python = install()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let maildir = std::env::temp_dir().join(format!("becta-maildir-{}", uuid::Uuid::new_v4()));
    let log = venv().with_file_name("aiosmtpd.log");
    let handlers = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("common");
    // A watchdog shell stops the server when this test process ends.
    Command::new("sh")
        .arg("-c")
        .arg(
            "PYTHONPATH=\"$4\" \"$0\" -m aiosmtpd -n -l \"127.0.0.1:$1\" \
             -c smtp_mailbox.TestMailbox \"$3\" >\"$5\" 2>&1 & child=$!; \
             while kill -0 \"$2\" 2>/dev/null; do sleep 1; done; kill $child",
        )
        .arg(&python)
        .arg(port.to_string())
        .arg(std::process::id().to_string())
        .arg(&maildir)
        .arg(&handlers)
        .arg(&log)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting aiosmtpd")?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let said = std::fs::read_to_string(&log).unwrap_or_default();
            bail!("aiosmtpd did not start on port {port}: {said}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(SmtpServer {
        addr: format!("127.0.0.1:{port}"),
        maildir,
    })
}

/// The tests' SMTP server, started on first use.
pub fn server() -> Result<SmtpServer> {
    static SERVER: OnceLock<std::result::Result<SmtpServer, String>> = OnceLock::new();
    SERVER
        .get_or_init(|| start().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

impl SmtpServer {
    /// The settings that point a test server at this one.
    pub fn server_env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("BECTA_SMTP_URL", format!("smtp://{}", self.addr)),
            (
                "BECTA_SMTP_FROM",
                "BECTA Test <notifications@becta.test>".into(),
            ),
        ]
    }

    /// Every message received so far addressed to `to`, as raw RFC 5322 text.
    pub fn messages_to(&self, to: &str) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let dir = self.maildir.join("new");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(out);
        };
        for e in entries {
            let text = std::fs::read_to_string(e?.path())?;
            let header_end = text.find("\n\n").or_else(|| text.find("\r\n\r\n"));
            let headers = &text[..header_end.unwrap_or(text.len())];
            if headers
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("to:") && l.contains(to))
            {
                out.push(text);
            }
        }
        Ok(out)
    }

    /// Waits (up to 20 s) until `n` messages to `to` have arrived.
    pub async fn wait_for(&self, to: &str, n: usize) -> Result<Vec<String>> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let got = self.messages_to(to)?;
            if got.len() >= n {
                return Ok(got);
            }
            if Instant::now() > deadline {
                bail!("{} message(s) to {to} arrived, expected {n}", got.len());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
