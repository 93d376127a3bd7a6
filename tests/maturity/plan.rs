//! The technology plan: which deals, products and trials a recommendation lists, status
//! changes with history, and advice cases opened from a recommendation.

use anyhow::Result;
use becta_domain::catalogue::deals::{self, NewDeal};
use becta_domain::catalogue::products::{self, NewProduct, ProductContent};
use becta_domain::vocab::*;
use chrono::Duration;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::*;
use crate::common::spawn_app;

struct Catalogue {
    supplier: Uuid,
}

/// Deals of every kind a plan must tell apart, and products for the filtering standard.
async fn catalogue(app: &TestApp) -> Result<Catalogue> {
    let tx = db::begin_write(&app.db).await?;
    for (i, (slug, scope)) in [
        ("broadband_connectivity", "deal"),
        ("filtering_monitoring", "deal"),
        ("online_safety", "product"),
        ("safeguarding_behaviour", "product"),
        ("curriculum_content", "product"),
    ]
    .iter()
    .enumerate()
    {
        organisations::insert_category(&tx, slug, scope, &slug.replace('_', " "), i as i32).await?;
    }
    let provider = organisations::insert_provider(
        &tx,
        "CCS",
        "Crown Commercial Service",
        "https://ccs.example",
        false,
    )
    .await?;
    let supplier = organisations::insert_many(
        &tx,
        vec![NewOrganisation::new(
            OrgKind::Supplier,
            "Gamma Networks Ltd",
        )],
    )
    .await?[0];
    let today = deals::today();
    let deal = |title: &str, reference: &str| NewDeal {
        provider_id: provider,
        reference: reference.into(),
        title: title.into(),
        summary: format!("{title} summary for tests"),
        description: format!("{title} description"),
        how_to_buy: "Register, then call off by direct award.".into(),
        categories: vec!["broadband_connectivity".into()],
        lots: vec![],
        eligible_org_types: vec![
            EstablishmentType::AcademyConverter,
            EstablishmentType::Community,
        ],
        eligible_phases: vec![Phase::Primary, Phase::Secondary],
        starts_on: today - Duration::days(100),
        ends_on: today + Duration::days(300),
        route_to_market: RouteToMarket::DirectAward,
        typical_savings: "Typically 10% below list price".into(),
        typical_savings_bps: Some(1000),
        fees: "No fee to schools".into(),
        dfe_endorsed: true,
        url: "https://deals.example/x".into(),
        status: DealStatus::Published,
        is_sample: false,
    };
    deals::insert(&tx, deal("Named Network Deal", "RM6225")).await?;
    deals::insert(&tx, deal("Another Broadband Deal", "BB-2")).await?;
    let mut secondary = deal("Secondary Only Broadband", "BB-3");
    secondary.eligible_phases = vec![Phase::Secondary];
    deals::insert(&tx, secondary).await?;
    let mut independent = deal("Independent Only Broadband", "BB-4");
    independent.eligible_org_types = vec![EstablishmentType::Independent];
    deals::insert(&tx, independent).await?;
    let mut unendorsed = deal("Unendorsed Broadband", "BB-5");
    unendorsed.dfe_endorsed = false;
    deals::insert(&tx, unendorsed).await?;
    let mut ended = deal("Ended Broadband", "BB-6");
    ended.starts_on = today - Duration::days(400);
    ended.ends_on = today - Duration::days(1);
    deals::insert(&tx, ended).await?;
    let mut upcoming = deal("Upcoming Broadband", "BB-7");
    upcoming.starts_on = today + Duration::days(10);
    deals::insert(&tx, upcoming).await?;
    let mut draft = deal("Draft Broadband", "BB-8");
    draft.status = DealStatus::Draft;
    deals::insert(&tx, draft).await?;

    let product = |name: &str, category: &str, stages: Vec<KeyStage>, status| NewProduct {
        supplier_id: supplier,
        content: ProductContent {
            name: name.into(),
            summary: format!("{name} summary for tests"),
            description: format!("{name} description for tests"),
            categories: vec![category.into()],
            subjects: vec![],
            key_stages: stages,
            platforms: vec![Platform::Web],
            pricing_model: PricingModel::PerSchoolPerYear,
            price_pence: 50_000,
            hosting_location: HostingLocation::Uk,
            cyber_essentials: CyberEssentials::CyberEssentials,
            accessibility_statement_url: None,
            dpia_available: true,
            sso_microsoft: true,
            sso_google: false,
            mis_integration: false,
            website: None,
            device: None,
        },
        status,
        badges: vec![Badge::Safeguarding],
        is_sample: false,
    };
    products::insert_many(
        &tx,
        vec![
            product(
                "Primary Monitor",
                "online_safety",
                vec![KeyStage::Ks1, KeyStage::Ks2],
                ProductStatus::Approved,
            ),
            product(
                "Junior Filter",
                "safeguarding_behaviour",
                vec![KeyStage::Ks2],
                ProductStatus::Approved,
            ),
            product(
                "Sixth Form Monitor",
                "online_safety",
                vec![KeyStage::Ks5],
                ProductStatus::Approved,
            ),
            product(
                "Draft Monitor",
                "online_safety",
                vec![KeyStage::Ks2],
                ProductStatus::Draft,
            ),
            product(
                "Phonics Content",
                "curriculum_content",
                vec![KeyStage::Ks1],
                ProductStatus::Approved,
            ),
        ],
    )
    .await?;
    db::commit(tx).await?;
    Ok(Catalogue { supplier })
}

async fn offer(app: &TestApp, supplier: Uuid, product: &str, phases: &[&str]) -> Result<String> {
    let token = app.token(Role::Supplier, Some(&supplier.to_string()));
    let id = becta_domain::entity::product::Entity::find()
        .filter(becta_domain::entity::product::Column::Name.eq(product))
        .one(&app.db)
        .await?
        .map(|p| p.id.to_string())
        .unwrap_or_default();
    let v = app
        .data_as(
            &token,
            "mutation($p: ID!, $input: TrialOfferInput!) { createTrialOffer(productId: $p, input: $input) { id } }",
            json!({ "p": id, "input": {
                "seats": 5, "loanDays": 30, "eligiblePhases": phases,
                "terms": "Free for one term; no data kept after the trial." } }),
        )
        .await?;
    Ok(v["createTrialOffer"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned())
}

const PLAN: &str =
    "{ myTechnologyPlan { school { name } recommendations { slug title status maturity
    standard { slug } triggeredBy { question answer } dealCategories productCategories
    deals { title reference } products { name } trialOffers { id } } } }";

fn recommendation<'a>(plan: &'a Value, slug: &str) -> &'a Value {
    plan["myTechnologyPlan"]["recommendations"]
        .as_array()
        .and_then(|r| r.iter().find(|x| x["slug"] == slug))
        .unwrap_or(&Value::Null)
}

fn listed(v: &Value, key: &str, field: &str) -> Vec<String> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x[field].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn recommendations_list_only_deals_products_and_trials_the_school_may_use() -> Result<()> {
    let app = spawn_app().await?;
    let c = catalogue(&app).await?;
    schools(&app, &[School::primary(200_031, Region::London, 300)]).await?;
    let me = buyer(&app, 200_031);
    let open_offer = offer(&app, c.supplier, "Primary Monitor", &[]).await?;
    let _secondary_offer = offer(&app, c.supplier, "Junior Filter", &["SECONDARY"]).await?;
    let _sixth_form_offer = offer(&app, c.supplier, "Sixth Form Monitor", &[]).await?;

    complete_with(&app, &me, "broadband-internet", BROADBAND_NOT_MET).await?;
    complete_with(
        &app,
        &me,
        "filtering-monitoring",
        &[
            ("responsibility", "both"),
            ("review", "yes"),
            ("monitoring", "supervision"),
        ],
    )
    .await?;
    let plan = app.data_as(&me, PLAN, json!({})).await?;
    let slugs = listed(&plan["myTechnologyPlan"], "recommendations", "slug");
    assert_eq!(
        slugs,
        [
            "broadband-move-to-full-fibre",
            "broadband-add-backup",
            "filtering-add-monitoring"
        ],
        "only what the answers trigger, in standard order"
    );

    let fibre = recommendation(&plan, "broadband-move-to-full-fibre");
    assert_eq!(fibre["status"], "NOT_STARTED");
    assert_eq!(fibre["maturity"], "NOT_MET");
    assert_eq!(
        fibre["triggeredBy"][0]["answer"],
        "Fibre to the cabinet, then copper (FTTC) or a copper line"
    );
    // The named deal first, then the category's other current, endorsed deals the school
    // (a primary academy converter) may use; none of the others.
    assert_eq!(
        listed(fibre, "deals", "title"),
        ["Named Network Deal", "Another Broadband Deal"]
    );
    assert_eq!(fibre["products"], json!([]));

    let monitoring = recommendation(&plan, "filtering-add-monitoring");
    assert_eq!(
        monitoring["status"], "IN_PROGRESS",
        "a partly-met answer started it"
    );
    assert_eq!(
        listed(monitoring, "products", "name"),
        ["Junior Filter", "Primary Monitor"]
    );
    assert_eq!(listed(monitoring, "trialOffers", "id"), [open_offer]);
    assert_eq!(
        monitoring["deals"],
        json!([]),
        "no current endorsed filtering deal exists"
    );
    Ok(())
}

#[tokio::test]
async fn status_changes_keep_their_history_and_advice_carries_the_answers() -> Result<()> {
    let app = spawn_app().await?;
    catalogue(&app).await?;
    schools(&app, &[School::primary(200_041, Region::London, 300)]).await?;
    let me = buyer(&app, 200_041);
    complete_with(&app, &me, "broadband-internet", BROADBAND_NOT_MET).await?;

    let set = "mutation($r: String!, $s: RecommendationStatus!, $n: String) {
        setRecommendationStatus(recommendation: $r, status: $s, note: $n) {
          slug status note history { fromStatus toStatus note by byUserId at } } }";
    let v = app
        .data_as(
            &me,
            set,
            json!({ "r": "broadband-add-backup", "s": "IN_PROGRESS", "n": "4G failover quoted" }),
        )
        .await?;
    assert_eq!(v["setRecommendationStatus"]["status"], "IN_PROGRESS");
    let v = app
        .data_as(
            &me,
            set,
            json!({ "r": "broadband-add-backup", "s": "DONE", "n": "Installed and tested" }),
        )
        .await?;
    let r = &v["setRecommendationStatus"];
    assert_eq!(r["status"], "DONE");
    assert_eq!(r["note"], "Installed and tested");
    let history = r["history"].as_array().cloned().unwrap_or_default();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["fromStatus"], "NOT_STARTED");
    assert_eq!(history[0]["toStatus"], "IN_PROGRESS");
    assert_eq!(history[0]["note"], "4G failover quoted");
    assert_eq!(history[1]["fromStatus"], "IN_PROGRESS");
    assert_eq!(history[1]["by"], "Test User");
    assert!(history[1]["byUserId"].is_string());

    let v = app
        .gql_as(&me, set, json!({ "r": "cyber-train-staff", "s": "DONE" }))
        .await?;
    assert_eq!(
        v["errors"][0]["extensions"]["field"], "recommendation",
        "not in the plan: {v}"
    );
    let v = app
        .gql_as(
            &me,
            set,
            json!({ "r": "broadband-add-backup", "s": "DONE", "n": "x".repeat(2001) }),
        )
        .await?;
    assert_eq!(v["errors"][0]["extensions"]["field"], "note", "{v}");

    // Asking for advice from the recommendation carries the standard and the answers.
    let open = "mutation($input: AdviceRequestInput!, $r: String) {
        openAdviceRequest(input: $input, fromRecommendation: $r) { id reference assessmentContext } }";
    let input = json!({
        "category": "broadband_connectivity",
        "need": "We need a full-fibre line and a backup connection before our contract ends.",
        "preferredContact": "EMAIL",
    });
    let v = app
        .data_as(
            &me,
            open,
            json!({ "input": input, "r": "broadband-move-to-full-fibre" }),
        )
        .await?;
    let ctx = &v["openAdviceRequest"]["assessmentContext"];
    assert_eq!(ctx["standard"]["slug"], "broadband-internet");
    assert_eq!(
        ctx["recommendation"]["slug"],
        "broadband-move-to-full-fibre"
    );
    assert_eq!(ctx["maturity"], "NOT_MET");
    assert_eq!(ctx["contentVersion"], 1);
    assert_eq!(ctx["answers"][0]["answerSlug"], "part-copper");
    assert_eq!(
        ctx["answers"][1]["question"],
        "Do you have a backup connection that takes over if the main one fails?"
    );
    // An adviser sees it on the case.
    let adviser = app.token(Role::Adviser, None);
    let seen = app
        .data_as(
            &adviser,
            "query($id: ID!) { adviceRequest(id: $id) { assessmentContext } }",
            json!({ "id": v["openAdviceRequest"]["id"] }),
        )
        .await?;
    assert_eq!(
        seen["adviceRequest"]["assessmentContext"]["standard"]["slug"],
        "broadband-internet"
    );

    let before = becta_domain::entity::advice_request::Entity::find()
        .all(&app.db)
        .await?
        .len();
    let v = app
        .gql_as(
            &me,
            open,
            json!({ "input": input, "r": "cyber-train-staff" }),
        )
        .await?;
    assert_eq!(
        v["errors"][0]["extensions"]["field"], "fromRecommendation",
        "{v}"
    );
    let after = becta_domain::entity::advice_request::Entity::find()
        .all(&app.db)
        .await?
        .len();
    assert_eq!(before, after, "nothing half-written");
    let plain = app.data_as(&me, open, json!({ "input": input })).await?;
    assert_eq!(plain["openAdviceRequest"]["assessmentContext"], Value::Null);
    Ok(())
}
