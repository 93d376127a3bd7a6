//! Supplier listings and vetting through the API: the path from draft to public search, the
//! revision flow, validation, concurrency and the audit trail.

use anyhow::Result;
use becta_domain::vocab::Role;
use serde_json::{Value, json};

use crate::common::flows::*;
use crate::common::{TestApp, error_codes, fixture, spawn_app};

struct World {
    app: TestApp,
    f: fixture::Fixture,
    alpha: String,
    beta: String,
    admin: String,
}

async fn world() -> Result<World> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let alpha = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let beta = app.token(Role::Supplier, Some(&f.beta.to_string()));
    let admin = app.token(Role::Admin, None);
    Ok(World {
        app,
        f,
        alpha,
        beta,
        admin,
    })
}

const PUBLIC_PRODUCT: &str = "query($id: ID!) { product(id: $id) { name pricePence badges } }";
const SEARCH: &str =
    "query($q: String!) { searchProducts(query: $q) { totalHits hits { product { id name } } } }";

async fn search_ids(app: &TestApp, q: &str) -> Result<Vec<String>> {
    app.wait_for_search().await?;
    let d = app.data(SEARCH, json!({ "q": q })).await?;
    Ok(d["searchProducts"]["hits"]
        .as_array()
        .map(|hits| {
            hits.iter()
                .filter_map(|h| h["product"]["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

#[tokio::test]
async fn a_supplier_lists_an_admin_approves_and_schools_find_it_while_others_cannot_touch_it()
-> Result<()> {
    let w = world().await?;
    let app = &w.app;

    let draft = create(app, &w.alpha, "Gamma Reading").await?;
    assert_eq!(draft["status"], "DRAFT");
    assert_eq!(draft["version"], 1);
    assert_eq!(draft["product"]["supplier"]["name"], "Alpha Learning Ltd");
    let (id, _) = id_version(&draft)?;

    // Not public yet: not in the catalogue, not in search.
    let hidden = app.gql(PUBLIC_PRODUCT, json!({ "id": id })).await?;
    assert_eq!(error_codes(&hidden), ["NOT_FOUND"]);
    assert!(!search_ids(app, "Gamma Reading").await?.contains(&id));

    let submitted = step(app, &w.alpha, SUBMIT, &draft, json!({})).await?;
    assert_eq!(submitted["status"], "SUBMITTED");
    let in_review = step(app, &w.admin, START_REVIEW, &submitted, json!({})).await?;
    assert_eq!(in_review["status"], "IN_REVIEW");
    let approved = step(
        app,
        &w.admin,
        DECIDE,
        &in_review,
        json!({ "decision": "APPROVE", "checklist": checklist(), "notes": "Welcome aboard" }),
    )
    .await?;
    assert_eq!(approved["status"], "APPROVED");
    // Badges are exactly the checklist items that passed.
    assert_eq!(
        approved["product"]["badges"],
        json!([
            "DATA_PROTECTION",
            "CYBER_SECURITY",
            "SAFEGUARDING",
            "EVIDENCE_OF_IMPACT"
        ])
    );
    let steps: Vec<&str> = approved["vettingHistory"]
        .as_array()
        .map(|h| h.iter().filter_map(|s| s["step"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(steps, ["IN_REVIEW", "APPROVED"]);

    // Schools see it in the catalogue and in search, typos and all.
    let public = app.data(PUBLIC_PRODUCT, json!({ "id": id })).await?;
    assert_eq!(public["product"]["name"], "Gamma Reading");
    assert!(search_ids(app, "Gamma Reading").await?.contains(&id));
    assert!(search_ids(app, "gammma reading").await?.contains(&id));

    // Another supplier may not change it.
    let (_, version) = id_version(&approved)?;
    let other = app
        .gql_as(
            &w.beta,
            &op(UPDATE),
            json!({ "id": id, "version": version, "patch": { "name": "Hijacked" } }),
        )
        .await?;
    assert_eq!(error_codes(&other), ["FORBIDDEN"]);
    let other = app
        .gql_as(
            &w.beta,
            &op(WITHDRAW),
            json!({ "id": id, "version": version }),
        )
        .await?;
    assert_eq!(error_codes(&other), ["FORBIDDEN"]);
    // Reading it is refused with a message that fits a read.
    let read = app
        .gql_as(
            &w.beta,
            "query($id: ID!) { listing(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(error_codes(&read), ["FORBIDDEN"]);
    let message = read["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("read or change"), "{message}");

    // Every mutation left one audit record, with the actor and the change.
    let audit = app
        .data_as(
            &w.admin,
            "query($id: ID!) { auditEvents(filter: { entityType: \"product\", entityId: $id }) { edges { node { action actorRole organisationId before after } } } }",
            json!({ "id": id }),
        )
        .await?;
    let events = audit["auditEvents"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let actions: Vec<&str> = events
        .iter()
        .filter_map(|e| e["node"]["action"].as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "product.review.decide",
            "product.review.start",
            "product.submit",
            "product.create"
        ]
    );
    let create_event = &events[3]["node"];
    assert_eq!(create_event["actorRole"], "SUPPLIER");
    assert_eq!(create_event["organisationId"], w.f.alpha.to_string());
    assert_eq!(create_event["before"], Value::Null);
    assert_eq!(create_event["after"]["content"]["name"], "Gamma Reading");
    let decide_event = &events[0]["node"];
    assert_eq!(decide_event["actorRole"], "ADMIN");
    assert_eq!(decide_event["before"]["status"], "in_review");
    assert_eq!(decide_event["after"]["status"], "approved");
    Ok(())
}

#[tokio::test]
async fn editing_an_approved_listing_waits_for_vetting_while_the_published_version_stays_live()
-> Result<()> {
    let w = world().await?;
    let app = &w.app;
    let live = approved(app, &w.alpha, &w.admin, "Gamma Reading").await?;
    let (id, _) = id_version(&live)?;

    let edited = step(
        app,
        &w.alpha,
        UPDATE,
        &live,
        json!({ "patch": { "name": "Gamma Reading Quokka", "pricePence": 300 } }),
    )
    .await?;
    assert_eq!(edited["status"], "APPROVED");
    assert_eq!(edited["product"]["name"], "Gamma Reading");
    assert_eq!(
        edited["pendingRevision"]["content"],
        json!({ "name": "Gamma Reading Quokka", "pricePence": 300 })
    );
    // Schools still see the published version, in the catalogue and in search.
    let public = app.data(PUBLIC_PRODUCT, json!({ "id": id })).await?;
    assert_eq!(public["product"]["name"], "Gamma Reading");
    assert_eq!(public["product"]["pricePence"], 250);
    assert!(search_ids(app, "Gamma Reading").await?.contains(&id));
    assert!(!search_ids(app, "Quokka").await?.contains(&id));

    // A second edit supersedes the first revision; an edit of the old version is refused.
    let stale = app
        .gql_as(
            &w.alpha,
            &op(UPDATE),
            json!({ "id": id, "version": live["version"], "patch": { "name": "Stale" } }),
        )
        .await?;
    assert_eq!(error_codes(&stale), ["CONFLICT"]);
    let edited = step(
        app,
        &w.alpha,
        UPDATE,
        &edited,
        json!({ "patch": { "summary": "Reading practice with phonics, for primary pupils." } }),
    )
    .await?;
    assert_eq!(
        edited["pendingRevision"]["content"]["name"],
        "Gamma Reading Quokka"
    );

    // The queue shows it; changes requested leave the live version alone.
    let queue = app
        .data_as(
            &w.admin,
            "{ vettingQueue { edges { node { id pendingRevision { id } } } } }",
            json!({}),
        )
        .await?;
    assert_eq!(queue["vettingQueue"]["edges"][0]["node"]["id"], id);
    let refused = step(
        app,
        &w.admin,
        DECIDE,
        &edited,
        json!({ "decision": "REQUEST_CHANGES", "checklist": checklist(), "notes": "Say which phonics scheme" }),
    )
    .await?;
    assert_eq!(refused["status"], "APPROVED");
    assert_eq!(refused["pendingRevision"], Value::Null);
    assert_eq!(refused["product"]["name"], "Gamma Reading");

    // Edit again and approve: the revision goes live and into search.
    let edited = step(
        app,
        &w.alpha,
        UPDATE,
        &refused,
        json!({ "patch": { "name": "Gamma Reading Quokka", "pricePence": 300 } }),
    )
    .await?;
    let approved = step(
        app,
        &w.admin,
        DECIDE,
        &edited,
        json!({ "decision": "APPROVE", "checklist": checklist() }),
    )
    .await?;
    assert_eq!(approved["product"]["name"], "Gamma Reading Quokka");
    assert_eq!(approved["pendingRevision"], Value::Null);
    let public = app.data(PUBLIC_PRODUCT, json!({ "id": id })).await?;
    assert_eq!(public["product"]["name"], "Gamma Reading Quokka");
    assert_eq!(public["product"]["pricePence"], 300);
    assert!(search_ids(app, "Quokka").await?.contains(&id));
    let history = approved["vettingHistory"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(history.len(), 4);
    assert!(history[3]["revisionId"].is_string());
    Ok(())
}

#[tokio::test]
async fn badges_come_only_from_facts_the_listing_states() -> Result<()> {
    let w = world().await?;
    let app = &w.app;
    const FACTS: &str = "query($id: ID!) { product(id: $id) { hostingLocation dpiaAvailable cyberEssentials badges } }";
    let refused_field = |r: &Value| -> String {
        assert_eq!(error_codes(r), ["BAD_USER_INPUT"], "{r}");
        r["errors"][0]["extensions"]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    // The listing says: US hosting, no DPIA, no Cyber Essentials.
    let mut input = product_input("Delta Homework");
    input["hostingLocation"] = json!("US");
    input["dpiaAvailable"] = json!(false);
    input["cyberEssentials"] = json!("NONE");
    let draft = listing(
        &app.data_as(&w.alpha, &op(CREATE), json!({ "input": input }))
            .await?,
    )?;
    let l = step(app, &w.alpha, SUBMIT, &draft, json!({})).await?;
    let in_review = step(app, &w.admin, START_REVIEW, &l, json!({})).await?;
    let (id, version) = id_version(&in_review)?;
    let approve = |version: i64, checklist: &Value| json!({ "id": id, "version": version, "decision": "APPROVE", "checklist": checklist });

    // A checklist claiming UK hosting, a DPIA and Cyber Essentials Plus cannot approve it,
    // and the refusal says what the listing states; nothing is written.
    let r = app
        .gql_as(&w.admin, &op(DECIDE), approve(version, &checklist()))
        .await?;
    assert_eq!(
        refused_field(&r),
        "checklist.dataProtection.hostingLocation"
    );
    let message = r["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("the listing states hosting US"),
        "{message}"
    );
    let still = app
        .data_as(
            &w.alpha,
            "query($id: ID!) { listing(id: $id) { status version product { badges } } }",
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(
        still["listing"],
        json!({ "status": "IN_REVIEW", "version": version, "product": { "badges": [] } })
    );
    // On the listing's own facts data protection cannot pass, so no approval: the admin asks
    // for changes, recording what was found.
    let mut found = checklist();
    found["dataProtection"] = json!({ "outcome": "FAIL", "dpiaAvailable": false,
        "dataProcessingAgreement": true, "hostingLocation": "US" });
    let r = app
        .gql_as(&w.admin, &op(DECIDE), approve(version, &found))
        .await?;
    assert_eq!(refused_field(&r), "checklist.dataProtection");
    let changes = step(
        app,
        &w.admin,
        DECIDE,
        &in_review,
        json!({ "decision": "REQUEST_CHANGES", "checklist": found,
            "notes": "Host in the UK and publish a DPIA" }),
    )
    .await?;
    assert_eq!(changes["status"], "CHANGES_REQUESTED");

    // The supplier moves hosting to the UK and publishes a DPIA, still with no Cyber
    // Essentials: a checklist claiming Cyber Essentials Plus is refused, one recording none
    // approves without the cyber security badge.
    let fixed = step(
        app,
        &w.alpha,
        UPDATE,
        &changes,
        json!({ "patch": { "hostingLocation": "UK", "dpiaAvailable": true } }),
    )
    .await?;
    let l = step(app, &w.alpha, SUBMIT, &fixed, json!({})).await?;
    let l = step(app, &w.admin, START_REVIEW, &l, json!({})).await?;
    let (_, version) = id_version(&l)?;
    let r = app
        .gql_as(&w.admin, &op(DECIDE), approve(version, &checklist()))
        .await?;
    assert_eq!(refused_field(&r), "checklist.cyberSecurity.certification");
    let mut facts = checklist();
    facts["cyberSecurity"] = json!({ "outcome": "FAIL", "certification": "NONE" });
    let live = step(
        app,
        &w.admin,
        DECIDE,
        &l,
        json!({ "decision": "APPROVE", "checklist": facts }),
    )
    .await?;
    assert_eq!(live["status"], "APPROVED");
    // What a school reads: UK hosting and a DPIA behind the data protection badge, and no
    // cyber security badge for a supplier without Cyber Essentials.
    let public = app.data(FACTS, json!({ "id": id })).await?;
    assert_eq!(
        public["product"],
        json!({
            "hostingLocation": "UK", "dpiaAvailable": true, "cyberEssentials": "NONE",
            "badges": ["DATA_PROTECTION", "SAFEGUARDING", "EVIDENCE_OF_IMPACT"]
        })
    );

    // A revision withdrawing the DPIA cannot be approved on the old facts; the live listing
    // and its badges stay as they were.
    let revised = step(
        app,
        &w.alpha,
        UPDATE,
        &live,
        json!({ "patch": { "dpiaAvailable": false } }),
    )
    .await?;
    let (_, version) = id_version(&revised)?;
    let r = app
        .gql_as(&w.admin, &op(DECIDE), approve(version, &facts))
        .await?;
    assert_eq!(refused_field(&r), "checklist.dataProtection.dpiaAvailable");
    assert_eq!(app.data(FACTS, json!({ "id": id })).await?, public);
    Ok(())
}

#[tokio::test]
async fn bad_listings_are_refused_with_the_field_named_and_nothing_written() -> Result<()> {
    let w = world().await?;
    let app = &w.app;
    let cases = [
        ("pricePence", json!(-1), "pricePence"),
        ("website", json!("javascript:alert(1)"), "website"),
        (
            "accessibilityStatementUrl",
            json!("not a url"),
            "accessibilityStatementUrl",
        ),
        ("name", json!("x"), "name"),
        ("summary", json!("short"), "summary"),
        ("categories", json!(["devices"]), "categories"),
        ("categories", json!([]), "categories"),
        ("name", json!("Bad\u{0007}Bell"), "name"),
    ];
    for (key, value, field) in cases {
        let mut input = product_input("Bad Listing");
        input[key] = value.clone();
        let v = app
            .gql_as(&w.alpha, &op(CREATE), json!({ "input": input }))
            .await?;
        assert_eq!(error_codes(&v), ["BAD_USER_INPUT"], "{key} = {value}");
        assert_eq!(v["errors"][0]["extensions"]["field"], field, "{key}");
    }
    // An enum value the schema does not know is refused before any resolver runs.
    let mut input = product_input("Bad Listing");
    input["pricingModel"] = json!("PER_GOAT");
    let v = app
        .gql_as(&w.alpha, &op(CREATE), json!({ "input": input }))
        .await?;
    assert_eq!(error_codes(&v), ["BAD_USER_INPUT"]);

    let names = my_listing_names(app, &w.alpha).await?;
    assert!(
        !names.is_empty(),
        "the fixture's listings are the supplier's"
    );
    assert!(!names.iter().any(|n| n == "Bad Listing"), "{names:?}");

    // Two listings of one supplier may not share a name.
    create(app, &w.alpha, "Gamma Reading").await?;
    let dup = app
        .gql_as(
            &w.alpha,
            &op(CREATE),
            json!({ "input": product_input("Gamma Reading") }),
        )
        .await?;
    assert_eq!(error_codes(&dup), ["CONFLICT"]);
    Ok(())
}

#[tokio::test]
async fn the_workflow_refuses_steps_out_of_order() -> Result<()> {
    let w = world().await?;
    let app = &w.app;
    let draft = create(app, &w.alpha, "Gamma Reading").await?;
    let (id, v) = id_version(&draft)?;
    let attempt = |token: &str, template: &str, extra: Value| {
        let mut vars = json!({ "id": id, "version": v });
        if let (Some(m), Some(e)) = (vars.as_object_mut(), extra.as_object()) {
            m.extend(e.clone());
        }
        let (token, q) = (token.to_owned(), op(template));
        async move { app.gql_as(&token, &q, vars).await }
    };
    // A draft cannot be reviewed or decided.
    let r = attempt(&w.admin, START_REVIEW, json!({})).await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);
    let r = attempt(
        &w.admin,
        DECIDE,
        json!({ "decision": "APPROVE", "checklist": checklist() }),
    )
    .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);

    let submitted = step(app, &w.alpha, SUBMIT, &draft, json!({})).await?;
    // Submitted twice, edited while submitted: refused.
    let r = app
        .gql_as(
            &w.alpha,
            &op(SUBMIT),
            json!({ "id": id, "version": submitted["version"] }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);
    let r = app
        .gql_as(
            &w.alpha,
            &op(UPDATE),
            json!({ "id": id, "version": submitted["version"], "patch": { "pricePence": 1 } }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);

    let in_review = step(app, &w.admin, START_REVIEW, &submitted, json!({})).await?;
    // Approval without safeguarding, a pass without its evidence, changes without notes.
    let mut no_safeguarding = checklist();
    no_safeguarding["safeguarding"]["outcome"] = json!("FAIL");
    let mut no_dpa = checklist();
    no_dpa["dataProtection"]["dataProcessingAgreement"] = json!(false);
    for (decision, list, notes, field) in [
        ("APPROVE", no_safeguarding, "", "checklist.safeguarding"),
        ("APPROVE", no_dpa, "", "checklist.dataProtection"),
        ("REQUEST_CHANGES", checklist(), "", "notes"),
    ] {
        let r = app
            .gql_as(
                &w.admin,
                &op(DECIDE),
                json!({ "id": id, "version": in_review["version"], "decision": decision, "checklist": list, "notes": notes }),
            )
            .await?;
        assert_eq!(error_codes(&r), ["BAD_USER_INPUT"], "{field}");
        assert_eq!(r["errors"][0]["extensions"]["field"], field);
    }
    // Changes requested: the supplier edits in place and submits again.
    let returned = step(
        app,
        &w.admin,
        DECIDE,
        &in_review,
        json!({ "decision": "REQUEST_CHANGES", "checklist": checklist(), "notes": "Add your DPIA" }),
    )
    .await?;
    assert_eq!(returned["status"], "CHANGES_REQUESTED");
    let edited = step(
        app,
        &w.alpha,
        UPDATE,
        &returned,
        json!({ "patch": { "pricePence": 200 } }),
    )
    .await?;
    assert_eq!(edited["product"]["pricePence"], 200);
    let again = step(app, &w.alpha, SUBMIT, &edited, json!({})).await?;
    assert_eq!(again["status"], "SUBMITTED");
    let in_review = step(app, &w.admin, START_REVIEW, &again, json!({})).await?;
    let rejected = step(
        app,
        &w.admin,
        DECIDE,
        &in_review,
        json!({ "decision": "REJECT", "checklist": checklist(), "notes": "Not an EdTech product" }),
    )
    .await?;
    assert_eq!(rejected["status"], "REJECTED");
    let r = app
        .gql_as(
            &w.alpha,
            &op(SUBMIT),
            json!({ "id": id, "version": rejected["version"] }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["CONFLICT"]);
    Ok(())
}

#[tokio::test]
async fn racing_edits_of_one_version_let_exactly_one_win() -> Result<()> {
    let w = world().await?;
    let app = &w.app;
    let draft = create(app, &w.alpha, "Gamma Reading").await?;
    let (id, v) = id_version(&draft)?;
    let q = op(UPDATE);
    let attempts = (0..8).map(|i| {
        let body = json!({ "query": q, "variables": { "id": id, "version": v, "patch": { "pricePence": 100 + i } } });
        let (client, url, token) = (app.client.clone(), format!("{}/graphql", app.url), w.alpha.clone());
        async move {
            let resp = client.post(url).bearer_auth(token).json(&body).send().await?;
            Ok(resp.json::<Value>().await?)
        }
    });
    let results = futures_join_all(attempts).await?;
    let wins = results.iter().filter(|r| r.get("errors").is_none()).count();
    let conflicts = results
        .iter()
        .filter(|r| error_codes(r) == ["CONFLICT"])
        .count();
    assert_eq!((wins, conflicts), (1, 7));
    let now = app
        .data_as(
            &w.alpha,
            "query($id: ID!) { listing(id: $id) { version } }",
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(now["listing"]["version"], v + 1);
    Ok(())
}

/// Runs the futures concurrently on this task and collects their results in order.
async fn futures_join_all<F, T>(futures: impl Iterator<Item = F>) -> Result<Vec<T>>
where
    F: std::future::Future<Output = Result<T>> + Send + 'static,
    T: Send + 'static,
{
    let handles: Vec<_> = futures.map(tokio::spawn).collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await??);
    }
    Ok(out)
}

#[tokio::test]
async fn hidden_listings_of_others_look_exactly_like_missing_ones() -> Result<()> {
    let w = world().await?;
    let app = &w.app;
    let draft = create(app, &w.alpha, "Gamma Reading").await?;
    let (id, v) = id_version(&draft)?;
    let missing = uuid::Uuid::new_v4().to_string();
    for target in [&id, &missing] {
        let r = app
            .gql_as(&w.beta, &op(SUBMIT), json!({ "id": target, "version": v }))
            .await?;
        assert_eq!(error_codes(&r), ["NOT_FOUND"]);
        assert_eq!(r["errors"][0]["message"], "product not found");
        let r = app
            .gql_as(
                &w.beta,
                "query($id: ID!) { listing(id: $id) { id } }",
                json!({ "id": target }),
            )
            .await?;
        assert_eq!(error_codes(&r), ["NOT_FOUND"]);
    }
    // The owner and admins see it.
    for token in [&w.alpha, &w.admin] {
        let r = app
            .data_as(
                token,
                "query($id: ID!) { listing(id: $id) { status } }",
                json!({ "id": id }),
            )
            .await?;
        assert_eq!(r["listing"]["status"], "DRAFT");
    }
    Ok(())
}

const DEAL_FIELDS: &str =
    "id title version status lots { number suppliers { name } } eligiblePhases";

fn deal_input(f: &fixture::Fixture, title: &str) -> Value {
    json!({
        "providerId": f.ccs.to_string(),
        "reference": "RM6999",
        "title": title,
        "summary": "Laptops and tablets for schools, with set-up and recycling.",
        "categories": ["devices"],
        "lots": [
            { "number": 1, "title": "Laptops", "supplierIds": [f.beta.to_string()] },
            { "number": 2, "title": "Tablets", "supplierIds": [f.alpha.to_string(), f.beta.to_string()] }
        ],
        "eligiblePhases": ["PRIMARY", "SECONDARY"],
        "startsOn": "2026-01-01",
        "endsOn": "2029-12-31",
        "routeToMarket": "DIRECT_AWARD_OR_FURTHER_COMPETITION",
        "typicalSavingsBps": 1200,
        "dfeEndorsed": true,
        "url": "https://ccs.example/rm6999",
    })
}

#[tokio::test]
async fn admins_create_update_and_expire_deals_and_search_follows() -> Result<()> {
    let w = world().await?;
    let app = &w.app;
    let create =
        format!("mutation($input: DealInput!) {{ createDeal(input: $input) {{ {DEAL_FIELDS} }} }}");
    let update = format!(
        "mutation($id: ID!, $version: Int!, $input: DealInput!) {{ updateDeal(id: $id, version: $version, input: $input) {{ {DEAL_FIELDS} }} }}"
    );
    let expire = format!(
        "mutation($id: ID!, $version: Int!) {{ expireDeal(id: $id, version: $version) {{ {DEAL_FIELDS} }} }}"
    );
    let search = "query($q: String!) { searchDeals(query: $q) { hits { deal { id title } } } }";

    let d = app
        .data_as(
            &w.admin,
            &create,
            json!({ "input": deal_input(&w.f, "Laptops for Learning") }),
        )
        .await?["createDeal"]
        .clone();
    let id = d["id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(d["status"], "PUBLISHED");
    // The same reference again: CONFLICT naming the field and the value.
    let again = app
        .gql_as(
            &w.admin,
            &create,
            json!({ "input": deal_input(&w.f, "Laptops for Learning, again") }),
        )
        .await?;
    assert_eq!(error_codes(&again), ["CONFLICT"]);
    let message = again["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("`reference`") && message.contains("RM6999"),
        "{message}"
    );
    assert_eq!(d["lots"][1]["suppliers"].as_array().map(Vec::len), Some(2));
    app.wait_for_search().await?;
    let hits = app.data(search, json!({ "q": "laptops learning" })).await?;
    assert_eq!(hits["searchDeals"]["hits"][0]["deal"]["id"], id);

    // Bad references are named; a supplier may not manage deals.
    let mut bad = deal_input(&w.f, "Bad Deal");
    bad["categories"] = json!(["assessment"]);
    let r = app
        .gql_as(&w.admin, &create, json!({ "input": bad }))
        .await?;
    assert_eq!(r["errors"][0]["extensions"]["field"], "categories");
    let mut bad = deal_input(&w.f, "Bad Deal");
    bad["lots"][0]["supplierIds"] = json!([w.f.school.to_string()]);
    let r = app
        .gql_as(&w.admin, &create, json!({ "input": bad }))
        .await?;
    assert_eq!(r["errors"][0]["extensions"]["field"], "lots.supplierIds");
    let r = app
        .gql_as(
            &w.alpha,
            &create,
            json!({ "input": deal_input(&w.f, "Mine") }),
        )
        .await?;
    assert_eq!(error_codes(&r), ["FORBIDDEN"]);

    let updated = app
        .data_as(
            &w.admin,
            &update,
            json!({ "id": id, "version": 1, "input": deal_input(&w.f, "Devices for Learning") }),
        )
        .await?["updateDeal"]
        .clone();
    assert_eq!(updated["version"], 2);
    let stale = app
        .gql_as(
            &w.admin,
            &update,
            json!({ "id": id, "version": 1, "input": deal_input(&w.f, "Stale") }),
        )
        .await?;
    assert_eq!(error_codes(&stale), ["CONFLICT"]);
    app.wait_for_search().await?;
    let hits = app
        .data(search, json!({ "q": "devices for learning" }))
        .await?;
    assert_eq!(
        hits["searchDeals"]["hits"][0]["deal"]["title"],
        "Devices for Learning"
    );

    let expired = app
        .data_as(&w.admin, &expire, json!({ "id": id, "version": 2 }))
        .await?["expireDeal"]
        .clone();
    assert_eq!(expired["status"], "ARCHIVED");
    // An expired deal reads as expired: not active, and ended today.
    let managed = app
        .data_as(
            &w.admin,
            "query($id: ID!) { managedDeal(id: $id) { isActive endsOn } }",
            json!({ "id": id }),
        )
        .await?["managedDeal"]
        .clone();
    assert_eq!(managed["isActive"], false);
    assert_eq!(
        managed["endsOn"],
        becta_domain::catalogue::deals::today().to_string()
    );
    let public = app
        .gql(
            "query($id: ID!) { deal(id: $id) { id } }",
            json!({ "id": id }),
        )
        .await?;
    assert_eq!(error_codes(&public), ["NOT_FOUND"]);
    app.wait_for_search().await?;
    let hits = app
        .data(search, json!({ "q": "devices for learning" }))
        .await?;
    let ids: Vec<&str> = hits["searchDeals"]["hits"]
        .as_array()
        .map(|h| h.iter().filter_map(|x| x["deal"]["id"].as_str()).collect())
        .unwrap_or_default();
    assert!(!ids.contains(&id.as_str()));

    let audit = app
        .data_as(
            &w.admin,
            "query($id: ID!) { auditEvents(filter: { entityId: $id }) { edges { node { action } } } }",
            json!({ "id": id }),
        )
        .await?;
    let actions: Vec<&str> = audit["auditEvents"]["edges"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|n| n["node"]["action"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(actions, ["deal.expire", "deal.update", "deal.create"]);
    Ok(())
}

#[tokio::test]
async fn the_audit_log_is_for_admins_and_carries_the_request_id() -> Result<()> {
    let w = world().await?;
    let app = &w.app;
    let resp = app
        .client
        .post(format!("{}/graphql", app.url))
        .bearer_auth(&w.alpha)
        .header("x-request-id", "req-audit-42")
        .json(&json!({ "query": op(CREATE), "variables": { "input": product_input("Gamma Reading") } }))
        .send()
        .await?;
    assert_eq!(resp.status(), 200);
    let by_request = app
        .data_as(
            &w.admin,
            "{ auditEvents(filter: { requestId: \"req-audit-42\" }) { edges { node { action actorId } } } }",
            json!({}),
        )
        .await?;
    let edges = by_request["auditEvents"]["edges"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(edges.len(), 1);
    assert_eq!(edges[0]["node"]["action"], "product.create");

    for token in [
        &w.alpha,
        &app.token(Role::Adviser, None),
        &app.token(Role::SchoolBuyer, Some(&fixture::SCHOOL_URN.to_string())),
    ] {
        let r = app
            .gql_as(
                token,
                "{ auditEvents { edges { node { id } } } }",
                json!({}),
            )
            .await?;
        assert_eq!(error_codes(&r), ["FORBIDDEN"]);
    }
    let r = app
        .gql("{ auditEvents { edges { node { id } } } }", json!({}))
        .await?;
    assert_eq!(error_codes(&r), ["UNAUTHENTICATED"]);
    Ok(())
}
