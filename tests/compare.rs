//! Comparing products and deals side by side: values equal the records' own, a hidden or
//! unknown id is NOT_FOUND without failing the rest, and `differs` flags disagreement.

use anyhow::Result;
use serde_json::{Value, json};

use crate::common::{error_codes, fixture, spawn_app};

const COMPARE_PRODUCTS: &str = "query($ids: [ID!]!) { compareProducts(ids: $ids) { records { id name errorCode } rows { attribute label values differs } } }";

fn row<'a>(c: &'a Value, attribute: &str) -> &'a Value {
    c["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["attribute"] == attribute))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn four_products_side_by_side_with_a_hidden_one_not_found() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let ids = [
        f.products["Alpha Phonics"].to_string(),
        f.products["Alpha Times Tables"].to_string(),
        f.products["Beta Safeguard"].to_string(),
        f.products["Beta Draft Thing"].to_string(),
    ];
    let c = app.data(COMPARE_PRODUCTS, json!({ "ids": ids })).await?["compareProducts"].clone();
    let codes: Vec<&Value> = c["records"]
        .as_array()
        .map(|r| r.iter().map(|x| &x["errorCode"]).collect())
        .unwrap_or_default();
    assert_eq!(
        codes,
        [
            &Value::Null,
            &Value::Null,
            &Value::Null,
            &json!("NOT_FOUND")
        ]
    );

    // Each value equals what the product itself says.
    for (i, id) in ids[..3].iter().enumerate() {
        let p = app
            .data(
                "query($id: ID!) { product(id: $id) { name priceDisplay badges keyStages } }",
                json!({ "id": id }),
            )
            .await?["product"]
            .clone();
        assert_eq!(c["records"][i]["name"], p["name"]);
        assert_eq!(row(&c, "price")["values"][i], p["priceDisplay"]);
        let stages: Vec<&str> = p["keyStages"]
            .as_array()
            .map(|k| k.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let want = if stages.is_empty() {
            "none".to_owned()
        } else {
            stages.join(", ")
        };
        assert_eq!(row(&c, "key_stages")["values"][i], want.as_str());
    }
    assert_eq!(row(&c, "price")["values"][3], Value::Null);
    assert_eq!(row(&c, "price")["differs"], true);
    assert_eq!(row(&c, "hosting_location")["values"][0], "UK");
    assert_eq!(row(&c, "hosting_location")["differs"], false);
    assert_eq!(row(&c, "rating")["values"][0], "no ratings");

    // 2 to 6 different ids.
    for bad in [
        json!([ids[0]]),
        json!([ids[0], ids[0]]),
        json!(vec![ids[0].clone(); 7]),
    ] {
        let r = app.gql(COMPARE_PRODUCTS, json!({ "ids": bad })).await?;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"]);
    }
    Ok(())
}

#[tokio::test]
async fn deals_side_by_side() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let ids = [
        f.deals["Current Devices Deal"].to_string(),
        f.deals["Current Licences Deal"].to_string(),
        uuid::Uuid::new_v4().to_string(),
    ];
    let c = app
        .data("query($ids: [ID!]!) { compareDeals(ids: $ids) { records { name errorCode } rows { attribute values differs } } }", json!({ "ids": ids }))
        .await?["compareDeals"]
        .clone();
    assert_eq!(c["records"][0]["name"], "Current Devices Deal");
    assert_eq!(c["records"][2]["errorCode"], "NOT_FOUND");
    let d = app
        .data(
            "query($id: ID!) { deal(id: $id) { reference endsOn provider { shortName } } }",
            json!({ "id": ids[0] }),
        )
        .await?["deal"]
        .clone();
    assert_eq!(row(&c, "reference")["values"][0], d["reference"]);
    assert_eq!(row(&c, "ends_on")["values"][0], d["endsOn"]);
    assert_eq!(row(&c, "provider")["values"][0], d["provider"]["shortName"]);
    assert_eq!(row(&c, "reference")["differs"], true);
    Ok(())
}
