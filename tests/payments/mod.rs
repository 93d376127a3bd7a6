//! Purchases against a real Stripe emulator (localstripe, with the tests' invoicing extension):
//! a trial becomes a purchase by card, signed webhooks move the order, a decline leaves the loan
//! alone, replays and forgeries change nothing. Invoices are in `invoices`; refusals and
//! provider failures in `failures`.

mod failures;
mod invoices;

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use becta_domain::entity::{order, payment_customer};
use becta_domain::vocab::Role;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::common::stripe::{self, Emulator, WEBHOOK_SECRET};
use crate::common::{TestApp, error_codes, fixture, spawn_app_with};

const ORDER: &str = "id status method purchaseOrderNumber netPence vatPence totalPence listNetPence \
    savingsPence clientSecret stripePaymentIntentId stripeInvoiceId failureReason failureKind \
    paidAt loanId lines { description quantity unitPence netPence vatPence }";

struct Shop {
    app: TestApp,
    emulator: Emulator,
    school: String,
    f: fixture::Fixture,
    offer: Value,
}

/// A server on the emulator that hears every event the emulator sends.
async fn shop() -> Result<Shop> {
    open_shop(true).await
}

/// A server on the emulator that hears only the events a test delivers itself.
async fn shop_without_webhooks() -> Result<Shop> {
    open_shop(false).await
}

async fn open_shop(webhooks: bool) -> Result<Shop> {
    let url = stripe::emulator()?;
    let env = stripe::server_env(&url);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(false, &env).await?;
    let emulator = Emulator::new(url);
    if webhooks {
        emulator.register_webhook(&app.url).await?;
    }
    let f = fixture::load(&app.db).await?;
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let offer = app
        .data_as(
            &supplier,
            "mutation($p: ID!, $input: TrialOfferInput!) { createTrialOffer(productId: $p, input: $input) { id seatsFree } }",
            json!({
                "p": f.products["Alpha Phonics"].to_string(),
                "input": {
                    "seats": 1, "loanDays": 30, "maxExtensions": 0, "extensionDays": 7,
                    "eligiblePhases": ["PRIMARY"], "terms": "Free for one term.",
                    "licenceKeys": ["PHONICS-TRIAL-1"],
                }
            }),
        )
        .await?["createTrialOffer"]
        .clone();
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    Ok(Shop {
        app,
        emulator,
        school,
        f,
        offer,
    })
}

impl Shop {
    async fn borrow(&self) -> Result<Value> {
        Ok(self
            .app
            .data_as(
                &self.school,
                "mutation($o: ID!) { requestTrialLoan(offerId: $o) { id status } }",
                json!({ "o": self.offer["id"] }),
            )
            .await?["requestTrialLoan"]
            .clone())
    }

    async fn purchase(&self, args: Value) -> Result<Value> {
        let q = format!(
            "mutation($p: ID!, $q: Int!, $opt: PriceOption, $deal: ID, $m: PaymentMethod!, $po: String, $loan: ID, $key: String) {{ \
             purchase(productId: $p, quantity: $q, priceOption: $opt, dealId: $deal, method: $m, purchaseOrderNumber: $po, loanId: $loan, clientKey: $key) {{ {ORDER} }} }}"
        );
        self.app.gql_as(&self.school, &q, args).await
    }

    async fn order(&self, id: &Value) -> Result<Value> {
        let q = format!("query($id: ID!) {{ order(id: $id) {{ {ORDER} }} }}");
        Ok(self
            .app
            .data_as(&self.school, &q, json!({ "id": id }))
            .await?["order"]
            .clone())
    }

    /// Waits for the emulator's webhook to move the order to `status`.
    async fn wait_for(&self, id: &Value, status: &str) -> Result<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let o = self.order(id).await?;
            if o["status"] == status {
                return Ok(o);
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "the order never became {status}: {o}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn loan_status(&self, id: &Value) -> Result<Value> {
        Ok(self
            .app
            .data_as(
                &self.school,
                "query($id: ID!) { loan(id: $id) { status } }",
                json!({ "id": id }),
            )
            .await?["loan"]["status"]
            .clone())
    }

    /// POSTs a webhook body with a signature header: (status, body).
    async fn deliver(&self, body: &str, signature: &str) -> Result<(u16, Value)> {
        let resp = self
            .app
            .client
            .post(format!("{}/webhooks/stripe", self.app.url))
            .header("stripe-signature", signature)
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await?;
        let status = resp.status().as_u16();
        Ok((status, resp.json().await.unwrap_or(Value::Null)))
    }

    /// Delivers an event as Stripe retries one, freshly signed: (status, outcome).
    async fn deliver_event(&self, event: &Value) -> Result<(u16, Value)> {
        let body = serde_json::to_string(event)?;
        let (status, ack) = self
            .deliver(&body, &stripe::signature(WEBHOOK_SECRET, now(), &body))
            .await?;
        Ok((status, ack["outcome"].clone()))
    }
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn a_trial_becomes_a_card_purchase_through_a_deal_and_the_signed_webhook_converts_the_loan()
-> Result<()> {
    let s = shop().await?;
    let loan = s.borrow().await?;
    assert_eq!(loan["status"], "ACTIVE");
    let args = json!({
        "p": s.f.products["Alpha Phonics"].to_string(), "q": 100,
        "opt": "DEAL_PRICE", "deal": s.f.deals["Current Licences Deal"].to_string(),
        "m": "CARD", "loan": loan["id"], "key": "phonics-2027-order",
    });
    let r = s.purchase(args.clone()).await?;
    assert!(r.get("errors").is_none(), "{r}");
    let o = r["data"]["purchase"].clone();
    // 300p a pupil, 10% off through the deal: 270p x 100, VAT 20%.
    assert_eq!(o["status"], "AWAITING_PAYMENT");
    assert_eq!(o["listNetPence"], 30_000);
    assert_eq!(o["netPence"], 27_000);
    assert_eq!(o["savingsPence"], 3_000);
    assert_eq!(o["vatPence"], 5_400);
    assert_eq!(o["totalPence"], 32_400);
    assert_eq!(o["lines"][0]["unitPence"], 270);
    assert_eq!(o["lines"][0]["quantity"], 100);
    let pi = o["stripePaymentIntentId"]
        .as_str()
        .context("payment intent")?
        .to_owned();
    assert!(
        o["clientSecret"]
            .as_str()
            .is_some_and(|c| c.starts_with(&pi))
    );
    let on_emulator = s.emulator.get(&format!("/payment_intents/{pi}")).await?;
    assert_eq!(on_emulator["amount"], 32_400);
    assert_eq!(on_emulator["currency"], "gbp");
    assert_eq!(on_emulator["metadata"]["order_id"], o["id"]);

    // The same request again (a retry after a lost answer) is the same order and payment.
    let again = s.purchase(args.clone()).await?;
    assert_eq!(again["data"]["purchase"]["id"], o["id"]);
    assert_eq!(
        again["data"]["purchase"]["stripePaymentIntentId"],
        pi.as_str()
    );
    assert_eq!(order::Entity::find().count(&s.app.db).await?, 1);
    // The key cannot be reused for something else.
    let mut other = args.clone();
    other["q"] = json!(5);
    assert_eq!(error_codes(&s.purchase(other).await?), ["CONFLICT"]);

    // The school pays in the browser; the emulator's signed webhook marks it paid.
    assert_eq!(s.emulator.pay(&pi, "pm_card_visa").await?, 200);
    let paid = s.wait_for(&o["id"], "PAID").await?;
    assert!(paid["paidAt"].is_string());
    assert_eq!(s.loan_status(&loan["id"]).await?, "CONVERTED");
    // The conversion is the system's doing, and audited as such.
    let loan_id: becta_domain::Uuid = loan["id"].as_str().context("loan id")?.parse()?;
    assert_eq!(
        crate::trials::system_audits(&s.app, "loan.convert", loan_id).await?,
        1
    );

    // A second purchase reuses the school's one Stripe customer.
    let second = s
        .purchase(
            json!({ "p": s.f.products["Alpha Times Tables"].to_string(), "q": 30, "m": "CARD" }),
        )
        .await?;
    assert!(second.get("errors").is_none(), "{second}");
    assert_eq!(second["data"]["purchase"]["savingsPence"], 0);
    assert_eq!(payment_customer::Entity::find().count(&s.app.db).await?, 1);
    let second_pi = second["data"]["purchase"]["stripePaymentIntentId"]
        .as_str()
        .context("second payment intent")?;
    let customers = [
        s.emulator.get(&format!("/payment_intents/{pi}")).await?,
        s.emulator
            .get(&format!("/payment_intents/{second_pi}"))
            .await?,
    ];
    assert_eq!(customers[0]["customer"], customers[1]["customer"]);

    // Spend and savings: only the paid order counts.
    let spend = "query($g: SpendGrouping!) { spendSummary(from: \"2026-01-01T00:00:00Z\", to: \"2036-01-01T00:00:00Z\", groupBy: $g) { key label orders netPence vatPence savingsPence } }";
    let by_supplier = s
        .app
        .data_as(&s.school, spend, json!({ "g": "SUPPLIER" }))
        .await?;
    assert_eq!(
        by_supplier["spendSummary"],
        json!([{ "key": s.f.alpha.to_string(), "label": "Alpha Learning Ltd", "orders": 1,
                 "netPence": 27_000, "vatPence": 5_400, "savingsPence": 3_000 }])
    );
    let by_category = s
        .app
        .data_as(&s.school, spend, json!({ "g": "CATEGORY" }))
        .await?;
    assert_eq!(by_category["spendSummary"][0]["key"], "curriculum_content");
    let admin = s.app.token(Role::Admin, None);
    let all = s
        .app
        .data_as(
            &admin,
            "{ spendSummary(from: \"2026-01-01T00:00:00Z\", to: \"2036-01-01T00:00:00Z\", groupBy: MONTH) { orders savingsPence } }",
            json!({}),
        )
        .await?;
    // One month with the paid order; the months after show only the contract it made.
    let months = all["spendSummary"].as_array().context("months")?;
    assert_eq!(months[0], json!({ "orders": 1, "savingsPence": 3_000 }));
    assert!(months[1..].iter().all(|m| m["orders"] == 0), "{all}");
    Ok(())
}

#[tokio::test]
async fn a_declined_card_leaves_the_loan_active_and_replays_or_forgeries_change_nothing()
-> Result<()> {
    let s = shop().await?;
    let loan = s.borrow().await?;
    let o = s
        .purchase(json!({ "p": s.f.products["Alpha Phonics"].to_string(), "q": 10, "m": "CARD", "loan": loan["id"] }))
        .await?["data"]["purchase"]
        .clone();
    let pi = o["stripePaymentIntentId"]
        .as_str()
        .context("pi")?
        .to_owned();

    // Declined: the order fails with the reason, the trial goes on.
    assert_eq!(
        s.emulator.pay(&pi, "pm_card_chargeCustomerFail").await?,
        402
    );
    let failed = s.wait_for(&o["id"], "PAYMENT_FAILED").await?;
    assert_eq!(failed["failureKind"], "DECLINED");
    assert_eq!(
        failed["failureReason"],
        "Stripe declined the payment: Your card was declined. Try another card, or pay on invoice with your purchase-order number"
    );
    assert_eq!(s.loan_status(&loan["id"]).await?, "ACTIVE");

    // The school tries again with another card (a new payment: the emulator cannot confirm a
    // declined PaymentIntent twice), and it is paid.
    let retry = s
        .purchase(json!({ "p": s.f.products["Alpha Phonics"].to_string(), "q": 10, "m": "CARD", "loan": loan["id"] }))
        .await?["data"]["purchase"]
        .clone();
    let paid_pi = retry["stripePaymentIntentId"]
        .as_str()
        .context("pi")?
        .to_owned();
    assert_eq!(s.emulator.pay(&paid_pi, "pm_card_visa").await?, 200);
    s.wait_for(&retry["id"], "PAID").await?;
    assert_eq!(s.loan_status(&loan["id"]).await?, "CONVERTED");
    assert_eq!(s.order(&o["id"]).await?["status"], "PAYMENT_FAILED");

    // Replaying the emulator's real event, freshly signed as Stripe's retries are: nothing
    // changes.
    let events = s
        .emulator
        .events("payment_intent.payment_failed", &pi)
        .await?;
    let failure = events.first().context("the failure event")?;
    let body = serde_json::to_string(failure)?;
    let (status, ack) = s
        .deliver(&body, &stripe::signature(WEBHOOK_SECRET, now(), &body))
        .await?;
    assert_eq!(
        (status, &ack["outcome"]),
        (200, &json!("duplicate")),
        "{ack}"
    );
    // A failure of the paid order arriving after its payment (events come in any order):
    // paid stays paid.
    let mut late = failure.clone();
    late["id"] = json!(format!("evt_late_{}", uuid::Uuid::new_v4().simple()));
    late["data"]["object"]["id"] = json!(paid_pi);
    late["data"]["object"]["metadata"]["order_id"] = retry["id"].clone();
    let body = serde_json::to_string(&late)?;
    let (status, ack) = s
        .deliver(&body, &stripe::signature(WEBHOOK_SECRET, now(), &body))
        .await?;
    assert_eq!((status, &ack["outcome"]), (200, &json!("ignored")), "{ack}");
    assert_eq!(s.order(&retry["id"]).await?["status"], "PAID");
    let o = retry;

    // Forged, tampered and stale deliveries are refused with 400 and change nothing.
    let before = s.order(&o["id"]).await?;
    let mut forged = failure.clone();
    forged["id"] = json!("evt_forged");
    let body = serde_json::to_string(&forged)?;
    let cases = [
        stripe::signature("whsec_someone_else", now(), &body),
        stripe::signature(
            WEBHOOK_SECRET,
            now(),
            &body.replace("payment_failed", "succeeded"),
        ),
        stripe::signature(WEBHOOK_SECRET, now() - 301, &body),
        "t=1,v1=zz".to_owned(),
        String::new(),
    ];
    for sig in cases {
        let (status, err) = s.deliver(&body, &sig).await?;
        assert_eq!(status, 400, "{sig}");
        assert_eq!(error_codes(&err), ["BAD_SIGNATURE"]);
    }
    assert_eq!(s.order(&o["id"]).await?, before);

    // An event type we do not act on is acknowledged.
    let other = json!({ "id": "evt_other", "object": "event", "type": "customer.updated", "created": now(),
                        "livemode": false, "pending_webhooks": 1, "data": { "object": { "id": "cus_x" } } });
    let body = other.to_string();
    let (status, ack) = s
        .deliver(&body, &stripe::signature(WEBHOOK_SECRET, now(), &body))
        .await?;
    assert_eq!((status, &ack["outcome"]), (200, &json!("ignored")));
    Ok(())
}

#[tokio::test]
async fn twenty_concurrent_purchases_with_one_client_key_make_one_order_and_one_payment()
-> Result<()> {
    let s = shop().await?;
    let q = format!(
        "mutation($p: ID!) {{ purchase(productId: $p, quantity: 4, method: CARD, clientKey: \"double-click-7\") {{ {ORDER} }} }}"
    );
    let vars = json!({ "p": s.f.products["Alpha Times Tables"].to_string() });
    // The buyer's browser sends the same purchase twenty times at once.
    let requests = (0..20).map(|_| {
        let (client, url, school) = (s.app.client.clone(), s.app.url.clone(), s.school.clone());
        let body = json!({ "query": q, "variables": vars });
        tokio::spawn(async move {
            let resp = client
                .post(format!("{url}/graphql"))
                .bearer_auth(school)
                .json(&body)
                .send()
                .await?;
            anyhow::Ok(resp.json::<Value>().await?)
        })
    });
    let mut answers = Vec::new();
    for r in requests.collect::<Vec<_>>() {
        answers.push(r.await??);
    }
    // Every request is answered with the same order and the same payment to confirm.
    let first = &answers[0]["data"]["purchase"];
    let pi = first["stripePaymentIntentId"]
        .as_str()
        .context("a payment")?;
    for a in &answers {
        assert!(a.get("errors").is_none(), "{a}");
        assert_eq!(a["data"]["purchase"]["id"], first["id"], "{a}");
        assert_eq!(a["data"]["purchase"]["stripePaymentIntentId"], pi, "{a}");
        assert_eq!(a["data"]["purchase"]["status"], "AWAITING_PAYMENT", "{a}");
    }
    assert_eq!(order::Entity::find().count(&s.app.db).await?, 1);
    // The emulator made one PaymentIntent for the order.
    let order_id = first["id"].as_str().context("order id")?;
    let mut made = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = match &after {
            Some(a) => format!("/payment_intents?limit=100&starting_after={a}"),
            None => "/payment_intents?limit=100".to_owned(),
        };
        let list = s.emulator.get(&page).await?;
        let items = list["data"].as_array().cloned().unwrap_or_default();
        made.extend(
            items
                .iter()
                .filter(|p| p["metadata"]["order_id"] == order_id)
                .filter_map(|p| p["id"].as_str().map(str::to_owned)),
        );
        after = items
            .last()
            .and_then(|p| p["id"].as_str().map(str::to_owned));
        if list["has_more"] != true || after.is_none() {
            break;
        }
    }
    assert_eq!(made, [pi]);

    // Had a second PaymentIntent been made (say, a claim outlived by a stalled call), it would
    // be refused, never recorded over the first.
    let id = uuid::Uuid::parse_str(order_id)?;
    let second = becta_domain::orders::record_provider(
        &s.app.db,
        id,
        "cus_other",
        becta_domain::orders::ProviderObject::PaymentIntent {
            id: "pi_second".into(),
            client_secret: None,
        },
    )
    .await;
    match second {
        Err(becta_domain::Error::Conflict(m)) => {
            assert!(m.contains("pi_second was not recorded"), "{m}")
        }
        other => panic!("a second payment for one order was not refused: {other:?}"),
    }
    let kept = order::Entity::find_by_id(id)
        .one(&s.app.db)
        .await?
        .context("order")?;
    assert_eq!(kept.stripe_payment_intent_id.as_deref(), Some(pi));
    Ok(())
}
