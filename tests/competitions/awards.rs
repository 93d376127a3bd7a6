//! Direct award in one step, and its call-off record above the threshold with the notices due;
//! abandoning a competition with a reason.

use anyhow::Result;
use chrono::{Duration, NaiveDate, Utc};
use serde_json::json;

use super::{COMPETITION, world};
use crate::common::error_codes;

const DIRECT: &str = "mutation($i: DirectAwardInput!) { directAward(input: $i) { id kind status awardedSupplierName directAwardReason selectionRule } }";

#[tokio::test]
async fn a_direct_award_is_recorded_in_one_step_with_its_notices_above_the_threshold() -> Result<()>
{
    let w = world().await?;
    // The fixture's devices deal allows direct award; Beta is on lot 2.
    let d = w
        .app
        .data(
            "query($id: ID!) { deal(id: $id) { lots { id number } } }",
            json!({ "id": w.f.deals["Current Devices Deal"] }),
        )
        .await?;
    let lot = d["deal"]["lots"][1]["id"].clone();
    let input = |supplier: String, value: i64| {
        json!({
            "lotId": lot, "supplierId": supplier,
            "title": "Interactive panels for every classroom",
            "requirement": "30 panels installed",
            "quantity": 30, "valuePence": value, "termMonths": 48,
            "reason": "A like-for-like replacement at the framework's catalogue price",
            "selectionRule": "Lowest catalogue price for the specification, as the framework sets",
        })
    };
    // Not on the lot: refused.
    let v = w
        .app
        .gql_as(
            &w.school,
            DIRECT,
            json!({ "i": input(w.suppliers[0].to_string(), 100) }),
        )
        .await?;
    assert_eq!(error_codes(&v), ["BAD_USER_INPUT"], "{v}");
    assert_eq!(v["errors"][0]["extensions"]["field"], "supplierId");
    // The further-competition-only framework refuses a direct award.
    let mut fc = input(w.suppliers[0].to_string(), 100);
    fc["lotId"] = json!(w.lot);
    let v = w.app.gql_as(&w.school, DIRECT, json!({ "i": fc })).await?;
    assert_eq!(v["errors"][0]["extensions"]["field"], "lotId", "{v}");

    // £180,000 before VAT is £216,000 with it: above the £207,720 threshold.
    let d = w
        .app
        .data_as(
            &w.school,
            DIRECT,
            json!({ "i": input(w.f.beta.to_string(), 18_000_000) }),
        )
        .await?;
    let a = &d["directAward"];
    assert_eq!(a["kind"], "DIRECT_AWARD");
    assert_eq!(a["status"], "AWARDED");
    assert_eq!(a["awardedSupplierName"], "Beta Devices Ltd");
    let beta = w.app.token(
        becta_domain::vocab::Role::Supplier,
        Some(&w.f.beta.to_string()),
    );
    assert_eq!(w.notices(&beta, "competition.direct_award").await?.len(), 1);

    let r = w
        .app
        .data_as(
            &w.school,
            "query($id: ID!) { callOffRecord(id: $id) { route routeJustification selectionRule providerReference lot \
             awardedSupplier wholeLifeValuePence aboveThreshold notices { notice dueOn rule } } }",
            json!({ "id": a["id"] }),
        )
        .await?;
    let r = &r["callOffRecord"];
    assert_eq!(r["route"], "Direct award");
    assert_eq!(
        r["routeJustification"],
        "A like-for-like replacement at the framework's catalogue price"
    );
    assert_eq!(r["providerReference"], "Current-Devices-Deal");
    assert_eq!(r["lot"], "Lot 2: Tablets");
    assert_eq!(r["wholeLifeValuePence"], 21_600_000);
    assert_eq!(r["aboveThreshold"], true);
    let today = Utc::now().date_naive();
    let due = |i: usize| -> Result<NaiveDate> {
        Ok(r["notices"][i]["dueOn"]
            .as_str()
            .unwrap_or_default()
            .parse()?)
    };
    assert_eq!(r["notices"][0]["notice"], "Contract award notice");
    assert!((due(0)? - today).num_days().abs() <= 1);
    assert_eq!(r["notices"][1]["notice"], "Contract details notice");
    assert_eq!((due(1)? - due(0)?).num_days(), 30);

    // The school's list holds it; another school's does not.
    let mine = w
        .app
        .data_as(
            &w.school,
            "{ myFurtherCompetitions { id kind status lotTitle } }",
            json!({}),
        )
        .await?;
    assert_eq!(
        mine["myFurtherCompetitions"],
        json!([{ "id": a["id"], "kind": "DIRECT_AWARD", "status": "AWARDED", "lotTitle": "Lot 2: Tablets" }])
    );
    let theirs = w
        .app
        .data_as(
            &w.other_school,
            "{ myFurtherCompetitions { id } }",
            json!({}),
        )
        .await?;
    assert_eq!(theirs["myFurtherCompetitions"], json!([]));

    // The CSV names both notices.
    let path = format!(
        "/exports/call-offs/{}.csv",
        a["id"].as_str().unwrap_or_default()
    );
    let (status, _, body) = w.app.get_as(Some(&w.school), &path).await?;
    assert_eq!(status, 200);
    assert!(body.contains("Contract award notice") && body.contains("Contract details notice"));
    assert!(body.contains("Framework selection rule"));
    // A trust's buyer of another school, and an adviser, are refused.
    let v = w
        .app
        .gql_as(
            &w.other_school,
            "query($id: ID!) { callOffRecord(id: $id) { route } }",
            json!({ "id": a["id"] }),
        )
        .await?;
    assert_eq!(error_codes(&v), ["NOT_FOUND"], "{v}");
    Ok(())
}

#[tokio::test]
async fn an_abandoned_competition_tells_the_invited_suppliers_and_has_no_call_off_record()
-> Result<()> {
    let w = world().await?;
    let c = w.published(Duration::hours(1), Duration::hours(2)).await?;
    let id = c["id"].clone();
    let abandon = format!(
        "mutation($id: ID!, $r: String!) {{ abandonFurtherCompetition(id: $id, reason: $r) {{ {COMPETITION} }} }}"
    );
    let v = w
        .app
        .gql_as(&w.school, &abandon, json!({ "id": id, "r": "  " }))
        .await?;
    assert_eq!(v["errors"][0]["extensions"]["field"], "reason", "{v}");
    let d = w
        .app
        .data_as(
            &w.school,
            &abandon,
            json!({ "id": id, "r": "The budget was withdrawn" }),
        )
        .await?;
    assert_eq!(d["abandonFurtherCompetition"]["status"], "ABANDONED");
    assert_eq!(
        d["abandonFurtherCompetition"]["abandonReason"],
        "The budget was withdrawn"
    );
    for token in &w.bidders {
        let n = w.notices(token, "competition.abandoned").await?;
        assert_eq!(n.len(), 1);
        assert_eq!(n[0]["payload"]["reason"], "The budget was withdrawn");
    }
    let v = w.bid(&w.bidders[0], &id, 100, "x").await?;
    assert_eq!(error_codes(&v), ["CONFLICT"], "{v}");
    let v = w
        .app
        .gql_as(
            &w.school,
            "query($id: ID!) { callOffRecord(id: $id) { route } }",
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(error_codes(&v), ["CONFLICT"], "{v}");
    let v = w
        .app
        .gql_as(&w.school, &abandon, json!({ "id": id, "r": "again" }))
        .await?;
    assert_eq!(error_codes(&v), ["CONFLICT"], "{v}");
    Ok(())
}
