//! The HTTP surface around GraphQL: health, readiness, GraphiQL and request ids.

use anyhow::Result;
use serde_json::Value;

use crate::common::spawn_app;

#[tokio::test]
async fn health_and_readiness_answer() -> Result<()> {
    let app = spawn_app().await?;
    let health = app
        .client
        .get(format!("{}/healthz", app.url))
        .send()
        .await?;
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await?, "ok");
    let ready = app.client.get(format!("{}/readyz", app.url)).send().await?;
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await?;
    assert_eq!(body["status"], "ready");
    Ok(())
}

#[tokio::test]
async fn graphiql_is_served_on_get() -> Result<()> {
    let app = spawn_app().await?;
    let page = app
        .client
        .get(format!("{}/graphql", app.url))
        .send()
        .await?;
    assert_eq!(page.status(), 200);
    assert!(page.text().await?.to_lowercase().contains("graphiql"));
    Ok(())
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_sane_one_is_kept() -> Result<()> {
    let app = spawn_app().await?;
    let resp = app
        .client
        .get(format!("{}/healthz", app.url))
        .header("x-request-id", "abc-123")
        .send()
        .await?;
    assert_eq!(
        resp.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok()),
        Some("abc-123")
    );
    let resp = app
        .client
        .get(format!("{}/healthz", app.url))
        .header("x-request-id", "bad id with spaces")
        .send()
        .await?;
    let id = resp
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    Ok(())
}

#[tokio::test]
async fn graphiql_introspection_fits_within_the_limits() -> Result<()> {
    let app = spawn_app().await?;
    // The introspection query GraphiQL sends (TypeRef nests ofType deeply).
    let q = r#"query IntrospectionQuery { __schema { queryType { name } mutationType { name }
      types { ...FullType } directives { name args { ...InputValue } } } }
      fragment FullType on __Type { kind name description
        fields(includeDeprecated: true) { name args { ...InputValue } type { ...TypeRef } isDeprecated }
        inputFields { ...InputValue } interfaces { ...TypeRef } enumValues(includeDeprecated: true) { name }
        possibleTypes { ...TypeRef } }
      fragment InputValue on __InputValue { name type { ...TypeRef } defaultValue }
      fragment TypeRef on __Type { kind name ofType { kind name ofType { kind name ofType { kind name
        ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }"#;
    let data = app.data(q, serde_json::json!({})).await?;
    assert!(
        data["__schema"]["types"]
            .as_array()
            .is_some_and(|t| t.len() > 20)
    );
    Ok(())
}

#[tokio::test]
async fn the_server_shuts_down_cleanly_when_asked() -> Result<()> {
    let app = spawn_app().await?;
    let url = format!("{}/healthz", app.url);
    let client = app.client.clone();
    app.stop().await?;
    assert!(
        client.get(url).send().await.is_err(),
        "still serving after shutdown"
    );
    Ok(())
}
