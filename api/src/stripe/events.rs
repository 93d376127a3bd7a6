//! Stripe's webhooks: the `Stripe-Signature` check on the raw body, and an event read into the
//! domain's [`PaymentEvent`].
//!
//! Policy: `Stripe-Signature` holds `t=<unix time>` and one or more `v1=<hex HMAC-SHA256 of
//! "t.body">`; a timestamp more than [`TOLERANCE_SECONDS`] from now is refused. Events are read
//! as async-stripe's `Event`; what they mean for an order is read from their object's few
//! fields we act on.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use becta_domain::payments::{PaymentEffect, PaymentEvent, PaymentSubject};
use becta_domain::vocab::PaymentMethod;

use super::failures::declined;

/// Webhook timestamps further than this from now are refused.
pub const TOLERANCE_SECONDS: i64 = 300;

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

/// A Stripe event in the domain's words: which payment or invoice, and what happened to it.
pub(super) fn event_of(id: String, kind: &str, created: i64, o: &Value) -> PaymentEvent {
    let method = if kind.starts_with("invoice.") {
        PaymentMethod::Invoice
    } else {
        PaymentMethod::Card
    };
    let reason = o["last_payment_error"]["message"]
        .as_str()
        .or(o["last_finalization_error"]["message"].as_str());
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
        "payment_intent.payment_failed" => {
            Some(PaymentEffect::Failed(declined("the payment", reason)))
        }
        "invoice.payment_failed" => Some(PaymentEffect::Failed(declined(
            "the payment of the invoice",
            reason,
        ))),
        "invoice.finalized" | "invoice.sent" => Some(PaymentEffect::Invoiced),
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
        created: DateTime::from_timestamp(created, 0).unwrap_or_else(Utc::now),
        id,
        kind: kind.to_owned(),
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
