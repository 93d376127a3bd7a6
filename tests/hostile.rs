//! Hostile input: huge numbers, very wide queries, and injection strings in text fields are
//! answered with data or a typed error, never a server error, and what is stored is exactly
//! what was sent.

use anyhow::Result;
use becta_domain::vocab::Role;
use serde_json::{Value, json};

use crate::common::{error_codes, fixture, flows, spawn_app};

/// Strings that have broken other services: SQL, markup, template and formula injection,
/// control and bidirectional characters, astral-plane text, and a very long word.
fn hostile() -> Vec<String> {
    vec![
        "Robert'); DROP TABLE products;--".into(),
        "\" OR 1=1 --".into(),
        "<script>alert(1)</script>".into(),
        "{{7*7}} ${7*7} %s%s%n".into(),
        "=HYPERLINK(\"http://evil.example\")".into(),
        "\u{202e}gnp.exe Reading".into(),
        "Zalgo ̷̢͚̈́r̶ea̵d̴ 🏫📚 ø ß 中文".into(),
        "../../etc/passwd".into(),
        "x".repeat(10_000),
    ]
}

#[tokio::test]
async fn huge_numbers_and_wide_queries_are_refused_or_answered_never_a_server_error() -> Result<()>
{
    let app = spawn_app().await?;
    for q in [
        "{ products(first: 99999999999999999999) { totalCount } }",
        "{ products(first: -1) { totalCount } }",
        "{ searchProducts(query: \"a\", first: 2147483648) { totalHits } }",
        "{ searchProducts(query: \"a\", offset: 1e308) { totalHits } }",
    ] {
        let v = app.gql(q, json!({})).await?;
        assert!(only_bad_input(&v), "{q}: {v}");
    }
    let v = app
        .gql(
            "query($n: Int) { products(first: $n) { totalCount } }",
            json!({ "n": 1e40 }),
        )
        .await?;
    assert!(only_bad_input(&v), "{v}");

    // 4,000 aliases of one field: refused by the complexity limit, not run.
    let wide: String = (0..4000)
        .map(|i| format!("a{i}: products {{ totalCount }} "))
        .collect();
    let (status, v) = app
        .post_raw(serde_json::to_vec(
            &json!({ "query": format!("{{ {wide} }}") }),
        )?)
        .await?;
    assert_eq!(status, 200);
    assert!(only_bad_input(&v), "{v}");
    Ok(())
}

#[tokio::test]
async fn injection_strings_are_stored_as_sent_or_refused_by_field() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    for s in hostile() {
        // A shortlist name: at most 120 characters, else refused naming the field.
        let r = app
            .gql_as(
                &school,
                "mutation($n: String!, $d: String) { createShortlist(input: { name: $n, description: $d }) { name description } }",
                json!({ "n": s, "d": s }),
            )
            .await?;
        check(&r, "createShortlist", &[("name", &s), ("description", &s)])?;

        // A product listing's name and summary.
        let mut input = flows::product_input("Hostile listing");
        input["name"] = json!(s);
        input["summary"] = json!(s);
        let r = app
            .gql_as(
                &supplier,
                "mutation($input: ProductInput!) { createProduct(input: $input) { product { name summary } } }",
                json!({ "input": input }),
            )
            .await?;
        if r.get("errors").is_none() {
            assert_eq!(r["data"]["createProduct"]["product"]["name"], json!(s));
        } else {
            assert!(only_bad_input(&r), "{r}");
        }

        // Search and browse take any text.
        let r = app
            .gql(
                "query($q: String) { searchProducts(query: $q) { totalHits } searchDeals(query: $q) { totalHits } }",
                json!({ "q": s }),
            )
            .await?;
        assert!(r.get("errors").is_none() || only_bad_input(&r), "{r}");
    }
    // Nothing was dropped: the catalogue is whole.
    let count = app
        .data(
            "{ products { totalCount } deals { totalCount } }",
            json!({}),
        )
        .await?;
    assert_eq!(
        count["products"]["totalCount"],
        fixture::PUBLIC_PRODUCTS.len()
    );
    assert_eq!(count["deals"]["totalCount"], fixture::PUBLIC_DEALS.len());
    Ok(())
}

/// Either every field came back exactly as sent, or the write was refused as bad input.
fn check(r: &Value, field: &str, sent: &[(&str, &String)]) -> Result<()> {
    if r.get("errors").is_none() {
        for (k, v) in sent {
            assert_eq!(r["data"][field][*k], json!(v), "{field}.{k}");
        }
    } else {
        assert!(only_bad_input(r), "{r}");
        assert!(r["errors"][0]["extensions"]["field"].is_string(), "{r}");
    }
    Ok(())
}

/// Refused, and every error is `BAD_USER_INPUT`.
fn only_bad_input(v: &Value) -> bool {
    let codes = error_codes(v);
    !codes.is_empty() && codes.iter().all(|c| c == "BAD_USER_INPUT")
}
