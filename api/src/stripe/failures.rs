//! Failed Stripe calls in the domain's words: a [`ProviderFailure`] of one of three classes
//! (declined, invalid request, unavailable) and a message the school can act on.
//!
//! Policy: Stripe's own message (written for the payer) is quoted; what to do comes from the
//! class. Only real unavailability (no answer, a network error, Stripe's 5xx or 429, an error
//! page that is not Stripe's) says "retry"; a refusal names the purchase argument behind the
//! Stripe parameter it refused, when there is one. The detail of every failure is logged here,
//! and a refusal that names no argument is logged as an alert: it is ours to fix.

use becta_domain::Error;
use becta_domain::payments::ProviderFailure;
use becta_domain::vocab::PaymentFailureKind;
use stripe::{ApiErrors, ApiErrorsType, StripeError};

/// One call to Stripe: its name in the log, and the object it is about in a school's words.
#[derive(Debug, Clone, Copy)]
pub(super) struct Step {
    pub name: &'static str,
    pub object: &'static str,
}

pub(super) const CREATE_CUSTOMER: Step = Step {
    name: "create customer",
    object: "the school's customer record",
};
pub(super) const CREATE_PAYMENT: Step = Step {
    name: "create payment",
    object: "the payment",
};
pub(super) const CREATE_INVOICE: Step = Step {
    name: "create invoice",
    object: "the invoice",
};
pub(super) const ADD_LINE: Step = Step {
    name: "add invoice line",
    object: "the invoice",
};
pub(super) const FINALIZE: Step = Step {
    name: "finalize invoice",
    object: "the invoice",
};
pub(super) const SEND: Step = Step {
    name: "send invoice",
    object: "the invoice",
};

/// The purchase argument behind a Stripe parameter the adapter sends.
fn field_of(param: &str) -> Option<&'static str> {
    if param.starts_with("custom_fields") {
        Some("purchaseOrderNumber")
    } else if matches!(param, "amount" | "unit_amount" | "quantity") {
        Some("quantity")
    } else {
        None
    }
}

/// Stripe's own words, which it writes for the payer, without their closing full stop.
fn said(message: Option<&str>) -> &str {
    message
        .map(|m| m.trim().trim_end_matches('.'))
        .filter(|m| !m.is_empty())
        .unwrap_or("no reason given")
}

/// A declined card (or a declined payment of an invoice), in the school's words.
pub(super) fn declined(object: &str, message: Option<&str>) -> ProviderFailure {
    ProviderFailure {
        kind: PaymentFailureKind::Declined,
        message: format!(
            "Stripe declined {object}: {}. Try another card, or pay on invoice with your purchase-order number",
            said(message)
        ),
        field: None,
    }
}

/// Reads a refusal of Stripe's into its class: Stripe's fault or overload is unavailability,
/// a card error is a decline, anything else refused the request as it stood.
fn refused(step: Step, api: &ApiErrors, status: u16) -> ProviderFailure {
    if status == 429 || status >= 500 || api.type_ == ApiErrorsType::ApiError {
        return ProviderFailure::unavailable();
    }
    if status == 402 || api.type_ == ApiErrorsType::CardError {
        return declined(step.object, api.message.as_deref());
    }
    let field = api.param.as_deref().and_then(field_of);
    let advice = match field {
        Some("purchaseOrderNumber") => "Check the purchase-order number and try again",
        Some(_) => {
            "Check the quantity (a purchase this large may need to be split into several orders) and try again"
        }
        None => {
            "Nothing was charged; the service team has been alerted, and trying again will not help"
        }
    };
    ProviderFailure {
        kind: PaymentFailureKind::InvalidRequest,
        message: format!(
            "Stripe refused {}: {}. {advice}",
            step.object,
            said(api.message.as_deref())
        ),
        field,
    }
}

/// A failed Stripe call as the domain's error; the detail stays in the log.
pub(super) fn failure(step: Step, e: StripeError) -> Error {
    let failure = match &e {
        StripeError::Stripe(api, status) => refused(step, api, *status),
        StripeError::ClientError(_) | StripeError::Timeout => ProviderFailure::unavailable(),
        // An error status whose body is not Stripe's error JSON (a proxy's or a load
        // balancer's page): Stripe was not really reached. async-stripe rc.10's wording.
        StripeError::JSONDeserialize(m) if m == "error deserializing Stripe error" => {
            ProviderFailure::unavailable()
        }
        StripeError::JSONDeserialize(_) | StripeError::ConfigError(_) => {
            return Error::Internal(format!("stripe {}: {e}", step.name));
        }
    };
    match failure.kind {
        PaymentFailureKind::InvalidRequest if failure.field.is_none() => {
            tracing::error!(alert = "payment_refused", step = step.name, error = %e, "stripe refused a call");
        }
        _ => {
            tracing::warn!(step = step.name, kind = %failure.kind, error = %e, "stripe call failed")
        }
    }
    Error::Provider(failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(json: &str) -> Box<ApiErrors> {
        Box::new(miniserde::json::from_str(json).unwrap_or_else(|_| panic!("not an error: {json}")))
    }

    fn provider(e: Error) -> ProviderFailure {
        match e {
            Error::Provider(f) => f,
            other => panic!("not a provider failure: {other:?}"),
        }
    }

    #[test]
    fn a_refusal_is_classed_by_what_the_school_can_do_about_it() {
        let declined = provider(failure(
            CREATE_PAYMENT,
            StripeError::Stripe(
                api(
                    r#"{"type":"card_error","code":"card_declined","message":"Your card was declined."}"#,
                ),
                402,
            ),
        ));
        assert_eq!(declined.kind, PaymentFailureKind::Declined);
        assert_eq!(
            declined.message,
            "Stripe declined the payment: Your card was declined. Try another card, or pay on invoice with your purchase-order number"
        );
        let po = provider(failure(
            CREATE_INVOICE,
            StripeError::Stripe(
                api(
                    r#"{"type":"invalid_request_error","param":"custom_fields[0][value]","message":"Invalid string: too long."}"#,
                ),
                400,
            ),
        ));
        assert_eq!(
            (po.kind, po.field),
            (
                PaymentFailureKind::InvalidRequest,
                Some("purchaseOrderNumber")
            )
        );
        assert_eq!(
            po.message,
            "Stripe refused the invoice: Invalid string: too long. Check the purchase-order number and try again"
        );
        let amount = provider(failure(
            CREATE_PAYMENT,
            StripeError::Stripe(
                api(
                    r#"{"type":"invalid_request_error","param":"amount","code":"amount_too_large","message":"Amount must be no more than £999,999.99"}"#,
                ),
                400,
            ),
        ));
        assert_eq!(amount.field, Some("quantity"));
        let ours = provider(failure(
            SEND,
            StripeError::Stripe(
                api(r#"{"type":"invalid_request_error","message":"No such customer: 'cus_x'"}"#),
                400,
            ),
        ));
        assert_eq!(
            (ours.kind, ours.field),
            (PaymentFailureKind::InvalidRequest, None)
        );
        for f in [&declined, &po, &amount, &ours] {
            assert!(!f.message.contains("retry"), "{}", f.message);
        }
    }

    #[test]
    fn only_real_unavailability_says_retry() {
        let unavailable = [
            StripeError::Stripe(
                api(r#"{"type":"api_error","message":"Something went wrong"}"#),
                500,
            ),
            StripeError::Stripe(
                api(r#"{"type":"invalid_request_error","message":"Too many requests"}"#),
                429,
            ),
            StripeError::ClientError("connection refused".into()),
            StripeError::Timeout,
            StripeError::JSONDeserialize("error deserializing Stripe error".into()),
        ];
        for e in unavailable {
            let f = provider(failure(FINALIZE, e));
            assert_eq!(f, ProviderFailure::unavailable());
            assert!(f.message.contains("retry with the same clientKey"));
        }
        // An answer we cannot read is our fault: logged, not blamed on Stripe or the school.
        let unread = failure(
            ADD_LINE,
            StripeError::JSONDeserialize("missing field".into()),
        );
        assert!(matches!(unread, Error::Internal(_)), "{unread:?}");
    }
}
