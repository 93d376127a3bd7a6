//! Invoice purchases against the emulator (localstripe with the tests' invoicing extension): the
//! invoice Stripe sends (its line, 30-day terms, the purchase-order number), the signed webhooks
//! that move the order, and events in any order or replayed leaving the same state.

use anyhow::{Context, Result, bail};
use becta_api::config::{Secret, StripeConfig};
use becta_api::stripe::Gateway;
use becta_domain::actor::Actor;
use becta_domain::entity::{order, organisation};
use becta_domain::orders::{self, Prepared, ProviderObject, PurchaseRequest};
use becta_domain::payments::PaymentProvider;
use becta_domain::vocab::{PaymentMethod, PriceOption, Role};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use super::{Shop, now, shop, shop_without_webhooks};
use crate::common::stripe::{self, WEBHOOK_SECRET};

const DAY: i64 = 24 * 60 * 60;

async fn order_status(s: &Shop, o: &order::Model) -> Result<Value> {
    Ok(s.order(&json!(o.id.to_string())).await?["status"].clone())
}

/// An invoice order for one sixth-form tracker (250,000p + VAT), written as `purchase` writes
/// it before asking Stripe.
async fn prepare(s: &Shop, po: &str) -> Result<Prepared> {
    let buyer = Actor {
        user_id: uuid::Uuid::new_v4(),
        role: Role::SchoolBuyer,
        organisation_id: Some(s.f.school),
        org_kind: Some(becta_domain::vocab::OrgKind::School),
        email: None,
        display_name: Some("Bursar".into()),
        request_id: None,
    };
    let request = PurchaseRequest {
        product_id: s.f.products["Alpha Sixth Form Tracker"],
        quantity: 1,
        price_option: PriceOption::ListPrice,
        deal_id: None,
        method: PaymentMethod::Invoice,
        purchase_order_number: Some(po.to_owned()),
        loan_id: None,
        client_key: None,
    };
    Ok(orders::prepare(&s.app.db, &buyer, request).await?)
}

/// Signs and delivers an event shaped like Stripe's: (status, outcome).
async fn send_event(s: &Shop, kind: &str, object: Value) -> Result<(u16, Value)> {
    let event = json!({
        "id": format!("evt_{}", uuid::Uuid::new_v4().simple()),
        "object": "event", "type": kind, "created": now(), "livemode": false,
        "pending_webhooks": 1, "request": { "id": null, "idempotency_key": null },
        "data": { "object": object },
    });
    let body = event.to_string();
    let (status, ack) = s
        .deliver(&body, &stripe::signature(WEBHOOK_SECRET, now(), &body))
        .await?;
    Ok((status, ack["outcome"].clone()))
}

/// The emulator's one event of `kind` about `invoice`.
async fn event_of(s: &Shop, kind: &str, invoice: &str) -> Result<Value> {
    let mut found = s.emulator.events(kind, invoice).await?;
    anyhow::ensure!(
        found.len() == 1,
        "{} {kind} events for {invoice}",
        found.len()
    );
    Ok(found.remove(0))
}

#[tokio::test]
async fn an_invoice_purchase_is_sent_with_its_terms_and_po_number_and_stripe_webhooks_mark_it_paid()
-> Result<()> {
    let s = shop().await?;
    let args = json!({
        "p": s.f.products["Alpha Phonics"].to_string(), "q": 30, "m": "INVOICE",
        "po": "PO-2026-0042", "key": "phonics-on-invoice",
    });
    let r = s.purchase(args.clone()).await?;
    assert!(r.get("errors").is_none(), "{r}");
    let o = r["data"]["purchase"].clone();
    assert_eq!(o["status"], "INVOICED");
    assert_eq!(o["method"], "INVOICE");
    assert_eq!(o["purchaseOrderNumber"], "PO-2026-0042");
    assert_eq!(o["failureKind"], Value::Null);
    // 30 pupils at 300p, VAT 20%.
    assert_eq!(o["totalPence"], 10_800);
    let id = o["stripeInvoiceId"]
        .as_str()
        .context("the invoice")?
        .to_owned();

    // What Stripe sends the school: the order's line, due in 30 days, with its PO number.
    let inv = s.emulator.get(&format!("/invoices/{id}")).await?;
    assert_eq!(inv["status"], "open");
    assert_eq!(inv["collection_method"], "send_invoice");
    assert_eq!(inv["days_until_due"], 30);
    let created = inv["created"].as_i64().context("created")?;
    assert_eq!(inv["due_date"], created + 30 * DAY);
    assert_eq!(
        inv["custom_fields"],
        json!([{ "name": "PO number", "value": "PO-2026-0042" }])
    );
    assert_eq!(inv["auto_advance"], false);
    assert!(
        inv["number"].as_str().is_some_and(|n| !n.is_empty()),
        "{inv}"
    );
    assert_eq!(
        (&inv["currency"], &inv["total"]),
        (&json!("gbp"), &json!(10_800))
    );
    assert_eq!(inv["metadata"]["order_id"], o["id"]);
    assert_eq!(inv["metadata"]["purchase_order_number"], "PO-2026-0042");
    let lines = inv["lines"]["data"].as_array().context("lines")?;
    assert_eq!(lines.len(), 1, "{inv}");
    assert_eq!(lines[0]["amount"], 10_800);
    assert_eq!(
        lines[0]["description"],
        "30 x Alpha Phonics (£3 per pupil per year) (net £90 + VAT £18)"
    );
    // Finalized and sent once each.
    event_of(&s, "invoice.finalized", &id).await?;
    event_of(&s, "invoice.sent", &id).await?;

    // The same request again (a retry after a lost answer) is the same order and invoice.
    let again = s.purchase(args).await?;
    assert_eq!(again["data"]["purchase"]["id"], o["id"]);
    assert_eq!(again["data"]["purchase"]["stripeInvoiceId"], id.as_str());
    assert_eq!(order::Entity::find().count(&s.app.db).await?, 1);

    // The school pays by bank transfer and its payment is recorded in Stripe: Stripe's signed
    // webhook marks the order paid.
    let (status, paid) = s
        .emulator
        .post(
            &format!("/invoices/{id}/pay"),
            &[("paid_out_of_band", "true")],
        )
        .await?;
    assert_eq!((status, &paid["status"]), (200, &json!("paid")), "{paid}");
    let o = s.wait_for(&o["id"], "PAID").await?;
    assert!(o["paidAt"].is_string());
    assert_eq!(o["failureReason"], Value::Null);

    // Stripe delivers events again, in any order: every one of this invoice's events, latest
    // first, changes nothing.
    let mut events = Vec::new();
    for kind in [
        "invoice.paid",
        "invoice.sent",
        "invoice.finalized",
        "invoice.created",
    ] {
        events.push(event_of(&s, kind, &id).await?);
    }
    for event in &events {
        let (status, outcome) = s.deliver_event(event).await?;
        assert_eq!(status, 200, "{outcome}");
    }
    assert_eq!(s.deliver_event(&events[0]).await?.1, "duplicate");
    assert_eq!(s.order(&o["id"]).await?, o);

    // Another invoice, cancelled in Stripe: its webhook marks the order void, and Stripe takes
    // no payment of it any more.
    let r = s
        .purchase(json!({ "p": s.f.products["Alpha Times Tables"].to_string(), "q": 10, "m": "INVOICE", "po": "PO-2026-0043" }))
        .await?;
    let cancelled = r["data"]["purchase"].clone();
    assert_eq!(cancelled["status"], "INVOICED", "{r}");
    let id = cancelled["stripeInvoiceId"].as_str().context("invoice")?;
    let (status, void) = s
        .emulator
        .post(&format!("/invoices/{id}/void"), &[])
        .await?;
    assert_eq!((status, &void["status"]), (200, &json!("void")), "{void}");
    s.wait_for(&cancelled["id"], "VOID").await?;
    let (status, _) = s
        .emulator
        .post(
            &format!("/invoices/{id}/pay"),
            &[("paid_out_of_band", "true")],
        )
        .await?;
    assert_eq!(status, 400);
    assert_eq!(s.order(&cancelled["id"]).await?["status"], "VOID");
    Ok(())
}

/// Invoices Stripe made and sent while the request that asked for them lost the answer (the
/// order is still pending): Stripe's own events, delivered in any order and twice over, leave
/// the order in one state, with the invoice recorded.
#[tokio::test]
async fn stripe_invoice_events_in_any_order_and_replayed_leave_one_final_state() -> Result<()> {
    let s = shop_without_webhooks().await?;
    let gateway = Gateway::new(&StripeConfig {
        secret_key: Secret::new(stripe::SECRET_KEY.to_owned()),
        api_base: Some(s.emulator.url.clone()),
        webhook_secret: None,
    })?;
    let school = organisation::Entity::find_by_id(s.f.school)
        .one(&s.app.db)
        .await?
        .context("the school")?;
    let customer = gateway.customer(&school).await?;
    let cases: [(&str, Option<&str>, &[&str]); 6] = [
        ("INVOICED", None, &["invoice.sent", "invoice.finalized"]),
        (
            "PAID",
            Some("pay"),
            &["invoice.paid", "invoice.sent", "invoice.finalized"],
        ),
        (
            "PAID",
            Some("pay"),
            &["invoice.sent", "invoice.paid", "invoice.finalized"],
        ),
        (
            "PAID",
            Some("pay"),
            &["invoice.finalized", "invoice.sent", "invoice.paid"],
        ),
        (
            "VOID",
            Some("void"),
            &["invoice.voided", "invoice.finalized", "invoice.sent"],
        ),
        (
            "VOID",
            Some("void"),
            &["invoice.sent", "invoice.voided", "invoice.finalized"],
        ),
    ];
    for (n, (expected, then, kinds)) in cases.into_iter().enumerate() {
        let p = prepare(&s, &format!("PO-99{n}")).await?;
        let ProviderObject::Invoice { id } = gateway.invoice(&p, &customer).await? else {
            bail!("the gateway made no invoice");
        };
        assert_eq!(order_status(&s, &p.order).await?, "PENDING");
        if let Some(step) = then {
            let form: &[(&str, &str)] = match step {
                "pay" => &[("paid_out_of_band", "true")],
                _ => &[],
            };
            let (status, body) = s
                .emulator
                .post(&format!("/invoices/{id}/{step}"), form)
                .await?;
            assert_eq!(status, 200, "{body}");
        }
        let mut events = Vec::new();
        for kind in kinds {
            events.push(event_of(&s, kind, &id).await?);
        }
        for event in events.iter().chain(&events) {
            let (status, outcome) = s.deliver_event(event).await?;
            assert_eq!(status, 200, "{kinds:?}: {outcome}");
        }
        let o = s.order(&json!(p.order.id.to_string())).await?;
        assert_eq!(o["status"], expected, "{kinds:?}");
        assert_eq!(o["stripeInvoiceId"], id.as_str(), "{kinds:?}");
        assert_eq!(o["paidAt"].is_string(), expected == "PAID", "{kinds:?}");
    }
    Ok(())
}

/// Events written by hand as Stripe documents them (a payment of another amount, an invoice
/// that is not ours, a failed payment then a void), signed as Stripe signs them; the orders get
/// their invoice ids through the same domain step the gateway uses.
#[tokio::test]
async fn invoice_events_in_any_order_leave_invoiced_orders_right() -> Result<()> {
    let s = shop().await?;
    let mut invoiced = Vec::new();
    for n in 0..3 {
        let p = prepare(&s, &format!("PO-77{n}")).await?;
        let o = orders::record_provider(
            &s.app.db,
            p.order.id,
            "cus_school",
            ProviderObject::Invoice {
                id: format!("in_test_{n}"),
            },
        )
        .await?;
        assert_eq!(o.status, "invoiced");
        assert_eq!(o.total_pence, 300_000, "250,000 + 20% VAT");
        invoiced.push(o);
    }
    let invoice = |n: usize, extra: Value| {
        let mut o = json!({ "id": format!("in_test_{n}"), "object": "invoice", "currency": "gbp",
                            "total": 300_000, "metadata": { "order_id": invoiced[n].id.to_string() } });
        if let (Some(o), Some(extra)) = (o.as_object_mut(), extra.as_object()) {
            o.extend(extra.clone());
        }
        o
    };
    // Paid, then a late void: paid stays.
    assert_eq!(
        send_event(
            &s,
            "invoice.paid",
            invoice(0, json!({ "amount_paid": 300_000, "status": "paid" }))
        )
        .await?,
        (200, json!("applied"))
    );
    assert_eq!(order_status(&s, &invoiced[0]).await?, "PAID");
    assert_eq!(
        send_event(
            &s,
            "invoice.voided",
            invoice(0, json!({ "status": "void" }))
        )
        .await?,
        (200, json!("ignored"))
    );
    assert_eq!(order_status(&s, &invoiced[0]).await?, "PAID");

    // A failed payment, then a void: void; a later failure leaves it void.
    let failed = invoice(
        1,
        json!({ "last_finalization_error": null, "status": "open" }),
    );
    assert_eq!(
        send_event(&s, "invoice.payment_failed", failed.clone())
            .await?
            .1,
        "applied"
    );
    assert_eq!(order_status(&s, &invoiced[1]).await?, "PAYMENT_FAILED");
    assert_eq!(
        send_event(&s, "invoice.voided", invoice(1, json!({})))
            .await?
            .1,
        "applied"
    );
    assert_eq!(order_status(&s, &invoiced[1]).await?, "VOID");
    assert_eq!(
        send_event(&s, "invoice.payment_failed", failed).await?.1,
        "ignored"
    );
    assert_eq!(order_status(&s, &invoiced[1]).await?, "VOID");

    // A payment of another amount is recorded, not applied.
    assert_eq!(
        send_event(
            &s,
            "invoice.paid",
            invoice(2, json!({ "amount_paid": 299_999 }))
        )
        .await?
        .1,
        "amount_mismatch"
    );
    assert_eq!(order_status(&s, &invoiced[2]).await?, "INVOICED");
    // An invoice that is not ours is acknowledged.
    assert_eq!(
        send_event(
            &s,
            "invoice.paid",
            json!({ "id": "in_elsewhere", "amount_paid": 1 })
        )
        .await?,
        (200, json!("unknown_order"))
    );
    Ok(())
}
