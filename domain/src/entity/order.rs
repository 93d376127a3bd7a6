//! `orders` table: a school's purchase of a product, paid by card or on invoice.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub school_id: Uuid,
    pub buyer_id: Option<Uuid>,
    pub product_id: Uuid,
    pub supplier_id: Uuid,
    pub deal_id: Option<Uuid>,
    pub loan_id: Option<Uuid>,
    /// `card` or `invoice` (see `vocab::PaymentMethod`).
    pub method: String,
    /// See `vocab::OrderStatus`.
    pub status: String,
    pub purchase_order_number: Option<String>,
    #[serde(skip)]
    pub client_key: Option<String>,
    pub currency: String,
    /// What the quantity costs at list price, before VAT.
    pub list_net_pence: i64,
    pub net_pence: i64,
    pub vat_pence: i64,
    pub total_pence: i64,
    /// `list_net_pence - net_pence`: what buying through the deal saved.
    pub savings_pence: i64,
    pub stripe_customer_id: Option<String>,
    pub stripe_payment_intent_id: Option<String>,
    pub stripe_invoice_id: Option<String>,
    #[serde(skip)]
    pub client_secret: Option<String>,
    pub failure_reason: Option<String>,
    /// Why it failed, as a class (see `vocab::PaymentFailureKind`).
    pub failure_kind: Option<String>,
    pub paid_at: Option<DateTimeUtc>,
    /// While set and in the future, one request is asking the payment provider for this
    /// order; others wait for what it records.
    #[serde(skip)]
    pub provider_claimed_until: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
