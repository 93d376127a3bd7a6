//! Advisers as people: the directory admins manage, cases assigned to advisers who have never
//! signed in and the assignee a case shows, the directory's refusals, each naming its field,
//! and the helpers the assignment tests share.

use anyhow::{Context, Result};
use becta_domain::vocab::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{TestApp, error_codes, fixture, spawn_app};

pub const ADVISER: &str = "id name email active capacity openCases version isSample \
    categories { slug } regions";

pub fn create_op() -> String {
    format!(
        "mutation($input: AdviserInput!, $userId: ID) {{ createAdviser(input: $input, userId: $userId) {{ {ADVISER} }} }}"
    )
}

pub const ASSIGN: &str = "mutation($id: ID!, $v: Int!, $a: ID, $over: Boolean) { assignAdviceCase(id: $id, version: $v, adviserId: $a, overCapacity: $over) { id version assigneeId assignee { id name email } } }";

pub fn input(name: &str, categories: &[&str], regions: &[&str], capacity: i32) -> Value {
    let email = format!(
        "{}@advice.example.org",
        name.to_lowercase().replace(' ', ".")
    );
    json!({ "name": name, "email": email, "categories": categories, "regions": regions,
            "capacity": capacity })
}

/// An admin adds an adviser to the directory; their directory entry.
pub async fn add_adviser(app: &TestApp, admin: &str, input: Value) -> Result<Value> {
    let d = app
        .data_as(admin, &create_op(), json!({ "input": input }))
        .await?;
    Ok(d["createAdviser"].clone())
}

/// A token for the directory adviser `adviser` (as returned by [`add_adviser`]).
pub fn token_of(app: &TestApp, adviser: &Value) -> Result<String> {
    let id: Uuid = adviser["id"].as_str().context("adviser id")?.parse()?;
    Ok(app.token_for(id, Role::Adviser, None))
}

/// The school's new request (for devices; the fixture school is in London).
pub async fn open_case(app: &TestApp, school: &str) -> Result<Value> {
    let d = app
        .data_as(
            school,
            "mutation($input: AdviceRequestInput!) { openAdviceRequest(input: $input) { id version reference } }",
            json!({ "input": {
                "category": "devices",
                "need": "We need 30 Chromebooks for Year 6, with management licences.",
                "preferredContact": "EMAIL",
            } }),
        )
        .await?;
    Ok(d["openAdviceRequest"].clone())
}

/// Assigns `case` (at its version) to `adviser`, or to the caller: the whole response.
pub async fn assign(
    app: &TestApp,
    token: &str,
    case: &Value,
    adviser: Option<&Value>,
) -> Result<Value> {
    let vars =
        json!({ "id": case["id"], "v": case["version"], "a": adviser.map(|a| a["id"].clone()) });
    app.gql_as(token, ASSIGN, vars).await
}

/// Assigns `case` to `adviser`, which must succeed.
pub async fn assigned(app: &TestApp, admin: &str, case: &Value, adviser: &Value) -> Result<Value> {
    let r = assign(app, admin, case, Some(adviser)).await?;
    anyhow::ensure!(r.get("errors").is_none(), "assigning failed: {r}");
    Ok(r["data"]["assignAdviceCase"].clone())
}

/// The code and field of a response's only error.
pub fn refusal(r: &Value) -> (String, String) {
    assert_eq!(error_codes(r).len(), 1, "{r}");
    let e = &r["errors"][0];
    (
        e["extensions"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        e["extensions"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

pub fn strings(v: &Value, key: &str) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x[key].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn an_admin_adds_an_adviser_who_never_signed_in_and_assigns_them_a_case_they_then_see()
-> Result<()> {
    let app = spawn_app().await?;
    fixture::load(&app.db).await?;
    let admin = app.token(Role::Admin, None);
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let case = open_case(&app, &school).await?;

    let mut new = input(
        "Priya Shah",
        &["devices", "assessment"],
        &["LONDON", "SOUTH_EAST"],
        10,
    );
    new["email"] = json!("  Priya.Shah@Advice.Example.org ");
    let priya = add_adviser(&app, &admin, new).await?;
    assert_eq!(priya["name"], "Priya Shah");
    assert_eq!(priya["email"], "priya.shah@advice.example.org");
    assert_eq!(
        (&priya["active"], &priya["capacity"], &priya["openCases"]),
        (&json!(true), &json!(10), &json!(0))
    );
    assert_eq!(
        strings(&priya["categories"], "slug"),
        ["devices", "assessment"]
    );
    assert_eq!(priya["regions"], json!(["LONDON", "SOUTH_EAST"]));
    assert_eq!(priya["isSample"], false);

    // Assignable at once, before she has ever signed in.
    let taken = assigned(&app, &admin, &case, &priya).await?;
    assert_eq!(taken["assignee"]["name"], "Priya Shah");
    assert_eq!(taken["assignee"]["id"], priya["id"]);
    assert_eq!(
        taken["assigneeId"], priya["id"],
        "the old field still answers"
    );

    // The school sees who has its case, but not her email nor the suggestions.
    let q = "query($id: ID!) { adviceRequest(id: $id) { assignee { name email capacity } } }";
    let seen = app.data_as(&school, q, json!({ "id": case["id"] })).await?;
    assert_eq!(
        seen["adviceRequest"]["assignee"],
        json!({ "name": "Priya Shah", "email": null, "capacity": null })
    );
    let r = app
        .gql_as(
            &school,
            "query($id: ID!) { adviceRequest(id: $id) { suggestedAdvisers { reasons } } }",
            json!({ "id": case["id"] }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"]);

    // She signs in with a token for her id (its name is "Test User"): the case is in her
    // queue, and acting on it leaves her the name the directory gave her.
    let her = token_of(&app, &priya)?;
    let me = app
        .data_as(&her, "{ me { userId role } }", json!({}))
        .await?;
    assert_eq!(me["me"]["userId"], priya["id"]);
    let queue = "query($a: ID) { adviceRequests(filter: { assigneeId: $a }) { edges { node { reference assignee { name } } } } }";
    let mine = app
        .data_as(&her, queue, json!({ "a": priya["id"] }))
        .await?;
    assert_eq!(
        mine["adviceRequests"]["edges"],
        json!([{ "node": { "reference": case["reference"], "assignee": { "name": "Priya Shah" } } }])
    );
    app.data_as(
        &her,
        "mutation($id: ID!) { postAdviceMessage(id: $id, body: \"Hello, I am your adviser.\") { id } }",
        json!({ "id": case["id"] }),
    )
    .await?;
    let seen = app.data_as(&school, q, json!({ "id": case["id"] })).await?;
    assert_eq!(seen["adviceRequest"]["assignee"]["name"], "Priya Shah");
    let list = app
        .data_as(
            &her,
            &format!("{{ advisers {{ edges {{ node {{ {ADVISER} }} }} }} }}"),
            json!({}),
        )
        .await?;
    let node = &list["advisers"]["edges"][0]["node"];
    assert_eq!(
        (&node["name"], &node["email"], &node["openCases"]),
        (
            &json!("Priya Shah"),
            &json!("priya.shah@advice.example.org"),
            &json!(1)
        )
    );

    // The case's history and the audit log say who took it.
    let audit = app
        .data_as(&admin, "{ auditEvents(filter: { action: \"adviser.create\" }) { edges { node { entityId } } } }", json!({}))
        .await?;
    assert_eq!(
        audit["auditEvents"]["edges"][0]["node"]["entityId"],
        priya["id"]
    );
    Ok(())
}

#[tokio::test]
async fn the_directory_refuses_bad_advisers_naming_the_field_and_only_admins_change_it()
-> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let admin = app.token(Role::Admin, None);
    let ok = input("Ola Nowak", &["devices", "assessment"], &["NORTH_WEST"], 20);
    let ola = add_adviser(&app, &admin, ok.clone()).await?;

    let with = |key: &str, value: Value| {
        let mut v = input("Sam Reid", &["devices"], &["LONDON"], 5);
        v[key] = value;
        json!({ "input": v })
    };
    for (vars, code, field) in [
        (
            with("email", json!("OLA.NOWAK@advice.example.org")),
            "CONFLICT",
            "email",
        ),
        (
            with("email", json!("sam at school")),
            "BAD_USER_INPUT",
            "email",
        ),
        (with("name", json!(" ")), "BAD_USER_INPUT", "name"),
        (
            with("categories", json!(["devices", "space_travel"])),
            "BAD_USER_INPUT",
            "categories",
        ),
        (with("capacity", json!(0)), "BAD_USER_INPUT", "capacity"),
        (with("capacity", json!(201)), "BAD_USER_INPUT", "capacity"),
    ] {
        let r = app.gql_as(&admin, &create_op(), vars.clone()).await?;
        assert_eq!(refusal(&r), (code.to_owned(), field.to_owned()), "{vars}");
    }
    let r = app
        .gql_as(&admin, &create_op(), with("regions", json!(["ATLANTIS"])))
        .await?;
    assert_eq!(error_codes(&r), ["BAD_USER_INPUT"]);
    let m = r["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(m.contains("regions") && m.contains("Region"), "{m}");

    // Only admins manage the directory; advisers and admins read it.
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let adviser = token_of(&app, &ola)?;
    for token in [&school, &supplier, &adviser] {
        let r = app
            .gql_as(token, &create_op(), with("email", json!("x@y.example.org")))
            .await?;
        assert_eq!(error_codes(&r), ["FORBIDDEN"]);
    }
    let r = app
        .gql(&create_op(), with("email", json!("x@y.example.org")))
        .await?;
    assert_eq!(error_codes(&r), ["UNAUTHENTICATED"]);
    let list = "query($f: AdviserFilterInput) { advisers(filter: $f) { edges { node { name } } } }";
    assert_eq!(
        error_codes(&app.gql_as(&school, list, json!({})).await?),
        ["FORBIDDEN"]
    );

    // Updates carry the version; a stale one is refused.
    let update = format!(
        "mutation($id: ID!, $v: Int!, $input: AdviserInput!) {{ updateAdviser(id: $id, version: $v, input: $input) {{ {ADVISER} }} }}"
    );
    let mut changed = ok.clone();
    changed["regions"] = json!(["NORTH_WEST", "YORKSHIRE_AND_THE_HUMBER"]);
    changed["capacity"] = json!(25);
    let vars = json!({ "id": ola["id"], "v": ola["version"], "input": changed });
    let ola2 = app.data_as(&admin, &update, vars.clone()).await?["updateAdviser"].clone();
    assert_eq!(
        (&ola2["capacity"], &ola2["version"]),
        (&json!(25), &json!(2))
    );
    assert_eq!(
        error_codes(&app.gql_as(&admin, &update, vars).await?),
        ["CONFLICT"]
    );
    let r = app
        .gql_as(
            &adviser,
            &update,
            json!({ "id": ola["id"], "v": 2, "input": ok }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"]);

    // The directory's filters.
    add_adviser(
        &app,
        &admin,
        input("Zoe Hart", &["software_licences"], &["LONDON"], 5),
    )
    .await?;
    for (filter, expected) in [
        (json!({}), vec!["Ola Nowak", "Zoe Hart"]),
        (json!({ "category": "devices" }), vec!["Ola Nowak"]),
        (
            json!({ "region": "YORKSHIRE_AND_THE_HUMBER" }),
            vec!["Ola Nowak"],
        ),
        (
            json!({ "region": "LONDON", "active": true }),
            vec!["Zoe Hart"],
        ),
        (json!({ "active": false }), vec![]),
    ] {
        let d = app.data_as(&adviser, list, json!({ "f": filter })).await?;
        let got: Vec<String> = d["advisers"]["edges"]
            .as_array()
            .map(|e| {
                e.iter()
                    .filter_map(|n| n["node"]["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(got, expected, "{filter}");
    }

    // Someone who already signs in as an adviser joins under their own id; nobody else does.
    let school_user = Uuid::now_v7();
    let school_token = app.token_for(
        school_user,
        Role::SchoolBuyer,
        Some(&fixture::SCHOOL_URN.to_string()),
    );
    let case = open_case(&app, &school_token).await?;
    let signed_in = Uuid::now_v7();
    let token = app.token_for(signed_in, Role::Adviser, None);
    app.data_as(
        &token,
        "mutation($id: ID!) { postAdviceMessage(id: $id, body: \"Noted.\", internal: true) { id } }",
        json!({ "id": case["id"] }),
    )
    .await?;
    let r = app
        .gql_as(
            &admin,
            &create_op(),
            json!({ "input": input("Kim Lee", &[], &[], 5), "userId": school_user.to_string() }),
        )
        .await?;
    assert_eq!(refusal(&r), ("BAD_USER_INPUT".into(), "userId".into()));
    let r = app
        .gql_as(
            &admin,
            &create_op(),
            json!({ "input": input("Kim Lee", &[], &[], 5), "userId": ola["id"] }),
        )
        .await?;
    assert_eq!(refusal(&r), ("CONFLICT".into(), "userId".into()));
    let kim = app
        .data_as(
            &admin,
            &create_op(),
            json!({ "input": input("Kim Lee", &[], &[], 5), "userId": signed_in.to_string() }),
        )
        .await?;
    assert_eq!(kim["createAdviser"]["id"], signed_in.to_string());
    Ok(())
}
