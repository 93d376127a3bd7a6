//! On the sample dataset: a school runs a further competition on a seeded lot of four
//! suppliers (CCS RM6190, lot 4) from start to award, and downloads the call-off record as CSV.

use anyhow::{Context, Result};
use becta_domain::catalogue::deals;
use becta_domain::entity::{deal, organisation};
use becta_domain::vocab::{OrgKind, Role};
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use super::{BID, COMPETITION, criteria, descriptors};
use crate::common::{TestApp, error_codes, parse_csv, spawn_app_with};

async fn gql(app: &TestApp, token: &str, q: &str, vars: Value) -> Result<Value> {
    app.data_as(token, q, vars).await
}

#[tokio::test]
async fn a_school_runs_a_further_competition_on_a_seeded_lot_of_four_suppliers() -> Result<()> {
    let app = spawn_app_with(true, &[("BECTA_COMPETITION_MIN_RESPONSE_HOURS", "0")]).await?;
    let rm6190 = deal::Entity::find()
        .filter(deal::Column::Reference.eq("RM6190"))
        .one(&app.db)
        .await?
        .context("the seeded RM6190")?;
    let lot = deals::lots_of(&app.db, &[rm6190.id])
        .await?
        .remove(&rm6190.id)
        .unwrap_or_default()
        .into_iter()
        .find(|l| l.number == 4)
        .context("lot 4")?;
    let school = organisation::Entity::find()
        .filter(organisation::Column::Kind.eq(OrgKind::School.code()))
        .filter(organisation::Column::Urn.is_not_null())
        .filter(organisation::Column::EstablishmentType.eq("community"))
        .order_by_asc(organisation::Column::Urn)
        .one(&app.db)
        .await?
        .context("a seeded community school")?;
    let buyer = app.token(
        Role::SchoolBuyer,
        Some(&school.urn.unwrap_or_default().to_string()),
    );
    let now = Utc::now();
    let at = |d: Duration| (now + d).to_rfc3339();
    let started = gql(
        &app,
        &buyer,
        &format!("mutation($i: FurtherCompetitionInput!) {{ startFurtherCompetition(input: $i) {{ {COMPETITION} }} }}"),
        json!({ "i": {
            "lotId": lot.id, "title": "Server replacement and cloud backup",
            "requirement": "Replace two on-site servers and move backups to UK cloud storage.",
            "quantity": 1, "budgetPence": 4_000_000, "termMonths": 36,
            "criteria": criteria(), "scaleMax": 5, "scaleDescriptors": descriptors(),
            "clarificationDeadline": at(Duration::seconds(3)),
            "submissionDeadline": at(Duration::seconds(8)),
        }}),
    )
    .await?;
    let id = started["startFurtherCompetition"]["id"].clone();
    let published = gql(
        &app,
        &buyer,
        &format!("mutation($id: ID!) {{ publishFurtherCompetition(id: $id) {{ {COMPETITION} }} }}"),
        json!({ "id": id }),
    )
    .await?;
    let invited = published["publishFurtherCompetition"]["invitations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(invited.len(), 4, "every supplier on the lot: {invited:?}");

    let bid = format!(
        "mutation($id: ID!, $i: BidInput!) {{ submitBid(competitionId: $id, input: $i) {{ {BID} }} }}"
    );
    let prices = [3_600_000, 3_900_000, 3_400_000, 3_750_000];
    for (i, inv) in invited.iter().enumerate() {
        let token = app.token(Role::Supplier, inv["supplierId"].as_str());
        let responses: Vec<Value> = ["price", "quality", "social_value"]
            .iter()
            .map(|k| json!({ "criterion": k, "text": format!("Our offer on {k}") }))
            .collect();
        gql(
            &app,
            &token,
            &bid,
            json!({ "id": id, "i": { "pricePence": prices[i], "responses": responses } }),
        )
        .await?;
    }

    // Sealed until the deadline; then four bids.
    let read = format!("query($id: ID!) {{ furtherCompetition(id: $id) {{ bids {{ {BID} }} }} }}");
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let bids = loop {
        let v = app.gql_as(&buyer, &read, json!({ "id": id })).await?;
        if v.get("errors").is_none() {
            break v["data"]["furtherCompetition"]["bids"]
                .as_array()
                .cloned()
                .unwrap_or_default();
        }
        assert_eq!(error_codes(&v), ["FORBIDDEN"], "{v}");
        anyhow::ensure!(
            std::time::Instant::now() < until,
            "the deadline never passed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(bids.len(), 4);

    // One evaluator, then moderation: the bid priced 3,400,000 gets the best scores.
    let score = |s: [i32; 3]| {
        json!(
            ["price", "quality", "social_value"]
                .iter()
                .zip(s)
                .map(|(k, s)| json!({ "criterion": k, "score": s, "rationale": "as read" }))
                .collect::<Vec<_>>()
        )
    };
    for (i, b) in bids.iter().enumerate() {
        let s = if b["pricePence"] == 3_400_000 {
            [5, 4, 4]
        } else {
            [3, 3, 3]
        };
        gql(
            &app,
            &buyer,
            "mutation($b: ID!, $s: [CriterionScoreInput!]!, $d: ConflictDeclarationInput) { scoreBid(bidId: $b, scores: $s, declaration: $d) { id } }",
            json!({ "b": b["id"], "s": score(s), "d": (i == 0).then(|| json!({ "hasConflict": false, "details": "None" })) }),
        )
        .await?;
        gql(
            &app,
            &buyer,
            "mutation($b: ID!, $s: [CriterionScoreInput!]!) { moderateScores(bidId: $b, scores: $s) { id } }",
            json!({ "b": b["id"], "s": score(s) }),
        )
        .await?;
    }
    let ranked = app
        .gql_as(
            &buyer,
            "query($id: ID!) { furtherCompetition(id: $id) { ranking { id pricePence total rank } } }",
            json!({ "id": id }),
        )
        .await?;
    let top = &ranked["data"]["furtherCompetition"]["ranking"][0];
    // (5 x 60 + 4 x 30 + 4 x 10) / 5 = 92.00
    assert_eq!(top["total"], "92.00", "{ranked}");
    assert_eq!(top["pricePence"], 3_400_000);
    gql(
        &app,
        &buyer,
        "mutation($id: ID!, $b: ID!) { awardFurtherCompetition(id: $id, bidId: $b, standstillWorkingDays: 5) { status } }",
        json!({ "id": id, "b": top["id"] }),
    )
    .await?;

    let path = format!("/exports/call-offs/{}.csv", id.as_str().unwrap_or_default());
    let (status, _, body) = app.get_as(Some(&buyer), &path).await?;
    assert_eq!(status, 200, "{body}");
    let (_, rows) = parse_csv(&body)?;
    let has = |section: &str, item: &str, value: &str| {
        rows.iter()
            .any(|r| r[0] == section && r[1] == item && r[2] == value)
    };
    assert!(has("Framework", "Provider reference", "RM6190"), "{body}");
    assert!(has("Framework", "Lot", &format!("Lot 4: {}", lot.title)));
    assert_eq!(rows.iter().filter(|r| r[0] == "Invited").count(), 4);
    assert_eq!(rows.iter().filter(|r| r[0] == "Bid").count(), 4);
    assert!(has("Award", "Standstill (working days)", "5"));
    Ok(())
}
