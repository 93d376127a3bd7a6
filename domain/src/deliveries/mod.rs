//! Delivering what the outboxes hold: notifications as email over SMTP, and supplier events
//! as signed webhooks. (The incoming Stripe webhook is `api::webhooks`, unrelated.)
//!
//! Policy:
//! - Producers never talk to a mail server or an endpoint: they write a notification row
//!   (`notifications::notify`) or a webhook delivery row (`webhooks::publish`, usually through
//!   [`alerts::tell_supplier`]) in the transaction of the change. The [`Deliverer`] sends them
//!   afterwards, inside `serve` or as `becta deliver`; several may run against one database.
//! - Every call out (SMTP, HTTP) has a time limit; failures are retried with exponential
//!   backoff ([`Backoff`]); what cannot be delivered is recorded with the reason.

pub mod alerts;
pub mod email;
pub mod endpoints;
pub mod preferences;
pub mod recipients;
pub mod templates;
pub mod webhooks;

use std::time::Duration;

use sea_orm::DatabaseConnection;
use tokio::sync::watch;

pub use email::{Mailer, SmtpSettings};

/// How long a claimed row is reserved for the worker that claimed it.
pub const LEASE: Duration = Duration::from_secs(300);

/// Exponential backoff: `base`, then doubling, at most an hour.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(30),
        }
    }
}

impl Backoff {
    /// The pause after the `attempts`-th failed attempt.
    pub fn after(&self, attempts: i32) -> chrono::Duration {
        let factor = 1u32 << attempts.clamp(1, 12).saturating_sub(1);
        let pause = self
            .base
            .saturating_mul(factor)
            .min(Duration::from_secs(3600));
        chrono::Duration::from_std(pause).unwrap_or_else(|_| chrono::Duration::hours(1))
    }
}

/// What the deliverer needs.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Email is sent only when an SMTP server is configured; without one, notifications wait.
    pub smtp: Option<SmtpSettings>,
    pub backoff: Backoff,
    /// Time limit of each webhook call.
    pub http_timeout: Duration,
    /// How often an idle deliverer looks for work.
    pub poll: Duration,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            smtp: None,
            backoff: Backoff::default(),
            http_timeout: Duration::from_secs(10),
            poll: Duration::from_millis(500),
        }
    }
}

/// Sends the email and webhook outboxes.
pub struct Deliverer {
    db: DatabaseConnection,
    mailer: Option<Mailer>,
    http: reqwest::Client,
    settings: DeliverySettings,
    batch: u64,
}

impl Deliverer {
    pub fn new(db: DatabaseConnection, settings: DeliverySettings) -> crate::Result<Self> {
        let mailer = settings.smtp.as_ref().map(Mailer::new).transpose()?;
        let http = reqwest::Client::builder()
            .timeout(settings.http_timeout)
            .connect_timeout(settings.http_timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| crate::Error::Internal(format!("webhook client: {e}")))?;
        Ok(Deliverer {
            db,
            mailer,
            http,
            settings,
            batch: 50,
        })
    }

    /// Whether email is sent (an SMTP server is configured).
    pub fn sends_email(&self) -> bool {
        self.mailer.is_some()
    }

    /// One round of email and webhooks; returns how many rows it handled.
    pub async fn step(&self) -> crate::Result<usize> {
        let mut n = 0;
        if let Some(m) = &self.mailer {
            // Fewer emails a round: each may wait on a slow SMTP server.
            let batch = self.batch.min(10);
            n += email::step(&self.db, m, &self.settings.backoff, batch).await?;
        }
        n += webhooks::step(&self.db, &self.http, &self.settings.backoff, self.batch).await?;
        Ok(n)
    }

    /// Delivers until `stop` turns true (or its sender is dropped).
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let mut failures = 0;
        loop {
            if *stop.borrow() {
                return;
            }
            let pause = match self.step().await {
                Ok(0) => self.settings.poll,
                Ok(_) => {
                    failures = 0;
                    continue;
                }
                Err(e) => {
                    failures += 1;
                    let pause = Backoff {
                        base: Duration::from_secs(1),
                    }
                    .after(failures)
                    .to_std()
                    .unwrap_or(Duration::from_secs(60));
                    tracing::warn!(error = %e, "delivering notifications failed; retrying");
                    pause
                }
            };
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                changed = stop.changed() => {
                    if changed.is_err() {
                        return;
                    }
                }
            }
        }
    }
}
