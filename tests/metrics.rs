//! `GET /metrics` as an operator reads it: operations with their latency, errors by code,
//! outbox backlogs, loans granted, the database pool; and the token that guards it.

use anyhow::{Context, Result};
use becta_domain::vocab::Role;
use serde_json::json;

use crate::common::{TestApp, error_codes, fixture, spawn_app_with};

/// The body of `GET /metrics` (HTTP must be 200).
async fn scrape(app: &TestApp, token: Option<&str>) -> Result<String> {
    let (status, headers, body) = app.get_as(token, "/metrics").await?;
    anyhow::ensure!(status == 200, "HTTP {status}: {body}");
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    anyhow::ensure!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    anyhow::ensure!(body.ends_with("# EOF\n"), "not a whole exposition: {body}");
    Ok(body)
}

/// The value of the sample `name{labels}` (labels as they are written, in order).
fn sample(body: &str, series: &str) -> Option<f64> {
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_show_an_operations_latency_errors_by_code_and_outbox_lag() -> Result<()> {
    // No indexer: the search outbox keeps what the fixture wrote, as when a worker is down.
    let app = spawn_app_with(false, &[("BECTA_INDEXER", "false")]).await?;
    let f = fixture::load(&app.db).await?;

    // A named operation, twice.
    for _ in 0..2 {
        let answer = app
            .data(
                "query BuyersDealList { deals(first: 5) { totalCount } }",
                json!({}),
            )
            .await?;
        assert!(answer["deals"]["totalCount"].as_i64().is_some());
    }
    // An error a client made, and one the record's absence made.
    let bad = app.gql("query Broken { noSuchField }", json!({})).await?;
    assert_eq!(error_codes(&bad), ["BAD_USER_INPUT"]);
    let missing = app
        .gql(
            "query OneDeal($id: ID!) { deal(id: $id) { title } }",
            json!({ "id": uuid::Uuid::new_v4().to_string() }),
        )
        .await?;
    assert_eq!(error_codes(&missing), ["NOT_FOUND"]);
    // A refusal before GraphQL runs (an unreadable body) is counted too.
    let (status, _) = app.post_raw(b"{not json".to_vec()).await?;
    assert_eq!(status, 400);

    // A trial loan granted (it also writes a notification for the school).
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let offer = app
        .data_as(
            &supplier,
            "mutation($p: ID!, $input: TrialOfferInput!) { createTrialOffer(productId: $p, input: $input) { id } }",
            json!({
                "p": f.products["Alpha Phonics"].to_string(),
                "input": {
                    "seats": 2, "loanDays": 30, "maxExtensions": 0, "extensionDays": 14,
                    "eligiblePhases": ["PRIMARY"], "terms": "Free for one term.",
                    "licenceKeys": ["KEY-1", "KEY-2"],
                }
            }),
        )
        .await?["createTrialOffer"]["id"]
        .as_str()
        .context("offer id")?
        .to_owned();
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let loan = app
        .data_as(
            &school,
            "mutation($o: ID!) { requestTrialLoan(offerId: $o) { status } }",
            json!({ "o": offer }),
        )
        .await?;
    assert_eq!(loan["requestTrialLoan"]["status"], "ACTIVE");
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;

    let body = scrape(&app, None).await?;
    let count =
        |series: &str| sample(&body, series).with_context(|| format!("no {series} in:\n{body}"));
    // The operation's requests and its latency histogram.
    assert_eq!(
        count("becta_graphql_requests_total{operation=\"BuyersDealList\"}")?,
        2.0
    );
    assert_eq!(
        count("becta_graphql_request_duration_seconds_count{operation=\"BuyersDealList\"}")?,
        2.0
    );
    assert!(
        count("becta_graphql_request_duration_seconds_sum{operation=\"BuyersDealList\"}")? > 0.0
    );
    let buckets: Vec<&str> = body
        .lines()
        .filter(|l| {
            l.starts_with("becta_graphql_request_duration_seconds_bucket{")
                && l.contains("operation=\"BuyersDealList\"")
        })
        .collect();
    assert!(buckets.len() > 5, "{body}");
    assert!(
        buckets
            .iter()
            .any(|l| l.contains("le=\"+Inf\"") && l.ends_with(" 2")),
        "{buckets:?}"
    );
    // Errors by code: the bad query and the unreadable body; the missing deal.
    assert_eq!(count("becta_errors_total{code=\"BAD_USER_INPUT\"}")?, 2.0);
    assert_eq!(count("becta_errors_total{code=\"NOT_FOUND\"}")?, 1.0);
    // The outboxes: the fixture's search changes wait, and so does the loan's notification.
    assert!(count("becta_outbox_pending{outbox=\"search\"}")? >= 1.0);
    assert!(count("becta_outbox_lag_seconds{outbox=\"search\"}")? > 0.0);
    assert!(count("becta_outbox_pending{outbox=\"notifications\"}")? >= 1.0);
    assert!(count("becta_outbox_lag_seconds{outbox=\"notifications\"}")? > 0.0);
    assert_eq!(count("becta_outbox_pending{outbox=\"webhooks\"}")?, 0.0);
    // The loan, and the pool that served all this.
    assert_eq!(count("becta_loans_granted_total")?, 1.0);
    assert_eq!(count("becta_loans{status=\"active\"}")?, 1.0);
    assert!(count("becta_db_pool_max_connections")? >= 1.0);
    assert!(count("becta_db_pool_connections{state=\"idle\"}")? >= 0.0);
    assert_eq!(count("becta_search_engine{engine=\"embedded\"}")?, 1.0);
    Ok(())
}

#[tokio::test]
async fn search_latency_is_measured_by_engine() -> Result<()> {
    let app = spawn_app_with(false, &[]).await?;
    fixture::load(&app.db).await?;
    app.wait_for_search().await?;
    let found = app
        .data(
            "query FindPhonics { searchProducts(query: \"phonics\") { totalHits } }",
            json!({}),
        )
        .await?;
    assert!(found["searchProducts"]["totalHits"].as_i64().unwrap_or(0) >= 1);
    let body = scrape(&app, None).await?;
    let searches = sample(
        &body,
        "becta_search_duration_seconds_count{engine=\"embedded\"}",
    );
    assert!(searches.is_some_and(|n| n >= 1.0), "{body}");
    Ok(())
}

#[tokio::test]
async fn the_metrics_token_is_required_when_set() -> Result<()> {
    let token = "metrics-token-of-some-length";
    let app = spawn_app_with(false, &[("BECTA_METRICS_TOKEN", token)]).await?;
    let (status, headers, body) = app.get_as(None, "/metrics").await?;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("UNAUTHENTICATED"), "{body}");
    assert!(headers.contains_key("www-authenticate"));
    let (status, _, body) = app.get_as(Some("not-the-token-at-all"), "/metrics").await?;
    assert_eq!(status, 401, "{body}");
    assert!(!body.contains("becta_"), "{body}");
    let body = scrape(&app, Some(token)).await?;
    assert!(body.contains("becta_outbox_pending"), "{body}");
    // The refusals were counted as errors.
    assert_eq!(
        sample(&body, "becta_errors_total{code=\"UNAUTHENTICATED\"}"),
        Some(2.0)
    );
    Ok(())
}
