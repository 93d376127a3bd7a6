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
