//! A real browser for the tests of pages: Debian's `chromium`, headless, driven over the
//! DevTools protocol (a WebSocket to the browser, one flattened session per page).
//!
//! The browser is cut off from everything but this machine: a proxy that does not exist for
//! every address but loopback, and a host resolver that finds no name. Each page records the
//! URL of every request it sends, so a test can check none left the machine.
//!
//! When `/usr/bin/chromium` is missing, the first test that needs it installs Debian's
//! package (`apt-get install chromium`), as CI's setup does.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use tungstenite::{Message, WebSocket};

const CHROMIUM: &str = "/usr/bin/chromium";

static INSTALL: Mutex<()> = Mutex::new(());

/// Installs Debian's `chromium` unless it is there.
fn install() -> Result<()> {
    let _once = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if std::path::Path::new(CHROMIUM).exists() {
        return Ok(());
    }
    for args in [
        &["update", "-qq"][..],
        &[
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            "chromium",
        ][..],
    ] {
        let out = Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .output()
            .context("running apt-get to install chromium")?;
        if !out.status.success() {
            bail!(
                "apt-get {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    Ok(())
}

/// A headless Chromium process; killed and its profile removed when dropped.
pub struct Browser {
    child: Child,
    profile: PathBuf,
    ws: WebSocket<TcpStream>,
    next_id: u64,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

/// What a page did while the test drove it.
#[derive(Debug, Default)]
pub struct Traffic {
    /// Every request URL the page sent, in order (the first 160 characters of each).
    pub requests: Vec<String>,
    /// Requests that failed, with the reason.
    pub failures: Vec<String>,
}

/// One tab, attached through the browser's connection.
pub struct Page<'b> {
    browser: &'b mut Browser,
    session: String,
    pub traffic: Traffic,
}

impl Browser {
    /// Starts Chromium with no way off this machine.
    pub fn launch() -> Result<Browser> {
        install()?;
        let profile =
            std::env::temp_dir().join(format!("becta-chromium-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&profile)?;
        let child = Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--remote-debugging-port=0",
                // Everything but loopback goes to a proxy nobody runs, and no name resolves.
                "--proxy-server=http://127.0.0.1:9",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting chromium")?;
        // Chromium writes its DevTools port and browser path here once it listens.
        let active = profile.join("DevToolsActivePort");
        let deadline = Instant::now() + Duration::from_secs(60);
        let (port, path) = loop {
            if let Ok(text) = std::fs::read_to_string(&active) {
                let mut lines = text.lines();
                if let (Some(port), Some(path)) = (lines.next(), lines.next()) {
                    break (port.trim().parse::<u16>()?, path.trim().to_owned());
                }
            }
            if Instant::now() > deadline {
                bail!("chromium did not open its DevTools port within 60 s");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(Duration::from_secs(60)))?;
        let (ws, _) = tungstenite::client(format!("ws://127.0.0.1:{port}{path}"), stream)
            .context("connecting to chromium's DevTools")?;
        Ok(Browser {
            child,
            profile,
            ws,
            next_id: 0,
        })
    }

    /// A new blank tab, with its network traffic recorded.
    pub fn page(&mut self) -> Result<Page<'_>> {
        let mut traffic = Traffic::default();
        let target = self.call(
            None,
            "Target.createTarget",
            json!({ "url": "about:blank" }),
            &mut traffic,
        )?;
        let target_id = target["targetId"].as_str().context("targetId")?.to_owned();
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target_id, "flatten": true }),
            &mut traffic,
        )?;
        let session = attached["sessionId"]
            .as_str()
            .context("sessionId")?
            .to_owned();
        let mut page = Page {
            browser: self,
            session,
            traffic,
        };
        page.call("Network.enable", json!({}))?;
        page.call("Page.enable", json!({}))?;
        Ok(page)
    }

    /// Sends a command and reads until its answer, recording the page events on the way.
    fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
        traffic: &mut Traffic,
    ) -> Result<Value> {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        self.ws.send(Message::text(msg.to_string()))?;
        loop {
            let text = match self.ws.read()? {
                Message::Text(t) => t.to_string(),
                Message::Close(_) => bail!("chromium closed the DevTools connection"),
                _ => continue,
            };
            let v: Value = serde_json::from_str(&text)?;
            if v["id"].as_u64() == Some(id) {
                if let Some(e) = v.get("error") {
                    bail!("{method}: {e}");
                }
                return Ok(v["result"].clone());
            }
            match v["method"].as_str() {
                Some("Network.requestWillBeSent") => {
                    if let Some(url) = v["params"]["request"]["url"].as_str() {
                        // Enough to tell where it went (a `data:` URL can be long).
                        traffic.requests.push(url.chars().take(160).collect());
                    }
                }
                Some("Network.loadingFailed") => traffic.failures.push(format!(
                    "{} ({})",
                    v["params"]["requestId"], v["params"]["errorText"]
                )),
                _ => {}
            }
        }
    }
}

impl Page<'_> {
    pub fn call(&mut self, method: &str, params: Value) -> Result<Value> {
        let session = self.session.clone();
        self.browser
            .call(Some(&session), method, params, &mut self.traffic)
    }

    pub fn goto(&mut self, url: &str) -> Result<()> {
        let answer = self.call("Page.navigate", json!({ "url": url }))?;
        if let Some(e) = answer.get("errorText") {
            bail!("navigating to {url}: {e}");
        }
        Ok(())
    }

    /// The value of a JavaScript expression in the page.
    pub fn eval(&mut self, expression: &str) -> Result<Value> {
        let answer = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        )?;
        if let Some(e) = answer.get("exceptionDetails") {
            bail!("{expression}: {e}");
        }
        Ok(answer["result"]["value"].clone())
    }

    /// Evaluates `expression` until it gives a truthy value (returned), for at most `limit`.
    pub fn wait_for(&mut self, expression: &str, limit: Duration) -> Result<Value> {
        let deadline = Instant::now() + limit;
        loop {
            let v = self.eval(expression)?;
            let truthy = match &v {
                Value::Null | Value::Bool(false) => false,
                Value::String(s) => !s.is_empty(),
                _ => true,
            };
            if truthy {
                return Ok(v);
            }
            if Instant::now() > deadline {
                bail!("waited {} s for `{expression}`", limit.as_secs());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}
