//! A real SMTP server for the email tests: aiosmtpd, from PyPI, run as its own process on
//! loopback. It stores every message it accepts in a Maildir the tests read, and refuses
//! (550) recipients whose address starts with `bounce` (`smtp_mailbox.py`).
//!
//! `SMTP_TEST_SERVER` names a running one as `host:port,maildir` (CI may start one).
//! Otherwise the first test that needs one installs aiosmtpd into `target/aiosmtpd-venv`
//! (once per machine) and starts it on a free port; a watchdog stops it when the test
//! process ends.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use super::pypi;

/// The version CI and this harness install.
pub const AIOSMTPD_VERSION: &str = "1.4.6";
const VENV: &str = "aiosmtpd-venv";

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
    let python = pypi::install(VENV, "aiosmtpd", AIOSMTPD_VERSION)?;
    let port = pypi::free_port()?;
    let maildir = std::env::temp_dir().join(format!("becta-maildir-{}", uuid::Uuid::new_v4()));
    let handlers = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("common");
    let args: Vec<OsString> = vec![
        "-m".into(),
        "aiosmtpd".into(),
        "-n".into(),
        "-l".into(),
        format!("127.0.0.1:{port}").into(),
        "-c".into(),
        "smtp_mailbox.TestMailbox".into(),
        maildir.clone().into(),
    ];
    let log = pypi::venv("aiosmtpd.log");
    pypi::serve(
        "aiosmtpd",
        &python,
        &args,
        &[("PYTHONPATH", &handlers)],
        port,
        &log,
    )?;
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
