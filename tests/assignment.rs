//! Assigning cases to advisers: suggestions by specialism and caseload, capacity, refusals
//! naming `adviserId`, and what assignees and suggestions cost on a page of cases.

use anyhow::Result;
use becta_domain::vocab::Role;
use serde_json::json;
use uuid::Uuid;

use crate::advisers::{ASSIGN, add_adviser, assign, assigned, input, open_case, refusal, token_of};
use crate::common::{fixture, spawn_app};

#[tokio::test]
async fn suggestions_put_a_specialist_with_room_first_and_full_advisers_last() -> Result<()> {
    let app = spawn_app().await?;
    fixture::load(&app.db).await?;
    let admin = app.token(Role::Admin, None);
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let ada = add_adviser(
        &app,
        &admin,
        input("Ada Lovell", &["devices"], &["LONDON"], 10),
    )
    .await?;
    let ben = add_adviser(
        &app,
        &admin,
        input("Ben Marsh", &["software_licences"], &["NORTH_EAST"], 10),
    )
    .await?;
    let cat = add_adviser(
        &app,
        &admin,
        input("Cat Dunn", &["devices"], &["LONDON"], 1),
    )
    .await?;
    let dev = add_adviser(
        &app,
        &admin,
        input("Dev Patel", &["devices"], &["LONDON"], 10),
    )
    .await?;
    let off = "mutation($id: ID!, $v: Int!) { setAdviserActive(id: $id, version: $v, active: false) { active version } }";
    let dev_off = app
        .data_as(&admin, off, json!({ "id": dev["id"], "v": dev["version"] }))
        .await?;
    assert_eq!(dev_off["setAdviserActive"]["active"], false);
    // Cat's one place is taken.
    let first = open_case(&app, &school).await?;
    assigned(&app, &admin, &first, &cat).await?;

    let case = open_case(&app, &school).await?;
    let q = "query($id: ID!) { adviceRequest(id: $id) { suggestedAdvisers { adviser { name openCases } \
             openCases capacity atCapacity matchesCategory matchesRegion reasons } } }";
    let s = app.data_as(&admin, q, json!({ "id": case["id"] })).await?;
    let s = &s["adviceRequest"]["suggestedAdvisers"];
    assert_eq!(
        s.as_array().map(|a| a
            .iter()
            .map(|x| x["adviser"]["name"].clone())
            .collect::<Vec<_>>()),
        Some(vec![
            json!("Ada Lovell"),
            json!("Ben Marsh"),
            json!("Cat Dunn")
        ]),
        "inactive advisers are not suggested: {s}"
    );
    assert_eq!(
        s[0],
        json!({ "adviser": { "name": "Ada Lovell", "openCases": 0 }, "openCases": 0,
                "capacity": 10, "atCapacity": false, "matchesCategory": true,
                "matchesRegion": true,
                "reasons": ["specialises in devices", "covers London", "0 open cases of 10"] })
    );
    assert_eq!(
        s[1]["reasons"],
        json!(["no matching specialism", "0 open cases of 10"])
    );
    assert_eq!(
        (&s[2]["atCapacity"], &s[2]["reasons"][2]),
        (&json!(true), &json!("at capacity: 1 open cases of 1"))
    );

    // Cat is full: refused naming the adviser, unless the admin says to go over.
    let r = assign(&app, &admin, &case, Some(&cat)).await?;
    assert_eq!(refusal(&r), ("CONFLICT".into(), "adviserId".into()));
    let m = r["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        m.starts_with("Cat Dunn is at capacity (1 open cases of 1)"),
        "{m}"
    );
    let vars = json!({ "id": case["id"], "v": case["version"], "a": cat["id"], "over": true });
    let over = app.data_as(&admin, ASSIGN, vars).await?;
    assert_eq!(over["assignAdviceCase"]["assignee"]["name"], "Cat Dunn");
    let h = app
        .data_as(
            &admin,
            "query($id: ID!) { adviceRequest(id: $id) { history { kind detail } } }",
            json!({ "id": case["id"] }),
        )
        .await?;
    let assigned = h["adviceRequest"]["history"]
        .as_array()
        .and_then(|h| h.iter().find(|e| e["kind"] == "assigned"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        (
            &assigned["detail"]["name"],
            &assigned["detail"]["overCapacity"]
        ),
        (&json!("Cat Dunn"), &json!(true)),
        "the history records an assignment past capacity: {h}"
    );

    // Inactive, unknown and malformed advisers are refused naming `adviserId`; so is an
    // adviser who signs in but is not in the directory, taking a case themselves.
    let other = open_case(&app, &school).await?;
    for who in [
        json!({ "id": dev["id"] }),
        json!({ "id": Uuid::now_v7().to_string() }),
        json!({ "id": "nope" }),
    ] {
        let r = assign(&app, &admin, &other, Some(&who)).await?;
        assert_eq!(
            refusal(&r),
            ("BAD_USER_INPUT".into(), "adviserId".into()),
            "{who}"
        );
    }
    let stranger = app.token(Role::Adviser, None);
    let r = assign(&app, &stranger, &other, None).await?;
    assert_eq!(refusal(&r), ("BAD_USER_INPUT".into(), "adviserId".into()));
    let r = assign(&app, &admin, &other, None).await?;
    assert_eq!(refusal(&r), ("BAD_USER_INPUT".into(), "adviserId".into()));
    // Ben takes it himself.
    let r = assign(&app, &token_of(&app, &ben)?, &other, None).await?;
    assert_eq!(
        r["data"]["assignAdviceCase"]["assignee"]["name"], "Ben Marsh",
        "{r}"
    );
    assert_eq!(s[0]["adviser"]["name"], ada["name"]);
    Ok(())
}

#[tokio::test]
async fn assignees_and_suggestions_on_a_page_of_cases_cost_the_same_queries_for_3_or_12_cases()
-> Result<()> {
    let app = spawn_app().await?;
    fixture::load(&app.db).await?;
    let admin = app.token(Role::Admin, None);
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let mut advisers = Vec::new();
    for (name, category, region) in [
        ("Ann Cole", "devices", "LONDON"),
        ("Bea Ford", "software_licences", "SOUTH_WEST"),
        ("Cal Ives", "assessment", "NORTH_EAST"),
    ] {
        advisers.push(add_adviser(&app, &admin, input(name, &[category], &[region], 10)).await?);
    }
    for i in 0..12 {
        let case = open_case(&app, &school).await?;
        assigned(&app, &admin, &case, &advisers[i % 3]).await?;
    }
    let page = |node: &str| {
        format!(
            "query($n: Int) {{ adviceRequests(first: $n) {{ edges {{ node {{ {node} }} }} }} }}"
        )
    };
    let plain = page("reference");
    let named = page("reference assignee { name }");
    let full = page(
        "reference assignee { id name email capacity openCases categories { slug } regions } \
         suggestedAdvisers { adviser { name categories { slug } regions } openCases reasons }",
    );
    let mut costs = Vec::new();
    for n in [3, 12] {
        let mut cost = Vec::new();
        for q in [&plain, &named, &full] {
            let before = app.query_count();
            let d = app.data_as(&admin, q, json!({ "n": n })).await?;
            cost.push(app.query_count() - before);
            let edges = d["adviceRequests"]["edges"].as_array().map(Vec::len);
            assert_eq!(edges, Some(n), "{d}");
        }
        costs.push(cost);
    }
    // `assignee` costs one query for the page, however many cases it holds.
    assert_eq!(costs[0][1], costs[0][0] + 1, "{costs:?}");
    assert_eq!(costs[1][1], costs[1][0] + 1, "{costs:?}");
    assert_eq!(costs[0], costs[1], "3 cases vs 12: {costs:?}");
    // The page; assignees with their specialisms (2) and caseloads; the suggestions: cases,
    // schools, categories, active advisers, their specialisms (2) and caseloads.
    assert!(costs[1][2] <= 13, "{costs:?}");
    Ok(())
}
