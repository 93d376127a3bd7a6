//! `POST /webhooks/stripe`: the payment provider's events, verified and applied by the domain
//! (`payments::receive_event`).
//!
//! Policy: the raw body is read with a size limit and handed over untouched (the signature is
//! over those bytes). Any answer other than 2xx makes Stripe retry, so only a delivery we will
//! never accept (bad signature, not an event) is refused with a 4xx; a failure on our side
//! answers 5xx and is retried.

use becta_domain::payments;
use poem::web::{Data, Json};
use poem::{Body, IntoResponse, Request, Response, handler};
use serde_json::json;

use crate::errors::domain_error;
use crate::state::AppState;

/// Largest webhook body accepted.
const MAX_WEBHOOK_BYTES: usize = 512 * 1024;

/// `POST /webhooks/stripe`
#[handler]
pub async fn stripe(req: &Request, body: Body, Data(state): Data<&AppState>) -> Response {
    let bytes = match body.into_bytes_limit(MAX_WEBHOOK_BYTES).await {
        Ok(b) => b,
        Err(_) => {
            return domain_error(becta_domain::Error::bad_input(
                "body",
                format!("the body could not be read (at most {MAX_WEBHOOK_BYTES} bytes)"),
            ));
        }
    };
    let signature = req
        .headers()
        .get("stripe-signature")
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    match payments::receive_event(&state.db, state.payments.as_deref(), signature, &bytes).await {
        Ok((event, outcome)) => {
            tracing::info!(event = %event.id, kind = %event.kind, outcome = outcome.code(), "payment event");
            Json(json!({ "received": true, "outcome": outcome.code() })).into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, code = %e.code(), "payment event not applied");
            domain_error(e)
        }
    }
}
