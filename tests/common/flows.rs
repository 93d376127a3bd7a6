//! Listing and vetting steps through the API, shared by the listing and role-matrix tests.

use anyhow::{Context, Result};
use serde_json::{Value, json};

use super::TestApp;

pub const LISTING_FIELDS: &str = "id status version \
    product { id name summary pricePence website badges supplier { name } } \
    pendingRevision { id baseVersion content { name pricePence } } \
    vettingHistory { step notes revisionId checklist { safeguarding { outcome } } }";

pub fn product_input(name: &str) -> Value {
    json!({
        "name": name,
        "summary": "Reading practice for primary pupils, at home and in class.",
        "description": "Daily reading practice with reports for teachers and leaders.",
        "categories": ["curriculum_content"],
        "subjects": ["English"],
        "keyStages": ["KS1", "KS2"],
        "platforms": ["WEB", "IOS"],
        "pricingModel": "PER_PUPIL_PER_YEAR",
        "pricePence": 250,
        "hostingLocation": "UK",
        "cyberEssentials": "CYBER_ESSENTIALS_PLUS",
        "accessibilityStatementUrl": "https://gamma.example/accessibility",
        "dpiaAvailable": true,
        "ssoMicrosoft": true,
        "ssoGoogle": false,
        "misIntegration": false,
        "website": "https://gamma.example",
    })
}

/// A checklist that approves with data protection, cyber security, safeguarding and evidence
/// of impact passing; accessibility fails and interoperability does not apply.
pub fn checklist() -> Value {
    json!({
        "dataProtection": {
            "outcome": "PASS", "dpiaAvailable": true, "dataProcessingAgreement": true,
            "hostingLocation": "UK", "note": "DPA signed"
        },
        "cyberSecurity": { "outcome": "PASS", "certification": "CYBER_ESSENTIALS_PLUS" },
        "accessibility": { "outcome": "FAIL", "note": "statement is out of date" },
        "safeguarding": { "outcome": "PASS" },
        "interoperability": { "outcome": "NOT_APPLICABLE" },
        "evidenceOfImpact": { "outcome": "PASS" },
    })
}

pub const CREATE: &str =
    "mutation($input: ProductInput!) { createProduct(input: $input) { LISTING } }";
pub const UPDATE: &str = "mutation($id: ID!, $version: Int!, $patch: ProductPatchInput!) { updateProduct(id: $id, version: $version, patch: $patch) { LISTING } }";
pub const SUBMIT: &str = "mutation($id: ID!, $version: Int!) { submitProductForVetting(id: $id, version: $version) { LISTING } }";
pub const WITHDRAW: &str = "mutation($id: ID!, $version: Int!) { withdrawProduct(id: $id, version: $version) { LISTING } }";
pub const START_REVIEW: &str = "mutation($id: ID!, $version: Int!) { startVettingReview(id: $id, version: $version) { LISTING } }";
pub const DECIDE: &str = "mutation($id: ID!, $version: Int!, $decision: VettingDecision!, $checklist: VettingChecklistInput!, $notes: String) { decideVetting(id: $id, version: $version, decision: $decision, checklist: $checklist, notes: $notes) { LISTING } }";

/// The operation with the listing selection filled in.
pub fn op(template: &str) -> String {
    template.replace("LISTING", LISTING_FIELDS)
}

/// The listing a mutation returned (its only root field).
pub fn listing(data: &Value) -> Result<Value> {
    data.as_object()
        .and_then(|o| o.values().next())
        .cloned()
        .context("no listing in the response")
}

pub fn id_version(listing: &Value) -> Result<(String, i64)> {
    Ok((
        listing["id"].as_str().context("listing id")?.to_owned(),
        listing["version"].as_i64().context("listing version")?,
    ))
}

/// A draft created by `supplier`.
pub async fn create(app: &TestApp, supplier: &str, name: &str) -> Result<Value> {
    listing(
        &app.data_as(
            supplier,
            &op(CREATE),
            json!({ "input": product_input(name) }),
        )
        .await?,
    )
}

/// Runs a listing step on `(id, version)` with extra variables.
pub async fn step(
    app: &TestApp,
    token: &str,
    template: &str,
    listing_now: &Value,
    extra: Value,
) -> Result<Value> {
    let (id, version) = id_version(listing_now)?;
    let mut vars = json!({ "id": id, "version": version });
    if let (Some(v), Some(e)) = (vars.as_object_mut(), extra.as_object()) {
        v.extend(e.clone());
    }
    listing(&app.data_as(token, &op(template), vars).await?)
}

/// A listing by `supplier`, taken through submission, review and approval by `admin`.
pub async fn approved(app: &TestApp, supplier: &str, admin: &str, name: &str) -> Result<Value> {
    approved_with(app, supplier, admin, product_input(name)).await
}

/// Like [`approved`], for a listing made of `input` (a `ProductInput`).
pub async fn approved_with(
    app: &TestApp,
    supplier: &str,
    admin: &str,
    input: Value,
) -> Result<Value> {
    let l = listing(
        &app.data_as(supplier, &op(CREATE), json!({ "input": input }))
            .await?,
    )?;
    let l = step(app, supplier, SUBMIT, &l, json!({})).await?;
    let l = step(app, admin, START_REVIEW, &l, json!({})).await?;
    step(
        app,
        admin,
        DECIDE,
        &l,
        json!({ "decision": "APPROVE", "checklist": checklist() }),
    )
    .await
}

/// The names of the supplier's own listings, in any status.
pub async fn my_listing_names(app: &TestApp, supplier: &str) -> Result<Vec<String>> {
    let mine = app
        .data_as(
            supplier,
            "{ myListings(first: 100) { edges { node { product { name } } } } }",
            json!({}),
        )
        .await?;
    Ok(mine["myListings"]["edges"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|n| n["node"]["product"]["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}
