//! Each role's refusals (another school, an uninvited supplier, an adviser), a supplier's
//! decline, and the checks on criteria, weights, deadlines and the deal's route.

use anyhow::Result;
use chrono::Duration;
use serde_json::{Value, json};

use super::{BID, COMPETITION, world, world_with};
use crate::common::error_codes;

fn field(v: &Value) -> &str {
    v["errors"][0]["extensions"]["field"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn weights_must_add_up_to_exactly_100_from_the_frameworks_criteria() -> Result<()> {
    let w = world().await?;
    let cases = [
        (
            json!([{ "key": "price", "weight": 60 }, { "key": "quality", "weight": 30 }]),
            "criteria.weight",
        ),
        (
            json!([{ "key": "price", "weight": 70 }, { "key": "quality", "weight": 40 }]),
            "criteria.weight",
        ),
        (
            json!([{ "key": "price", "weight": 100 }, { "key": "quality", "weight": 0 }]),
            "criteria.weight",
        ),
        (json!([{ "key": "colour", "weight": 100 }]), "criteria.key"),
        (
            json!([{ "key": "price", "weight": 50 }, { "key": "price", "weight": 50 }]),
            "criteria.key",
        ),
        (json!([]), "criteria"),
    ];
    for (criteria, expected) in cases {
        let mut input = w.input(Duration::hours(1), Duration::hours(2));
        input["criteria"] = criteria.clone();
        let v = w.start_with(&w.school, input).await?;
        assert_eq!(error_codes(&v), ["BAD_USER_INPUT"], "{criteria}: {v}");
        assert_eq!(field(&v), expected, "{criteria}: {v}");
    }
    let mut input = w.input(Duration::hours(1), Duration::hours(2));
    input["scaleDescriptors"] = json!(["too", "few"]);
    let v = w.start_with(&w.school, input).await?;
    assert_eq!(field(&v), "scaleDescriptors", "{v}");
    // In the future and in order.
    let v = w
        .start_with(&w.school, w.input(Duration::hours(-1), Duration::hours(2)))
        .await?;
    assert_eq!(field(&v), "clarificationDeadline", "{v}");
    let v = w
        .start_with(&w.school, w.input(Duration::hours(3), Duration::hours(2)))
        .await?;
    assert_eq!(field(&v), "submissionDeadline", "{v}");
    Ok(())
}

#[tokio::test]
async fn the_submission_deadline_leaves_the_minimum_response_period() -> Result<()> {
    // The default server: 7 days (168 hours).
    let w = world_with(&[]).await?;
    let v = w
        .start_with(&w.school, w.input(Duration::days(2), Duration::days(6)))
        .await?;
    assert_eq!(error_codes(&v), ["BAD_USER_INPUT"], "{v}");
    assert_eq!(field(&v), "submissionDeadline");
    assert!(
        v["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("168 hours")
    );
    let v = w
        .start_with(&w.school, w.input(Duration::days(2), Duration::days(8)))
        .await?;
    assert!(v.get("errors").is_none(), "{v}");
    Ok(())
}

#[tokio::test]
async fn only_a_deal_whose_route_allows_it_and_an_eligible_school_start_one() -> Result<()> {
    let w = world().await?;
    // The fixture's devices deal is direct award only.
    let lots = w
        .app
        .data(
            "query($id: ID!) { deal(id: $id) { lots { id number } } }",
            json!({ "id": w.f.deals["Current Devices Deal"] }),
        )
        .await?;
    let mut input = w.input(Duration::hours(1), Duration::hours(2));
    input["lotId"] = lots["deal"]["lots"][0]["id"].clone();
    let v = w.start_with(&w.school, input).await?;
    assert_eq!(error_codes(&v), ["BAD_USER_INPUT"], "{v}");
    assert_eq!(field(&v), "lotId");
    // The framework is for primary schools: the trust's secondary is not eligible.
    let secondary = w.app.token(
        becta_domain::vocab::Role::SchoolBuyer,
        Some(&crate::common::fixture::TRUST_SCHOOL_URNS[1].to_string()),
    );
    let v = w
        .start_with(&secondary, w.input(Duration::hours(1), Duration::hours(2)))
        .await?;
    assert_eq!(field(&v), "lotId", "{v}");
    // Suppliers, advisers and admins do not start one.
    for token in [&w.bidders[0], &w.adviser, &w.admin] {
        let v = w
            .start_with(token, w.input(Duration::hours(1), Duration::hours(2)))
            .await?;
        assert_eq!(error_codes(&v), ["FORBIDDEN"], "{v}");
    }
    Ok(())
}

#[tokio::test]
async fn another_school_an_uninvited_supplier_and_an_adviser_are_refused() -> Result<()> {
    let w = world().await?;
    let c = w.published(Duration::hours(1), Duration::hours(2)).await?;
    let id = c["id"].clone();
    for token in [&w.other_school, &w.outsider] {
        let v = w.read(token, &id, "id title").await?;
        assert_eq!(error_codes(&v), ["NOT_FOUND"], "{v}");
        let v = w.bid(token, &id, 100, "x").await?;
        let codes = error_codes(&v);
        assert!(codes == ["NOT_FOUND"] || codes == ["FORBIDDEN"], "{v}");
    }
    let v = w.read(&w.adviser, &id, "id").await?;
    assert_eq!(error_codes(&v), ["FORBIDDEN"], "{v}");
    // The other school cannot act on it either.
    for (op, vars) in [
        (
            "mutation($id: ID!) { publishFurtherCompetition(id: $id) { id } }",
            json!({ "id": id }),
        ),
        (
            "mutation($id: ID!) { abandonFurtherCompetition(id: $id, reason: \"no\") { id } }",
            json!({ "id": id }),
        ),
    ] {
        let v = w.app.gql_as(&w.other_school, op, vars).await?;
        assert_eq!(error_codes(&v), ["NOT_FOUND"], "{v}");
    }
    // The outsider has no invitation.
    let d = w
        .app
        .data_as(&w.outsider, "{ myInvitations { invitedAt } }", json!({}))
        .await?;
    assert_eq!(d["myInvitations"], json!([]));
    // A supplier on the lot does not read who else was invited, nor other bids.
    let v = w
        .read(&w.bidders[2], &id, "invitations { supplierName }")
        .await?;
    assert_eq!(
        v["data"]["furtherCompetition"]["invitations"],
        json!([{ "supplierName": super::SUPPLIER_NAMES[2] }])
    );
    let v = w
        .read(&w.bidders[2], &id, &format!("bids {{ {BID} }}"))
        .await?;
    assert_eq!(error_codes(&v), ["FORBIDDEN"], "{v}");
    // Conflict of interest declarations: the school's evaluators only, once each.
    let declare = "mutation($id: ID!) { declareConflictOfInterest(competitionId: $id, hasConflict: true, details: \"I advise one bidder\") { hasConflict details } }";
    let d = w
        .app
        .data_as(&w.colleague, declare, json!({ "id": id }))
        .await?;
    assert_eq!(
        d["declareConflictOfInterest"],
        json!({ "hasConflict": true, "details": "I advise one bidder" })
    );
    let v = w
        .app
        .gql_as(&w.colleague, declare, json!({ "id": id }))
        .await?;
    assert_eq!(error_codes(&v), ["CONFLICT"], "{v}");
    let v = w
        .app
        .gql_as(&w.other_school, declare, json!({ "id": id }))
        .await?;
    assert_eq!(error_codes(&v), ["NOT_FOUND"], "{v}");
    let v = w
        .app
        .gql_as(&w.bidders[0], declare, json!({ "id": id }))
        .await?;
    assert_eq!(error_codes(&v), ["FORBIDDEN"], "{v}");
    // A supplier does not publish or award.
    let v = w
        .app
        .gql_as(
            &w.bidders[0],
            "mutation($id: ID!) { publishFurtherCompetition(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(error_codes(&v), ["FORBIDDEN"], "{v}");
    Ok(())
}

#[tokio::test]
async fn a_supplier_declines_and_then_cannot_bid_and_a_bidder_cannot_decline() -> Result<()> {
    let w = world().await?;
    let c = w.published(Duration::hours(1), Duration::hours(2)).await?;
    let id = c["id"].clone();
    let decline = "mutation($id: ID!, $r: String) { declineInvitation(competitionId: $id, reason: $r) { declinedAt declineReason hasBid } }";
    let d = w
        .app
        .data_as(
            &w.bidders[0],
            decline,
            json!({ "id": id, "r": "No stock this term" }),
        )
        .await?;
    assert_eq!(
        d["declineInvitation"]["declineReason"],
        "No stock this term"
    );
    let v = w.bid(&w.bidders[0], &id, 100, "x").await?;
    assert_eq!(error_codes(&v), ["CONFLICT"], "{v}");
    let v = w
        .app
        .gql_as(&w.bidders[0], decline, json!({ "id": id }))
        .await?;
    assert_eq!(error_codes(&v), ["CONFLICT"], "declined once: {v}");
    // A supplier with a bid in keeps it until the deadline.
    let v = w.bid(&w.bidders[1], &id, 100, "x").await?;
    assert!(v.get("errors").is_none(), "{v}");
    let v = w
        .app
        .gql_as(&w.bidders[1], decline, json!({ "id": id }))
        .await?;
    assert_eq!(error_codes(&v), ["CONFLICT"], "{v}");
    // The school sees who declined, and why.
    let v = w.read(&w.school, &id, COMPETITION).await?;
    let inv = &v["data"]["furtherCompetition"]["invitations"][0];
    assert_eq!(inv["declineReason"], "No stock this term");
    Ok(())
}
