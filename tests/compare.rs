//! Comparing products and deals side by side: values equal the records' own, read as a buyer
//! says them (labels and pounds, in the rows and in the CSV), a hidden or unknown id is
//! NOT_FOUND without failing the rest, and `differs` flags disagreement.

use anyhow::{Context, Result};
use becta_domain::vocab::Role;
use serde_json::{Value, json};

use crate::common::{error_codes, fixture, flows, names, parse_csv, spawn_app};

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
    // Labels, not codes.
    assert_eq!(
        row(&c, "route_to_market")["values"],
        json!(["Direct award", "Direct award", null])
    );
    assert_eq!(
        row(&c, "eligibility")["values"],
        json!([
            "Primary, Secondary, Community school, Academy converter",
            "Secondary, Academy converter",
            null
        ])
    );
    assert_eq!(
        row(&c, "typical_savings")["values"][0],
        "10% (Typically 10% below list price)"
    );
    Ok(())
}

#[tokio::test]
async fn a_buyer_reads_labels_and_pounds_in_the_rows_and_the_csv() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let admin = app.token(Role::Admin, None);
    // £1,925 per school per year on the web, Windows and Chromebooks; approved with data
    // protection, cyber security, safeguarding and evidence of impact.
    let mut input = flows::product_input("Gamma Reading");
    input["pricingModel"] = json!("PER_SCHOOL_PER_YEAR");
    input["pricePence"] = json!(192_500);
    input["platforms"] = json!(["WEB", "WINDOWS", "CHROMEOS"]);
    let gamma = flows::approved_with(&app, &supplier, &admin, input).await?;
    let ids = [
        gamma["product"]["id"]
            .as_str()
            .context("product id")?
            .to_owned(),
        f.products["Alpha Times Tables"].to_string(),
    ];

    let c = app.data(COMPARE_PRODUCTS, json!({ "ids": ids })).await?["compareProducts"].clone();
    let values = |attribute: &str| row(&c, attribute)["values"].clone();
    assert_eq!(
        values("price"),
        json!(["£1,925 per school per year", "£1.50 per pupil per year"])
    );
    assert_eq!(values("key_stages"), json!(["KS1, KS2", "KS2"]));
    assert_eq!(
        values("platforms"),
        json!(["Web, Windows, ChromeOS", "Web, ChromeOS"])
    );
    assert_eq!(values("hosting_location"), json!(["UK", "UK"]));
    assert_eq!(
        values("cyber_essentials"),
        json!(["Cyber Essentials Plus", "Cyber Essentials"])
    );
    assert_eq!(
        values("badges"),
        json!([
            "Data protection, Cyber security, Safeguarding, Evidence of impact",
            "Data protection"
        ])
    );
    let rows = c["rows"].as_array().context("rows")?;
    for r in rows {
        for v in r["values"].as_array().into_iter().flatten() {
            let v = v.as_str().unwrap_or_default();
            assert!(!v.contains('_'), "{}: a code, {v:?}", r["attribute"]);
        }
    }

    // Programs keep the codes: the product's enum fields and the filters are as they were.
    let p = app
        .data(
            "query($id: ID!) { product(id: $id) { platforms badges pricingModel pricePence } }",
            json!({ "id": ids[0] }),
        )
        .await?["product"]
        .clone();
    assert_eq!(
        p,
        json!({
            "platforms": ["WEB", "WINDOWS", "CHROMEOS"],
            "badges": ["DATA_PROTECTION", "CYBER_SECURITY", "SAFEGUARDING", "EVIDENCE_OF_IMPACT"],
            "pricingModel": "PER_SCHOOL_PER_YEAR",
            "pricePence": 192_500,
        })
    );
    let filtered = app
        .data(
            "{ products(filter: { platform: CHROMEOS, badges: [CYBER_SECURITY] }) { edges { node { name } } } }",
            json!({}),
        )
        .await?;
    assert_eq!(names(&filtered["products"]), ["Gamma Reading"]);

    // The CSV says the same, cell for cell.
    let (status, _, body) = app
        .get_as(
            None,
            &format!("/exports/compare.csv?products={}", ids.join(",")),
        )
        .await?;
    assert_eq!(status, 200, "{body}");
    let (header, csv) = parse_csv(&body)?;
    assert_eq!(
        header,
        [
            "Attribute",
            "Gamma Reading",
            "Alpha Times Tables",
            "Differs"
        ]
    );
    let line = |label: &str| csv.iter().find(|r| r[0] == label).cloned();
    assert_eq!(
        line("Price"),
        Some(
            [
                "Price",
                "£1,925 per school per year",
                "£1.50 per pupil per year",
                "yes"
            ]
            .map(str::to_owned)
            .to_vec()
        )
    );
    assert_eq!(
        line("Platforms"),
        Some(
            [
                "Platforms",
                "Web, Windows, ChromeOS",
                "Web, ChromeOS",
                "yes"
            ]
            .map(str::to_owned)
            .to_vec()
        )
    );
    assert_eq!(
        line("Vetting badges"),
        Some(
            [
                "Vetting badges",
                "Data protection, Cyber security, Safeguarding, Evidence of impact",
                "Data protection",
                "yes"
            ]
            .map(str::to_owned)
            .to_vec()
        )
    );
    assert_eq!(
        line("Data hosted in"),
        Some(
            ["Data hosted in", "UK", "UK", "no"]
                .map(str::to_owned)
                .to_vec()
        )
    );
    assert_eq!(csv.len(), rows.len());
    Ok(())
}
