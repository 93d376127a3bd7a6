//! Payments: the seam to a payment provider ([`PaymentProvider`]) and the two flows that use
//! it, a purchase and a provider's event. The provider's own formats (Stripe's JSON, its
//! signatures) stay in its adapter; the domain sees only [`PaymentEvent`]s.
//!
//! Policy:
//! - Without a provider, `purchase` and `receive_event` answer `PAYMENTS_DISABLED` and write
//!   nothing.
//! - A purchase writes the order first (pending), then asks the provider for the school's
//!   customer and a card payment or an invoice, then records what was made, each step its own
//!   transaction in `orders`. A provider failure leaves the order `failed` with its
//!   [`ProviderFailure`]: its kind (declined, invalid request, unavailable) and a message the
//!   school can act on. Retrying with the same `clientKey` resumes it, and the adapter's
//!   idempotency keys (derived from the order and the step) make sure nothing is made twice at
//!   the provider. Only an unavailable provider is worth retrying as it stands.
//! - An event is verified by the adapter (a bad signature is `BAD_SIGNATURE`), then applied by
//!   `orders::apply_event`, at most once per event id.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::actor::Actor;
use crate::entity::{order, organisation};
use crate::orders::{self, EventOutcome, Prepared, ProviderObject, PurchaseRequest, Turn};
use crate::vocab::{PaymentFailureKind, PaymentMethod};
use crate::{Code, Error, Result};

/// What an order's failure says when the provider could not be reached.
pub const UNAVAILABLE_MESSAGE: &str =
    "the payment service could not be reached; retry with the same clientKey";

/// Why the payment provider did not do what was asked, read by its adapter from the provider's
/// answer (whose formats stay in the adapter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderFailure {
    pub kind: PaymentFailureKind,
    /// What happened and what the school can do about it, e.g. "Stripe refused the invoice:
    /// <reason>. Check the purchase-order number and try again". Only an unavailable provider
    /// is answered with "retry".
    pub message: String,
    /// The purchase argument to change, when the provider refused a value that came from it.
    pub field: Option<&'static str>,
}

impl ProviderFailure {
    /// The provider could not be reached, or failed on its side.
    pub fn unavailable() -> Self {
        ProviderFailure {
            kind: PaymentFailureKind::Unavailable,
            message: UNAVAILABLE_MESSAGE.to_owned(),
            field: None,
        }
    }

    /// The code a client sees: `UNAVAILABLE` (retry with the same `clientKey`),
    /// `BAD_USER_INPUT` naming the purchase argument to change, or `CONFLICT` when the order
    /// cannot be paid so as it stands (a declined card, or a refusal that is not about one
    /// argument).
    pub fn code(&self) -> Code {
        match (self.kind, self.field) {
            (PaymentFailureKind::Unavailable, _) => Code::Unavailable,
            (_, Some(_)) => Code::BadUserInput,
            (_, None) => Code::Conflict,
        }
    }
}

/// A payment provider: Stripe in production (see the api crate's adapter).
#[async_trait::async_trait]
pub trait PaymentProvider: Send + Sync {
    /// The school's customer at the provider, made once per school.
    async fn customer(&self, school: &organisation::Model) -> Result<String>;
    /// A card payment for the order, with the secret the buyer's browser confirms it with.
    async fn card_payment(&self, order: &Prepared, customer: &str) -> Result<ProviderObject>;
    /// An invoice for the order, sent to the school with its terms and purchase-order number.
    async fn invoice(&self, order: &Prepared, customer: &str) -> Result<ProviderObject>;
    /// Verifies a webhook delivery (its signature header and raw body, at `now`) and reads it:
    /// `BAD_SIGNATURE` when it does not verify, `PAYMENTS_DISABLED` with no signing secret,
    /// `BAD_USER_INPUT` when it is not an event.
    fn verify_event(
        &self,
        signature: &str,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<PaymentEvent>;
}

/// A verified event from the payment provider, in the domain's words.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentEvent {
    /// The provider's event id: each is applied once.
    pub id: String,
    /// The provider's name for the event, kept in the event log.
    pub kind: String,
    pub created: DateTime<Utc>,
    /// The payment or invoice it is about, if any.
    pub subject: Option<PaymentSubject>,
    /// What it means for the order; none for events we do not act on.
    pub effect: Option<PaymentEffect>,
}

/// The provider's object an event is about.
#[derive(Debug, Clone, PartialEq)]
pub struct PaymentSubject {
    pub kind: PaymentMethod,
    /// The provider's id of the card payment or invoice.
    pub provider_id: String,
    /// Our order, as the object's metadata names it (it may arrive before its id was recorded).
    pub order_id: Option<Uuid>,
}

/// What an event means for its order.
#[derive(Debug, Clone, PartialEq)]
pub enum PaymentEffect {
    /// Paid: the amount received in pence (when the provider says), in `currency`.
    Paid {
        amount_pence: Option<i64>,
        currency: String,
    },
    /// A payment attempt failed (a card or an invoice's payment was declined).
    Failed(ProviderFailure),
    /// The invoice was finalized or sent to the school.
    Invoiced,
    Voided,
}

/// A purchase: the order (written first), then the provider, then the order again with what
/// the provider made.
pub async fn purchase(
    db: &DatabaseConnection,
    provider: Option<&dyn PaymentProvider>,
    actor: &Actor,
    req: PurchaseRequest,
) -> Result<order::Model> {
    let Some(provider) = provider else {
        return Err(Error::PaymentsDisabled);
    };
    let p = orders::prepare(db, actor, req).await?;
    if !p.needs_provider() {
        return Ok(p.order);
    }
    if let Turn::Answered(order) = orders::take_turn(db, p.order.id).await? {
        return Ok(*order);
    }
    match ask(provider, &p).await {
        Ok((customer, made)) => {
            let customer = orders::record_customer(db, p.order.school_id, &customer).await?;
            orders::record_provider(db, p.order.id, &customer, made).await
        }
        Err(e) => {
            let kind = match &e {
                Error::Provider(f) => Some(f.kind),
                _ => None,
            };
            orders::record_provider_failure(db, p.order.id, kind, &e.to_string()).await?;
            Err(e)
        }
    }
}

/// Asks the provider for what the order needs: the school's customer, then a card payment or
/// an invoice.
async fn ask(provider: &dyn PaymentProvider, p: &Prepared) -> Result<(String, ProviderObject)> {
    let customer = match &p.customer_id {
        Some(c) => c.clone(),
        None => provider.customer(&p.school).await?,
    };
    let made = match PaymentMethod::from_code(&p.order.method) {
        Some(PaymentMethod::Invoice) => provider.invoice(p, &customer).await?,
        _ => provider.card_payment(p, &customer).await?,
    };
    Ok((customer, made))
}

/// A webhook delivery: verified and read by the provider, then applied once.
pub async fn receive_event(
    db: &DatabaseConnection,
    provider: Option<&dyn PaymentProvider>,
    signature: &str,
    body: &[u8],
) -> Result<(PaymentEvent, EventOutcome)> {
    let Some(provider) = provider else {
        return Err(Error::PaymentsDisabled);
    };
    let event = provider.verify_event(signature, body, Utc::now())?;
    let outcome = orders::apply_event(db, &event).await?;
    Ok((event, outcome))
}
