//! Payments through Stripe: the gateway that makes customers, PaymentIntents and invoices,
//! the purchase flow around the domain's orders, and `POST /webhooks/stripe`.
//!
//! Policy:
//! - Without `BECTA_STRIPE_SECRET_KEY` there is no gateway: `purchase` answers
//!   `PAYMENTS_DISABLED` and the webhook route answers 503 with the same code.
//! - Requests use async-stripe's typed builders, but read back only the few fields we need
//!   (small miniserde structs), so a response with fields we do not model still parses.
//! - Every create carries an idempotency key derived from the order (or the school, for its
//!   customer), so repeating a step after a timeout never makes a second object.
//! - Webhooks are verified on the raw body: `Stripe-Signature` holds `t=<unix time>` and one or
//!   more `v1=<hex HMAC-SHA256 of "t.body">`; a timestamp more than 5 minutes from now is
//!   refused. Verified events go to the domain, which applies each event id once.

use std::collections::HashMap;

use becta_domain::actor::Actor;
use becta_domain::orders::{self, Prepared, ProviderEvent, ProviderObject, PurchaseRequest};
use becta_domain::vocab::PaymentMethod;
use becta_domain::{Error, Result};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{Body, IntoResponse, Request, Response, handler};
use serde_json::json;
use sha2::Sha256;
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeError, StripeRequest};
use stripe_billing::InvoiceCollectionMethod;
use stripe_billing::invoice::{CreateInvoice, CustomFieldParams, FinalizeInvoiceInvoice};
use stripe_billing::invoice_item::CreateInvoiceItem;
use stripe_client_core::{RequestBuilder, StripeMethod};
use stripe_core::customer::CreateCustomer;
use stripe_core::payment_intent::CreatePaymentIntent;
use stripe_types::Currency;

use crate::config::StripeConfig;
use crate::http::{Http, domain_error, error_body};

/// Webhook timestamps further than this from now are refused.
pub const TOLERANCE_SECONDS: i64 = 300;
/// Days a school has to pay an invoice.
pub const INVOICE_DAYS: u32 = 30;

#[derive(miniserde::Deserialize, Debug)]
struct Made {
    id: String,
    client_secret: Option<String>,
}

/// Talks to Stripe (or an emulator at another base URL).
pub struct Gateway {
    client: Client,
    webhook_secret: Option<String>,
}

impl std::fmt::Debug for Gateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gateway")
    }
}

fn key(k: String) -> Result<RequestStrategy> {
    IdempotencyKey::new(k)
        .map(RequestStrategy::Idempotent)
        .map_err(|e| Error::Internal(format!("idempotency key: {e}")))
}

fn provider_error(step: &str, e: StripeError) -> Error {
    match e {
        StripeError::Stripe(api, status) if status < 500 && status != 429 => {
            Error::Internal(format!(
                "stripe refused {step} ({status}): {}",
                api.message.unwrap_or_default()
            ))
        }
        other => Error::Unavailable(format!("stripe {step}: {other}")),
    }
}

impl Gateway {
    pub fn new(config: &StripeConfig) -> anyhow::Result<Self> {
        let mut builder = ClientBuilder::new(config.secret_key.expose());
        if let Some(base) = &config.api_base {
            builder = builder.url(base.as_str());
        }
        Ok(Gateway {
            client: builder.build()?,
            webhook_secret: config
                .webhook_secret
                .as_ref()
                .map(|s| s.expose().to_owned()),
        })
    }

    async fn send(&self, step: &str, req: RequestBuilder, idempotency: String) -> Result<Made> {
        req.customize::<Made>()
            .request_strategy(key(idempotency)?)
            .send(&self.client)
            .await
            .map_err(|e| provider_error(step, e))
    }

    /// The school's customer, made once per school (keyed by the school's id).
    async fn customer(&self, p: &Prepared) -> Result<String> {
        let mut metadata = HashMap::new();
        metadata.insert("school_id".to_owned(), p.school.id.to_string());
        if let Some(urn) = p.school.urn {
            metadata.insert("urn".to_owned(), urn.to_string());
        }
        let req = CreateCustomer::new()
            .name(p.school.name.clone())
            .metadata(metadata)
            .build();
        Ok(self
            .send(
                "create customer",
                req,
                format!("becta-customer-{}", p.school.id),
            )
            .await?
            .id)
    }

    fn metadata(p: &Prepared) -> HashMap<String, String> {
        let mut m = HashMap::new();
        m.insert("order_id".to_owned(), p.order.id.to_string());
        m.insert("school_id".to_owned(), p.order.school_id.to_string());
        if let Some(po) = &p.order.purchase_order_number {
            m.insert("purchase_order_number".to_owned(), po.clone());
        }
        m
    }

    async fn payment_intent(&self, p: &Prepared, customer: &str) -> Result<ProviderObject> {
        let req = CreatePaymentIntent::new(p.order.total_pence, Currency::GBP)
            .customer(customer)
            .metadata(Self::metadata(p))
            .build();
        let made = self
            .send(
                "create payment",
                req,
                format!("becta-order-{}-payment", p.order.id),
            )
            .await?;
        Ok(ProviderObject::PaymentIntent {
            id: made.id,
            client_secret: made.client_secret,
        })
    }

    async fn invoice(&self, p: &Prepared, customer: &str) -> Result<ProviderObject> {
        let po = p.order.purchase_order_number.clone().unwrap_or_default();
        let req = CreateInvoice::new()
            .customer(customer)
            .collection_method(InvoiceCollectionMethod::SendInvoice)
            .days_until_due(INVOICE_DAYS)
            .custom_fields(vec![CustomFieldParams::new("PO number", po)])
            .metadata(Self::metadata(p))
            .build();
        let invoice = self
            .send(
                "create invoice",
                req,
                format!("becta-order-{}-invoice", p.order.id),
            )
            .await?;
        for line in &p.lines {
            let req = CreateInvoiceItem::new()
                .customer(customer)
                .invoice(invoice.id.as_str())
                .amount(line.net_pence + line.vat_pence)
                .currency(Currency::GBP)
                .description(format!(
                    "{} x {} (net £{:.2} + VAT £{:.2})",
                    line.quantity,
                    line.description,
                    line.net_pence as f64 / 100.0,
                    line.vat_pence as f64 / 100.0
                ))
                .build();
            self.send(
                "add invoice line",
                req,
                format!("becta-order-{}-line-{}", p.order.id, line.position),
            )
            .await?;
        }
        let finalize = FinalizeInvoiceInvoice::new(invoice.id.as_str()).build();
        self.send(
            "finalise invoice",
            finalize,
            format!("becta-order-{}-finalize", p.order.id),
        )
        .await?;
        let send =
            RequestBuilder::new(StripeMethod::Post, format!("/invoices/{}/send", invoice.id));
        self.send(
            "send invoice",
            send,
            format!("becta-order-{}-send", p.order.id),
        )
        .await?;
        Ok(ProviderObject::Invoice { id: invoice.id })
    }

    /// Asks Stripe for what the order needs: the school's customer, then a PaymentIntent or a
    /// sent invoice.
    async fn provide(&self, p: &Prepared) -> Result<(String, ProviderObject)> {
        let customer = match &p.customer_id {
            Some(c) => c.clone(),
            None => self.customer(p).await?,
        };
        let made = match PaymentMethod::from_code(&p.order.method) {
            Some(PaymentMethod::Invoice) => self.invoice(p, &customer).await?,
            _ => self.payment_intent(p, &customer).await?,
        };
        Ok((customer, made))
    }
}

/// A purchase: the order (written first), then Stripe, then the order again with what Stripe
/// made. A provider failure leaves the order `failed` with its reason; retrying with the same
/// `clientKey` resumes it with the same idempotency keys.
pub async fn purchase(
    state: &crate::state::AppState,
    actor: &Actor,
    req: PurchaseRequest,
) -> Result<becta_domain::entity::order::Model> {
    let Some(gateway) = &state.payments else {
        return Err(Error::PaymentsDisabled);
    };
    let p = orders::prepare(&state.db, actor, req).await?;
    if !p.needs_provider() {
        return Ok(p.order);
    }
    match gateway.provide(&p).await {
        Ok((customer, made)) => {
            let customer = orders::record_customer(&state.db, p.order.school_id, &customer).await?;
            orders::record_provider(&state.db, p.order.id, &customer, made).await
        }
        Err(e) => {
            orders::record_provider_failure(&state.db, p.order.id, &e.to_string()).await?;
            Err(e)
        }
    }
}

/// Checks a `Stripe-Signature` header against the raw body at `now`.
pub fn verify_signature(
    secret: &str,
    header: &str,
    body: &[u8],
    now: DateTime<Utc>,
) -> std::result::Result<DateTime<Utc>, &'static str> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<i64>().ok(),
            Some(("v1", s)) => signatures.push(s),
            _ => {}
        }
    }
    let t = timestamp.ok_or("the signature header has no timestamp")?;
    if signatures.is_empty() {
        return Err("the signature header has no v1 signature");
    }
    let sent = DateTime::from_timestamp(t, 0).ok_or("the signature timestamp is out of range")?;
    if (now - sent).num_seconds().abs() > TOLERANCE_SECONDS {
        return Err("the signature timestamp is more than 5 minutes from now");
    }
    for s in signatures {
        let Ok(expected) = hex::decode(s) else {
            continue;
        };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            return Err("the webhook secret is unusable");
        };
        mac.update(t.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        if mac.verify_slice(&expected).is_ok() {
            return Ok(sent);
        }
    }
    Err("no signature matches")
}

/// The `Stripe-Signature` header Stripe would send for `body` at unix time `t` (for tools and
/// tests that deliver events themselves).
pub fn signature_header(secret: &str, t: i64, body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

#[derive(serde::Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created: i64,
    data: EnvelopeData,
}

#[derive(serde::Deserialize)]
struct EnvelopeData {
    object: serde_json::Value,
}

/// Largest webhook body accepted.
const MAX_WEBHOOK_BYTES: usize = 512 * 1024;

/// `POST /webhooks/stripe`
#[handler]
pub async fn webhook(req: &Request, body: Body, Data(http): Data<&Http>) -> Response {
    let state = &http.state;
    let Some(secret) = state
        .payments
        .as_ref()
        .and_then(|g| g.webhook_secret.clone())
    else {
        return error_body(
            StatusCode::SERVICE_UNAVAILABLE,
            "PAYMENTS_DISABLED",
            "payments are not configured on this server",
        );
    };
    let bytes = match body.into_bytes_limit(MAX_WEBHOOK_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return error_body(
                StatusCode::BAD_REQUEST,
                "BAD_USER_INPUT",
                "the body could not be read",
            );
        }
    };
    let header = req
        .headers()
        .get("stripe-signature")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if let Err(why) = verify_signature(&secret, header, &bytes, Utc::now()) {
        tracing::warn!(why, "stripe webhook refused");
        return error_body(StatusCode::BAD_REQUEST, "BAD_SIGNATURE", why);
    }
    let envelope: Envelope = match serde_json::from_slice(&bytes) {
        Ok(e) => e,
        Err(e) => {
            let msg = format!("the event could not be read: {e}");
            return error_body(StatusCode::BAD_REQUEST, "BAD_USER_INPUT", &msg);
        }
    };
    let event = ProviderEvent {
        id: envelope.id,
        kind: envelope.kind,
        created: DateTime::from_timestamp(envelope.created, 0).unwrap_or_else(Utc::now),
        object: envelope.data.object,
    };
    let (id, kind) = (event.id.clone(), event.kind.clone());
    match orders::apply_event(&state.db, event).await {
        Ok(outcome) => {
            tracing::info!(event = %id, %kind, outcome = outcome.code(), "stripe event");
            Json(json!({ "received": true, "outcome": outcome.code() })).into_response()
        }
        Err(e) => {
            // Stripe retries on any non-2xx answer.
            tracing::error!(event = %id, error = %e, "stripe event not applied");
            domain_error(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(secret: &str, t: i64, body: &str) -> String {
        signature_header(secret, t, body.as_bytes())
    }

    #[test]
    fn signatures_are_checked_on_the_raw_body_and_time() {
        let now = Utc::now();
        let t = now.timestamp();
        let body = r#"{"id":"evt_1"}"#;
        let good = sign("whsec_a", t, body);
        assert!(verify_signature("whsec_a", &good, body.as_bytes(), now).is_ok());
        assert!(verify_signature("whsec_b", &good, body.as_bytes(), now).is_err());
        assert!(verify_signature("whsec_a", &good, br#"{"id":"evt_2"}"#, now).is_err());
        let old = sign("whsec_a", t - 301, body);
        assert!(verify_signature("whsec_a", &old, body.as_bytes(), now).is_err());
        let rotated = format!("{good},v1=00ff");
        assert!(verify_signature("whsec_a", &rotated, body.as_bytes(), now).is_ok());
        assert!(verify_signature("whsec_a", "v1=abc", body.as_bytes(), now).is_err());
        assert!(verify_signature("whsec_a", "", body.as_bytes(), now).is_err());
    }
}
