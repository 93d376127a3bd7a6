//! A school buyer's purchase: the request and its checks, pricing (VAT and deal prices), the
//! pending order written before the provider is asked, and what the provider made for it.

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect, Set,
};
use serde_json::json;
use uuid::Uuid;

use super::{MAX_QUANTITY, VAT_PERCENT, find, lines_of, save};
use crate::actor::{self, Actor};
use crate::catalogue::{deals, products};
use crate::entity::{loan, lot, lot_supplier, order, order_line, organisation, payment_customer};
use crate::vocab::{
    LoanStatus, OrderStatus, PaymentFailureKind, PaymentMethod, PriceOption, PricingModel,
};
use crate::{Error, Result, audit, db};

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
            if o.status == OrderStatus::Failed.code() {
                crate::devices::stock::retake_for_retry(&tx, o.id).await?;
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
        failure_kind: None,
        paid_at: None,
        provider_claimed_until: None,
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
    crate::devices::stock::reserve(&tx, row.id, product.id, req.quantity).await?;
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
    let had = match &made {
        ProviderObject::PaymentIntent { id, .. } => (&before.stripe_payment_intent_id, id),
        ProviderObject::Invoice { id } => (&before.stripe_invoice_id, id),
    };
    if let (Some(kept), made_now) = had
        && kept != made_now
    {
        tracing::error!(
            alert = "second_provider_object",
            order = %order_id,
            kept = %kept,
            refused = %made_now,
            "the payment provider made a second object for one order: not recorded; check for a double charge"
        );
        return Err(Error::Conflict(format!(
            "the payment provider already made {kept} for this order; {made_now} was not recorded"
        )));
    }
    let mut after = before.clone();
    after.stripe_customer_id = Some(customer_id.to_owned());
    after.failure_reason = None;
    after.failure_kind = None;
    after.provider_claimed_until = None;
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

/// Records why the provider did not make the payment or invoice (its kind, when the provider
/// said); the order can be retried with its key.
pub async fn record_provider_failure(
    db: &DatabaseConnection,
    order_id: Uuid,
    kind: Option<PaymentFailureKind>,
    reason: &str,
) -> Result<()> {
    let tx = db::begin_write(db).await?;
    let before = find(&tx, order_id).await?;
    // A retried order that fails again keeps the newer reason; either way its claim ends.
    if before.status == OrderStatus::Pending.code() || before.status == OrderStatus::Failed.code() {
        let after = order::Model {
            status: OrderStatus::Failed.code().into(),
            failure_reason: Some(reason.chars().take(500).collect()),
            failure_kind: kind.map(|k| k.code().to_owned()),
            provider_claimed_until: None,
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
