//! A school business manager's whole errand on the seeded catalogue: find refurbished
//! Chromebooks in grade A with a good battery and a year's warranty, compare three, order a
//! class set of 30 through the refurbished-devices framework at its price, and see the carbon
//! saved in the school's totals; a second order for more than is left is refused.

use anyhow::{Context, Result};
use becta_domain::entity::organisation;
use becta_domain::sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use becta_domain::vocab::{OrgKind, Role};
use serde_json::{Value, json};

use crate::common::{error_codes, spawn_app_with, stripe};

const FIND: &str = "query($f: ProductSearchFilter) {
  searchProducts(query: \"refurbished chromebooks\", filter: $f, first: 10) {
    totalHits hits { product { id name supplier { id } device { condition grade batteryHealthPercent warrantyMonths formFactor carbonSavedKgPerUnit unitsAvailable } } }
  }
}";
const COMPARE: &str = "query($ids: [ID!]!) { compareProducts(ids: $ids) { records { id } rows { attribute values } } }";
const BUY: &str = "mutation($p: ID!, $d: ID!, $q: Int!) { purchase(productId: $p, quantity: $q, priceOption: DEAL_PRICE, dealId: $d, method: CARD) { id status totalPence stripePaymentIntentId carbonSaved { kg source } } }";

fn row<'a>(comparison: &'a Value, attribute: &str) -> &'a Value {
    comparison["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["attribute"] == attribute))
        .unwrap_or(&Value::Null)
}

#[tokio::test]
async fn a_school_finds_compares_and_orders_refurbished_chromebooks_and_sees_the_carbon_saved()
-> Result<()> {
    let url = stripe::emulator()?;
    let env = stripe::server_env(&url);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = spawn_app_with(true, &env).await?;
    let emulator = stripe::Emulator::new(url);
    emulator.register_webhook(&app.url).await?;
    app.wait_for_search().await?;
    let school = organisation::Entity::find()
        .filter(organisation::Column::Kind.eq(OrgKind::School.code()))
        .order_by_asc(organisation::Column::Urn)
        .one(&app.db)
        .await?
        .context("a seeded school")?;
    let urn = school.urn.context("a URN")?.to_string();
    let buyer = app.token(Role::SchoolBuyer, Some(&urn));

    // Find: grade A, at least 85% battery, at least 12 months' warranty, Chromebooks.
    let filter = json!({ "grades": ["A"], "minBatteryHealthPercent": 85, "minWarrantyMonths": 12, "formFactors": ["CHROMEBOOK"] });
    let found = app.data(FIND, json!({ "f": filter })).await?["searchProducts"].clone();
    let hits = found["hits"].as_array().context("hits")?;
    assert!(hits.len() >= 3, "{found}");
    for h in hits {
        let d = &h["product"]["device"];
        assert_eq!(d["grade"], "A", "{h}");
        assert_eq!(d["formFactor"], "CHROMEBOOK", "{h}");
        assert!(d["batteryHealthPercent"].as_i64() >= Some(85), "{h}");
        assert!(d["warrantyMonths"].as_i64() >= Some(12), "{h}");
        assert!(d["carbonSavedKgPerUnit"].as_i64() > Some(0), "{h}");
    }

    // Compare three: the device rows show what differs between them.
    let three: Vec<Value> = hits[..3]
        .iter()
        .map(|h| h["product"]["id"].clone())
        .collect();
    let c = app.data(COMPARE, json!({ "ids": three })).await?["compareProducts"].clone();
    for attribute in [
        "condition",
        "grade",
        "battery_health",
        "warranty",
        "data_erasure",
        "operating_system",
        "carbon_saved_per_unit",
        "units_available",
    ] {
        let values = row(&c, attribute)["values"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(values.len(), 3, "{attribute}: {c}");
        assert!(
            values
                .iter()
                .all(|v| v.as_str().is_some_and(|s| !s.is_empty())),
            "{attribute}: {c}"
        );
    }
    assert!(
        row(&c, "battery_health")["values"][0]
            .as_str()
            .is_some_and(|v| v.contains('%')),
        "{c}"
    );
    assert!(
        row(&c, "carbon_saved_per_unit")["values"][0]
            .as_str()
            .is_some_and(|v| v.contains("kg CO2e")),
        "{c}"
    );

    // Order 30 of the first through the refurbished-devices framework, at its price.
    let chosen = &hits[0]["product"];
    let units = chosen["device"]["unitsAvailable"]
        .as_i64()
        .context("units")?;
    let per_unit = chosen["device"]["carbonSavedKgPerUnit"]
        .as_i64()
        .context("saving")?;
    let deal = app
        .data(
            "{ searchDeals(query: \"Refurbished ICT Equipment\", first: 5) { hits { deal { id reference } } } }",
            json!({}),
        )
        .await?;
    let deal_id = deal["searchDeals"]["hits"]
        .as_array()
        .and_then(|h| h.iter().find(|h| h["deal"]["reference"] == "YPO 001131"))
        .map(|h| h["deal"]["id"].clone())
        .context("the seeded YPO 001131 deal")?;
    let order = app
        .data_as(
            &buyer,
            BUY,
            json!({ "p": chosen["id"], "d": deal_id, "q": 30 }),
        )
        .await?["purchase"]
        .clone();
    assert_eq!(order["carbonSaved"]["kg"], 30 * per_unit, "{order}");
    super::orders::pay(&app, &emulator, &buyer, &order).await?;

    // The stock went down by 30, and an order for more than is left is refused.
    let left = app
        .data(
            "query($id: ID!) { product(id: $id) { device { unitsAvailable } } }",
            json!({ "id": chosen["id"] }),
        )
        .await?["product"]["device"]["unitsAvailable"]
        .clone();
    assert_eq!(left, units - 30);
    let r = app
        .gql_as(
            &buyer,
            BUY,
            json!({ "p": chosen["id"], "d": deal_id, "q": units - 29 }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"], "{r}");

    // The school's totals show the carbon saved, with its source.
    let totals = app
        .data_as(
            &buyer,
            "{ carbonSummary { orders units savedKg sources } }",
            json!({}),
        )
        .await?["carbonSummary"]
        .clone();
    assert_eq!(totals["units"], 30, "{totals}");
    assert_eq!(totals["savedKg"], 30 * per_unit, "{totals}");
    assert!(
        totals["sources"].as_array().is_some_and(|s| !s.is_empty()),
        "{totals}"
    );
    app.stop().await
}
