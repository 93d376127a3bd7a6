//! A search engine that stops answering: Meilisearch stood in for by a TCP server that accepts
//! connections and never answers (what a frozen engine looks like from outside). The server
//! starts, readiness answers and says search is unavailable, searches are refused with
//! `UNAVAILABLE` (never a hang), and writes still succeed.

use std::net::TcpListener;
use std::time::Duration;

use anyhow::Result;
use becta_domain::vocab::Role;
use serde_json::{Value, json};

use crate::common::flows::{CREATE, op, product_input};
use crate::common::{error_codes, fixture, spawn_app_with};

/// A server that takes connections and keeps them open without a word, until the test ends.
fn frozen_engine() -> Result<(String, std::thread::JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    let held = std::thread::spawn(move || {
        let mut open = Vec::new();
        for conn in listener.incoming().take(64).flatten() {
            open.push(conn);
        }
    });
    Ok((url, held))
}

#[tokio::test]
async fn a_frozen_search_engine_leaves_the_service_up_readiness_answering_and_searches_refused_as_unavailable()
-> Result<()> {
    let (url, _held) = frozen_engine()?;
    let app = spawn_app_with(false, &[("BECTA_MEILISEARCH_URL", url.as_str())]).await?;
    let f = fixture::load(&app.db).await?;

    // A client that would notice a hang: readiness must answer well within this.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(8))
        .build()?;
    let ready: Value = client
        .get(format!("{}/readyz", app.url))
        .send()
        .await?
        .json()
        .await?;
    assert_eq!(ready["status"], "degraded", "{ready}");
    assert_eq!(ready["search"]["status"], "unavailable", "{ready}");
    assert_eq!(ready["database"], "ok", "{ready}");

    let body = app
        .gql(
            "{ searchProducts(query: \"phonics\") { totalHits } }",
            json!({}),
        )
        .await?;
    assert_eq!(error_codes(&body), ["UNAVAILABLE"], "{body}");

    // Writes do not wait on the engine: the outbox keeps the change for later.
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    app.data_as(
        &supplier,
        &op(CREATE),
        json!({ "input": product_input("Frozen Engine Reader") }),
    )
    .await?;
    Ok(())
}
