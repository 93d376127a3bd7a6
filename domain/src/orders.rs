//! Purchases: a school buyer's order for a product, at list price or through a deal, paid by
//! card or on invoice; the payment provider's events move it to paid, failed or void.
//!
//! Policy:
//! - Prices are integers in pence. VAT is 20% of each line's net amount, rounded half up.
//!   Through a deal, the unit price is the list price less the deal's typical saving; the
//!   order keeps what the quantity costs at list price, so the saving is recorded at purchase
//!   and counted once the order is paid.
//! - An order is written (pending) before anything is asked of the payment provider, and every
//!   provider object made for it carries an idempotency key derived from the order's id. A
//!   request retried with the same `clientKey` resumes that order instead of making another,
//!   so a retry never charges twice.
//! - Provider events are applied at most once each (by event id), in one transaction with the
//!   order's change. Paid is final: a failure or void that arrives after a payment (events come
//!   in any order) changes nothing. A payment for another amount is recorded, not applied.
//! - A paid order with a loan converts that trial loan, which frees its seat for the next
//!   school waiting.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use crate::actor::{self, Actor};
use crate::catalogue::{deals, organisations, products};
use crate::entity::{
    loan, lot, lot_supplier, order, order_line, organisation, payment_customer, stripe_event,
};
use crate::payments::{PaymentEffect, PaymentEvent};
use crate::vocab::{LoanStatus, OrderStatus, PaymentMethod, PriceOption, PricingModel, Role};
use crate::{Error, Result, audit, db, lending};

pub const VAT_PERCENT: i64 = 20;
pub const MAX_QUANTITY: i64 = 100_000;

/// What a school buyer asks to buy.
#[derive(Debug, Clone)]
pub struct PurchaseRequest {
    pub product_id: Uuid,
    pub quantity: i64,
    pub price_option: PriceOption,
    /// The deal to buy through, with `PriceOption::DealPrice`.
    pub deal_id: Option<Uuid>,
    pub method: PaymentMethod,
    /// Required on invoice; shown on the invoice.
    pub purchase_order_number: Option<String>,
    /// The school's trial loan of the product, converted once paid.
    pub loan_id: Option<Uuid>,
    /// The caller's key for retrying this request safely (up to 100 characters).
    pub client_key: Option<String>,
}

/// VAT on a net amount in pence, rounded half up.
pub fn vat_on(net_pence: i64) -> i64 {
    (net_pence * VAT_PERCENT + 50) / 100
}

/// The unit price after a saving of `bps` basis points, rounded half up.
pub fn discounted(unit_pence: i64, bps: i32) -> i64 {
    let keep = 10_000 - i64::from(bps.clamp(0, 10_000));
    (unit_pence * keep + 5_000) / 10_000
}

fn check_po(po: &str) -> Result<()> {
    let ok = (1..=40).contains(&po.chars().count())
        && po
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " -/_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::bad_input(
            "purchaseOrderNumber",
            "a purchase-order number is 1 to 40 letters, digits, spaces and - / _ .",
        ))
    }
}

impl PurchaseRequest {
    fn validate(&self) -> Result<()> {
        if !(1..=MAX_QUANTITY).contains(&self.quantity) {
            return Err(Error::bad_input(
                "quantity",
                format!("quantity must be 1 to {MAX_QUANTITY}"),
            ));
        }
        match (&self.method, &self.purchase_order_number) {
            (PaymentMethod::Invoice, None) => {
                return Err(Error::bad_input(
                    "purchaseOrderNumber",
                    "paying on invoice needs your purchase-order number",
                ));
            }
            (_, Some(po)) => check_po(po.trim())?,
            (PaymentMethod::Card, None) => {}
        }
        match (&self.price_option, &self.deal_id) {
            (PriceOption::DealPrice, None) => {
                return Err(Error::bad_input(
                    "dealId",
                    "buying at a deal's price needs the deal",
                ));
            }
            (PriceOption::ListPrice, Some(_)) => {
                return Err(Error::bad_input(
                    "dealId",
                    "a deal applies only with priceOption DEAL_PRICE",
                ));
            }
            _ => {}
        }
        if let Some(k) = &self.client_key
            && !(1..=100).contains(&k.len())
        {
            return Err(Error::bad_input(
                "clientKey",
                "a client key is 1 to 100 bytes",
            ));
        }
        Ok(())
    }
}

/// An order ready for the payment provider: what to ask of it.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub order: order::Model,
    pub lines: Vec<order_line::Model>,
    pub school: organisation::Model,
    /// The school's customer at the provider, once made.
    pub customer_id: Option<String>,
}

impl Prepared {
    /// Whether the provider still has to be asked for the payment or invoice.
    pub fn needs_provider(&self) -> bool {
        self.order.status == OrderStatus::Pending.code()
            || (self.order.status == OrderStatus::Failed.code()
                && self.order.stripe_payment_intent_id.is_none()
                && self.order.stripe_invoice_id.is_none())
    }
}

async fn lines_of(db: &impl ConnectionTrait, order_id: Uuid) -> Result<Vec<order_line::Model>> {
    Ok(order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .order_by_asc(order_line::Column::Position)
        .all(db)
        .await?)
}

async fn customer_of(db: &impl ConnectionTrait, school_id: Uuid) -> Result<Option<String>> {
    Ok(payment_customer::Entity::find_by_id(school_id)
        .one(db)
        .await?
        .map(|c| c.stripe_customer_id))
}

async fn prepared(db: &impl ConnectionTrait, order: order::Model) -> Result<Prepared> {
    let school = organisation::Entity::find_by_id(order.school_id)
        .one(db)
        .await?
        .ok_or(Error::not_found("school"))?;
    Ok(Prepared {
        lines: lines_of(db, order.id).await?,
        customer_id: customer_of(db, order.school_id).await?,
        school,
        order,
    })
}

/// Is the product's supplier on one of the deal's lots?
async fn supplier_on_deal(
    db: &impl ConnectionTrait,
    deal_id: Uuid,
    supplier: Uuid,
) -> Result<bool> {
    let lots: Vec<Uuid> = lot::Entity::find()
        .select_only()
        .column(lot::Column::Id)
        .filter(lot::Column::DealId.eq(deal_id))
        .into_tuple()
        .all(db)
        .await?;
    if lots.is_empty() {
        return Ok(false);
    }
    Ok(lot_supplier::Entity::find()
        .filter(lot_supplier::Column::LotId.is_in(lots))
        .filter(lot_supplier::Column::SupplierId.eq(supplier))
        .one(db)
        .await?
        .is_some())
}

/// A school buyer's purchase, written as a pending order in one transaction. With a
/// `client_key` seen before, the earlier order is returned (it must be for the same thing).
pub async fn prepare(
    db: &DatabaseConnection,
    actor: &Actor,
    req: PurchaseRequest,
) -> Result<Prepared> {
    let school_id = actor.school_id()?;
    req.validate()?;
    let tx = actor::begin(db, actor).await?;
    if let Some(key) = &req.client_key {
        let earlier = order::Entity::find()
            .filter(order::Column::SchoolId.eq(school_id))
            .filter(order::Column::ClientKey.eq(key.as_str()))
            .one(&tx)
            .await?;
        if let Some(o) = earlier {
            let lines = lines_of(&tx, o.id).await?;
            let same = o.product_id == req.product_id
                && o.method == req.method.code()
                && o.deal_id == req.deal_id
                && o.loan_id == req.loan_id
                && lines.first().map(|l| l.quantity) == Some(req.quantity);
            if !same {
                return Err(Error::Conflict(
                    "this clientKey was used for a different purchase".into(),
                ));
            }
            let p = prepared(&tx, o).await?;
            db::commit(tx).await?;
            return Ok(p);
        }
    }
    let product = products::get_public(&tx, req.product_id).await?;
    let pricing = PricingModel::from_code(&product.pricing_model).ok_or_else(|| {
        Error::Internal(format!("unknown pricing model {}", product.pricing_model))
    })?;
    if product.price_pence <= 0 {
        return Err(Error::bad_input(
            "productId",
            "this product is free or priced on quotation: there is nothing to pay",
        ));
    }
    let mut unit = product.price_pence;
    if let Some(deal_id) = req.deal_id {
        let deal = deals::get_public(&tx, deal_id).await?;
        if !supplier_on_deal(&tx, deal.id, product.supplier_id).await? {
            return Err(Error::bad_input(
                "dealId",
                "the product's supplier is not on this deal",
            ));
        }
        let bps = deal.typical_savings_bps.ok_or_else(|| {
            Error::bad_input("dealId", "this deal names no price reduction to apply")
        })?;
        unit = discounted(unit, bps);
    }
    if let Some(loan_id) = req.loan_id {
        let l = loan::Entity::find_by_id(loan_id)
            .one(&tx)
            .await?
            .filter(|l| l.school_id == school_id)
            .ok_or(Error::not_found("loan"))?;
        if l.product_id != product.id {
            return Err(Error::bad_input("loanId", "the loan is of another product"));
        }
        if l.status != LoanStatus::Active.code() {
            return Err(Error::Conflict(
                "only an active trial loan can be converted into a purchase".into(),
            ));
        }
        let open = order::Entity::find()
            .filter(order::Column::LoanId.eq(loan_id))
            .filter(order::Column::Status.is_not_in([
                OrderStatus::Failed.code(),
                OrderStatus::Void.code(),
                OrderStatus::PaymentFailed.code(),
            ]))
            .one(&tx)
            .await?;
        if open.is_some() {
            return Err(Error::Conflict(
                "this loan already has a purchase under way".into(),
            ));
        }
    }
    let net = unit * req.quantity;
    let list_net = product.price_pence * req.quantity;
    let vat = vat_on(net);
    let now = Utc::now();
    let row = order::Model {
        id: Uuid::now_v7(),
        school_id,
        buyer_id: Some(actor.user_id),
        product_id: product.id,
        supplier_id: product.supplier_id,
        deal_id: req.deal_id,
        loan_id: req.loan_id,
        method: req.method.code().into(),
        status: OrderStatus::Pending.code().into(),
        purchase_order_number: req.purchase_order_number.map(|p| p.trim().to_owned()),
        client_key: req.client_key,
        currency: "gbp".into(),
        list_net_pence: list_net,
        net_pence: net,
        vat_pence: vat,
        total_pence: net + vat,
        savings_pence: list_net - net,
        stripe_customer_id: None,
        stripe_payment_intent_id: None,
        stripe_invoice_id: None,
        client_secret: None,
        failure_reason: None,
        paid_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let line = order_line::Model {
        id: Uuid::now_v7(),
        order_id: row.id,
        position: 1,
        description: format!("{} ({})", product.name, pricing.display(unit))
            .chars()
            .take(300)
            .collect(),
        quantity: req.quantity,
        unit_pence: unit,
        net_pence: net,
        vat_pence: vat,
    };
    order::Entity::insert(order::ActiveModel::from(row.clone()))
        .exec_without_returning(&tx)
        .await?;
    order_line::Entity::insert(order_line::ActiveModel::from(line.clone()))
        .exec_without_returning(&tx)
        .await?;
    audit::record(
        &tx,
        actor,
        "order.create",
        "order",
        row.id,
        None,
        Some(json!({ "order": audit::snapshot(&row)?, "lines": audit::snapshot(&[&line])? })),
    )
    .await?;
    let p = prepared(&tx, row).await?;
    db::commit(tx).await?;
    Ok(p)
}

/// Records the school's customer at the provider; the first one recorded wins, and is
/// returned.
pub async fn record_customer(
    db: &DatabaseConnection,
    school_id: Uuid,
    customer_id: &str,
) -> Result<String> {
    let tx = db::begin_write(db).await?;
    payment_customer::Entity::insert(payment_customer::ActiveModel {
        school_id: Set(school_id),
        stripe_customer_id: Set(customer_id.to_owned()),
        created_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::column(payment_customer::Column::SchoolId)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&tx)
    .await?;
    let kept = customer_of(&tx, school_id)
        .await?
        .ok_or_else(|| Error::Internal("payment customer not recorded".into()))?;
    db::commit(tx).await?;
    Ok(kept)
}

/// What the provider made for an order.
#[derive(Debug, Clone)]
pub enum ProviderObject {
    PaymentIntent {
        id: String,
        client_secret: Option<String>,
    },
    Invoice {
        id: String,
    },
}

/// Records the provider's payment or invoice on a pending (or provider-failed) order.
pub async fn record_provider(
    db: &DatabaseConnection,
    order_id: Uuid,
    customer_id: &str,
    made: ProviderObject,
) -> Result<order::Model> {
    let tx = db::begin_write(db).await?;
    let before = find(&tx, order_id).await?;
    let mut after = before.clone();
    after.stripe_customer_id = Some(customer_id.to_owned());
    after.failure_reason = None;
    match made {
        ProviderObject::PaymentIntent { id, client_secret } => {
            after.stripe_payment_intent_id = Some(id);
            after.client_secret = client_secret;
            after.status = OrderStatus::AwaitingPayment.code().into();
        }
        ProviderObject::Invoice { id } => {
            after.stripe_invoice_id = Some(id);
            after.status = OrderStatus::Invoiced.code().into();
        }
    }
    // A webhook may already have moved it on; then only the ids are added.
    if before.status != OrderStatus::Pending.code() && before.status != OrderStatus::Failed.code() {
        after.status = before.status.clone();
    }
    let after = save(&tx, &before, after).await?;
    audit::record_system(
        &tx,
        "order.provider",
        "order",
        order_id,
        Some(audit::snapshot(&before)?),
        Some(audit::snapshot(&after)?),
    )
    .await?;
    db::commit(tx).await?;
    Ok(after)
}

/// Records that the provider could not be asked; the order can be retried with its key.
pub async fn record_provider_failure(
    db: &DatabaseConnection,
    order_id: Uuid,
    reason: &str,
) -> Result<()> {
    let tx = db::begin_write(db).await?;
    let before = find(&tx, order_id).await?;
    if before.status == OrderStatus::Pending.code() {
        let after = order::Model {
            status: OrderStatus::Failed.code().into(),
            failure_reason: Some(reason.chars().take(500).collect()),
            ..before.clone()
        };
        let after = save(&tx, &before, after).await?;
        audit::record_system(
            &tx,
            "order.provider_failed",
            "order",
            order_id,
            Some(audit::snapshot(&before)?),
            Some(audit::snapshot(&after)?),
        )
        .await?;
    }
    db::commit(tx).await?;
    Ok(())
}

async fn find(db: &impl ConnectionTrait, id: Uuid) -> Result<order::Model> {
    order::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::not_found("order"))
}

/// Writes `after` over `before` if no one changed it meanwhile; bumps the version.
async fn save(
    tx: &impl ConnectionTrait,
    before: &order::Model,
    mut after: order::Model,
) -> Result<order::Model> {
    after.version = before.version + 1;
    after.updated_at = Utc::now();
    let done = order::Entity::update_many()
        .set(order::ActiveModel::from(after.clone()).reset_all())
        .filter(order::Column::Id.eq(before.id))
        .filter(order::Column::Version.eq(before.version))
        .exec(tx)
        .await?;
    if done.rows_affected == 1 {
        Ok(after)
    } else {
        Err(Error::Unavailable(
            "the order changed meanwhile; retry".into(),
        ))
    }
}

/// What an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventOutcome {
    Applied,
    /// Seen before: nothing done.
    Duplicate,
    /// Not a kind we act on, or no change for the order's state.
    Ignored,
    /// No order of ours.
    UnknownOrder,
    /// A payment for another amount or currency: recorded, not applied.
    AmountMismatch,
}

impl EventOutcome {
    pub fn code(self) -> &'static str {
        match self {
            EventOutcome::Applied => "applied",
            EventOutcome::Duplicate => "duplicate",
            EventOutcome::Ignored => "ignored",
            EventOutcome::UnknownOrder => "unknown_order",
            EventOutcome::AmountMismatch => "amount_mismatch",
        }
    }
}

/// The order an event is about: by the provider's id of its payment or invoice, else by the
/// order id in the object's metadata.
async fn order_for(tx: &impl ConnectionTrait, e: &PaymentEvent) -> Result<Option<order::Model>> {
    let Some(subject) = &e.subject else {
        return Ok(None);
    };
    let column = match subject.kind {
        PaymentMethod::Invoice => order::Column::StripeInvoiceId,
        PaymentMethod::Card => order::Column::StripePaymentIntentId,
    };
    if !subject.provider_id.is_empty()
        && let Some(found) = order::Entity::find()
            .filter(column.eq(subject.provider_id.as_str()))
            .one(tx)
            .await?
    {
        return Ok(Some(found));
    }
    match subject.order_id {
        Some(order_id) => Ok(order::Entity::find_by_id(order_id).one(tx).await?),
        None => Ok(None),
    }
}

/// Applies a verified provider event, at most once per event id.
pub async fn apply_event(db: &DatabaseConnection, e: &PaymentEvent) -> Result<EventOutcome> {
    let tx = db::begin_write(db).await?;
    let now = Utc::now();
    let first = stripe_event::Entity::insert(stripe_event::ActiveModel {
        id: Set(e.id.clone()),
        kind: Set(e.kind.chars().take(100).collect()),
        order_id: Set(None),
        outcome: Set("received".into()),
        created_at: Set(e.created),
        received_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(stripe_event::Column::Id)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(&tx)
    .await?;
    if first == 0 {
        db::commit(tx).await?;
        return Ok(EventOutcome::Duplicate);
    }
    let (outcome, order_id) = match (&e.effect, order_for(&tx, e).await?) {
        (None, o) => (EventOutcome::Ignored, o.map(|o| o.id)),
        (Some(_), None) => (EventOutcome::UnknownOrder, None),
        (Some(effect), Some(o)) => (apply(&tx, e, effect, &o).await?, Some(o.id)),
    };
    stripe_event::Entity::update(stripe_event::ActiveModel {
        id: Set(e.id.clone()),
        order_id: Set(order_id),
        outcome: Set(outcome.code().into()),
        ..Default::default()
    })
    .exec(&tx)
    .await?;
    db::commit(tx).await?;
    Ok(outcome)
}

async fn apply(
    tx: &impl ConnectionTrait,
    e: &PaymentEvent,
    effect: &PaymentEffect,
    before: &order::Model,
) -> Result<EventOutcome> {
    let status = OrderStatus::from_code(&before.status);
    if status == Some(OrderStatus::Paid) {
        return Ok(EventOutcome::Ignored);
    }
    let mut after = before.clone();
    match effect {
        PaymentEffect::Paid {
            amount_pence,
            currency,
        } => {
            if *amount_pence != Some(before.total_pence)
                || !currency.eq_ignore_ascii_case(&before.currency)
            {
                tracing::warn!(order = %before.id, event = %e.id, ?amount_pence, expected = before.total_pence, "payment for another amount: not applied");
                return Ok(EventOutcome::AmountMismatch);
            }
            after.status = OrderStatus::Paid.code().into();
            after.paid_at = Some(e.created);
            after.failure_reason = None;
        }
        PaymentEffect::Failed { reason } => {
            if status == Some(OrderStatus::Void) {
                return Ok(EventOutcome::Ignored);
            }
            after.status = OrderStatus::PaymentFailed.code().into();
            after.failure_reason = Some(reason.chars().take(500).collect());
        }
        PaymentEffect::Voided => {
            after.status = OrderStatus::Void.code().into();
        }
    }
    let after = save(tx, before, after).await?;
    if after.status == OrderStatus::Paid.code()
        && let Some(loan_id) = after.loan_id
    {
        lending::convert(tx, loan_id).await?;
    }
    audit::record_system(
        tx,
        &format!("order.{}", after.status),
        "order",
        after.id,
        Some(audit::snapshot(before)?),
        Some(json!({ "order": audit::snapshot(&after)?, "event": e.id })),
    )
    .await?;
    Ok(EventOutcome::Applied)
}

/// An order, to its school's buyers and to admins.
pub async fn get(db: &impl ConnectionTrait, actor: &Actor, id: Uuid) -> Result<order::Model> {
    actor.require(&[Role::SchoolBuyer, Role::Admin])?;
    let o = find(db, id).await?;
    if actor.is_admin() || actor.organisation_id == Some(o.school_id) {
        Ok(o)
    } else {
        Err(Error::not_found("order"))
    }
}

/// The lines of an order the caller has read.
pub async fn lines(db: &impl ConnectionTrait, order_id: Uuid) -> Result<Vec<order_line::Model>> {
    lines_of(db, order_id).await
}

/// The school's orders, newest first (at most 200).
pub async fn mine(db: &impl ConnectionTrait, actor: &Actor) -> Result<Vec<order::Model>> {
    let school_id = actor.school_id()?;
    Ok(order::Entity::find()
        .filter(order::Column::SchoolId.eq(school_id))
        .order_by_desc(order::Column::CreatedAt)
        .limit(200)
        .all(db)
        .await?)
}

/// How spend is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpendGroup {
    Month,
    Category,
    Supplier,
}

/// Paid spend and savings in one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpendRow {
    pub key: String,
    pub label: String,
    pub orders: i64,
    pub net_pence: i64,
    pub vat_pence: i64,
    pub savings_pence: i64,
}

/// Paid orders' spend and savings from `from` (inclusive) to `to` (exclusive), by group: a
/// school buyer's own school; an admin's every school, or one with `school_id`.
pub async fn spend(
    db: &impl ConnectionTrait,
    actor: &Actor,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    group: SpendGroup,
    school_id: Option<Uuid>,
) -> Result<Vec<SpendRow>> {
    actor.require(&[Role::SchoolBuyer, Role::Admin])?;
    if to <= from || (to - from).num_days() > 3660 {
        return Err(Error::bad_input(
            "to",
            "the period must end after it starts, within 10 years",
        ));
    }
    let school = if actor.is_admin() {
        school_id
    } else {
        Some(actor.school_id()?)
    };
    let mut q = order::Entity::find()
        .filter(order::Column::Status.eq(OrderStatus::Paid.code()))
        .filter(order::Column::PaidAt.gte(from))
        .filter(order::Column::PaidAt.lt(to));
    if let Some(s) = school {
        q = q.filter(order::Column::SchoolId.eq(s));
    }
    let paid = q.all(db).await?;
    let product_ids: Vec<Uuid> = paid.iter().map(|o| o.product_id).collect();
    let categories = products::categories_of(db, &product_ids).await?;
    let suppliers: Vec<Uuid> = paid.iter().map(|o| o.supplier_id).collect();
    let suppliers = organisations::by_ids(db, &suppliers).await?;
    let mut groups: BTreeMap<String, SpendRow> = BTreeMap::new();
    for o in &paid {
        let (key, label) = match group {
            SpendGroup::Month => {
                let t = o.paid_at.unwrap_or(o.created_at);
                let key = format!("{:04}-{:02}", t.year(), t.month());
                (key, t.format("%B %Y").to_string())
            }
            SpendGroup::Category => categories
                .get(&o.product_id)
                .and_then(|c| c.first())
                .map(|c| (c.slug.clone(), c.name.clone()))
                .unwrap_or_else(|| ("uncategorised".into(), "Uncategorised".into())),
            SpendGroup::Supplier => (
                o.supplier_id.to_string(),
                suppliers
                    .get(&o.supplier_id)
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
            ),
        };
        let row = groups.entry(key.clone()).or_insert_with(|| SpendRow {
            key,
            label,
            orders: 0,
            net_pence: 0,
            vat_pence: 0,
            savings_pence: 0,
        });
        row.orders += 1;
        row.net_pence += o.net_pence;
        row.vat_pence += o.vat_pence;
        row.savings_pence += o.savings_pence;
    }
    Ok(groups.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vat_is_a_fifth_rounded_half_up() {
        assert_eq!(vat_on(1000), 200);
        assert_eq!(vat_on(1), 0);
        assert_eq!(vat_on(3), 1);
        assert_eq!(vat_on(12_345), 2469);
    }

    #[test]
    fn deal_prices_round_half_up() {
        assert_eq!(discounted(10_000, 1_500), 8_500);
        assert_eq!(discounted(333, 1_000), 300);
        assert_eq!(discounted(100, 0), 100);
        assert_eq!(discounted(100, 20_000), 0);
    }
}
