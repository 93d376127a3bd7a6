//! The public catalogue as a buyer sees it: filters, visibility, pagination, nested fields.

use std::collections::HashSet;

use anyhow::Result;
use becta_domain::catalogue::products::{self, NewProduct, ProductContent};
use becta_domain::db;
use becta_domain::entity::product;
use becta_domain::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use becta_domain::vocab::*;
use serde_json::{Value, json};

use crate::common::fixture::{self, PUBLIC_DEALS, PUBLIC_PRODUCTS};
use crate::common::{error_codes, names, spawn_app, spawn_app_with, spawn_seeded_app};

const PRODUCTS: &str = "query($filter: ProductFilterInput, $first: Int, $after: String) {
  products(filter: $filter, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id name pricePence supplier { name } keyStages platforms badges } }
  }
}";

const DEALS: &str = "query($filter: DealFilterInput) {
  deals(filter: $filter, first: 100) { totalCount edges { node { title } } }
}";

async fn product_names(app: &crate::common::TestApp, filter: Value) -> Result<Vec<String>> {
    let data = app
        .data(PRODUCTS, json!({ "filter": filter, "first": 100 }))
        .await?;
    Ok(names(&data["products"]))
}

async fn deal_titles(app: &crate::common::TestApp, filter: Value) -> Result<Vec<String>> {
    let data = app.data(DEALS, json!({ "filter": filter })).await?;
    Ok(names(&data["deals"]))
}

#[tokio::test]
async fn only_approved_products_are_listed_in_name_order() -> Result<()> {
    let app = spawn_app().await?;
    fixture::load(&app.db).await?;
    let data = app.data(PRODUCTS, json!({})).await?;
    assert_eq!(names(&data["products"]), PUBLIC_PRODUCTS);
    assert_eq!(data["products"]["totalCount"], 4);
    assert_eq!(data["products"]["pageInfo"]["hasNextPage"], false);
    Ok(())
}

#[tokio::test]
async fn product_filters_narrow_the_list_and_combine() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            json!({ "keyStage": "KS2" }),
            vec!["Alpha Times Tables", "Beta Safeguard"],
        ),
        (
            json!({ "phase": "PRIMARY" }),
            vec!["Alpha Phonics", "Alpha Times Tables", "Beta Safeguard"],
        ),
        (
            json!({ "phase": "SIXTEEN_PLUS" }),
            vec!["Alpha Sixth Form Tracker"],
        ),
        (
            json!({ "platform": "CHROMEOS" }),
            vec!["Alpha Times Tables"],
        ),
        (json!({ "maxPricePence": 200 }), vec!["Alpha Times Tables"]),
        (
            json!({ "maxPricePence": 90000 }),
            vec!["Alpha Phonics", "Alpha Times Tables", "Beta Safeguard"],
        ),
        (
            json!({ "category": "safeguarding_behaviour" }),
            vec!["Beta Safeguard"],
        ),
        (json!({ "category": "no_such_category" }), vec![]),
        (json!({ "subject": "maths" }), vec!["Alpha Times Tables"]),
        (
            json!({ "pricingModel": "PER_SCHOOL_PER_YEAR" }),
            vec!["Alpha Sixth Form Tracker", "Beta Safeguard"],
        ),
        (
            json!({ "badges": ["DATA_PROTECTION", "SAFEGUARDING"] }),
            vec!["Alpha Phonics", "Beta Safeguard"],
        ),
        (
            json!({ "keyStage": "KS1", "platform": "IOS" }),
            vec!["Alpha Phonics"],
        ),
        (
            json!({ "supplierId": f.beta.to_string() }),
            vec!["Beta Safeguard"],
        ),
        (
            json!({ "phase": "PRIMARY", "maxPricePence": 1000, "badges": ["DATA_PROTECTION"] }),
            vec!["Alpha Phonics", "Alpha Times Tables"],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            product_names(&app, filter.clone()).await?,
            expected,
            "filter {filter}"
        );
        let count =
            app.data(PRODUCTS, json!({ "filter": filter })).await?["products"]["totalCount"]
                .clone();
        assert_eq!(count, expected.len(), "totalCount for {filter}");
    }
    Ok(())
}

#[tokio::test]
async fn deals_are_current_ones_only_and_filters_combine() -> Result<()> {
    let app = spawn_app().await?;
    fixture::load(&app.db).await?;
    let today = becta_domain::catalogue::deals::today().to_string();
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), PUBLIC_DEALS.to_vec()),
        (
            json!({ "activeOn": today }),
            vec!["Current Devices Deal", "Current Licences Deal"],
        ),
        (
            json!({ "provider": "CCS" }),
            vec!["Current Devices Deal", "Upcoming Devices Deal"],
        ),
        (
            json!({ "category": "software_licences" }),
            vec!["Current Licences Deal"],
        ),
        (
            json!({ "phase": "PRIMARY" }),
            vec!["Current Devices Deal", "Upcoming Devices Deal"],
        ),
        (
            json!({ "organisationType": "COMMUNITY" }),
            vec!["Current Devices Deal"],
        ),
        (
            json!({ "dfeEndorsed": false }),
            vec!["Current Licences Deal"],
        ),
        (
            json!({ "provider": "CCS", "activeOn": today, "category": "devices" }),
            vec!["Current Devices Deal"],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            deal_titles(&app, filter.clone()).await?,
            expected,
            "filter {filter}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_deal_shows_its_provider_lots_suppliers_and_eligibility() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let q = "query($id: ID!) { deal(id: $id) { title reference isActive dfeEndorsed routeToMarket typicalSavingsPercent
        provider { shortName } categories { slug } eligiblePhases eligibleOrganisationTypes
        lots { number title suppliers { name } } } }";
    let data = app
        .data(
            q,
            json!({ "id": f.deals["Current Devices Deal"].to_string() }),
        )
        .await?;
    let deal = &data["deal"];
    assert_eq!(deal["provider"]["shortName"], "CCS");
    assert_eq!(deal["isActive"], true);
    assert_eq!(deal["routeToMarket"], "DIRECT_AWARD");
    assert_eq!(deal["typicalSavingsPercent"], 10.0);
    assert_eq!(deal["categories"], json!([{ "slug": "devices" }]));
    assert_eq!(deal["eligiblePhases"], json!(["PRIMARY", "SECONDARY"]));
    assert_eq!(
        deal["eligibleOrganisationTypes"],
        json!(["COMMUNITY", "ACADEMY_CONVERTER"])
    );
    assert_eq!(
        deal["lots"],
        json!([
            { "number": 1, "title": "Laptops", "suppliers": [{ "name": "Beta Devices Ltd" }] },
            { "number": 2, "title": "Tablets", "suppliers": [{ "name": "Alpha Learning Ltd" }, { "name": "Beta Devices Ltd" }] }
        ])
    );
    Ok(())
}

#[tokio::test]
async fn hidden_products_and_ended_or_draft_deals_are_not_found() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    for name in ["Beta Draft Thing", "Beta Rejected Thing"] {
        let v = app
            .gql(
                "query($id: ID!) { product(id: $id) { name } }",
                json!({ "id": f.products[name].to_string() }),
            )
            .await?;
        assert_eq!(error_codes(&v), ["NOT_FOUND"], "{name}: {v}");
        assert!(v["data"].is_null());
    }
    for title in ["Ended Deal", "Draft Deal"] {
        let v = app
            .gql(
                "query($id: ID!) { deal(id: $id) { title } }",
                json!({ "id": f.deals[title].to_string() }),
            )
            .await?;
        assert_eq!(error_codes(&v), ["NOT_FOUND"], "{title}: {v}");
    }
    let v = app
        .gql(
            "query($id: ID!) { product(id: $id) { name } }",
            json!({ "id": uuid::Uuid::now_v7().to_string() }),
        )
        .await?;
    assert_eq!(error_codes(&v), ["NOT_FOUND"]);
    Ok(())
}

#[tokio::test]
async fn a_supplier_lists_only_its_public_products_and_deals() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let q = "query($id: ID!) { supplier(id: $id) { name companiesHouseNumber website
        products { totalCount edges { node { name } } } deals { edges { node { title } } } } }";
    let data = app.data(q, json!({ "id": f.beta.to_string() })).await?;
    assert_eq!(data["supplier"]["name"], "Beta Devices Ltd");
    assert_eq!(names(&data["supplier"]["products"]), ["Beta Safeguard"]);
    assert_eq!(data["supplier"]["products"]["totalCount"], 1);
    assert_eq!(names(&data["supplier"]["deals"]), ["Current Devices Deal"]);
    let data = app.data(q, json!({ "id": f.alpha.to_string() })).await?;
    assert_eq!(data["supplier"]["companiesHouseNumber"], "01234567");
    assert_eq!(
        names(&data["supplier"]["deals"]),
        ["Current Devices Deal", "Current Licences Deal"]
    );
    Ok(())
}

#[tokio::test]
async fn each_supplier_on_a_page_shows_the_products_and_deals_its_own_filter_finds() -> Result<()> {
    let app = spawn_seeded_app().await?;
    const PAGE: &str = "totalCount pageInfo { hasNextPage hasPreviousPage endCursor }";
    let nested = format!(
        "query($productsAfter: String, $dealsAfter: String) {{ deals(first: 100) {{ edges {{ node {{
            lots {{ suppliers {{ id
                products(first: 2, after: $productsAfter) {{ {PAGE} edges {{ cursor node {{ name }} }} }}
                deals(first: 2, after: $dealsAfter) {{ {PAGE} edges {{ cursor node {{ title }} }} }}
        }} }} }} }} }} }}"
    );
    let own_products = format!(
        "query($id: ID!, $after: String) {{ products(filter: {{ supplierId: $id }}, first: 2,
            after: $after) {{ {PAGE} edges {{ cursor node {{ name }} }} }} }}"
    );
    let own_deals = format!(
        "query($id: ID!, $after: String) {{ deals(filter: {{ supplierId: $id }}, first: 2,
            after: $after) {{ {PAGE} edges {{ cursor node {{ title }} }} }} }}"
    );
    // Each supplier once, with its products and deals as the nested page shows them.
    let suppliers_of = |data: &Value| -> Vec<Value> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for deal in data["deals"]["edges"].as_array().into_iter().flatten() {
            for lot in deal["node"]["lots"].as_array().into_iter().flatten() {
                for s in lot["suppliers"].as_array().into_iter().flatten() {
                    if seen.insert(s["id"].to_string()) {
                        out.push(s.clone());
                    }
                }
            }
        }
        out
    };
    let first_pages = suppliers_of(&app.data(&nested, json!({})).await?);
    let cursor_of = |field: &str| {
        first_pages
            .iter()
            .find(|s| s[field]["pageInfo"]["hasNextPage"] == true)
            .map(|s| s[field]["pageInfo"]["endCursor"].clone())
    };
    let (products_after, deals_after) = (cursor_of("products"), cursor_of("deals"));
    assert!(
        products_after.is_some() && deals_after.is_some(),
        "the seed has a supplier with more than two products and one with more than two deals"
    );
    let next_pages = app
        .data(
            &nested,
            json!({ "productsAfter": products_after, "dealsAfter": deals_after }),
        )
        .await?;
    for (suppliers, products_after, deals_after) in [
        (first_pages.clone(), Value::Null, Value::Null),
        (
            suppliers_of(&next_pages),
            products_after.unwrap_or_default(),
            deals_after.unwrap_or_default(),
        ),
    ] {
        assert!(suppliers.len() > 5, "{} suppliers", suppliers.len());
        for s in suppliers {
            let id = &s["id"];
            let own = app
                .data(&own_products, json!({ "id": id, "after": products_after }))
                .await?;
            assert_eq!(s["products"], own["products"], "products of supplier {id}");
            let own = app
                .data(&own_deals, json!({ "id": id, "after": deals_after }))
                .await?;
            assert_eq!(s["deals"], own["deals"], "deals of supplier {id}");
        }
    }
    Ok(())
}

#[tokio::test]
async fn paging_through_every_product_has_no_gaps_or_repeats_even_while_products_are_added()
-> Result<()> {
    let app = spawn_seeded_app().await?;
    let supplier = product::Entity::find()
        .one(&app.db)
        .await?
        .map(|p| p.supplier_id);
    let expected: HashSet<String> = product::Entity::find()
        .filter(product::Column::Status.eq("approved"))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|p| p.id.to_string())
        .collect();
    assert!(expected.len() >= 300);

    let mut seen: Vec<String> = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let data = app
            .data(PRODUCTS, json!({ "first": 37, "after": after }))
            .await?;
        let conn = &data["products"];
        for e in conn["edges"].as_array().into_iter().flatten() {
            seen.push(e["node"]["id"].as_str().unwrap_or_default().to_owned());
        }
        assert_eq!(conn["pageInfo"]["hasPreviousPage"], pages > 0);
        pages += 1;
        if pages == 2 {
            // New listings on both sides of the cursor while a buyer pages through.
            let tx = db::begin_write(&app.db).await?;
            let new = |name: &str| NewProduct {
                supplier_id: supplier.unwrap_or_default(),
                content: ProductContent {
                    name: name.into(),
                    summary: "Added while paging".into(),
                    description: "Added while a buyer was paging".into(),
                    categories: vec!["assessment".into()],
                    subjects: vec![],
                    key_stages: vec![KeyStage::Ks3],
                    platforms: vec![Platform::Web],
                    pricing_model: PricingModel::Free,
                    price_pence: 0,
                    hosting_location: HostingLocation::Uk,
                    cyber_essentials: CyberEssentials::None,
                    accessibility_statement_url: None,
                    dpia_available: false,
                    sso_microsoft: false,
                    sso_google: false,
                    mis_integration: false,
                    website: None,
                    device: None,
                },
                status: ProductStatus::Approved,
                badges: vec![],
                is_sample: false,
            };
            products::insert_many(&tx, vec![new("AAA Early Arrival"), new("zzz Late Arrival")])
                .await?;
            db::commit(tx).await?;
        }
        if conn["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = conn["pageInfo"]["endCursor"].as_str().map(str::to_owned);
        assert!(pages < 100, "paging does not end");
    }
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "a product was listed twice");
    assert!(expected.is_subset(&unique), "a product was skipped");
    // The late arrival sorts after every cursor, so it shows; the early one sorts before.
    assert_eq!(unique.len(), expected.len() + 1);
    Ok(())
}

/// Every list and object field of a product that reads the database, as the catalogue and
/// search pages select them (a review's `history` is asked for by an admin below). The
/// supplier's products ask for a page of reviews the product does not, so the rows they share
/// with the page still cost their one batched query.
const PRODUCT_FIELDS: &str = "name categories { slug name }
    supplier { name website
        products(first: 3) { totalCount edges { node { name reviews(first: 1) { totalCount } } } }
        deals(first: 2) { totalCount edges { node { title } } } }
    keyStages platforms subjects badges
    rating { average count distribution { stars count } easeOfUse }
    trialOffers { id seatsFree loanDays stats { seatsInUse } }
    reviews(first: 3, sort: MOST_HELPFUL) { totalCount items { title rating verifiedUse } }";
/// Every list and object field of a deal that reads the database.
const DEAL_FIELDS: &str = "title provider { shortName name } categories { slug name }
    eligiblePhases eligibleOrganisationTypes lots { number title suppliers { name website
        products(first: 3) { totalCount edges { node { name categories { slug } } } }
        deals(first: 2) { totalCount edges { node { title } } } } }";

#[tokio::test]
async fn nested_fields_cost_the_same_number_of_queries_for_10_or_100_rows() -> Result<()> {
    // No sweeper, and the search worker idle once the seed is indexed (its polls of the
    // outbox are not counted): only the requests' own queries are counted.
    let app = spawn_app_with(
        true,
        &[
            ("BECTA_SWEEPER", "false"),
            ("BECTA_MAX_COMPLEXITY", "100000"),
        ],
    )
    .await?;
    app.wait_for_search().await?;
    let products = format!(
        "query($first: Int) {{ products(first: $first) {{ edges {{ node {{ {PRODUCT_FIELDS} }} }} }} }}"
    );
    let deals = format!(
        "query($first: Int) {{ deals(first: $first) {{ edges {{ node {{ {DEAL_FIELDS} }} }} }} }}"
    );
    let search_products = format!(
        "query($first: Int) {{ searchProducts(query: \"\", first: $first) {{ totalHits
            hits {{ score highlights {{ field snippet }} product {{ {PRODUCT_FIELDS} }} }}
            facets {{ field values {{ value count }} }} }} }}"
    );
    let search_deals = format!(
        "query($first: Int) {{ searchDeals(query: \"\", first: $first) {{ totalHits
            hits {{ score highlights {{ field snippet }} deal {{ {DEAL_FIELDS} }} }}
            facets {{ field values {{ value count }} }} }} }}"
    );
    let search = format!(
        "query($first: Int) {{ search(query: \"school\", first: $first) {{
            products {{ hits {{ product {{ {PRODUCT_FIELDS} }} }} }}
            deals {{ hits {{ deal {{ {DEAL_FIELDS} }} }} }} }} }}"
    );
    let rows_of = |name: &str, data: &Value| -> usize {
        let root = &data[name];
        let list = |v: &Value| v.as_array().map(Vec::len).unwrap_or(0);
        match name {
            "products" | "deals" => list(&root["edges"]),
            "search" => list(&root["products"]["hits"]) + list(&root["deals"]["hits"]),
            _ => list(&root["hits"]),
        }
    };
    let histories = "query($first: Int) { products(first: $first) { edges { node { name
        reviews(first: 5) { totalCount items { title history { version editedAt } } } } } } }";
    let admin = app.token(Role::Admin, None);
    let mut counts = Vec::new();
    for first in [10, 100] {
        let before = app.query_count();
        let answer = app
            .gql_as(&admin, histories, json!({ "first": first }))
            .await?;
        assert!(answer.get("errors").is_none(), "{answer}");
        counts.push(app.query_count() - before);
    }
    assert_eq!(counts[0], counts[1], "reviews' histories: {counts:?}");
    for (name, q, most) in [
        ("products", products.as_str(), 15),
        ("deals", deals.as_str(), 13),
        ("searchProducts", search_products.as_str(), 12),
        ("searchDeals", search_deals.as_str(), 7),
        ("search", search.as_str(), 19),
    ] {
        let mut counts = Vec::new();
        let mut sizes = Vec::new();
        for first in [10, 100] {
            let before = app.query_count();
            let data = app.data(q, json!({ "first": first })).await?;
            let rows = rows_of(name, &data);
            assert!(rows >= 10.min(first), "{name}: only {rows} rows: {data}");
            sizes.push(rows);
            counts.push(app.query_count() - before);
        }
        assert!(sizes[1] > sizes[0], "{name}: {sizes:?} rows");
        assert_eq!(
            counts[0], counts[1],
            "{name}: queries for {} rows vs {} rows: {counts:?}",
            sizes[0], sizes[1]
        );
        // products: page + supplier, categories, facets, ratings, offers, reviews (2), the
        // suppliers' products (2) with their reviews (2), and deals (3); deals: page +
        // provider, categories, eligibility, lots, lot suppliers (2), their products (2) with
        // categories, and deals (3); search: visibility, then what the stored records do not
        // hold.
        assert!(
            counts[0] <= most,
            "{name}: {} queries for one page",
            counts[0]
        );
    }
    Ok(())
}
