//! The contracts register: paid orders (card through the Stripe emulator, and invoices) make
//! or extend a school's contract with a renewal reminder due; the spend summary counts invoice
//! orders and the register's commitments. Schools' own entries, scoping and reminders are in
//! `register`; the CSV export in `export`.

mod export;
mod register;

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use becta_domain::vocab::Role;
use chrono::{Months, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};

use crate::common::stripe::{self, Emulator};
use crate::common::{TestApp, fixture, spawn_app_with};

const CONTRACT: &str = "id version schoolId schoolName source productId productName supplierId \
    supplierName dealId dealTitle lotId lotTitle lastOrderId paidOrders startsOn endsOn \
    autoRenews noticeDays noticeOn reminderDays nextReminderOn annualCostPence licencesBought \
    licencesInUse licencesSpare notes";

/// The register as `token` sees it.
async fn my_contracts(app: &TestApp, token: &str) -> Result<Vec<Value>> {
    let q = format!("{{ myContracts {{ {CONTRACT} }} }}");
    let d = app.data_as(token, &q, json!({})).await?;
    Ok(d["myContracts"].as_array().cloned().unwrap_or_default())
}

/// `addContract`: the whole response.
async fn add(app: &TestApp, token: &str, input: Value) -> Result<Value> {
    let q = format!("mutation($i: ContractInput!) {{ addContract(input: $i) {{ {CONTRACT} }} }}");
    app.gql_as(token, &q, json!({ "i": input })).await
}

/// `updateContract`: the whole response.
async fn update(
    app: &TestApp,
    token: &str,
    id: &Value,
    version: &Value,
    input: Value,
) -> Result<Value> {
    let q = format!(
        "mutation($id: ID!, $v: Int!, $i: ContractChangeInput!) {{ updateContract(id: $id, version: $v, input: $i) {{ {CONTRACT} }} }}"
    );
    app.gql_as(token, &q, json!({ "id": id, "v": version, "i": input }))
        .await
}

/// The school's notifications of one kind (payloads), newest first.
async fn notices(app: &TestApp, token: &str, kind: &str) -> Result<Vec<Value>> {
    let d = app
        .data_as(
            token,
            "{ myNotifications(first: 100) { edges { node { kind subject payload } } } }",
            json!({}),
        )
        .await?;
    Ok(d["myNotifications"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e["node"].clone())
        .filter(|n| n["kind"] == kind)
        .collect())
}

fn date(v: &Value) -> Result<NaiveDate> {
    Ok(v.as_str().context("a date")?.parse()?)
}

/// A year on less a day, as a term runs.
fn year_from(d: NaiveDate) -> Result<NaiveDate> {
    Ok(d.checked_add_months(Months::new(12)).context("date")? - chrono::Duration::days(1))
}

/// Midday UTC of `d`, for driving the sweep.
fn noon(d: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&d.and_hms_opt(12, 0, 0).unwrap_or_default())
}

struct Shop {
    app: TestApp,
    emulator: Emulator,
    school: String,
    f: fixture::Fixture,
}

/// A server on the Stripe emulator, hearing its webhooks, with the test fixture.
async fn shop() -> Result<Shop> {
    let url = stripe::emulator()?;
    let env = stripe::server_env(&url);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(false, &env).await?;
    let emulator = Emulator::new(url);
    emulator.register_webhook(&app.url).await?;
    let f = fixture::load(&app.db).await?;
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    Ok(Shop {
        app,
        emulator,
        school,
        f,
    })
}

impl Shop {
    /// Buys and pays: by card (the emulator confirms the PaymentIntent), or on invoice (paid
    /// out of band in the emulator). Returns the paid order.
    async fn buy_and_pay(&self, args: Value) -> Result<Value> {
        let r = self
            .app
            .gql_as(
                &self.school,
                "mutation($p: ID!, $q: Int!, $opt: PriceOption, $deal: ID, $m: PaymentMethod!, $po: String) { \
                 purchase(productId: $p, quantity: $q, priceOption: $opt, dealId: $deal, method: $m, purchaseOrderNumber: $po) { \
                 id status netPence stripePaymentIntentId stripeInvoiceId } }",
                args,
            )
            .await?;
        anyhow::ensure!(r.get("errors").is_none(), "{r}");
        let o = r["data"]["purchase"].clone();
        if let Some(pi) = o["stripePaymentIntentId"].as_str() {
            anyhow::ensure!(self.emulator.pay(pi, "pm_card_visa").await? == 200);
        } else {
            let inv = o["stripeInvoiceId"].as_str().context("an invoice")?;
            let (status, body) = self
                .emulator
                .post(
                    &format!("/invoices/{inv}/pay"),
                    &[("paid_out_of_band", "true")],
                )
                .await?;
            anyhow::ensure!(status == 200, "paying the invoice: {body}");
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let now = self
                .app
                .data_as(
                    &self.school,
                    "query($id: ID!) { order(id: $id) { id status paidAt netPence stripePaymentIntentId } }",
                    json!({ "id": o["id"] }),
                )
                .await?["order"]
                .clone();
            if now["status"] == "PAID" {
                return Ok(now);
            }
            anyhow::ensure!(Instant::now() < deadline, "never paid: {now}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn paid_on(order: &Value) -> Result<NaiveDate> {
    let at: chrono::DateTime<Utc> = order["paidAt"].as_str().context("paidAt")?.parse()?;
    Ok(at.date_naive())
}

#[tokio::test]
async fn a_card_paid_order_enters_the_register_with_a_renewal_reminder_due_and_later_orders_extend_it()
-> Result<()> {
    let s = shop().await?;
    let phonics = s.f.products["Alpha Phonics"].to_string();
    let deal = s.f.deals["Current Licences Deal"].to_string();
    let first = s
        .buy_and_pay(
            json!({ "p": phonics, "q": 100, "opt": "DEAL_PRICE", "deal": deal, "m": "CARD" }),
        )
        .await?;
    let start = paid_on(&first)?;
    let end = year_from(start)?;
    let notice = end - chrono::Duration::days(30);

    // The register holds the purchase: product, supplier, deal and lot, a year's term, the
    // default renewal terms and the first reminder due 90 days before the notice date.
    let register = my_contracts(&s.app, &s.school).await?;
    assert_eq!(register.len(), 1, "{register:?}");
    let c = &register[0];
    assert_eq!(c["source"], "ORDER");
    assert_eq!(c["productId"], phonics.as_str());
    assert_eq!(c["productName"], "Alpha Phonics");
    assert_eq!(c["supplierId"], s.f.alpha.to_string());
    assert_eq!(c["supplierName"], "Alpha Learning Ltd");
    assert_eq!(c["dealId"], deal.as_str());
    assert_eq!(c["dealTitle"], "Current Licences Deal");
    assert_eq!(c["lotTitle"], "Lot 1: Licences");
    assert_eq!(c["lastOrderId"], first["id"]);
    assert_eq!(c["paidOrders"], 1);
    assert_eq!(date(&c["startsOn"])?, start);
    assert_eq!(date(&c["endsOn"])?, end);
    assert_eq!(c["autoRenews"], false);
    assert_eq!(c["noticeDays"], 30);
    assert_eq!(date(&c["noticeOn"])?, notice);
    assert_eq!(c["reminderDays"], json!([90, 30]));
    let reminder = notice - chrono::Duration::days(90);
    assert_eq!(date(&c["nextReminderOn"])?, reminder);
    // 100 pupils at 270p through the deal, before VAT.
    assert_eq!(c["annualCostPence"], 27_000);
    assert_eq!(c["licencesBought"], 100);
    assert_eq!(c["licencesInUse"], Value::Null);

    // Stripe delivering the payment again changes nothing in the register.
    let pi = first["stripePaymentIntentId"].as_str().context("pi")?;
    let events = s.emulator.events("payment_intent.succeeded", pi).await?;
    let body = serde_json::to_string(events.first().context("the payment event")?)?;
    let now = Utc::now().timestamp();
    let replay = s
        .app
        .client
        .post(format!("{}/webhooks/stripe", s.app.url))
        .header(
            "stripe-signature",
            stripe::signature(stripe::WEBHOOK_SECRET, now, &body),
        )
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    assert_eq!(replay.json::<Value>().await?["outcome"], "duplicate");
    assert_eq!(my_contracts(&s.app, &s.school).await?, register);

    // The reminder is due on its day: the sweep writes it to the school once.
    assert_eq!(
        becta_domain::contracts::sweep(&s.app.db, noon(reminder - chrono::Duration::days(1)), 100)
            .await?,
        0
    );
    assert_eq!(
        becta_domain::contracts::sweep(&s.app.db, noon(reminder), 100).await?,
        1
    );
    let sent = notices(&s.app, &s.school, "contract.renewal_due").await?;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["payload"]["contractId"], c["id"]);
    assert_eq!(sent[0]["payload"]["daysBefore"], 90);
    assert!(
        sent[0]["subject"]
            .as_str()
            .is_some_and(|t| t.starts_with("Alpha Phonics from Alpha Learning Ltd")),
        "{sent:?}"
    );

    // A second paid order for the product during the term tops the contract up: one entry,
    // licences and annual cost added, the end unchanged.
    let second = s
        .buy_and_pay(json!({ "p": phonics, "q": 20, "m": "CARD" }))
        .await?;
    let register = my_contracts(&s.app, &s.school).await?;
    assert_eq!(register.len(), 1, "{register:?}");
    let c = &register[0];
    assert_eq!(c["licencesBought"], 120);
    assert_eq!(c["annualCostPence"], 27_000 + 6_000);
    assert_eq!(c["paidOrders"], 2);
    assert_eq!(c["lastOrderId"], second["id"]);
    assert_eq!(date(&c["endsOn"])?, end);
    assert_eq!(c["dealId"], deal.as_str(), "the deal stays");

    // Paid in the contract's last 90 days, an order renews it: a year on from its end, with
    // the new order's licences and cost.
    let today = paid_on(&second)?;
    let moved = update(
        &s.app,
        &s.school,
        &c["id"],
        &c["version"],
        json!({ "startsOn": (today - chrono::Duration::days(330)).to_string(),
                "endsOn": (today + chrono::Duration::days(30)).to_string() }),
    )
    .await?;
    assert!(moved.get("errors").is_none(), "{moved}");
    let third = s
        .buy_and_pay(json!({ "p": phonics, "q": 110, "m": "CARD" }))
        .await?;
    let register = my_contracts(&s.app, &s.school).await?;
    assert_eq!(register.len(), 1, "{register:?}");
    let c = &register[0];
    let renewed_end = year_from(today + chrono::Duration::days(31))?;
    assert_eq!(date(&c["endsOn"])?, renewed_end);
    assert_eq!(c["licencesBought"], 110);
    assert_eq!(c["annualCostPence"], 33_000);
    assert_eq!(c["paidOrders"], 3);
    assert_eq!(c["lastOrderId"], third["id"]);
    assert_eq!(
        date(&c["nextReminderOn"])?,
        renewed_end - chrono::Duration::days(30 + 90)
    );

    // Another product is another contract.
    s.buy_and_pay(
        json!({ "p": s.f.products["Alpha Times Tables"].to_string(), "q": 5, "m": "CARD" }),
    )
    .await?;
    assert_eq!(my_contracts(&s.app, &s.school).await?.len(), 2);
    Ok(())
}

#[tokio::test]
async fn the_spend_summary_counts_paid_invoice_orders_and_the_registers_commitments() -> Result<()>
{
    let s = shop().await?;
    // An invoice order, paid by bank transfer: spend, and a contract in the register.
    let o = s
        .buy_and_pay(json!({ "p": s.f.products["Alpha Phonics"].to_string(), "q": 30, "m": "INVOICE", "po": "PO-2026-0042" }))
        .await?;
    assert_eq!(o["netPence"], 9_000);
    let register = my_contracts(&s.app, &s.school).await?;
    assert_eq!(register.len(), 1, "{register:?}");
    assert_eq!(register[0]["lastOrderId"], o["id"]);
    assert_eq!(register[0]["annualCostPence"], 9_000);

    // Contracts bought elsewhere: one with a supplier known only by name, one with a
    // catalogue supplier, one long ended.
    for input in [
        json!({ "productName": "Cloud MIS", "supplierName": "Acme Cloud Ltd",
                "startsOn": "2029-09-01", "endsOn": "2030-08-31", "autoRenews": true,
                "noticeDays": 90, "annualCostPence": 120_000, "licencesBought": 1 }),
        json!({ "productName": "Tablet care plan", "supplierId": s.f.beta.to_string(),
                "startsOn": "2030-02-15", "endsOn": "2031-02-14", "autoRenews": false,
                "noticeDays": 30, "annualCostPence": 50_000, "licencesBought": 40 }),
        json!({ "productName": "Old filtering", "supplierName": "Acme Cloud Ltd",
                "startsOn": "2020-01-01", "endsOn": "2020-12-31", "autoRenews": false,
                "noticeDays": 30, "annualCostPence": 7_000, "licencesBought": 1 }),
    ] {
        let r = add(&s.app, &s.school, input).await?;
        assert!(r.get("errors").is_none(), "{r}");
    }

    let spend = "query($from: DateTime!, $to: DateTime!, $g: SpendGrouping!) { spendSummary(from: $from, to: $to, groupBy: $g) { key label orders netPence contracts annualCommitmentPence } }";
    let rows = s
        .app
        .data_as(
            &s.school,
            spend,
            json!({ "from": "2026-01-01T00:00:00Z", "to": "2036-01-01T00:00:00Z", "g": "SUPPLIER" }),
        )
        .await?["spendSummary"]
        .clone();
    let row = |key: &str| {
        rows.as_array()
            .and_then(|r| r.iter().find(|r| r["key"] == key).cloned())
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        row(&s.f.alpha.to_string()),
        json!({ "key": s.f.alpha.to_string(), "label": "Alpha Learning Ltd", "orders": 1,
                "netPence": 9_000, "contracts": 1, "annualCommitmentPence": 9_000 })
    );
    assert_eq!(
        row("name:acme cloud ltd"),
        json!({ "key": "name:acme cloud ltd", "label": "Acme Cloud Ltd", "orders": 0,
                "netPence": 0, "contracts": 1, "annualCommitmentPence": 120_000 }),
        "the ended contract is not counted: {rows}"
    );
    assert_eq!(row(&s.f.beta.to_string())["annualCommitmentPence"], 50_000);
    assert_eq!(rows.as_array().map(Vec::len), Some(3), "{rows}");

    // By month: each month shows the annual commitments running in it.
    let months = s
        .app
        .data_as(
            &s.school,
            spend,
            json!({ "from": "2030-01-01T00:00:00Z", "to": "2030-04-01T00:00:00Z", "g": "MONTH" }),
        )
        .await?["spendSummary"]
        .clone();
    assert_eq!(
        months,
        json!([
            { "key": "2030-01", "label": "January 2030", "orders": 0, "netPence": 0, "contracts": 1, "annualCommitmentPence": 120_000 },
            { "key": "2030-02", "label": "February 2030", "orders": 0, "netPence": 0, "contracts": 2, "annualCommitmentPence": 170_000 },
            { "key": "2030-03", "label": "March 2030", "orders": 0, "netPence": 0, "contracts": 2, "annualCommitmentPence": 170_000 },
        ])
    );

    // By category: the catalogue product's category; the rest uncategorised.
    let cats = s
        .app
        .data_as(
            &s.school,
            spend,
            json!({ "from": "2026-01-01T00:00:00Z", "to": "2036-01-01T00:00:00Z", "g": "CATEGORY" }),
        )
        .await?["spendSummary"]
        .clone();
    assert_eq!(
        cats,
        json!([
            { "key": "curriculum_content", "label": "curriculum content", "orders": 1, "netPence": 9_000, "contracts": 1, "annualCommitmentPence": 9_000 },
            { "key": "uncategorised", "label": "Uncategorised", "orders": 0, "netPence": 0, "contracts": 2, "annualCommitmentPence": 170_000 },
        ])
    );
    Ok(())
}

#[tokio::test]
async fn payments_for_one_product_arriving_at_once_make_one_contract() -> Result<()> {
    use becta_domain::actor::Actor;
    use becta_domain::orders::{self, PurchaseRequest};
    use becta_domain::payments::{PaymentEffect, PaymentEvent, PaymentSubject};
    use becta_domain::vocab::{OrgKind, PaymentMethod, PriceOption};

    let app = crate::common::spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let buyer = Actor {
        user_id: uuid::Uuid::new_v4(),
        role: Role::SchoolBuyer,
        organisation_id: Some(f.school),
        org_kind: Some(OrgKind::School),
        email: None,
        display_name: Some("Bursar".into()),
        request_id: None,
    };
    // Six orders written as `purchase` writes them, then their payments all at once.
    let mut events = Vec::new();
    for i in 1..=6 {
        let o = orders::prepare(
            &app.db,
            &buyer,
            PurchaseRequest {
                product_id: f.products["Alpha Phonics"],
                quantity: i,
                price_option: PriceOption::ListPrice,
                deal_id: None,
                method: PaymentMethod::Card,
                purchase_order_number: None,
                loan_id: None,
                client_key: Some(format!("at-once-{i}")),
            },
        )
        .await?
        .order;
        events.push(PaymentEvent {
            id: format!("evt_at_once_{i}_{}", uuid::Uuid::new_v4().simple()),
            kind: "payment_intent.succeeded".into(),
            created: Utc::now(),
            subject: Some(PaymentSubject {
                kind: PaymentMethod::Card,
                provider_id: format!("pi_at_once_{i}_{}", uuid::Uuid::new_v4().simple()),
                order_id: Some(o.id),
            }),
            effect: Some(PaymentEffect::Paid {
                amount_pence: Some(o.total_pence),
                currency: "gbp".into(),
            }),
        });
    }
    let applied = events.into_iter().map(|e| {
        let db = app.db.clone();
        tokio::spawn(async move { orders::apply_event(&db, &e).await })
    });
    for a in applied.collect::<Vec<_>>() {
        assert_eq!(a.await??, orders::EventOutcome::Applied);
    }
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let register = my_contracts(&app, &school).await?;
    assert_eq!(register.len(), 1, "{register:?}");
    assert_eq!(register[0]["paidOrders"], 6);
    assert_eq!(register[0]["licencesBought"], 21);
    assert_eq!(register[0]["annualCostPence"], 21 * 300);
    Ok(())
}
