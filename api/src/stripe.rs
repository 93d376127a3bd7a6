//! The Stripe adapter: [`Gateway`] implements the domain's [`PaymentProvider`] with Stripe's
//! API (customers, PaymentIntents, invoices) and reads Stripe's webhook events into
//! [`PaymentEvent`]s. Nothing of Stripe's formats reaches the domain.
//!
//! Policy:
//! - Requests use async-stripe's typed builders, but read back only the few fields we need
//!   (small miniserde structs), so a response with fields we do not model still parses.
//! - Every create carries an idempotency key derived from the order (or the school, for its
//!   customer), so repeating a step after a timeout never makes a second object.
//! - Webhooks are verified on the raw body: `Stripe-Signature` holds `t=<unix time>` and one or
//!   more `v1=<hex HMAC-SHA256 of "t.body">`; a timestamp more than 5 minutes from now is
//!   refused.

use std::collections::HashMap;

use becta_domain::entity::organisation;
use becta_domain::orders::{Prepared, ProviderObject};
use becta_domain::payments::{PaymentEffect, PaymentEvent, PaymentProvider, PaymentSubject};
use becta_domain::vocab::PaymentMethod;
use becta_domain::{Error, Result, money};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::Value;
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

/// Webhook timestamps further than this from now are refused.
pub const TOLERANCE_SECONDS: i64 = 300;
/// Longest wait for one Stripe call.
pub const CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);
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

    /// One call to Stripe, given up after [`CALL_TIMEOUT`] (`UNAVAILABLE`; the idempotency key
    /// makes the retry safe).
    async fn send(&self, step: &str, req: RequestBuilder, idempotency: String) -> Result<Made> {
        let call = req
            .customize::<Made>()
            .request_strategy(key(idempotency)?)
            .send(&self.client);
        match tokio::time::timeout(CALL_TIMEOUT, call).await {
            Ok(made) => made.map_err(|e| provider_error(step, e)),
            Err(_) => Err(Error::Unavailable(format!(
                "stripe {step}: no answer within {} s",
                CALL_TIMEOUT.as_secs()
            ))),
        }
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
}

#[async_trait::async_trait]
impl PaymentProvider for Gateway {
    /// The school's customer, made once per school (keyed by the school's id).
    async fn customer(&self, school: &organisation::Model) -> Result<String> {
        let mut metadata = HashMap::new();
        metadata.insert("school_id".to_owned(), school.id.to_string());
        if let Some(urn) = school.urn {
            metadata.insert("urn".to_owned(), urn.to_string());
        }
        let req = CreateCustomer::new()
            .name(school.name.clone())
            .metadata(metadata)
            .build();
        Ok(self
            .send(
                "create customer",
                req,
                format!("becta-customer-{}", school.id),
            )
            .await?
            .id)
    }

    async fn card_payment(&self, p: &Prepared, customer: &str) -> Result<ProviderObject> {
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
                    "{} x {} (net {} + VAT {})",
                    line.quantity,
                    line.description,
                    money::pounds(line.net_pence),
                    money::pounds(line.vat_pence)
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

    fn verify_event(
        &self,
        signature: &str,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<PaymentEvent> {
        let Some(secret) = &self.webhook_secret else {
            return Err(Error::PaymentsDisabled);
        };
        if let Err(why) = verify_signature(secret, signature, body, now) {
            return Err(Error::BadSignature(why.to_owned()));
        }
        let envelope: Envelope = serde_json::from_slice(body)
            .map_err(|e| Error::bad_input("body", format!("the event could not be read: {e}")))?;
        Ok(event_of(envelope))
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
    object: Value,
}

/// A Stripe event in the domain's words: which payment or invoice, and what happened to it.
fn event_of(envelope: Envelope) -> PaymentEvent {
    let o = &envelope.data.object;
    let kind = envelope.kind.as_str();
    let method = if kind.starts_with("invoice.") {
        PaymentMethod::Invoice
    } else {
        PaymentMethod::Card
    };
    let reason = |o: &Value| {
        o["last_payment_error"]["message"]
            .as_str()
            .or(o["last_finalization_error"]["message"].as_str())
            .unwrap_or("the payment failed")
            .to_owned()
    };
    let paid = |amount: Option<i64>| PaymentEffect::Paid {
        amount_pence: amount,
        currency: o["currency"].as_str().unwrap_or("gbp").to_owned(),
    };
    let effect = match kind {
        "payment_intent.succeeded" => {
            Some(paid(o["amount_received"].as_i64().or(o["amount"].as_i64())))
        }
        "invoice.paid" | "invoice.payment_succeeded" => {
            Some(paid(o["amount_paid"].as_i64().or(o["total"].as_i64())))
        }
        "payment_intent.payment_failed" | "invoice.payment_failed" => {
            Some(PaymentEffect::Failed { reason: reason(o) })
        }
        "invoice.voided" => Some(PaymentEffect::Voided),
        _ => None,
    };
    let subject =
        (kind.starts_with("invoice.") || kind.starts_with("payment_intent.")).then(|| {
            PaymentSubject {
                kind: method,
                provider_id: o["id"].as_str().unwrap_or_default().to_owned(),
                order_id: o["metadata"]["order_id"]
                    .as_str()
                    .and_then(|s| s.parse().ok()),
            }
        });
    PaymentEvent {
        created: DateTime::from_timestamp(envelope.created, 0).unwrap_or_else(Utc::now),
        id: envelope.id,
        kind: envelope.kind,
        subject,
        effect,
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
