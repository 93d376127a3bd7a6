//! `BECTA_ENV=production` defaults: introspection, GraphiQL and open metrics are off unless
//! turned on explicitly; an introspection query is refused with a code, never answered null.

use anyhow::Result;
use serde_json::{Value, json};

use crate::common::{TestApp, error_codes, spawn_app_with};

const SCHEMA_QUERY: &str = "query Schema { __schema { queryType { name } } }";
const TYPE_QUERY: &str = "{ __type(name: \"Deal\") { name } }";
/// Introspection behind a fragment, as GraphiQL sends it.
const FRAGMENT_QUERY: &str =
    "query IntrospectionQuery { ...Q } fragment Q on Query { __schema { types { name } } }";

async fn refused(app: &TestApp, query: &str) -> Result<Value> {
    let answer = app.gql(query, json!({})).await?;
    assert_eq!(
        error_codes(&answer),
        ["INTROSPECTION_DISABLED"],
        "{query}: {answer}"
    );
    assert!(answer["data"].is_null(), "{query}: {answer}");
    Ok(answer)
}

#[tokio::test]
async fn in_production_introspection_is_refused_with_a_code_and_graphiql_and_metrics_are_off()
-> Result<()> {
    let app = spawn_app_with(false, &[("BECTA_ENV", "production")]).await?;
    for q in [SCHEMA_QUERY, TYPE_QUERY, FRAGMENT_QUERY] {
        refused(&app, q).await?;
    }
    let answer = refused(&app, SCHEMA_QUERY).await?;
    let message = answer["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("BECTA_INTROSPECTION"), "{message}");
    // Ordinary queries, `__typename` included, are answered.
    let data = app.data("{ __typename }", json!({})).await?;
    assert_eq!(data["__typename"], "Query");
    // In a batch, only the introspection operation is refused.
    let (status, body) = app
        .post_raw(serde_json::to_vec(&json!([
            { "query": "{ __typename }" },
            { "query": SCHEMA_QUERY },
        ]))?)
        .await?;
    assert_eq!(status, 200);
    assert_eq!(body[0]["data"]["__typename"], "Query");
    assert_eq!(error_codes(&body[1]), ["INTROSPECTION_DISABLED"]);

    let (status, _, body) = app.get_as(None, "/graphql").await?;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("BECTA_GRAPHIQL"), "{body}");
    let (status, _, _) = app.get_as(None, "/graphiql/start.js").await?;
    assert_eq!(status, 404);
    let (status, _, body) = app.get_as(None, "/metrics").await?;
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("BECTA_METRICS_TOKEN"), "{body}");
    Ok(())
}

#[tokio::test]
async fn production_turns_introspection_graphiql_and_metrics_on_when_told() -> Result<()> {
    let token = "production-metrics-token";
    let app = spawn_app_with(
        false,
        &[
            ("BECTA_ENV", "production"),
            ("BECTA_INTROSPECTION", "true"),
            ("BECTA_GRAPHIQL", "true"),
            ("BECTA_METRICS_TOKEN", token),
        ],
    )
    .await?;
    let data = app.data(SCHEMA_QUERY, json!({})).await?;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
    let (status, _, page) = app.get_as(None, "/graphql").await?;
    assert_eq!(status, 200);
    assert!(page.contains("graphiql"), "{page}");
    let (status, _, _) = app.get_as(None, "/metrics").await?;
    assert_eq!(status, 401);
    let (status, _, body) = app.get_as(Some(token), "/metrics").await?;
    assert_eq!(status, 200, "{body}");
    Ok(())
}

#[tokio::test]
async fn in_development_introspection_is_on_and_can_be_turned_off_with_a_coded_refusal()
-> Result<()> {
    let app = spawn_app_with(false, &[]).await?;
    let data = app.data(SCHEMA_QUERY, json!({})).await?;
    assert_eq!(data["__schema"]["queryType"]["name"], "Query");
    let data = app.data(TYPE_QUERY, json!({})).await?;
    assert_eq!(data["__type"]["name"], "Deal");
    let (status, _, _) = app.get_as(None, "/graphql").await?;
    assert_eq!(status, 200);

    let off = spawn_app_with(
        false,
        &[
            ("BECTA_INTROSPECTION", "false"),
            ("BECTA_GRAPHIQL", "false"),
        ],
    )
    .await?;
    for q in [SCHEMA_QUERY, TYPE_QUERY, FRAGMENT_QUERY] {
        refused(&off, q).await?;
    }
    let (status, _, _) = off.get_as(None, "/graphql").await?;
    assert_eq!(status, 404);
    Ok(())
}
