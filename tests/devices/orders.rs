//! Ordering devices: an order takes its quantity from stock in its transaction, concurrent
//! orders never take more than there is, and a failed order gives its units back (and takes
//! them again when retried).

use anyhow::Result;
use serde_json::{Value, json};

use super::{chromebook, shop};
use crate::common::stripe;
use crate::common::{error_codes, fixture, spawn_app_with};

const BUY: &str = "mutation($p: ID!, $q: Int!, $k: String) { purchase(productId: $p, quantity: $q, method: CARD, clientKey: $k) { id status } }";

async fn stocked_shop(units: i64) -> Result<(super::Shop, String, String)> {
    let url = stripe::emulator()?;
    let env = stripe::server_env(&url);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let s = shop(spawn_app_with(false, &env).await?).await?;
    let id = s
        .approved("Refurbished Chromebook 300e", chromebook(json!({})))
        .await?;
    let r = s.set_stock(&s.alpha, &id, units).await?;
    assert!(r["errors"].is_null(), "{r}");
    let school = s.app.token(
        becta_domain::vocab::Role::SchoolBuyer,
        Some(&fixture::SCHOOL_URN.to_string()),
    );
    Ok((s, id, school))
}

#[tokio::test]
async fn concurrent_orders_never_take_more_units_than_are_in_stock() -> Result<()> {
    let (s, id, school) = stocked_shop(30).await?;
    let attempts: Vec<_> = (0..8)
        .map(|i| {
            let body = json!({ "query": BUY, "variables": { "p": id, "q": 10, "k": format!("class-set-{i}") } });
            let (client, url, token) = (s.app.client.clone(), format!("{}/graphql", s.app.url), school.clone());
            tokio::spawn(async move {
                let resp = client.post(url).bearer_auth(token).json(&body).send().await?;
                Ok::<Value, anyhow::Error>(resp.json::<Value>().await?)
            })
        })
        .collect();
    let mut results = Vec::new();
    for a in attempts {
        results.push(a.await??);
    }
    let placed = results.iter().filter(|r| r["errors"].is_null()).count();
    let refused: Vec<&Value> = results.iter().filter(|r| !r["errors"].is_null()).collect();
    assert_eq!(placed, 3, "{results:?}");
    for r in &refused {
        assert_eq!(error_codes(r), ["CONFLICT"], "{r}");
        assert_eq!(super::error_field(r), "quantity", "{r}");
    }
    assert_eq!(s.device(&id).await?["unitsAvailable"], 0);
    s.app.stop().await
}

#[tokio::test]
async fn a_failed_order_gives_its_units_back_and_takes_them_again_when_retried() -> Result<()> {
    let (s, id, school) = stocked_shop(10_000).await?;
    // 9,000 units at £119 + VAT: more than Stripe takes in one payment, so the order fails.
    let vars = json!({ "p": id, "q": 9_000, "k": "whole-trust" });
    for _ in 0..2 {
        let r = s.app.gql_as(&school, BUY, vars.clone()).await?;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
        assert_eq!(s.device(&id).await?["unitsAvailable"], 10_000);
    }
    // An order that goes through keeps its units.
    let r = s
        .app
        .gql_as(&school, BUY, json!({ "p": id, "q": 30, "k": "year-7" }))
        .await?;
    assert!(r["errors"].is_null(), "{r}");
    assert_eq!(s.device(&id).await?["unitsAvailable"], 9_970);
    s.app.stop().await
}

/// Pays `order`'s PaymentIntent on the emulator and waits until the signed webhook marks it
/// paid.
pub(super) async fn pay(
    app: &crate::common::TestApp,
    emulator: &stripe::Emulator,
    school: &str,
    order: &Value,
) -> Result<()> {
    let pi = order["stripePaymentIntentId"].as_str().unwrap_or_default();
    anyhow::ensure!(
        emulator.pay(pi, "pm_card_visa").await? == 200,
        "paying {pi}"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let now = app
            .data_as(
                school,
                "query($id: ID!) { order(id: $id) { status } }",
                json!({ "id": order["id"] }),
            )
            .await?;
        if now["order"]["status"] == "PAID" {
            return Ok(());
        }
        anyhow::ensure!(std::time::Instant::now() < deadline, "never paid: {now}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn paid_device_orders_record_the_carbon_saved_in_the_schools_and_the_trusts_totals()
-> Result<()> {
    let (s, id, school) = stocked_shop(100).await?;
    let emulator = stripe::Emulator::new(stripe::emulator()?);
    emulator.register_webhook(&s.app.url).await?;
    let trust_school = s.app.token(
        becta_domain::vocab::Role::SchoolBuyer,
        Some(&fixture::TRUST_SCHOOL_URNS[0].to_string()),
    );
    let trust = s.app.token(
        becta_domain::vocab::Role::SchoolBuyer,
        Some(&format!("trust:{}", fixture::TRUST_GROUP_UID)),
    );
    let buy = "mutation($p: ID!, $q: Int!) { purchase(productId: $p, quantity: $q, method: CARD) { id status stripePaymentIntentId carbonSaved { kg source } } }";
    // A refurbished Chromebook saves the laptop default (280 kg) less its refurbishment (10 kg).
    let class_set = s
        .app
        .data_as(&school, buy, json!({ "p": id, "q": 30 }))
        .await?["purchase"]
        .clone();
    assert_eq!(class_set["carbonSaved"]["kg"], 30 * 270, "{class_set}");
    assert!(
        class_set["carbonSaved"]["source"]
            .as_str()
            .is_some_and(|s| s.contains("280")),
        "the figure names its source: {class_set}"
    );
    pay(&s.app, &emulator, &school, &class_set).await?;
    let trust_set = s
        .app
        .data_as(&trust_school, buy, json!({ "p": id, "q": 10 }))
        .await?["purchase"]
        .clone();
    pay(&s.app, &emulator, &trust_school, &trust_set).await?;
    // An order not yet paid saves nothing yet.
    s.app
        .data_as(&school, buy, json!({ "p": id, "q": 5 }))
        .await?;

    let summary = "query($s: ID) { carbonSummary(schoolId: $s) { orders units savedKg unitsWithoutFigure sources } }";
    let school_total = s.app.data_as(&school, summary, json!({})).await?["carbonSummary"].clone();
    assert_eq!(school_total["orders"], 1, "{school_total}");
    assert_eq!(school_total["units"], 30);
    assert_eq!(school_total["savedKg"], 8_100);
    assert_eq!(school_total["unitsWithoutFigure"], 0);
    assert_eq!(
        school_total["sources"].as_array().map(Vec::len),
        Some(1),
        "{school_total}"
    );
    let trust_total = s.app.data_as(&trust, summary, json!({})).await?["carbonSummary"].clone();
    assert_eq!(
        (trust_total["units"].clone(), trust_total["savedKg"].clone()),
        (json!(10), json!(2_700)),
        "{trust_total}"
    );
    let all = s.app.data_as(&s.admin, summary, json!({})).await?["carbonSummary"].clone();
    assert_eq!(all["savedKg"], 10_800, "{all}");
    let r = s
        .app
        .gql_as(&trust, summary, json!({ "s": s.f.school.to_string() }))
        .await?;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    assert_eq!(super::error_field(&r), "schoolId", "{r}");
    s.app.stop().await
}

#[tokio::test]
async fn the_sector_view_shows_the_carbon_saved_once_ten_schools_of_a_group_bought_used_devices()
-> Result<()> {
    use crate::maturity::{School, buyer, schools};
    use becta_domain::vocab::Region;
    let (s, id, _) = stocked_shop(500).await?;
    let emulator = stripe::Emulator::new(stripe::emulator()?);
    emulator.register_webhook(&s.app.url).await?;
    let list: Vec<School> = (0..10)
        .map(|i| School::primary(500_000 + i, Region::EastMidlands, 250))
        .collect();
    schools(&s.app, &list).await?;
    let sector = "{ sectorView(groupBy: REGION_AND_PHASE) { carbonSource groups { region phase carbonSavedKg carbonSuppressionReason } } }";
    let east_midlands = |v: &Value| {
        v["sectorView"]["groups"]
            .as_array()
            .and_then(|g| {
                g.iter()
                    .find(|g| g["region"] == "EAST_MIDLANDS" && g["phase"] == "PRIMARY")
            })
            .cloned()
            .unwrap_or_default()
    };
    let buy = "mutation($p: ID!, $q: Int!) { purchase(productId: $p, quantity: $q, method: CARD) { id status stripePaymentIntentId } }";
    for i in 0..10 {
        if i == 9 {
            let g = east_midlands(&s.app.data_as(&s.admin, sector, json!({})).await?);
            assert_eq!(g["carbonSavedKg"], Value::Null, "nine buyers: {g}");
            assert!(g["carbonSuppressionReason"].is_string(), "{g}");
        }
        let me = buyer(&s.app, 500_000 + i);
        let order = s
            .app
            .data_as(&me, buy, json!({ "p": id, "q": 3 + i }))
            .await?["purchase"]
            .clone();
        pay(&s.app, &emulator, &me, &order).await?;
    }
    // 3 + 4 + ... + 12 = 75 units at 270 kg each.
    let v = s.app.data_as(&s.admin, sector, json!({})).await?;
    let g = east_midlands(&v);
    assert_eq!(g["carbonSavedKg"], 75 * 270, "{g}");
    assert!(
        v["sectorView"]["carbonSource"]
            .as_str()
            .is_some_and(|s| s.contains("footprint")),
        "{v}"
    );
    // The public sees it rounded to the nearest 100 kg.
    let public = east_midlands(&s.app.data(sector, json!({})).await?);
    assert_eq!(public["carbonSavedKg"], 20_300, "{public}");
    let (status, _, csv) = s
        .app
        .get_as(None, "/exports/sector-view.csv?by=region_and_phase")
        .await?;
    assert_eq!(status, 200);
    assert!(csv.contains("Carbon saved (kg CO2e)"), "{csv}");
    assert!(csv.contains(",20300,"), "{csv}");
    s.app.stop().await
}
