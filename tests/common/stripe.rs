//! A real Stripe emulator for the payment tests: localstripe, a stateful third-party emulator
//! from PyPI, run as its own process on loopback. Nothing here talks to the internet's Stripe.
//!
//! localstripe is started through `localstripe_launcher.py`, which checks the installed version
//! is the pinned one and adds the tests' invoicing extension (`localstripe_invoicing.py`:
//! one-off `send_invoice` invoices, finalize, send, pay out of band, void, their events, and the
//! fields async-stripe reads) before the emulator's server starts.
//!
//! `STRIPE_EMULATOR_URL` names a running emulator (CI starts one, through the same launcher).
//! Otherwise the first test that needs one installs localstripe into `target/localstripe-venv`
//! (once per machine) and starts it on a free port; it stops when the test process ends.

use std::ffi::OsString;
use std::path::PathBuf;
use std::sync::OnceLock;

use anyhow::Result;
use serde_json::{Value, json};

use super::pypi;

/// The version CI and this harness install.
pub const LOCALSTRIPE_VERSION: &str = "1.15.10";
/// The secret key the test servers use (localstripe accepts any `sk_` key).
pub const SECRET_KEY: &str = "sk_test_becta";
pub const WEBHOOK_SECRET: &str = "whsec_becta_test_secret";

/// Starts localstripe with the tests' invoicing extension; refuses another localstripe version.
fn launcher() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("common")
        .join("localstripe_launcher.py")
}

fn start() -> Result<String> {
    if let Ok(url) = std::env::var("STRIPE_EMULATOR_URL")
        && !url.is_empty()
    {
        return Ok(url.trim_end_matches('/').to_owned());
    }
    let python = pypi::install("localstripe-venv", "localstripe", LOCALSTRIPE_VERSION)?;
    let port = pypi::free_port()?;
    // The emulator's output goes to target/localstripe.log, where a refused version says so.
    let args: Vec<OsString> = vec![
        launcher().into(),
        "--port".into(),
        port.to_string().into(),
        "--from-scratch".into(),
    ];
    let log = pypi::venv("localstripe.log");
    pypi::serve("localstripe", &python, &args, &[], port, &log)?;
    Ok(format!("http://127.0.0.1:{port}"))
}

/// The emulator's base URL, starting it on first use.
pub fn emulator() -> Result<String> {
    static URL: OnceLock<std::result::Result<String, String>> = OnceLock::new();
    URL.get_or_init(|| start().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

/// The server settings that point a test server at the emulator.
pub fn server_env(emulator: &str) -> Vec<(&'static str, String)> {
    vec![
        ("BECTA_STRIPE_SECRET_KEY", SECRET_KEY.to_owned()),
        ("BECTA_STRIPE_API_BASE", emulator.to_owned()),
        ("BECTA_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET.to_owned()),
    ]
}

/// Talks to the emulator as Stripe.js and the Stripe dashboard would.
pub struct Emulator {
    pub url: String,
    client: reqwest::Client,
}

impl Emulator {
    pub fn new(url: String) -> Self {
        Emulator {
            url,
            client: reqwest::Client::new(),
        }
    }

    /// Sends this server every event the emulator emits, signed with [`WEBHOOK_SECRET`].
    pub async fn register_webhook(&self, server_url: &str) -> Result<()> {
        let name = uuid::Uuid::new_v4().simple().to_string();
        let resp = self
            .client
            .post(format!("{}/_config/webhooks/{name}", self.url))
            .json(&json!({ "url": format!("{server_url}/webhooks/stripe"), "secret": WEBHOOK_SECRET }))
            .send()
            .await?;
        anyhow::ensure!(
            resp.status().is_success(),
            "registering the webhook: {}",
            resp.status()
        );
        Ok(())
    }

    /// A form POST to the Stripe API: (status, body).
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Result<(u16, Value)> {
        let resp = self
            .client
            .post(format!("{}/v1{path}", self.url))
            .bearer_auth(SECRET_KEY)
            .form(form)
            .send()
            .await?;
        let status = resp.status().as_u16();
        Ok((status, resp.json().await.unwrap_or(Value::Null)))
    }

    pub async fn get(&self, path: &str) -> Result<Value> {
        let resp = self
            .client
            .get(format!("{}/v1{path}", self.url))
            .bearer_auth(SECRET_KEY)
            .send()
            .await?;
        Ok(resp.json().await?)
    }

    /// Pays a PaymentIntent with a test card, as Stripe.js does in the school's browser:
    /// sets the payment method, then confirms. The confirm's HTTP status (402 on a decline).
    pub async fn pay(&self, payment_intent: &str, payment_method: &str) -> Result<u16> {
        let (status, body) = self
            .post(
                &format!("/payment_intents/{payment_intent}"),
                &[("payment_method", payment_method)],
            )
            .await?;
        anyhow::ensure!(status == 200, "setting the payment method: {status} {body}");
        Ok(self
            .post(&format!("/payment_intents/{payment_intent}/confirm"), &[])
            .await?
            .0)
    }

    /// The emulator's events of `kind` about `object_id`.
    pub async fn events(&self, kind: &str, object_id: &str) -> Result<Vec<Value>> {
        // The emulator is shared by every test of the run: page through all its events.
        let mut found = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let page = match &after {
                Some(a) => format!("/events?type={kind}&limit=100&starting_after={a}"),
                None => format!("/events?type={kind}&limit=100"),
            };
            let list = self.get(&page).await?;
            let items = list["data"].as_array().cloned().unwrap_or_default();
            found.extend(
                items
                    .iter()
                    .filter(|e| e["data"]["object"]["id"] == object_id)
                    .cloned(),
            );
            after = items
                .last()
                .and_then(|e| e["id"].as_str().map(str::to_owned));
            if list["has_more"] != true || after.is_none() {
                return Ok(found);
            }
        }
    }
}

/// A `Stripe-Signature` header for `body` at unix time `t`.
pub fn signature(secret: &str, t: i64, body: &str) -> String {
    becta_api::stripe::signature_header(secret, t, body.as_bytes())
}
