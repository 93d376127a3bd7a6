//! Bad input gets a clear, typed error: never a 500, never internal detail.

use anyhow::Result;
use serde_json::{Value, json};

use crate::common::{error_codes, spawn_app};

fn field_of(v: &Value) -> Option<&str> {
    v["errors"][0]["extensions"]["field"].as_str()
}

#[tokio::test]
async fn malformed_ids_cursors_and_page_sizes_are_bad_user_input_naming_the_argument() -> Result<()>
{
    let app = spawn_app().await?;
    let cases = [
        ("{ deal(id: \"not-a-uuid\") { title } }", "id"),
        ("{ product(id: \"123\") { name } }", "id"),
        ("{ supplier(id: \"\") { name } }", "id"),
        ("{ products(first: 101) { totalCount } }", "first"),
        ("{ products(first: 0) { totalCount } }", "first"),
        ("{ deals(first: -5) { totalCount } }", "first"),
        ("{ products(after: \"bogus\") { totalCount } }", "after"),
        (
            "{ deals(after: \"eyJub3QiOiJhIGN1cnNvciJ9\") { totalCount } }",
            "after",
        ),
        (
            "{ products(filter: { maxPricePence: -1 }) { totalCount } }",
            "filter.maxPricePence",
        ),
        (
            "{ products(filter: { supplierId: \"x\" }) { totalCount } }",
            "filter.supplierId",
        ),
    ];
    for (q, field) in cases {
        let v = app.gql(q, json!({})).await?;
        assert_eq!(error_codes(&v), ["BAD_USER_INPUT"], "{q}: {v}");
        assert_eq!(field_of(&v), Some(field), "{q}: {v}");
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .unwrap_or_default()
                .contains('`'),
            "{q}: message names the argument"
        );
    }
    Ok(())
}

#[tokio::test]
async fn invalid_queries_are_bad_user_input_not_server_errors() -> Result<()> {
    let app = spawn_app().await?;
    for q in [
        "{ products(filter: { keyStage: KS9 }) { totalCount } }",
        "{ products(first: \"ten\") { totalCount } }",
        "{ products(first: 99999999999) { totalCount } }",
        "{ noSuchField }",
        "{ products { ",
        "query { deal { title } }",
    ] {
        let v = app.gql(q, json!({})).await?;
        let codes = error_codes(&v);
        assert!(
            !codes.is_empty() && codes.iter().all(|c| c == "BAD_USER_INPUT"),
            "{q}: {v}"
        );
        assert!(v["data"].is_null(), "{q}: {v}");
    }
    Ok(())
}

#[tokio::test]
async fn broken_bodies_get_400_with_a_code_and_oversized_ones_413() -> Result<()> {
    let app = spawn_app().await?;
    for body in [
        b"not json".to_vec(),
        vec![0xff, 0xfe, 0x00],
        b"[]".to_vec(),
        b"{\"query\": 5}".to_vec(),
    ] {
        let (status, v) = app.post_raw(body.clone()).await?;
        assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
        assert_eq!(error_codes(&v), ["BAD_USER_INPUT"]);
    }
    let huge = format!(
        "{{\"query\": \"{{ products {{ totalCount }} }}\", \"x\": \"{}\"}}",
        "a".repeat(300 * 1024)
    );
    let (status, v) = app.post_raw(huge.into_bytes()).await?;
    assert_eq!(status, 413);
    assert_eq!(error_codes(&v), ["PAYLOAD_TOO_LARGE"]);
    Ok(())
}

#[tokio::test]
async fn batches_run_each_operation_up_to_the_limit() -> Result<()> {
    let app = spawn_app().await?;
    let op = json!({ "query": "{ products { totalCount } }" });
    let (status, v) = app
        .post_raw(serde_json::to_vec(&vec![op.clone(); 3])?)
        .await?;
    assert_eq!(status, 200);
    assert_eq!(v.as_array().map(Vec::len), Some(3));
    assert_eq!(v[2]["data"]["products"]["totalCount"], 0);
    let (status, v) = app.post_raw(serde_json::to_vec(&vec![op; 11])?).await?;
    assert_eq!(status, 400);
    assert_eq!(error_codes(&v), ["BAD_USER_INPUT"]);
    Ok(())
}

#[tokio::test]
async fn too_deep_or_too_costly_queries_are_refused_before_running() -> Result<()> {
    let app = spawn_app().await?;
    let mut deep = String::from("{ products(first: 1) { edges { node { name } } } }");
    for _ in 0..6 {
        deep = deep.replace(
            "node { name }",
            "node { supplier { products(first: 1) { edges { node { name } } } } }",
        );
    }
    let v = app.gql(&deep, json!({})).await?;
    assert_eq!(error_codes(&v), ["BAD_USER_INPUT"], "{v}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase()
            .contains("nested"),
        "{v}"
    );

    let costly = "{ products(first: 100) { edges { node { supplier { products(first: 100) {
        edges { node { name summary description } } } } } } } }";
    let v = app.gql(costly, json!({})).await?;
    assert_eq!(error_codes(&v), ["BAD_USER_INPUT"], "{v}");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_lowercase()
            .contains("complex"),
        "{v}"
    );

    // Alias amplification: 300 copies of a cheap field add up past the complexity limit.
    let wide: String = (0..300)
        .map(|i| format!("a{i}: products {{ totalCount }} "))
        .collect();
    let v = app.gql(&format!("{{ {wide} }}"), json!({})).await?;
    assert_eq!(error_codes(&v), ["BAD_USER_INPUT"], "{v}");
    assert!(v["data"].is_null());
    Ok(())
}

/// The server keeps parsed operations by their text, and an operation that ran cleanly before
/// skips the document's validation rules when its new variables fit it. Every bad value still
/// gets `BAD_USER_INPUT`, word for word the answer it got when the text was new (an unknown
/// filter field is refused, not ignored).
#[tokio::test]
async fn an_operation_sent_again_with_bad_variables_is_still_bad_user_input() -> Result<()> {
    let app = spawn_app().await?;
    let op = "query($q: String, $sort: ProductSort, $first: Int, $f: ProductSearchFilter) {
      searchProducts(query: $q, sort: $sort, first: $first, filter: $f) { totalHits hits { product { name } } } }";
    let bad = [
        json!({ "sort": "CHEAPEST" }),
        json!({ "first": "ten" }),
        json!({ "first": 99_999_999_999_i64 }),
        json!({ "first": 101 }),
        json!({ "first": -1 }),
        json!({ "first": 2.5 }),
        json!({ "f": { "keyStages": ["KS9"] } }),
        json!({ "f": { "keyStages": "KS9" } }),
        json!({ "f": { "noSuchFilter": true } }),
        json!({ "f": { "maxPricePence": "cheap" } }),
        json!({ "f": "KS2" }),
        json!({ "f": [{ "keyStages": ["KS2"] }] }),
        json!({ "q": 42 }),
        json!({ "q": ["maths"] }),
    ];
    let mut first_time = Vec::new();
    for vars in &bad {
        // A new text each time (a trailing comment): the full validation's answer.
        let fresh = format!("{op} # {vars}");
        first_time.push(app.gql(&fresh, vars.clone()).await?);
    }
    app.data(op, json!({ "q": "maths", "sort": "RATING" }))
        .await?;
    app.data(op, json!({ "q": "maths" })).await?;
    for (vars, before) in bad.iter().zip(first_time) {
        let v = app.gql(op, vars.clone()).await?;
        let codes = error_codes(&v);
        assert!(
            !codes.is_empty() && codes.iter().all(|c| c == "BAD_USER_INPUT"),
            "{vars}: {v}"
        );
        // The same answer, word for word, as the first time.
        assert_eq!(v, before, "{vars}");
        assert!(v["data"].is_null(), "{vars}: {v}");
    }
    // An operation that fails validation is refused every time it comes.
    for _ in 0..3 {
        let v = app
            .gql("{ searchProducts { noSuchField } }", json!({}))
            .await?;
        assert_eq!(error_codes(&v), ["BAD_USER_INPUT"], "{v}");
    }
    Ok(())
}

#[tokio::test]
async fn a_syntax_error_in_a_huge_query_answers_briefly() -> Result<()> {
    let app = crate::common::spawn_app_with(false, &[("BECTA_MAX_BODY_BYTES", "2000000")]).await?;
    // One line of about 1 MB that does not parse at its end.
    let query = format!("{{ products {{ {} ", "totalCount ".repeat(100_000));
    let (status, v) = app
        .post_raw(serde_json::to_vec(&json!({ "query": query }))?)
        .await?;
    assert_eq!(status, 200);
    assert_eq!(error_codes(&v), ["BAD_USER_INPUT"]);
    let answer = v.to_string();
    assert!(answer.len() < 4_000, "{} bytes echoed back", answer.len());
    Ok(())
}
