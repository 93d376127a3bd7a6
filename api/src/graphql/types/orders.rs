//! Orders and spend.

use async_graphql::{Context, ID, Object, SimpleObject};
use becta_domain::catalogue::products;
use becta_domain::entity::{order, order_line};
use becta_domain::orders;
use becta_domain::vocab::{OrderStatus, PaymentFailureKind, PaymentMethod};
use chrono::{DateTime, Utc};

use super::Product;
use crate::graphql::auth::viewer;
use crate::graphql::error::GqlResult;
use crate::state::AppState;

/// A school's purchase of a product.
pub struct Order(pub order::Model);

#[Object]
impl Order {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn status(&self) -> Option<OrderStatus> {
        OrderStatus::from_code(&self.0.status)
    }
    async fn method(&self) -> Option<PaymentMethod> {
        PaymentMethod::from_code(&self.0.method)
    }
    async fn purchase_order_number(&self) -> Option<&str> {
        self.0.purchase_order_number.as_deref()
    }
    /// The product bought (shown even if since withdrawn).
    async fn product(&self, ctx: &Context<'_>) -> async_graphql::Result<Product> {
        let db = &ctx.data::<AppState>()?.db;
        products::get_any(db, self.0.product_id)
            .await
            .gql()
            .map(Product)
    }
    async fn product_id(&self) -> ID {
        ID(self.0.product_id.to_string())
    }
    async fn deal_id(&self) -> Option<ID> {
        self.0.deal_id.map(|d| ID(d.to_string()))
    }
    async fn loan_id(&self) -> Option<ID> {
        self.0.loan_id.map(|d| ID(d.to_string()))
    }
    async fn lines(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrderLine>> {
        let db = &ctx.data::<AppState>()?.db;
        Ok(orders::lines(db, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(OrderLine)
            .collect())
    }
    /// Always `gbp`.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    async fn net_pence(&self) -> i64 {
        self.0.net_pence
    }
    /// VAT at 20% of the net amount.
    async fn vat_pence(&self) -> i64 {
        self.0.vat_pence
    }
    async fn total_pence(&self) -> i64 {
        self.0.total_pence
    }
    /// The quantity at list price, before VAT.
    async fn list_net_pence(&self) -> i64 {
        self.0.list_net_pence
    }
    /// What buying through the deal saves against the list price.
    async fn savings_pence(&self) -> i64 {
        self.0.savings_pence
    }
    /// For a card payment: the PaymentIntent's client secret, to confirm it in the browser
    /// with Stripe.js. Only the school's own buyers see it.
    async fn client_secret(&self, ctx: &Context<'_>) -> Option<&str> {
        viewer(ctx)
            .filter(|a| a.organisation_id == Some(self.0.school_id))
            .and(self.0.client_secret.as_deref())
    }
    async fn stripe_payment_intent_id(&self) -> Option<&str> {
        self.0.stripe_payment_intent_id.as_deref()
    }
    async fn stripe_invoice_id(&self) -> Option<&str> {
        self.0.stripe_invoice_id.as_deref()
    }
    /// Why the last payment attempt (or the provider) failed, and what to do about it.
    async fn failure_reason(&self) -> Option<&str> {
        self.0.failure_reason.as_deref()
    }
    /// The class of the failure: DECLINED (try another card, or pay on invoice),
    /// INVALID_REQUEST (change what `failureReason` names) or UNAVAILABLE (retry with the same
    /// `clientKey`).
    async fn failure_kind(&self) -> Option<PaymentFailureKind> {
        self.0
            .failure_kind
            .as_deref()
            .and_then(PaymentFailureKind::from_code)
    }
    async fn paid_at(&self) -> Option<DateTime<Utc>> {
        self.0.paid_at
    }
    /// For a device order: the kg CO2e its units save against buying them new, as the
    /// listing stated it when ordered, with its source; none when unknown or not a device.
    async fn carbon_saved(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Option<becta_domain::devices::Figure>> {
        let db = &ctx.data::<AppState>()?.db;
        becta_domain::devices::savings::saved_by_order(db, self.0.id)
            .await
            .gql()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// One line of an order, in pence.
pub struct OrderLine(pub order_line::Model);

#[Object]
impl OrderLine {
    async fn description(&self) -> &str {
        &self.0.description
    }
    async fn quantity(&self) -> i64 {
        self.0.quantity
    }
    async fn unit_pence(&self) -> i64 {
        self.0.unit_pence
    }
    async fn net_pence(&self) -> i64 {
        self.0.net_pence
    }
    async fn vat_pence(&self) -> i64 {
        self.0.vat_pence
    }
}

/// Paid spend and savings in one group of a period, with the annual commitments of the
/// contracts running in it.
#[derive(SimpleObject)]
pub struct SpendRow {
    /// `2026-11` by month, a category slug, or a supplier id (`name:<name>` for a supplier
    /// known only by the name a school gave a contract).
    pub key: String,
    pub label: String,
    pub orders: i64,
    pub net_pence: i64,
    pub vat_pence: i64,
    pub savings_pence: i64,
    /// Contracts in the register (bought here or added by hand) running in the group's time.
    pub contracts: i64,
    /// Their annual costs, in pence before VAT: by month, what the school is committed to a
    /// year in that month.
    pub annual_commitment_pence: i64,
}

impl From<orders::SpendRow> for SpendRow {
    fn from(r: orders::SpendRow) -> Self {
        SpendRow {
            key: r.key,
            label: r.label,
            orders: r.orders,
            net_pence: r.net_pence,
            vat_pence: r.vat_pence,
            savings_pence: r.savings_pence,
            contracts: r.contracts,
            annual_commitment_pence: r.annual_commitment_pence,
        }
    }
}

/// The carbon saved by paid device orders (a school's, a trust's or every school's).
#[derive(SimpleObject)]
pub struct CarbonSummary {
    /// Paid device orders counted (a failed or cancelled one is not).
    pub orders: i64,
    /// Units they bought.
    pub units: i64,
    /// kg CO2e saved against buying the same units new.
    pub saved_kg: i64,
    /// Units whose saving is unknown (no documented footprint for their kind of device).
    pub units_without_figure: i64,
    /// Every source the figures rest on, once each.
    pub sources: Vec<String>,
}

impl From<becta_domain::devices::CarbonSummary> for CarbonSummary {
    fn from(c: becta_domain::devices::CarbonSummary) -> Self {
        CarbonSummary {
            orders: c.orders,
            units: c.units,
            saved_kg: c.saved_kg,
            units_without_figure: c.units_without_figure,
            sources: c.sources,
        }
    }
}
