//! Purchases that fail: refused before anything is written, or failed at the payment provider.
//! A provider failure keeps the order `FAILED` with its class (`failureKind`) and a reason the
//! school can act on; only an unreachable provider says "retry".

use anyhow::{Context, Result};
use becta_domain::entity::order;
use becta_domain::payments::UNAVAILABLE_MESSAGE;
use becta_domain::vocab::Role;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use super::shop;
use crate::common::stripe::{self, WEBHOOK_SECRET};
use crate::common::{error_codes, fixture, spawn_app, spawn_app_with};

const MY_ORDERS: &str = "{ myOrders { id status method purchaseOrderNumber totalPence \
    stripePaymentIntentId stripeInvoiceId failureKind failureReason } }";

#[tokio::test]
async fn bad_purchases_name_the_field_and_write_nothing() -> Result<()> {
    let s = shop().await?;
    let p = s.f.products["Alpha Phonics"].to_string();
    let cases = [
        (json!({ "p": p, "q": 0, "m": "CARD" }), "BAD_USER_INPUT"),
        (
            json!({ "p": p, "q": 100_001, "m": "CARD" }),
            "BAD_USER_INPUT",
        ),
        (json!({ "p": p, "q": 5, "m": "INVOICE" }), "BAD_USER_INPUT"),
        (
            json!({ "p": p, "q": 5, "m": "INVOICE", "po": "=cmd|' /C calc'!A0" }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "p": p, "q": 5, "m": "CARD", "opt": "DEAL_PRICE" }),
            "BAD_USER_INPUT",
        ),
        // Beta is not on the licences deal.
        (
            json!({ "p": s.f.products["Beta Safeguard"].to_string(), "q": 5, "m": "CARD", "opt": "DEAL_PRICE", "deal": s.f.deals["Current Licences Deal"].to_string() }),
            "BAD_USER_INPUT",
        ),
        (
            json!({ "p": s.f.products["Beta Draft Thing"].to_string(), "q": 5, "m": "CARD" }),
            "NOT_FOUND",
        ),
        (
            json!({ "p": p, "q": 5, "m": "CARD", "loan": uuid::Uuid::new_v4().to_string() }),
            "NOT_FOUND",
        ),
    ];
    for (args, code) in cases {
        assert_eq!(
            error_codes(&s.purchase(args.clone()).await?),
            [code],
            "{args}"
        );
    }
    let supplier = s.app.token(Role::Supplier, Some(&s.f.alpha.to_string()));
    let r = s
        .app
        .gql_as(
            &supplier,
            "mutation($p: ID!) { purchase(productId: $p, quantity: 1, method: CARD) { id } }",
            json!({ "p": p }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"]);
    assert_eq!(order::Entity::find().count(&s.app.db).await?, 0);
    Ok(())
}

#[tokio::test]
async fn without_a_payment_provider_purchases_are_disabled_and_nothing_is_written() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let r = app
        .gql_as(
            &school,
            "mutation($p: ID!) { purchase(productId: $p, quantity: 3, method: CARD) { id } }",
            json!({ "p": f.products["Alpha Phonics"].to_string() }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["PAYMENTS_DISABLED"]);
    assert_eq!(order::Entity::find().count(&app.db).await?, 0);
    let resp = app
        .client
        .post(format!("{}/webhooks/stripe", app.url))
        .body("{}")
        .send()
        .await?;
    assert_eq!(resp.status().as_u16(), 503);
    Ok(())
}

#[tokio::test]
async fn when_stripe_cannot_be_reached_the_order_is_kept_failed_and_a_retry_makes_no_second_one()
-> Result<()> {
    // A port nothing listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let base = format!("http://{dead}");
    let app = spawn_app_with(
        false,
        &[
            ("BECTA_STRIPE_SECRET_KEY", stripe::SECRET_KEY),
            ("BECTA_STRIPE_API_BASE", &base),
            ("BECTA_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET),
        ],
    )
    .await?;
    let f = fixture::load(&app.db).await?;
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let q = "mutation($p: ID!) { purchase(productId: $p, quantity: 3, method: INVOICE, purchaseOrderNumber: \"PO-2027-0042\", clientKey: \"po-42\") { id } }";
    let vars = json!({ "p": f.products["Alpha Phonics"].to_string() });
    for _ in 0..2 {
        let r = app.gql_as(&school, q, vars.clone()).await?;
        assert_eq!(error_codes(&r), ["UNAVAILABLE"]);
        assert_eq!(r["errors"][0]["message"], UNAVAILABLE_MESSAGE);
    }
    assert_eq!(order::Entity::find().count(&app.db).await?, 1);
    // The school sees the order kept, failed, with what to do.
    let mine = app.data_as(&school, MY_ORDERS, json!({})).await?;
    assert_eq!(
        mine["myOrders"],
        json!([{
            "id": mine["myOrders"][0]["id"], "status": "FAILED", "method": "INVOICE",
            "purchaseOrderNumber": "PO-2027-0042", "totalPence": 1_080,
            "stripePaymentIntentId": null, "stripeInvoiceId": null,
            "failureKind": "UNAVAILABLE",
            "failureReason": "the payment service could not be reached; retry with the same clientKey",
        }])
    );
    Ok(())
}

#[tokio::test]
async fn a_payment_stripe_refuses_is_kept_failed_with_what_to_change_and_no_advice_to_retry()
-> Result<()> {
    let s = shop().await?;
    // 400 licences at £2,500 + VAT: £1.2m, more than Stripe takes in one payment.
    let q = "mutation($p: ID!) { purchase(productId: $p, quantity: 400, method: CARD, clientKey: \"sixth-form-all\") { id status } }";
    let vars = json!({ "p": s.f.products["Alpha Sixth Form Tracker"].to_string() });
    let reason = "Stripe refused the payment: Amount must be no more than £999,999.99. Check the quantity (a purchase this large may need to be split into several orders) and try again";
    for _ in 0..2 {
        let r = s.app.gql_as(&s.school, q, vars.clone()).await?;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
        assert_eq!(r["errors"][0]["extensions"]["field"], "quantity");
        assert_eq!(r["errors"][0]["message"], reason);
    }
    let mine = s.app.data_as(&s.school, MY_ORDERS, json!({})).await?;
    let orders = mine["myOrders"].as_array().context("orders")?;
    assert_eq!(orders.len(), 1);
    let o = &orders[0];
    assert_eq!(o["status"], "FAILED");
    assert_eq!(o["totalPence"], 120_000_000);
    assert_eq!(o["failureKind"], "INVALID_REQUEST");
    assert_eq!(o["failureReason"], reason);
    assert_eq!(o["stripePaymentIntentId"], Value::Null);
    assert!(!reason.contains("retry"));
    Ok(())
}
