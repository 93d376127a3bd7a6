//! The Stripe adapter: [`Gateway`] implements the domain's [`PaymentProvider`] with Stripe's
//! API (customers, PaymentIntents, invoices) and reads Stripe's webhook events into
//! [`PaymentEvent`]s. Nothing of Stripe's formats reaches the domain: a failed call becomes a
//! [`ProviderFailure`] (declined, invalid request, unavailable) with a message a school can act
//! on, and the detail is logged here.
//!
//! Policy:
//! - Requests use async-stripe's typed builders, and answers are read as its typed objects
//!   (Customer, PaymentIntent, Invoice, InvoiceItem, Event), so an answer that is not what
//!   Stripe documents fails here, not later.
//! - Every call that makes or moves something carries an idempotency key derived from the
//!   order and the step (or the school, for its customer), so repeating a step after a timeout
//!   never makes a second object.
//! - An invoice follows Stripe's own sequence: a draft with its terms (`send_invoice`, 30 days,
//!   the purchase-order number as a custom field, `auto_advance` off so Stripe neither
//!   finalizes the draft while its items are added nor emails it a second time), the order's
//!   lines added to that draft, then finalize and send.
//! - Only real unavailability (no answer, a network error, Stripe's 5xx or 429) is
//!   `UNAVAILABLE` and says "retry"; a decline or a refusal says what to change instead
//!   (`failures`).
//! - Webhooks are verified on the raw body, and read as async-stripe's `Event` (`events`).

use std::collections::HashMap;

use becta_domain::entity::organisation;
use becta_domain::orders::{Prepared, ProviderObject};
use becta_domain::payments::{PaymentEvent, PaymentProvider, ProviderFailure};
use becta_domain::{Error, Result, money};
use chrono::{DateTime, Utc};
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeRequest};
use stripe_billing::invoice::{
    CreateInvoice, CreateInvoicePendingInvoiceItemsBehavior, CustomFieldParams,
    FinalizeInvoiceInvoice, SendInvoiceInvoice,
};
use stripe_billing::invoice_item::CreateInvoiceItem;
use stripe_billing::{Invoice, InvoiceCollectionMethod, InvoiceItem};
use stripe_client_core::RequestBuilder;
use stripe_core::customer::CreateCustomer;
use stripe_core::payment_intent::CreatePaymentIntent;
use stripe_core::{Customer, Event, PaymentIntent};
use stripe_types::Currency;

use crate::config::StripeConfig;

mod events;
mod failures;

use events::event_of;
pub use events::{TOLERANCE_SECONDS, signature_header, verify_signature};
use failures::{
    ADD_LINE, CREATE_CUSTOMER, CREATE_INVOICE, CREATE_PAYMENT, FINALIZE, SEND, Step, failure,
};

/// Longest wait for one Stripe call.
pub const CALL_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);
/// Days a school has to pay an invoice.
pub const INVOICE_DAYS: u32 = 30;
/// The name of the invoice's custom field that carries the school's purchase-order number.
pub const PO_FIELD: &str = "PO number";

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

    /// One call to Stripe, read as `T` and given up after [`CALL_TIMEOUT`] (unavailable; the
    /// idempotency key makes the retry safe).
    async fn call<T>(&self, step: Step, req: RequestBuilder, idempotency: String) -> Result<T>
    where
        T: miniserde::Deserialize + Send + 'static,
    {
        let call = req
            .customize::<T>()
            .request_strategy(key(idempotency)?)
            .send(&self.client);
        match tokio::time::timeout(CALL_TIMEOUT, call).await {
            Ok(answer) => answer.map_err(|e| failure(step, e)),
            Err(_) => {
                tracing::warn!(
                    step = step.name,
                    "stripe: no answer within {} s",
                    CALL_TIMEOUT.as_secs()
                );
                Err(Error::Provider(ProviderFailure::unavailable()))
            }
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
        let made: Customer = self
            .call(
                CREATE_CUSTOMER,
                req,
                format!("becta-customer-{}", school.id),
            )
            .await?;
        Ok(made.id.to_string())
    }

    async fn card_payment(&self, p: &Prepared, customer: &str) -> Result<ProviderObject> {
        let req = CreatePaymentIntent::new(p.order.total_pence, Currency::GBP)
            .customer(customer)
            .metadata(Self::metadata(p))
            .build();
        let made: PaymentIntent = self
            .call(
                CREATE_PAYMENT,
                req,
                format!("becta-order-{}-payment", p.order.id),
            )
            .await?;
        Ok(ProviderObject::PaymentIntent {
            id: made.id.to_string(),
            client_secret: made.client_secret,
        })
    }

    /// A draft with its terms, the order's lines on it, then finalized and sent.
    async fn invoice(&self, p: &Prepared, customer: &str) -> Result<ProviderObject> {
        let order = p.order.id;
        let po = p.order.purchase_order_number.clone().unwrap_or_default();
        let req = CreateInvoice::new()
            .customer(customer)
            .currency(Currency::GBP)
            .collection_method(InvoiceCollectionMethod::SendInvoice)
            .days_until_due(INVOICE_DAYS)
            .custom_fields(vec![CustomFieldParams::new(PO_FIELD, po)])
            .auto_advance(false)
            .pending_invoice_items_behavior(CreateInvoicePendingInvoiceItemsBehavior::Exclude)
            .metadata(Self::metadata(p))
            .build();
        let draft: Invoice = self
            .call(CREATE_INVOICE, req, format!("becta-order-{order}-invoice"))
            .await?;
        let id = draft
            .id
            .ok_or_else(|| Error::Internal("stripe made an invoice without an id".into()))?;
        for line in &p.lines {
            let mut metadata = HashMap::new();
            metadata.insert("order_id".to_owned(), order.to_string());
            metadata.insert("line".to_owned(), line.position.to_string());
            let req = CreateInvoiceItem::new()
                .customer(customer)
                .invoice(id.as_str())
                .amount(line.net_pence + line.vat_pence)
                .currency(Currency::GBP)
                .description(format!(
                    "{} x {} (net {} + VAT {})",
                    line.quantity,
                    line.description,
                    money::pounds(line.net_pence),
                    money::pounds(line.vat_pence)
                ))
                .metadata(metadata)
                .build();
            let _: InvoiceItem = self
                .call(
                    ADD_LINE,
                    req,
                    format!("becta-order-{order}-line-{}", line.position),
                )
                .await?;
        }
        let req = FinalizeInvoiceInvoice::new(id.clone())
            .auto_advance(false)
            .build();
        let _: Invoice = self
            .call(FINALIZE, req, format!("becta-order-{order}-finalize"))
            .await?;
        let req = SendInvoiceInvoice::new(id.clone()).build();
        let sent: Invoice = self
            .call(SEND, req, format!("becta-order-{order}-send"))
            .await?;
        if sent.total != p.order.total_pence {
            tracing::error!(alert = "invoice_total_mismatch", order = %order, invoice = %id, total = sent.total, expected = p.order.total_pence, "a sent invoice's total is not the order's");
        }
        tracing::info!(order = %order, invoice = %id, number = ?sent.number, due = ?sent.due_date, "invoice sent");
        Ok(ProviderObject::Invoice { id: id.to_string() })
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
        let event = std::str::from_utf8(body)
            .ok()
            .and_then(|text| miniserde::json::from_str::<Event>(text).ok())
            .ok_or_else(|| {
                Error::bad_input(
                    "body",
                    "the body is not a Stripe event (as Stripe documents one)",
                )
            })?;
        let object = serde_json::from_str(&miniserde::json::to_string(&event.data.object))
            .map_err(|e| {
                Error::bad_input("body", format!("the event's object could not be read: {e}"))
            })?;
        Ok(event_of(
            event.id.to_string(),
            event.type_.as_str(),
            event.created,
            &object,
        ))
    }
}
