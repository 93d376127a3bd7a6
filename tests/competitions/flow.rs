//! The whole flow on a lot of four suppliers: start, publish (invitations, notifications, the
//! `competition.invited` webhook), a clarification answered to all, sealed bids and a
//! replacement, late refusal, two evaluators scoring independently, moderation, a ranking
//! equal to a hand computation, the award with standstill, what each bidder is told, and the
//! call-off record as GraphQL, CSV and JSON.

use anyhow::{Context, Result};
use becta_domain::entity::webhook_delivery;
use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::{BID, COMPETITION, SUPPLIER_NAMES, World, world};
use crate::common::{column, error_codes, parse_csv};

/// Moderated scores (price, quality, social value) of each supplier's bid, on 0-5.
const MODERATED: [[i32; 3]; 4] = [[5, 3, 2], [4, 5, 5], [3, 4, 1], [4, 4, 4]];
const WEIGHTS: [i64; 3] = [60, 30, 10];
const PRICES: [i64; 4] = [2_000_000, 2_200_000, 2_350_000, 2_100_000];
const KEYS: [&str; 3] = ["price", "quality", "social_value"];

/// The weighted total out of 100 in hundredths, by hand: sum of score x weight, over 5.
fn by_hand(s: [i32; 3]) -> i64 {
    let sum: i64 = s.iter().zip(WEIGHTS).map(|(s, w)| i64::from(*s) * w).sum();
    sum * 100 / 5
}

fn scores(s: [i32; 3], why: &str) -> Value {
    json!(
        KEYS.iter()
            .zip(s)
            .map(|(k, s)| json!({ "criterion": k, "score": s, "rationale": format!("{why} {k}") }))
            .collect::<Vec<_>>()
    )
}

async fn score(w: &World, token: &str, bid: &Value, s: [i32; 3], declare: bool) -> Result<Value> {
    let declaration = declare.then(|| json!({ "hasConflict": false, "details": "None" }));
    w.app
        .gql_as(
            token,
            &format!(
                "mutation($b: ID!, $s: [CriterionScoreInput!]!, $d: ConflictDeclarationInput) {{ scoreBid(bidId: $b, scores: $s, declaration: $d) {{ {BID} }} }}"
            ),
            json!({ "b": bid, "s": scores(s, "scored"), "d": declaration }),
        )
        .await
}

#[tokio::test]
async fn a_school_runs_a_further_competition_among_four_suppliers_from_start_to_award() -> Result<()>
{
    let w = world().await?;
    // Anvil listens for invitations on a webhook.
    w.app
        .data_as(
            &w.bidders[0],
            "mutation { registerWebhookEndpoint(url: \"http://127.0.0.1:9/hooks\", kinds: [COMPETITION_INVITED]) { id } }",
            json!({}),
        )
        .await?;

    let c = w
        .published(Duration::seconds(6), Duration::seconds(12))
        .await?;
    let id = c["id"].clone();
    assert_eq!(c["status"], "PUBLISHED");
    let invited: Vec<&str> = c["invitations"]
        .as_array()
        .context("invitations")?
        .iter()
        .filter_map(|i| i["supplierName"].as_str())
        .collect();
    assert_eq!(invited, SUPPLIER_NAMES);
    let weights: Vec<i64> = c["criteria"]
        .as_array()
        .context("criteria")?
        .iter()
        .filter_map(|k| k["weight"].as_i64())
        .collect();
    assert_eq!(weights, WEIGHTS);

    // Every supplier on the lot is invited, sees only itself among the invited, and is told.
    for (i, token) in w.bidders.iter().enumerate() {
        let d = w
            .app
            .data_as(
                token,
                "{ myInvitations { hasBid declinedAt competition { id title invitations { supplierName } } } }",
                json!({}),
            )
            .await?;
        let mine = &d["myInvitations"][0];
        assert_eq!(mine["competition"]["id"], id);
        assert_eq!(mine["hasBid"], false);
        assert_eq!(
            mine["competition"]["invitations"],
            json!([{ "supplierName": SUPPLIER_NAMES[i] }])
        );
        assert_eq!(w.notices(token, "competition.invited").await?.len(), 1);
    }
    let hooks = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::SupplierId.eq(w.suppliers[0]))
        .filter(webhook_delivery::Column::Kind.eq("competition.invited"))
        .all(&w.app.db)
        .await?;
    assert_eq!(hooks.len(), 1, "the invitation is a webhook event");
    assert!(
        hooks[0]
            .body
            .contains(&id.as_str().unwrap_or_default().to_string())
    );

    // Anvil asks; the school answers; Birch reads the answer without learning who asked.
    let asked = w
        .app
        .data_as(
            &w.bidders[0],
            "mutation($id: ID!) { askClarification(competitionId: $id, question: \"Is on-site enrolment included?\") { id askedByMe } }",
            json!({ "id": id }),
        )
        .await?;
    let q = asked["askClarification"]["id"].clone();
    w.app
        .data_as(
            &w.school,
            "mutation($q: ID!) { answerClarification(clarificationId: $q, answer: \"Yes, at both sites.\") { id answer } }",
            json!({ "q": q }),
        )
        .await?;
    let seen = w
        .read(
            &w.bidders[1],
            &id,
            "clarifications { question answer askedByMe }",
        )
        .await?;
    assert_eq!(
        seen["data"]["furtherCompetition"]["clarifications"],
        json!([{ "question": "Is on-site enrolment included?", "answer": "Yes, at both sites.", "askedByMe": false }])
    );
    assert_eq!(
        w.notices(&w.bidders[3], "competition.clarification")
            .await?
            .len(),
        1
    );

    // Four sealed bids; Delta replaces its own.
    for (i, token) in w.bidders.iter().enumerate() {
        let price = if i == 3 { 2_500_000 } else { PRICES[i] };
        let v = w.bid(token, &id, price, SUPPLIER_NAMES[i]).await?;
        assert!(v.get("errors").is_none(), "{v}");
    }
    let replaced = w
        .bid(&w.bidders[3], &id, PRICES[3], "Delta, revised")
        .await?;
    assert_eq!(replaced["data"]["submitBid"]["revision"], 2, "{replaced}");
    assert_eq!(replaced["data"]["submitBid"]["supplierName"], Value::Null);

    // Sealed: nobody reads the bids before the deadline, the school and admins included, and
    // a supplier never reads the list.
    for token in [&w.school, &w.admin, &w.bidders[0]] {
        let v = w.read(token, &id, &format!("bids {{ {BID} }}")).await?;
        assert_eq!(error_codes(&v), ["FORBIDDEN"], "{v}");
    }
    let v = w.read(&w.school, &id, "ranking { id }").await?;
    assert_eq!(error_codes(&v), ["FORBIDDEN"], "{v}");
    let own = w
        .read(&w.bidders[3], &id, "myBid { pricePence revision }")
        .await?;
    assert_eq!(
        own["data"]["furtherCompetition"]["myBid"],
        json!({ "pricePence": PRICES[3], "revision": 2 })
    );

    // After the deadline: the bids open, and a late one is refused.
    let bids = w.bids_after_deadline(&id).await?;
    assert_eq!(bids.len(), 4);
    let late = w.bid(&w.bidders[0], &id, 1, "late").await?;
    assert_eq!(error_codes(&late), ["DEADLINE_PASSED"], "{late}");
    let bid_of = |name: &str| -> Result<Value> {
        bids.iter()
            .find(|b| b["supplierName"] == name)
            .map(|b| b["id"].clone())
            .with_context(|| format!("{name}'s bid"))
    };
    let ids: Vec<Value> = SUPPLIER_NAMES
        .iter()
        .map(|n| bid_of(n))
        .collect::<Result<_>>()?;

    // Scoring needs a declaration first; then each evaluator scores independently.
    let v = score(&w, &w.school, &ids[0], MODERATED[0], false).await?;
    assert_eq!(error_codes(&v), ["BAD_USER_INPUT"], "{v}");
    assert_eq!(v["errors"][0]["extensions"]["field"], "declaration");
    for (i, b) in ids.iter().enumerate() {
        let v = score(&w, &w.school, b, MODERATED[i], i == 0).await?;
        assert!(v.get("errors").is_none(), "{v}");
    }
    let again = score(&w, &w.school, &ids[0], MODERATED[0], false).await?;
    assert_eq!(
        error_codes(&again),
        ["CONFLICT"],
        "a bid is scored once per evaluator"
    );
    // The colleague sees none of the school buyer's scores until they score the bid.
    let before = w.bids_after_deadline(&id).await?;
    assert!(
        before
            .iter()
            .all(|b| b["scores"].as_array().is_some_and(|s| s.len() == 3))
    );
    let colleague_view = w
        .read(&w.colleague, &id, "bids { scores { score } }")
        .await?;
    for b in colleague_view["data"]["furtherCompetition"]["bids"]
        .as_array()
        .context("bids")?
    {
        assert_eq!(b["scores"], json!([]), "independent scoring");
    }
    let v = score(&w, &w.colleague, &ids[0], [4, 3, 3], true).await?;
    assert_eq!(
        v["data"]["scoreBid"]["scores"].as_array().map(Vec::len),
        Some(6),
        "after scoring, the colleague reads both evaluators' scores: {v}"
    );

    // Moderation, then the ranking from the moderated scores.
    let moderate = format!(
        "mutation($b: ID!, $s: [CriterionScoreInput!]!) {{ moderateScores(bidId: $b, scores: $s) {{ {BID} }} }}"
    );
    for (i, b) in ids.iter().enumerate() {
        w.app
            .data_as(
                &w.school,
                &moderate,
                json!({ "b": b, "s": scores(MODERATED[i], "agreed") }),
            )
            .await?;
    }
    let ranking = w
        .read(
            &w.school,
            &id,
            "ranking { supplierName total totalHundredths rank }",
        )
        .await?;
    let ranking = ranking["data"]["furtherCompetition"]["ranking"]
        .as_array()
        .cloned()
        .context("ranking")?;
    let mut expected: Vec<(usize, i64)> = (0..4).map(|i| (i, by_hand(MODERATED[i]))).collect();
    expected.sort_by_key(|e| std::cmp::Reverse(e.1));
    assert_eq!(
        expected.iter().map(|(_, t)| *t).collect::<Vec<_>>(),
        [8800, 8200, 8000, 6200]
    );
    for (rank, (i, total)) in expected.iter().enumerate() {
        let r = &ranking[rank];
        assert_eq!(r["supplierName"], SUPPLIER_NAMES[*i]);
        assert_eq!(r["totalHundredths"], *total);
        assert_eq!(r["total"], format!("{}.{:02}", total / 100, total % 100));
        assert_eq!(r["rank"], rank as i64 + 1);
    }

    // Award: another than the top-ranked needs a reason; the top-ranked with a standstill.
    let award = format!(
        "mutation($id: ID!, $b: ID!, $r: String, $s: Int) {{ awardFurtherCompetition(id: $id, bidId: $b, reason: $r, standstillWorkingDays: $s) {{ {COMPETITION} }} }}"
    );
    let v = w
        .app
        .gql_as(&w.school, &award, json!({ "id": id, "b": ids[0] }))
        .await?;
    assert_eq!(error_codes(&v), ["BAD_USER_INPUT"], "{v}");
    assert_eq!(v["errors"][0]["extensions"]["field"], "reason");
    let awarded = w
        .app
        .data_as(&w.school, &award, json!({ "id": id, "b": ids[1], "s": 10 }))
        .await?;
    let awarded = &awarded["awardFurtherCompetition"];
    assert_eq!(awarded["status"], "AWARDED");
    assert_eq!(awarded["awardedSupplierName"], SUPPLIER_NAMES[1]);
    assert_eq!(awarded["standstillWorkingDays"], 10);
    assert!(awarded["standstillEndsAt"].is_string());

    // The winner is told; the others get their own scores and the winner's, not its name.
    assert_eq!(
        w.notices(&w.bidders[1], "competition.awarded").await?.len(),
        1
    );
    let lost = w.notices(&w.bidders[0], "competition.unsuccessful").await?;
    assert_eq!(lost.len(), 1);
    let p = &lost[0]["payload"];
    assert_eq!(p["yourTotal"], "82.00");
    assert_eq!(p["yourRank"], 2);
    assert_eq!(p["winningTotal"], "88.00");
    assert_eq!(
        p["yourScores"][0],
        json!({ "criterion": "price", "score": 5 })
    );
    assert_eq!(
        p["winningScores"][1],
        json!({ "criterion": "quality", "score": 5 })
    );
    assert!(!lost[0].to_string().contains(SUPPLIER_NAMES[1]), "{lost:?}");
    let seen = w
        .read(
            &w.bidders[0],
            &id,
            "status awardedSupplierName awardedBidId",
        )
        .await?;
    assert_eq!(
        seen["data"]["furtherCompetition"],
        json!({ "status": "AWARDED", "awardedSupplierName": null, "awardedBidId": null })
    );

    // The call-off record.
    let r = w
        .app
        .data_as(
            &w.school,
            "query($id: ID!) { callOffRecord(id: $id) { framework provider providerReference lot route \
             criteria { key weight refinement } invited { supplier } bidsReceived { supplier pricePence totalHundredths rank moderatedScores { criterion score } } \
             evaluators { hasConflict declaration } awardedSupplier awardIsTopRanked standstillWorkingDays \
             valuePence vatPence wholeLifeValuePence thresholdPence aboveThreshold notices { notice dueOn } } }",
            json!({ "id": id }),
        )
        .await?;
    let r = &r["callOffRecord"];
    assert_eq!(r["framework"], "Education Technology Framework");
    assert_eq!(r["provider"], "Crown Commercial Service");
    assert_eq!(r["providerReference"], "RM6103");
    assert_eq!(r["lot"], "Lot 1: Classroom devices");
    assert_eq!(r["route"], "Further competition");
    assert_eq!(r["invited"].as_array().map(Vec::len), Some(4));
    assert_eq!(r["bidsReceived"][0]["supplier"], SUPPLIER_NAMES[1]);
    assert_eq!(r["bidsReceived"][0]["totalHundredths"], 8800);
    assert_eq!(r["bidsReceived"][3]["supplier"], SUPPLIER_NAMES[2]);
    assert_eq!(r["evaluators"].as_array().map(Vec::len), Some(2));
    assert_eq!(r["awardedSupplier"], SUPPLIER_NAMES[1]);
    assert_eq!(r["awardIsTopRanked"], true);
    assert_eq!(r["valuePence"], PRICES[1]);
    assert_eq!(r["vatPence"], PRICES[1] / 5);
    assert_eq!(r["wholeLifeValuePence"], PRICES[1] * 6 / 5);
    assert_eq!(r["thresholdPence"], 20_772_000);
    assert_eq!(r["aboveThreshold"], false);
    assert_eq!(r["notices"], json!([]));

    let path = format!("/exports/call-offs/{}.csv", id.as_str().unwrap_or_default());
    let (status, headers, body) = w.app.get_as(Some(&w.school), &path).await?;
    assert_eq!(status, 200, "{body}");
    assert!(headers["content-type"].to_str()?.starts_with("text/csv"));
    let (header, rows) = parse_csv(&body)?;
    assert_eq!(header, ["Section", "Item", "Value"]);
    let (s, i, v) = (
        column(&header, "Section")?,
        column(&header, "Item")?,
        column(&header, "Value")?,
    );
    let value = |section: &str, item: &str| {
        rows.iter()
            .find(|r| r[s] == section && r[i] == item)
            .map(|r| r[v].clone())
    };
    assert_eq!(
        value("Framework", "Provider reference").as_deref(),
        Some("RM6103")
    );
    assert_eq!(
        value("Route", "Route").as_deref(),
        Some("Further competition")
    );
    assert_eq!(
        value("Award", "Supplier").as_deref(),
        Some(SUPPLIER_NAMES[1])
    );
    assert_eq!(
        value("Value", "Whole-life value including VAT (GBP)").as_deref(),
        Some("26400.00")
    );
    assert_eq!(value("Value", "Above threshold").as_deref(), Some("no"));
    assert_eq!(
        value("Bid", SUPPLIER_NAMES[1]).as_deref(),
        Some("price 22000.00; total 88.00; rank 1")
    );
    assert_eq!(rows.iter().filter(|r| r[s] == "Invited").count(), 4);
    assert_eq!(
        rows.iter().filter(|r| r[s] == "Moderated score").count(),
        12
    );

    let (status, _, json_body) = w
        .app
        .get_as(Some(&w.school), &path.replace(".csv", ".json"))
        .await?;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&json_body)?;
    assert_eq!(doc["wholeLifeValuePence"], PRICES[1] * 6 / 5);
    assert_eq!(doc["bidsReceived"][0]["rank"], 1);

    // Nobody else downloads it.
    for token in [&w.other_school, &w.bidders[1]] {
        let (status, _, _) = w.app.get_as(Some(token), &path).await?;
        assert_eq!(status, 404);
    }
    let (status, _, _) = w.app.get_as(Some(&w.adviser), &path).await?;
    assert_eq!(status, 403);
    Ok(())
}
