//! Trial outcomes (validation, one per loan, 30 days to change) and the evidence they add up
//! to: suppressed below 5 outcomes, and a supplier sees only its own outcomes.

use anyhow::Result;
use becta_domain::entity::trial_outcome;
use becta_domain::vocab::Role;
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::*;
use crate::common::{error_codes, fixture, spawn_app};

const OUTCOME: &str = "id version used impact wouldBuy whyNot shareSchoolName editableUntil";

fn record_op() -> String {
    format!(
        "mutation($l: ID!, $input: TrialOutcomeInput!, $v: Int) {{ recordTrialOutcome(loanId: $l, input: $input, version: $v) {{ {OUTCOME} }} }}"
    )
}

fn outcome(impact: i32, would_buy: bool) -> Value {
    json!({
        "used": true, "staffCount": 4, "pupilCount": 90, "frequency": "WEEKLY",
        "metNeed": if would_buy { "YES" } else { "PARTLY" }, "impact": impact,
        "impactText": "Phonics screening scores rose in Year 1.",
        "wouldBuy": would_buy,
        "whyNot": if would_buy { Value::Null } else { json!("Too dear for our budget.") },
    })
}

/// `n` schools each borrow and return: their tokens and returned loans.
async fn ended_trials(
    app: &TestApp,
    offer: &Value,
    first_urn: i32,
    n: i32,
) -> Result<Vec<(String, Value)>> {
    let mut out = Vec::new();
    for t in schools(app, first_urn, n).await? {
        let l = app
            .data_as(&t, &request_op(), json!({ "o": offer["id"] }))
            .await?["requestTrialLoan"]
            .clone();
        let r = app
            .data_as(
                &t,
                &loan_op("returnLoan"),
                json!({ "id": l["id"], "v": l["version"] }),
            )
            .await?["returnLoan"]
            .clone();
        out.push((t, r));
    }
    Ok(out)
}

#[tokio::test]
async fn an_outcome_is_checked_recorded_once_per_loan_and_changeable_for_thirty_days() -> Result<()>
{
    let shop = shop(spawn_app().await?).await?;
    let app = &shop.app;
    let offer = shop.offer(json!({ "seats": 2 })).await?;
    let trials = ended_trials(app, &offer, 480_000, 1).await?;
    let (school, l) = &trials[0];
    // Asked when the loan ended.
    assert!(
        notifications(app, school)
            .await?
            .iter()
            .any(|(k, s)| k == "loan.outcome_requested" && s.contains("Alpha Phonics"))
    );
    for (change, field) in [
        (json!({ "impact": 6 }), "impact"),
        (json!({ "wouldBuy": false, "whyNot": null }), "whyNot"),
        (json!({ "used": false }), "frequency"),
        (json!({ "staffCount": -1 }), "staffCount"),
        (json!({ "impactText": "ok" }), "impactText"),
    ] {
        let mut input = outcome(4, true);
        if let (Some(i), Some(c)) = (input.as_object_mut(), change.as_object()) {
            i.extend(c.clone());
        }
        let r = app
            .gql_as(
                school,
                &record_op(),
                json!({ "l": l["id"], "input": input }),
            )
            .await?;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"]);
        assert_eq!(r["errors"][0]["extensions"]["field"], field);
    }
    // Not while the trial runs; not for another school's loan.
    let other = schools(app, 481_000, 1).await?.remove(0);
    let running = app
        .data_as(&other, &request_op(), json!({ "o": offer["id"] }))
        .await?["requestTrialLoan"]
        .clone();
    let r = app
        .gql_as(
            &other,
            &record_op(),
            json!({ "l": running["id"], "input": outcome(4, true) }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);
    let r = app
        .gql_as(
            &other,
            &record_op(),
            json!({ "l": l["id"], "input": outcome(4, true) }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["NOT_FOUND"]);

    let first = app
        .data_as(
            school,
            &record_op(),
            json!({ "l": l["id"], "input": outcome(4, true) }),
        )
        .await?["recordTrialOutcome"]
        .clone();
    assert_eq!(first["version"], 1);
    // Changed within the window, at its version; a stale version is refused.
    let changed = app
        .data_as(
            school,
            &record_op(),
            json!({ "l": l["id"], "input": outcome(2, false), "v": 1 }),
        )
        .await?["recordTrialOutcome"]
        .clone();
    assert_eq!(
        (&changed["version"], &changed["impact"], &changed["id"]),
        (&json!(2), &json!(2), &first["id"])
    );
    let r = app
        .gql_as(
            school,
            &record_op(),
            json!({ "l": l["id"], "input": outcome(3, true), "v": 1 }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);
    // 31 days on, it is final.
    trial_outcome::Entity::update_many()
        .col_expr(
            trial_outcome::Column::CreatedAt,
            sea_orm::sea_query::Expr::value(Utc::now() - Duration::days(31)),
        )
        .filter(trial_outcome::Column::LoanId.eq(id(l)?))
        .exec(&app.db)
        .await?;
    let r = app
        .gql_as(
            school,
            &record_op(),
            json!({ "l": l["id"], "input": outcome(3, true), "v": 2 }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);
    let loan = app
        .data_as(
            school,
            "query($id: ID!) { loan(id: $id) { outcome { impact version } } }",
            json!({ "id": l["id"] }),
        )
        .await?;
    assert_eq!(
        loan["loan"]["outcome"],
        json!({ "impact": 2, "version": 2 })
    );
    Ok(())
}

const EVIDENCE: &str = "outcomes suppressed suppressedReason trialsCompleted wouldBuyShare conversions conversionRate medianImpact byPhase { phase outcomes wouldBuyShare medianImpact }";

async fn evidence(app: &TestApp, product: &str) -> Result<Value> {
    Ok(app
        .data(
            &format!("query($id: ID!) {{ product(id: $id) {{ evidence {{ {EVIDENCE} }} }} }}"),
            json!({ "id": product }),
        )
        .await?["product"]["evidence"]
        .clone())
}

#[tokio::test]
async fn evidence_shows_from_five_outcomes_and_suppliers_see_only_their_own_outcomes() -> Result<()>
{
    let shop = shop(spawn_app().await?).await?;
    let app = &shop.app;
    let offer = shop.offer(json!({ "seats": 3 })).await?;
    let trials = ended_trials(app, &offer, 490_000, 6).await?;
    for (i, (t, l)) in trials.iter().take(4).enumerate() {
        let mut input = outcome([5, 4, 2, 3][i], i != 2);
        input["shareSchoolName"] = json!(i == 0);
        app.data_as(t, &record_op(), json!({ "l": l["id"], "input": input }))
            .await?;
    }
    let e = evidence(app, &shop.product).await?;
    assert_eq!(e["outcomes"], 4);
    assert_eq!(e["suppressed"], true);
    assert!(
        e["suppressedReason"]
            .as_str()
            .is_some_and(|r| r.contains("from 5"))
    );
    for field in [
        "trialsCompleted",
        "wouldBuyShare",
        "conversions",
        "conversionRate",
        "medianImpact",
    ] {
        assert_eq!(e[field], Value::Null, "{field} is suppressed");
    }
    assert_eq!(e["byPhase"], json!([]));

    let (t, l) = &trials[4];
    app.data_as(
        t,
        &record_op(),
        json!({ "l": l["id"], "input": outcome(4, true) }),
    )
    .await?;
    let e = evidence(app, &shop.product).await?;
    assert_eq!(e["suppressed"], false);
    assert_eq!(e["suppressedReason"], Value::Null);
    assert_eq!(e["outcomes"], 5);
    assert_eq!(e["trialsCompleted"], 6);
    assert_eq!(e["conversions"], 0);
    assert_eq!(e["wouldBuyShare"], 0.8);
    assert_eq!(e["medianImpact"], 4.0);
    assert_eq!(
        e["byPhase"],
        json!([{ "phase": "PRIMARY", "outcomes": 5, "wouldBuyShare": 0.8, "medianImpact": 4.0 }])
    );

    // Search finds and sorts products by their evidence.
    app.wait_for_search().await?;
    let hits = |sort: &str, filter: Value| {
        let q = format!(
            "query($f: ProductSearchFilter) {{ searchProducts(filter: $f, sort: {sort}, first: 3) {{ hits {{ product {{ name evidence {{ outcomes conversionRate }} }} }} }} }}"
        );
        async move { app.data(&q, json!({ "f": filter })).await }
    };
    let most = hits("MOST_EVIDENCE", json!({})).await?;
    assert_eq!(
        most["searchProducts"]["hits"][0]["product"]["name"],
        "Alpha Phonics"
    );
    let evidenced = hits("CONVERSION_RATE", json!({ "minEvidence": 5 })).await?;
    let names: Vec<&str> = evidenced["searchProducts"]["hits"]
        .as_array()
        .map(|h| {
            h.iter()
                .filter_map(|x| x["product"]["name"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(names, ["Alpha Phonics"]);

    // The supplier sees its outcomes, with a school's name only where the school agreed.
    let q = "query($p: ID!) { trialOutcomes(productId: $p) { schoolName outcome { impact } } }";
    let mine = app
        .data_as(&shop.supplier, q, json!({ "p": shop.product }))
        .await?["trialOutcomes"]
        .clone();
    let rows = mine.as_array().cloned().unwrap_or_default();
    assert_eq!(rows.len(), 5);
    let named: Vec<&Value> = rows.iter().filter(|r| !r["schoolName"].is_null()).collect();
    assert_eq!(named.len(), 1);
    assert_eq!(named[0]["schoolName"], "Trial School 0000");
    // Another supplier, and a school, see none of them.
    let beta = app.token(Role::Supplier, Some(&shop.f.beta.to_string()));
    let r = app.gql_as(&beta, q, json!({ "p": shop.product })).await?;
    assert_eq!(error_codes(&r), ["NOT_FOUND"]);
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let r = app.gql_as(&school, q, json!({ "p": shop.product })).await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"]);
    // Beta's own product has no outcomes of Alpha's.
    let beta_product = shop.f.products["Beta Safeguard"].to_string();
    let theirs =
        app.data_as(&beta, q, json!({ "p": beta_product })).await?["trialOutcomes"].clone();
    assert_eq!(theirs, json!([]));
    Ok(())
}
