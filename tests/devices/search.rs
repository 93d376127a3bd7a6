//! Finding devices: "refurbished chromebooks" narrowed by grade, battery health, warranty and
//! form factor, the device facets and the device sorts, through the API.

use anyhow::Result;
use serde_json::json;

use super::{chromebook, shop};
use crate::common::{error_codes, spawn_app};

const SEARCH: &str = "query($q: String, $filter: ProductSearchFilter, $sort: ProductSort) {
  searchProducts(query: $q, filter: $filter, sort: $sort, first: 50) {
    totalHits
    hits { product { name device { grade batteryHealthPercent warrantyMonths unitsAvailable carbonSavedKgPerUnit } } }
    facets { field values { value count } }
  } }";

fn names(r: &serde_json::Value) -> Vec<String> {
    r["searchProducts"]["hits"]
        .as_array()
        .map(|h| {
            h.iter()
                .filter_map(|h| h["product"]["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_school_finds_refurbished_chromebooks_of_grade_a_with_a_good_battery_and_a_year_of_warranty()
-> Result<()> {
    let s = shop(spawn_app().await?).await?;
    s.approved(
        "Refurbished Chromebook 300e, grade A",
        chromebook(json!({})),
    )
    .await?;
    s.approved(
        "Refurbished Chromebook 300e, grade B",
        chromebook(json!({ "grade": "B", "gradeDescriptor": "Visible wear, no dead pixels", "batteryHealthPercent": 81 })),
    )
    .await?;
    s.approved(
        "Refurbished Chromebook 300e, grade A, short warranty",
        chromebook(json!({ "warrantyMonths": 6 })),
    )
    .await?;
    s.approved(
        "Remanufactured iPad 9th generation",
        chromebook(json!({
            "maker": "Apple", "model": "iPad (9th generation)", "formFactor": "TABLET",
            "operatingSystem": "iPadOS", "condition": "REMANUFACTURED", "warrantyMonths": 24,
            "batteryHealthPercent": 92,
        })),
    )
    .await?;
    s.app.wait_for_search().await?;

    let filter = json!({
        "condition": ["REFURBISHED"], "grades": ["A"], "minBatteryHealthPercent": 85,
        "minWarrantyMonths": 12, "formFactors": ["CHROMEBOOK"],
    });
    let r = s
        .app
        .data(
            SEARCH,
            json!({ "q": "refurbished chromebooks", "filter": filter }),
        )
        .await?;
    assert_eq!(names(&r), ["Refurbished Chromebook 300e, grade A"], "{r}");
    let hit = &r["searchProducts"]["hits"][0]["product"]["device"];
    assert_eq!(hit["grade"], "A");
    assert_eq!(hit["carbonSavedKgPerUnit"], 270);

    // The device facets count what the query matches; software counts in none of them.
    let r = s.app.data(SEARCH, json!({ "q": "" })).await?;
    let facet = |field: &str| {
        let mut v: Vec<(String, i64)> = r["searchProducts"]["facets"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["field"] == field))
            .and_then(|f| f["values"].as_array())
            .map(|vals| {
                vals.iter()
                    .map(|v| {
                        (
                            v["value"].as_str().unwrap_or_default().to_owned(),
                            v["count"].as_i64().unwrap_or(0),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    };
    assert_eq!(
        facet("condition"),
        [
            ("REFURBISHED".to_owned(), 3),
            ("REMANUFACTURED".to_owned(), 1)
        ]
    );
    assert_eq!(facet("grades"), [("A".to_owned(), 3), ("B".to_owned(), 1)]);
    assert_eq!(
        facet("formFactors"),
        [("CHROMEBOOK".to_owned(), 3), ("TABLET".to_owned(), 1)]
    );
    assert_eq!(
        facet("operatingSystems"),
        [("ChromeOS".to_owned(), 3), ("iPadOS".to_owned(), 1)]
    );

    // Sorted by battery health, then by warranty.
    let used = json!({ "condition": ["REFURBISHED", "REMANUFACTURED"] });
    let r = s
        .app
        .data(SEARCH, json!({ "filter": used, "sort": "BATTERY_HEALTH" }))
        .await?;
    assert_eq!(
        names(&r).first().map(String::as_str),
        Some("Remanufactured iPad 9th generation")
    );
    assert_eq!(
        names(&r).last().map(String::as_str),
        Some("Refurbished Chromebook 300e, grade B")
    );
    let r = s
        .app
        .data(
            SEARCH,
            json!({ "filter": used, "sort": "WARRANTY_LONGEST" }),
        )
        .await?;
    assert_eq!(
        names(&r).first().map(String::as_str),
        Some("Remanufactured iPad 9th generation")
    );
    assert_eq!(
        names(&r).last().map(String::as_str),
        Some("Refurbished Chromebook 300e, grade A, short warranty")
    );

    // Out-of-range minimums name the filter.
    let r = s
        .app
        .gql(
            SEARCH,
            json!({ "filter": { "minBatteryHealthPercent": 101 } }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{r}");
    assert_eq!(super::error_field(&r), "filter.minBatteryHealthPercent");
    s.app.stop().await
}
