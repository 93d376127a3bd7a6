//! Buying advice through the API: a school's request taken from new to closed with a
//! recommendation, visibility of cases and internal notes, the state machine, and overdue.

use anyhow::{Context, Result};
use becta_domain::catalogue::organisations::{self, NewOrganisation};
use becta_domain::db;
use becta_domain::entity::advice_request;
use becta_domain::vocab::{OrgKind, Phase, Region, Role};
use chrono::{Duration, Utc};
use sea_orm::{ActiveValue, EntityTrait, Set};
use serde_json::{Value, json};

use crate::advisers::{add_adviser, token_of};
use crate::common::{TestApp, error_codes, fixture, spawn_app};

const CASE: &str = "id reference status outcome version overdue assigneeId assignee { name } \
    firstRespondedAt \
    messages { body internal } history { kind } \
    recommendations { rationale deal { title } product { name } }";

fn open_op() -> String {
    format!(
        "mutation($input: AdviceRequestInput!) {{ openAdviceRequest(input: $input) {{ {CASE} }} }}"
    )
}

fn request_input() -> Value {
    json!({
        "category": "devices",
        "need": "We need 60 Chromebooks for Year 5 and 6, with management and a charging trolley.",
        "budgetMinPence": 1_500_000, "budgetMaxPence": 2_500_000,
        "deadline": "2027-03-31",
        "currentSetup": "Ageing Windows laptops, Google Workspace for Education.",
        "preferredContact": "EMAIL",
    })
}

/// Runs a case mutation and returns the case it answers.
async fn case_step(app: &TestApp, token: &str, op: &str, vars: Value) -> Result<Value> {
    let d = app.data_as(token, op, vars).await?;
    d.as_object()
        .and_then(|o| o.values().next())
        .cloned()
        .context("no case in the response")
}

async fn case_as(app: &TestApp, token: &str, id: &Value) -> Result<Value> {
    let q = format!("query($id: ID!) {{ adviceRequest(id: $id) {{ {CASE} }} }}");
    Ok(app.data_as(token, &q, json!({ "id": id })).await?["adviceRequest"].clone())
}

async fn other_school(app: &TestApp) -> Result<String> {
    let tx = db::begin_write(&app.db).await?;
    organisations::insert_many(
        &tx,
        vec![NewOrganisation {
            urn: Some(600_001),
            phase: Some(Phase::Secondary),
            region: Some(Region::NorthEast),
            ..NewOrganisation::new(OrgKind::School, "Coast Academy")
        }],
    )
    .await?;
    db::commit(tx).await?;
    Ok(app.token(Role::SchoolBuyer, Some("600001")))
}

#[tokio::test]
async fn an_adviser_takes_a_request_from_new_to_closed_with_a_recommendation_the_school_sees()
-> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let admin = app.token(Role::Admin, None);
    let directory_entry = add_adviser(
        &app,
        &admin,
        json!({ "name": "Rosa Quinn", "email": "rosa.quinn@advice.example.org",
                "categories": ["devices"], "regions": ["LONDON"], "capacity": 20 }),
    )
    .await?;
    let adviser = token_of(&app, &directory_entry)?;
    let year = Utc::now().format("%Y").to_string();

    let case = case_step(
        &app,
        &school,
        &open_op(),
        json!({ "input": request_input() }),
    )
    .await?;
    assert_eq!(case["reference"], format!("BA-{year}-000001"));
    assert_eq!(case["status"], "NEW");
    assert_eq!(case["overdue"], false);
    let second = case_step(
        &app,
        &school,
        &open_op(),
        json!({ "input": request_input() }),
    )
    .await?;
    assert_eq!(second["reference"], format!("BA-{year}-000002"));
    let id = case["id"].clone();

    // The queue, with its filters.
    let queue = "query($f: AdviceFilterInput) { adviceRequests(filter: $f) { edges { node { reference } } } }";
    let refs = |v: &Value| -> Vec<String> {
        v["adviceRequests"]["edges"]
            .as_array()
            .map(|e| {
                e.iter()
                    .filter_map(|n| n["node"]["reference"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let all = app.data_as(&adviser, queue, json!({ "f": { "status": "NEW", "category": "devices", "region": "LONDON", "unassigned": true } })).await?;
    assert_eq!(refs(&all).len(), 2);
    let none = app
        .data_as(&adviser, queue, json!({ "f": { "region": "NORTH_EAST" } }))
        .await?;
    assert!(refs(&none).is_empty());

    // Assign, triage, work, message, note.
    let mv = format!(
        "mutation($id: ID!, $v: Int!, $to: AdviceStatus!) {{ moveAdviceCase(id: $id, version: $v, to: $to) {{ {CASE} }} }}"
    );
    let c = case_step(
        &app,
        &adviser,
        &format!(
            "mutation($id: ID!, $v: Int!) {{ assignAdviceCase(id: $id, version: $v) {{ {CASE} }} }}"
        ),
        json!({ "id": id, "v": case["version"] }),
    )
    .await?;
    assert_eq!(c["assigneeId"], directory_entry["id"]);
    assert_eq!(c["assignee"]["name"], "Rosa Quinn");
    let bad = app
        .gql_as(
            &adviser,
            &mv,
            json!({ "id": id, "v": c["version"], "to": "RECOMMENDED" }),
        )
        .await?;
    assert_eq!(error_codes(&bad), ["CONFLICT"]);
    let c = case_step(
        &app,
        &adviser,
        &mv,
        json!({ "id": id, "v": c["version"], "to": "TRIAGED" }),
    )
    .await?;
    let c = case_step(
        &app,
        &adviser,
        &mv,
        json!({ "id": id, "v": c["version"], "to": "IN_PROGRESS" }),
    )
    .await?;
    assert_eq!(c["status"], "IN_PROGRESS");
    let post = "mutation($id: ID!, $b: String!, $i: Boolean) { postAdviceMessage(id: $id, body: $b, internal: $i) { id } }";
    app.data_as(
        &adviser,
        post,
        json!({ "id": id, "b": "Do you need device management licences too?", "i": false }),
    )
    .await?;
    app.data_as(&adviser, post, json!({ "id": id, "b": "Budget looks tight for 60; consider 45 plus a trolley.", "i": true })).await?;
    let c = app
        .data_as(
            &adviser,
            &format!("query($id: ID!) {{ adviceRequest(id: $id) {{ {CASE} }} }}"),
            json!({ "id": id }),
        )
        .await?["adviceRequest"]
        .clone();
    assert!(
        c["firstRespondedAt"].is_string(),
        "the first reply is the first response"
    );
    let awaiting = case_step(
        &app,
        &adviser,
        &mv,
        json!({ "id": id, "v": c["version"], "to": "AWAITING_SCHOOL" }),
    )
    .await?;
    assert_eq!(awaiting["status"], "AWAITING_SCHOOL");

    // The school answers: the case goes back in progress.
    app.data_as(
        &school,
        post,
        json!({ "id": id, "b": "Yes please, Google admin licences.", "i": false }),
    )
    .await?;
    let seen = case_as(&app, &school, &id).await?;
    assert_eq!(seen["status"], "IN_PROGRESS");
    // The school never sees the internal note nor internal history.
    let bodies: Vec<&str> = seen["messages"]
        .as_array()
        .map(|m| m.iter().filter_map(|x| x["body"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        bodies,
        [
            "Do you need device management licences too?",
            "Yes please, Google admin licences."
        ]
    );
    let kinds: Vec<&str> = seen["history"]
        .as_array()
        .map(|h| h.iter().filter_map(|x| x["kind"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        !kinds.contains(&"internal_note") && !kinds.contains(&"assigned"),
        "{kinds:?}"
    );
    let r = app
        .gql_as(
            &school,
            post,
            json!({ "id": id, "b": "Sneaky internal", "i": true }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"]);

    // Recommend a deal and a product; the school sees them and is told.
    let deal = f.deals["Current Devices Deal"].to_string();
    let product = f.products["Alpha Phonics"].to_string();
    let rec = format!(
        "mutation($id: ID!, $v: Int!, $items: [RecommendationInput!]!) {{ recommend(id: $id, version: $v, items: $items) {{ {CASE} }} }}"
    );
    let c = case_step(
        &app,
        &adviser,
        &rec,
        json!({ "id": id, "v": seen["version"], "items": [
        { "dealId": deal, "rationale": "Direct award for up to 60 devices, with management." },
        { "productId": product, "rationale": "A phonics programme that runs on Chromebooks." },
    ] }),
    )
    .await?;
    assert_eq!(c["status"], "RECOMMENDED");
    let seen = case_as(&app, &school, &id).await?;
    assert_eq!(
        seen["recommendations"][0]["deal"]["title"],
        "Current Devices Deal"
    );
    assert_eq!(
        seen["recommendations"][1]["product"]["name"],
        "Alpha Phonics"
    );
    let notes = app
        .data_as(
            &school,
            "{ myNotifications { edges { node { kind } } } }",
            json!({}),
        )
        .await?;
    let kinds: Vec<&str> = notes["myNotifications"]["edges"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|n| n["node"]["kind"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        kinds.contains(&"advice.recommendation") && kinds.contains(&"advice.reply"),
        "{kinds:?}"
    );

    let closed = case_step(
        &app,
        &adviser,
        &mv,
        json!({ "id": id, "v": c["version"], "to": "CLOSED" }),
    )
    .await?;
    assert_eq!(
        (closed["status"].as_str(), closed["outcome"].as_str()),
        (Some("CLOSED"), Some("resolved"))
    );
    let r = app
        .gql_as(
            &adviser,
            &mv,
            json!({ "id": id, "v": closed["version"], "to": "IN_PROGRESS" }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);

    // The school withdraws its other request; it may not move cases itself.
    let r = app
        .gql_as(
            &school,
            &mv,
            json!({ "id": second["id"], "v": second["version"], "to": "TRIAGED" }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"]);
    let w = case_step(&app, &school, "mutation($id: ID!, $v: Int!) { withdrawAdviceRequest(id: $id, version: $v) { status outcome } }", json!({ "id": second["id"], "v": second["version"] })).await?;
    assert_eq!(w["outcome"], "withdrawn");

    // Every action is in the audit log.
    let audit = app
        .data_as(&admin, "query($id: ID!) { auditEvents(filter: { entityId: $id }, first: 50) { edges { node { action } } } }", json!({ "id": id }))
        .await?;
    let actions: Vec<&str> = audit["auditEvents"]["edges"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|n| n["node"]["action"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        actions,
        [
            "advice.transition",
            "advice.recommend",
            "advice.message",
            "advice.transition",
            "advice.message",
            "advice.message",
            "advice.transition",
            "advice.transition",
            "advice.assign",
            "advice.open"
        ]
    );
    Ok(())
}

/// The message of a response's only error, which must be `code`.
fn refusal(r: &Value, code: &str) -> String {
    assert_eq!(error_codes(r), [code], "{r}");
    r["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_new_case_is_triaged_before_work_starts_and_a_refused_move_says_which_are_allowed()
-> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let adviser = app.token(Role::Adviser, None);
    let mv = format!(
        "mutation($id: ID!, $v: Int!, $to: AdviceStatus!) {{ moveAdviceCase(id: $id, version: $v, to: $to) {{ {CASE} }} }}"
    );
    let rec = format!(
        "mutation($id: ID!, $v: Int!, $items: [RecommendationInput!]!) {{ recommend(id: $id, version: $v, items: $items) {{ {CASE} }} }}"
    );
    let items = json!([{ "dealId": f.deals["Current Devices Deal"].to_string(),
                         "rationale": "Direct award for up to 60 devices, with management." }]);
    let case = case_step(
        &app,
        &school,
        &open_op(),
        json!({ "input": request_input() }),
    )
    .await?;
    let id = case["id"].clone();

    // Straight from NEW to IN_PROGRESS: refused, the case untouched.
    let r = app
        .gql_as(
            &adviser,
            &mv,
            json!({ "id": id, "v": case["version"], "to": "IN_PROGRESS" }),
        )
        .await?;
    assert_eq!(
        refusal(&r, "CONFLICT"),
        "`moveAdviceCase` cannot move a case from NEW to IN_PROGRESS; from NEW it may move a case to TRIAGED"
    );
    let seen = case_as(&app, &adviser, &id).await?;
    assert_eq!(
        (&seen["status"], &seen["version"]),
        (&json!("NEW"), &case["version"])
    );

    // The documented path: triage, work, wait for the school, work, recommend, close.
    let mut c = seen;
    for to in ["TRIAGED", "IN_PROGRESS"] {
        c = case_step(
            &app,
            &adviser,
            &mv,
            json!({ "id": id, "v": c["version"], "to": to }),
        )
        .await?;
        assert_eq!(c["status"], to);
    }
    let r = app
        .gql_as(
            &adviser,
            &mv,
            json!({ "id": id, "v": c["version"], "to": "RECOMMENDED" }),
        )
        .await?;
    assert_eq!(
        refusal(&r, "CONFLICT"),
        "`moveAdviceCase` cannot move a case from IN_PROGRESS to RECOMMENDED; from IN_PROGRESS it may move a case to AWAITING_SCHOOL; `recommend` moves it to RECOMMENDED"
    );
    for to in ["AWAITING_SCHOOL", "IN_PROGRESS"] {
        c = case_step(
            &app,
            &adviser,
            &mv,
            json!({ "id": id, "v": c["version"], "to": to }),
        )
        .await?;
        assert_eq!(c["status"], to);
    }
    let c = case_step(
        &app,
        &adviser,
        &rec,
        json!({ "id": id, "v": c["version"], "items": items }),
    )
    .await?;
    assert_eq!(c["status"], "RECOMMENDED");
    let c = case_step(
        &app,
        &adviser,
        &mv,
        json!({ "id": id, "v": c["version"], "to": "CLOSED" }),
    )
    .await?;
    assert_eq!(
        (c["status"].as_str(), c["outcome"].as_str()),
        (Some("CLOSED"), Some("resolved"))
    );
    let seen = case_as(&app, &school, &id).await?;
    assert_eq!(seen["status"], "CLOSED");

    // Recommending on a case not yet in progress, and withdrawing a closed one, are refused.
    let other = case_step(
        &app,
        &school,
        &open_op(),
        json!({ "input": request_input() }),
    )
    .await?;
    let r = app
        .gql_as(
            &adviser,
            &rec,
            json!({ "id": other["id"], "v": other["version"], "items": items }),
        )
        .await?;
    assert_eq!(
        refusal(&r, "CONFLICT"),
        "`recommend` cannot move a case from NEW to RECOMMENDED; it moves a case only from IN_PROGRESS or RECOMMENDED"
    );
    let withdraw = "mutation($id: ID!, $v: Int!) { withdrawAdviceRequest(id: $id, version: $v) { status outcome } }";
    let r = app
        .gql_as(&school, withdraw, json!({ "id": id, "v": c["version"] }))
        .await?;
    assert_eq!(
        refusal(&r, "CONFLICT"),
        "the case is CLOSED and moves no further"
    );
    Ok(())
}

#[tokio::test]
async fn cases_are_seen_only_by_their_school_and_advisers_and_overdue_is_queryable() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let other = other_school(&app).await?;
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let adviser = app.token(Role::Adviser, None);
    let case = case_step(
        &app,
        &school,
        &open_op(),
        json!({ "input": request_input() }),
    )
    .await?;
    let get = "query($id: ID!) { adviceRequest(id: $id) { reference } }";
    assert_eq!(
        error_codes(&app.gql_as(&other, get, json!({ "id": case["id"] })).await?),
        ["NOT_FOUND"]
    );
    assert_eq!(
        error_codes(
            &app.gql_as(&supplier, get, json!({ "id": case["id"] }))
                .await?
        ),
        ["FORBIDDEN"]
    );
    assert_eq!(
        error_codes(&app.gql(get, json!({ "id": case["id"] })).await?),
        ["UNAUTHENTICATED"]
    );
    let list = "{ adviceRequests { edges { node { reference } } } }";
    let mine = app.data_as(&other, list, json!({})).await?;
    assert_eq!(mine["adviceRequests"]["edges"], json!([]));
    assert_eq!(
        error_codes(&app.gql_as(&supplier, list, json!({})).await?),
        ["FORBIDDEN"]
    );
    let post = "mutation($id: ID!) { postAdviceMessage(id: $id, body: \"hello\") { id } }";
    assert_eq!(
        error_codes(
            &app.gql_as(&other, post, json!({ "id": case["id"] }))
                .await?
        ),
        ["NOT_FOUND"]
    );

    // Bad input names the field.
    let mut bad = request_input();
    bad["category"] = json!("assessment");
    let r = app
        .gql_as(&school, &open_op(), json!({ "input": bad }))
        .await?;
    assert_eq!(r["errors"][0]["extensions"]["field"], "category");
    let mut bad = request_input();
    bad["budgetMaxPence"] = json!(100);
    let r = app
        .gql_as(&school, &open_op(), json!({ "input": bad }))
        .await?;
    assert_eq!(r["errors"][0]["extensions"]["field"], "budgetMaxPence");

    // A case whose first response was due yesterday is overdue, in the queue and on the case.
    let id: uuid::Uuid = case["id"].as_str().context("id")?.parse()?;
    advice_request::Entity::update(advice_request::ActiveModel {
        id: ActiveValue::Unchanged(id),
        first_response_due_at: Set(Utc::now() - Duration::days(1)),
        ..Default::default()
    })
    .exec(&app.db)
    .await?;
    let q = "query($o: Boolean) { adviceRequests(filter: { overdue: $o }) { edges { node { reference overdue } } } }";
    let late = app.data_as(&adviser, q, json!({ "o": true })).await?;
    assert_eq!(late["adviceRequests"]["edges"][0]["node"]["overdue"], true);
    let on_time = app.data_as(&adviser, q, json!({ "o": false })).await?;
    assert_eq!(on_time["adviceRequests"]["edges"], json!([]));
    Ok(())
}
