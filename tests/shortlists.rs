//! Shortlists and CSV exports: a school compares, saves a shortlist with notes and decisions,
//! colleagues in its school or trust read it, advisers read it through a case, expired items
//! stay marked, and the CSV parses back to the same data with no cell a spreadsheet would run.

use anyhow::{Context, Result};
use becta_domain::catalogue::organisations::{self, NewOrganisation};
use becta_domain::db;
use becta_domain::entity::organisation;
use becta_domain::vocab::{OrgKind, Role};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::common::{TestApp, column, error_codes, fixture, parse_csv, spawn_app};

const LIST: &str = "id name sharing version canEdit schoolName ownerName csvPath \
    items { id kind title note decision reason availability availabilityNote productId dealId \
    product { name } deal { title } }";

/// The fixture's school joins a trust; a sister school joins it too, and a third school stays
/// outside. Tokens for a buyer at each.
struct Schools {
    home: String,
    sister: String,
    outsider: String,
}

async fn schools(app: &TestApp, f: &fixture::Fixture) -> Result<Schools> {
    let tx = db::begin_write(&app.db).await?;
    let trust = organisations::insert_many(
        &tx,
        vec![NewOrganisation::new(
            OrgKind::Trust,
            "Northern Lights Trust",
        )],
    )
    .await?[0];
    organisations::insert_many(
        &tx,
        vec![
            NewOrganisation {
                urn: Some(600_101),
                trust_id: Some(trust),
                ..NewOrganisation::new(OrgKind::School, "Sister Academy")
            },
            NewOrganisation {
                urn: Some(600_201),
                ..NewOrganisation::new(OrgKind::School, "Outside School")
            },
        ],
    )
    .await?;
    organisation::Entity::update_many()
        .col_expr(organisation::Column::TrustId, Expr::value(trust))
        .filter(organisation::Column::Id.eq(f.school))
        .exec(&tx)
        .await?;
    db::commit(tx).await?;
    Ok(Schools {
        home: app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string())),
        sister: app.token(Role::SchoolBuyer, Some("600101")),
        outsider: app.token(Role::SchoolBuyer, Some("600201")),
    })
}

async fn create(app: &TestApp, token: &str, name: &str, sharing: &str) -> Result<Value> {
    let q = format!(
        "mutation($input: ShortlistInput!) {{ createShortlist(input: $input) {{ {LIST} }} }}"
    );
    Ok(app
        .data_as(
            token,
            &q,
            json!({ "input": { "name": name, "sharing": sharing } }),
        )
        .await?["createShortlist"]
        .clone())
}

async fn add(app: &TestApp, token: &str, list: &Value, item: Value) -> Result<Value> {
    let q = format!(
        "mutation($id: ID!, $v: Int!, $item: ShortlistItemInput!) {{ addShortlistItem(shortlistId: $id, version: $v, item: $item) {{ {LIST} }} }}"
    );
    let r = app
        .gql_as(
            token,
            &q,
            json!({ "id": list["id"], "v": list["version"], "item": item }),
        )
        .await?;
    Ok(r)
}

async fn read(app: &TestApp, token: &str, id: &Value) -> Result<Value> {
    let q = format!("query($id: ID!) {{ shortlist(id: $id) {{ {LIST} }} }}");
    app.gql_as(token, &q, json!({ "id": id })).await
}

#[tokio::test]
async fn a_buyer_compares_saves_three_and_a_trust_colleague_reads_and_exports_it() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let s = schools(&app, &f).await?;
    let four = [
        "Alpha Phonics",
        "Alpha Times Tables",
        "Alpha Sixth Form Tracker",
        "Beta Safeguard",
    ]
    .map(|n| f.products[n].to_string());
    let compared = app
        .data_as(
            &s.home,
            "query($ids: [ID!]!) { compareProducts(ids: $ids) { records { name errorCode } } }",
            json!({ "ids": four }),
        )
        .await?;
    assert_eq!(
        compared["compareProducts"]["records"]
            .as_array()
            .map(|r| r.iter().filter(|x| x["errorCode"].is_null()).count()),
        Some(4)
    );

    let mut list = create(&app, &s.home, "Phonics and maths 2027", "TRUST").await?;
    let notes = [
        "Strong on phonics; the EYFS team liked the trial.",
        "=HYPERLINK(\"http://evil.example\",\"click\")",
        "@SUM(1+1) cheaper, but KS2 only",
    ];
    for (id, note) in four[..3].iter().zip(notes) {
        let r = add(
            &app,
            &s.home,
            &list,
            json!({ "productId": id, "note": note }),
        )
        .await?;
        assert!(r.get("errors").is_none(), "{r}");
        list = r["data"]["addShortlistItem"].clone();
    }
    let decided = app
        .gql_as(
            &s.home,
            &format!("mutation($item: ID!, $v: Int!, $c: ShortlistItemChangeInput!) {{ updateShortlistItem(itemId: $item, version: $v, change: $c) {{ {LIST} }} }}"),
            json!({ "item": list["items"][0]["id"], "v": list["version"],
                    "c": { "note": notes[0], "decision": "CHOSEN", "reason": "+1 from the head: best value per pupil" } }),
        )
        .await?;
    assert!(decided.get("errors").is_none(), "{decided}");
    let list = decided["data"]["updateShortlistItem"].clone();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(list["canEdit"], true);
    assert_eq!(list["version"], 5);

    // A colleague at a sister school of the trust reads it, read-only.
    let seen = read(&app, &s.sister, &list["id"]).await?;
    assert!(seen.get("errors").is_none(), "{seen}");
    let seen = &seen["data"]["shortlist"];
    assert_eq!(seen["items"], list["items"]);
    assert_eq!(seen["canEdit"], false);
    assert_eq!(seen["schoolName"], "Hill Top Primary School");
    let shared = app
        .data_as(&s.sister, "{ shortlists { id } }", json!({}))
        .await?;
    assert_eq!(shared["shortlists"], json!([{ "id": list["id"] }]));
    let edit = app
        .gql_as(
            &s.sister,
            "mutation($id: ID!, $v: Int!) { updateShortlist(id: $id, version: $v, input: { name: \"Mine now\" }) { id } }",
            json!({ "id": list["id"], "v": list["version"] }),
        )
        .await?;
    assert_eq!(error_codes(&edit), ["FORBIDDEN"]);

    // Another school, a supplier and an anonymous caller cannot read it.
    assert_eq!(
        error_codes(&read(&app, &s.outsider, &list["id"]).await?),
        ["FORBIDDEN"]
    );
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    assert_eq!(
        error_codes(&read(&app, &supplier, &list["id"]).await?),
        ["FORBIDDEN"]
    );
    let path = list["csvPath"].as_str().context("csvPath")?;
    assert_eq!(app.get_as(Some(&s.outsider), path).await?.0, 403);
    assert_eq!(app.get_as(None, path).await?.0, 401);
    assert_eq!(app.get_as(Some("not-a-token"), path).await?.0, 401);

    // The colleague's CSV parses back to the same data, and no cell is a formula.
    let (status, headers, body) = app.get_as(Some(&s.sister), path).await?;
    assert_eq!(status, 200, "{body}");
    assert!(
        headers["content-type"]
            .to_str()?
            .starts_with("text/csv; charset=utf-8")
    );
    assert!(
        headers["content-disposition"]
            .to_str()?
            .contains("phonics-and-maths-2027.csv")
    );
    let (header, rows) = parse_csv(&body)?;
    assert_eq!(rows.len(), 3);
    let (name, note, reason, id) = (
        column(&header, "Name")?,
        column(&header, "Note")?,
        column(&header, "Reason")?,
        column(&header, "Id")?,
    );
    for (row, item) in rows.iter().zip(list["items"].as_array().context("items")?) {
        assert_eq!(Some(row[name].as_str()), item["title"].as_str());
        assert_eq!(Some(row[id].as_str()), item["productId"].as_str());
        for (cell, field) in [(&row[note], "note"), (&row[reason], "reason")] {
            let want = item[field].as_str().unwrap_or_default();
            if want.starts_with(['=', '+', '-', '@']) {
                assert_eq!(*cell, format!("'{want}"), "escaped {field}");
            } else {
                assert_eq!(cell, want);
            }
        }
    }
    assert_eq!(
        rows[0][column(&header, "Supplier or provider")?],
        "Alpha Learning Ltd"
    );
    // Values read as a buyer says them: labels, not codes, and prices in pounds.
    let cells = |name: &str| -> Result<Vec<&str>> {
        let c = column(&header, name)?;
        Ok(rows.iter().map(|r| r[c].as_str()).collect())
    };
    assert_eq!(cells("Decision")?, ["Chosen", "Undecided", "Undecided"]);
    assert_eq!(cells("Availability")?, ["Available"; 3]);
    assert_eq!(
        cells("Price or typical savings")?,
        [
            "£3 per pupil per year",
            "£1.50 per pupil per year",
            "£2,500 per school per year"
        ]
    );
    for cell in rows.iter().flatten().chain(&header) {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "a spreadsheet would run {cell:?}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn sharing_decides_who_reads_and_advisers_read_through_a_case() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let s = schools(&app, &f).await?;
    let colleague = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let adviser = app.token(Role::Adviser, None);
    let list = create(&app, &s.home, "Devices", "PRIVATE").await?;
    let id = &list["id"];
    let codes = |v: &Value| error_codes(v);

    assert_eq!(codes(&read(&app, &colleague, id).await?), ["FORBIDDEN"]);
    assert_eq!(codes(&read(&app, &adviser, id).await?), ["FORBIDDEN"]);
    let mut version = list["version"].as_i64().context("version")?;
    for (sharing, colleague_reads, sister_reads) in [
        ("SCHOOL", true, false),
        ("TRUST", true, true),
        ("PRIVATE", false, false),
    ] {
        let r = app
            .data_as(
                &s.home,
                "mutation($id: ID!, $v: Int!, $s: Sharing!) { updateShortlist(id: $id, version: $v, input: { name: \"Devices\", sharing: $s }) { version sharing } }",
                json!({ "id": id, "v": version, "s": sharing }),
            )
            .await?;
        assert_eq!(r["updateShortlist"]["sharing"], sharing);
        version = r["updateShortlist"]["version"]
            .as_i64()
            .context("version")?;
        assert_eq!(
            codes(&read(&app, &colleague, id).await?).is_empty(),
            colleague_reads,
            "{sharing}"
        );
        assert_eq!(
            codes(&read(&app, &s.sister, id).await?).is_empty(),
            sister_reads,
            "{sharing}"
        );
        assert_eq!(codes(&read(&app, &s.outsider, id).await?), ["FORBIDDEN"]);
        let listed = app
            .data_as(&colleague, "{ shortlists { id } }", json!({}))
            .await?;
        assert_eq!(
            listed["shortlists"].as_array().map(Vec::len),
            Some(usize::from(colleague_reads)),
            "{sharing}"
        );
    }

    // Attached to the school's advice case, advisers read it (even private), and the case
    // lists it; another school's case cannot take it.
    let case = app
        .data_as(
            &s.home,
            "mutation { openAdviceRequest(input: { category: \"devices\", need: \"Thirty laptops for the new computing suite, with three years of support.\", currentSetup: \"Old desktops.\", preferredContact: EMAIL }) { id } }",
            json!({}),
        )
        .await?["openAdviceRequest"]["id"]
        .clone();
    let outsider_case = app
        .data_as(
            &s.outsider,
            "mutation { openAdviceRequest(input: { category: \"devices\", need: \"Thirty laptops for the new computing suite, with three years of support.\", currentSetup: \"Old desktops.\", preferredContact: EMAIL }) { id } }",
            json!({}),
        )
        .await?["openAdviceRequest"]["id"]
        .clone();
    let attach = "mutation($id: ID!, $v: Int!, $case: ID) { attachShortlist(id: $id, version: $v, adviceRequestId: $case) { version adviceRequest { id } } }";
    let wrong = app
        .gql_as(
            &s.home,
            attach,
            json!({ "id": id, "v": version, "case": outsider_case }),
        )
        .await?;
    assert_eq!(codes(&wrong), ["NOT_FOUND"]);
    let attached = app
        .data_as(
            &s.home,
            attach,
            json!({ "id": id, "v": version, "case": case }),
        )
        .await?;
    assert_eq!(attached["attachShortlist"]["adviceRequest"]["id"], case);
    let seen = read(&app, &adviser, id).await?;
    assert!(seen.get("errors").is_none(), "{seen}");
    assert_eq!(seen["data"]["shortlist"]["canEdit"], false);
    let via_case = app
        .data_as(
            &adviser,
            "query($id: ID!) { adviceRequest(id: $id) { shortlists { id } history { kind } } }",
            json!({ "id": case }),
        )
        .await?;
    assert_eq!(
        via_case["adviceRequest"]["shortlists"],
        json!([{ "id": id }])
    );
    assert!(
        via_case["adviceRequest"]["history"]
            .as_array()
            .is_some_and(|h| h.iter().any(|e| e["kind"] == "shortlist_attached"))
    );
    let queue = app
        .data_as(&adviser, "{ shortlists { id } }", json!({}))
        .await?;
    assert_eq!(queue["shortlists"], json!([{ "id": id }]));
    Ok(())
}

#[tokio::test]
async fn expired_deals_and_withdrawn_products_stay_marked_and_bad_changes_write_nothing()
-> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    let mut list = create(&app, &school, "Licences", "SCHOOL").await?;
    for item in [
        json!({ "dealId": f.deals["Current Licences Deal"].to_string() }),
        json!({ "productId": f.products["Alpha Phonics"].to_string(), "note": "-5% if we sign in May" }),
    ] {
        let r = add(&app, &school, &list, item).await?;
        assert!(r.get("errors").is_none(), "{r}");
        list = r["data"]["addShortlistItem"].clone();
    }

    // Refused changes: each with its code, none changes the list.
    let hidden = add(
        &app,
        &school,
        &list,
        json!({ "productId": f.products["Beta Draft Thing"].to_string() }),
    )
    .await?;
    assert_eq!(error_codes(&hidden), ["NOT_FOUND"]);
    let ended = add(
        &app,
        &school,
        &list,
        json!({ "dealId": f.deals["Ended Deal"].to_string() }),
    )
    .await?;
    assert_eq!(error_codes(&ended), ["NOT_FOUND"]);
    let twice = add(
        &app,
        &school,
        &list,
        json!({ "productId": f.products["Alpha Phonics"].to_string() }),
    )
    .await?;
    assert_eq!(error_codes(&twice), ["CONFLICT"]);
    let both = add(&app, &school, &list, json!({ "productId": f.products["Alpha Times Tables"].to_string(), "dealId": f.deals["Current Devices Deal"].to_string() })).await?;
    assert_eq!(error_codes(&both), ["BAD_USER_INPUT"]);
    let stale = add(
        &app,
        &school,
        &json!({ "id": list["id"], "version": 1 }),
        json!({ "productId": f.products["Alpha Times Tables"].to_string() }),
    )
    .await?;
    assert_eq!(error_codes(&stale), ["CONFLICT"]);
    let change = "mutation($item: ID!, $v: Int!, $c: ShortlistItemChangeInput!) { updateShortlistItem(itemId: $item, version: $v, change: $c) { version } }";
    let no_reason = app
        .gql_as(
            &school,
            change,
            json!({ "item": list["items"][0]["id"], "v": list["version"], "c": { "decision": "REJECTED" } }),
        )
        .await?;
    assert_eq!(error_codes(&no_reason), ["BAD_USER_INPUT"]);
    assert_eq!(no_reason["errors"][0]["extensions"]["field"], "reason");
    let long_name = app
        .gql_as(
            &school,
            "mutation($n: String!) { createShortlist(input: { name: $n }) { id } }",
            json!({ "n": "x".repeat(121) }),
        )
        .await?;
    assert_eq!(error_codes(&long_name), ["BAD_USER_INPUT"]);
    let now = read(&app, &school, &list["id"]).await?["data"]["shortlist"].clone();
    assert_eq!(now, list);

    // The deal is expired by an admin and the product withdrawn by its supplier: both stay,
    // marked, with their titles.
    let admin = app.token(Role::Admin, None);
    let deal_id = f.deals["Current Licences Deal"].to_string();
    let v = app
        .data_as(
            &admin,
            "query($id: ID!) { managedDeal(id: $id) { version } }",
            json!({ "id": deal_id }),
        )
        .await?["managedDeal"]["version"]
        .clone();
    app.data_as(
        &admin,
        "mutation($id: ID!, $v: Int!) { expireDeal(id: $id, version: $v) { id } }",
        json!({ "id": deal_id, "v": v }),
    )
    .await?;
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let product_id = f.products["Alpha Phonics"].to_string();
    let v = app
        .data_as(
            &supplier,
            "query($id: ID!) { listing(id: $id) { version } }",
            json!({ "id": product_id }),
        )
        .await?["listing"]["version"]
        .clone();
    app.data_as(
        &supplier,
        "mutation($id: ID!, $v: Int!) { withdrawProduct(id: $id, version: $v) { id } }",
        json!({ "id": product_id, "v": v }),
    )
    .await?;
    let after = read(&app, &school, &list["id"]).await?["data"]["shortlist"].clone();
    let items = after["items"].as_array().context("items")?;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["title"], "Current Licences Deal");
    assert_eq!(items[0]["availability"], "EXPIRED");
    assert_eq!(items[0]["deal"], Value::Null);
    // Expired today: it reads as ended today, not withdrawn.
    let today = becta_domain::catalogue::deals::today();
    assert_eq!(
        items[0]["availabilityNote"],
        format!("the deal ended on {}", today.format("%-d %B %Y"))
    );
    assert_eq!(items[1]["title"], "Alpha Phonics");
    assert_eq!(items[1]["availability"], "WITHDRAWN");
    assert_eq!(items[1]["product"], Value::Null);
    let (status, _, body) = app
        .get_as(Some(&school), after["csvPath"].as_str().context("csvPath")?)
        .await?;
    assert_eq!(status, 200);
    let (header, rows) = parse_csv(&body)?;
    let availability = column(&header, "Availability")?;
    assert_eq!(
        rows[0][availability],
        format!("Expired: the deal ended on {}", today.format("%-d %B %Y"))
    );
    assert!(rows[1][availability].starts_with("Withdrawn"));
    assert_eq!(rows[1][column(&header, "Note")?], "'-5% if we sign in May");

    // Removing and deleting are the owner's, and audited.
    let removed = app
        .data_as(
            &school,
            "mutation($item: ID!, $v: Int!) { removeShortlistItem(itemId: $item, version: $v) { version items { title } } }",
            json!({ "item": items[0]["id"], "v": after["version"] }),
        )
        .await?;
    assert_eq!(
        removed["removeShortlistItem"]["items"],
        json!([{ "title": "Alpha Phonics" }])
    );
    app.data_as(
        &school,
        "mutation($id: ID!, $v: Int!) { deleteShortlist(id: $id, version: $v) }",
        json!({ "id": list["id"], "v": removed["removeShortlistItem"]["version"] }),
    )
    .await?;
    assert_eq!(
        error_codes(&read(&app, &school, &list["id"]).await?),
        ["NOT_FOUND"]
    );
    let audit = app
        .data_as(
            &admin,
            "query($id: ID!) { auditEvents(filter: { entityId: $id }) { edges { node { action } } } }",
            json!({ "id": list["id"] }),
        )
        .await?;
    let actions: Vec<&str> = audit["auditEvents"]["edges"]
        .as_array()
        .map(|n| {
            n.iter()
                .filter_map(|e| e["node"]["action"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.starts_with("shortlist."))
            .count(),
        5,
        "create, 2 adds, remove, delete: {actions:?}"
    );
    Ok(())
}

#[tokio::test]
async fn the_comparison_csv_equals_the_comparison() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let ids = [
        f.products["Alpha Phonics"],
        f.products["Beta Safeguard"],
        f.products["Beta Draft Thing"],
    ]
    .map(|u| u.to_string());
    let c = app
        .data(
            "query($ids: [ID!]!) { compareProducts(ids: $ids) { records { name } rows { label values differs } } }",
            json!({ "ids": ids }),
        )
        .await?["compareProducts"]
        .clone();
    let (status, _, body) = app
        .get_as(
            None,
            &format!("/exports/compare.csv?products={}", ids.join(",")),
        )
        .await?;
    assert_eq!(status, 200, "{body}");
    let (header, rows) = parse_csv(&body)?;
    assert_eq!(header[0], "Attribute");
    assert_eq!(header[1], "Alpha Phonics");
    assert_eq!(header[2], "Beta Safeguard");
    assert!(header[3].ends_with("(not found)"));
    assert_eq!(header[4], "Differs");
    let want = c["rows"].as_array().context("rows")?;
    assert_eq!(rows.len(), want.len());
    for (row, w) in rows.iter().zip(want) {
        assert_eq!(Some(row[0].as_str()), w["label"].as_str());
        for i in 0..3 {
            assert_eq!(row[i + 1], w["values"][i].as_str().unwrap_or_default());
        }
        assert_eq!(row[4], if w["differs"] == true { "yes" } else { "no" });
    }

    let deals = [
        f.deals["Current Devices Deal"],
        f.deals["Current Licences Deal"],
    ]
    .map(|u| u.to_string())
    .join(",");
    let (status, _, body) = app
        .get_as(None, &format!("/exports/compare.csv?deals={deals}"))
        .await?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(parse_csv(&body)?.0[1], "Current Devices Deal");

    for bad in [
        "/exports/compare.csv".to_owned(),
        "/exports/compare.csv?products=nonsense,1".to_owned(),
        format!("/exports/compare.csv?products={}", ids[0]),
    ] {
        let (status, _, body) = app.get_as(None, &bad).await?;
        assert_eq!(status, 400, "{bad}");
        let body: Value = serde_json::from_str(&body)?;
        assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{bad}");
    }
    assert_eq!(
        app.get_as(
            Some("bad"),
            &format!("/exports/compare.csv?products={}", ids.join(","))
        )
        .await?
        .0,
        401
    );
    let school = app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string()));
    assert_eq!(
        app.get_as(
            Some(&school),
            "/exports/shortlists/0192a0c4-0000-7000-8000-000000000000.csv"
        )
        .await?
        .0,
        404
    );
    Ok(())
}
