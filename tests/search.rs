//! Search as a buyer uses it, and the outbox that keeps it in step with the database.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use anyhow::Result;
use becta_domain::catalogue::products;
use becta_domain::db;
use becta_domain::entity::{product, product_category, product_facet, search_outbox};
use becta_domain::outbox;
use becta_domain::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use becta_domain::vocab::ProductStatus;
use becta_indexer::worker::Worker;
use becta_indexer::{Kind, SearchQuery};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::fixture::{self, PUBLIC_PRODUCTS};
use crate::common::outage::Switch;
use crate::common::{
    error_codes, spawn_app, spawn_app_with, spawn_app_with_engine, spawn_seeded_app,
};

const SEARCH: &str = "query($q: String, $filter: ProductSearchFilter, $sort: ProductSort, $first: Int, $offset: Int) {
  searchProducts(query: $q, filter: $filter, sort: $sort, first: $first, offset: $offset) {
    totalHits processingTimeMs
    hits { score highlights { field snippet } product { id name pricePence } }
    facets { field values { value count } }
  }
}";

fn hit_names(v: &Value) -> Vec<String> {
    v["hits"]
        .as_array()
        .map(|hits| {
            hits.iter()
                .filter_map(|h| {
                    h["product"]["name"]
                        .as_str()
                        .or_else(|| h["deal"]["title"].as_str())
                        .map(str::to_owned)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn facet(v: &Value, field: &str) -> BTreeMap<String, u64> {
    v["facets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["field"] == field)
        .flat_map(|f| f["values"].as_array().cloned().unwrap_or_default())
        .filter_map(|x| Some((x["value"].as_str()?.to_owned(), x["count"].as_u64()?)))
        .collect()
}

#[tokio::test]
async fn misspelt_searches_still_find_the_right_records() -> Result<()> {
    let app = spawn_seeded_app().await?;
    app.wait_for_search().await?;
    let q = "query($q: String) { searchProducts(query: $q, first: 20) { totalHits
        hits { highlights { snippet } product { name summary description supplier { name } } }
        facets { field values { value count } } } }";
    let data = app.data(q, json!({ "q": "chromebok" })).await?;
    let r = &data["searchProducts"];
    let names = hit_names(r);
    // Name matches rank first; every hit mentions Chromebooks somewhere.
    assert!(
        names.len() >= 5 && names[..5].iter().all(|n| n.contains("Chromebook")),
        "{names:?}"
    );
    for h in r["hits"].as_array().into_iter().flatten() {
        assert!(
            h["product"]
                .to_string()
                .to_lowercase()
                .contains("chromebook"),
            "{h}"
        );
    }
    assert!(
        r["hits"][0]["highlights"]
            .to_string()
            .contains("<em>Chromebook"),
        "{}",
        r["hits"][0]
    );
    assert!(
        facet(r, "platforms").contains_key("CHROMEOS"),
        "facets come with the hits"
    );

    let data = app.data(q, json!({ "q": "safegarding" })).await?;
    let names = hit_names(&data["searchProducts"]);
    assert!(
        names.first().is_some_and(|n| n.contains("Safeguarding")),
        "{names:?}"
    );
    for h in data["searchProducts"]["hits"]
        .as_array()
        .into_iter()
        .flatten()
    {
        assert!(
            h["product"]
                .to_string()
                .to_lowercase()
                .contains("safeguard"),
            "{h}"
        );
    }

    let deals = app
        .data("{ searchDeals(query: \"interactve panel\", first: 3) { totalHits hits { deal { title summary } } } }", json!({}))
        .await?;
    let first = &deals["searchDeals"]["hits"][0]["deal"];
    assert!(
        first.to_string().to_lowercase().contains("interactive"),
        "{deals}"
    );

    // Synonyms: "MIS" finds "management information system", and the other way round.
    let mis = app
        .data(
            "{ searchDeals(query: \"MIS\") { hits { deal { title } } } }",
            json!({}),
        )
        .await?;
    assert!(
        hit_names(&mis["searchDeals"])
            .iter()
            .any(|t| t.contains("Management Information")),
        "{mis}"
    );
    Ok(())
}

#[tokio::test]
async fn facet_counts_equal_the_database_counts() -> Result<()> {
    let app = spawn_seeded_app().await?;
    app.wait_for_search().await?;
    let approved: HashSet<_> = product::Entity::find()
        .filter(product::Column::Status.eq("approved"))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let mut key_stages: BTreeMap<String, u64> = BTreeMap::new();
    let mut badges: BTreeMap<String, u64> = BTreeMap::new();
    for f in product_facet::Entity::find().all(&app.db).await? {
        if !approved.contains(&f.product_id) {
            continue;
        }
        match f.facet.as_str() {
            "key_stage" => *key_stages.entry(f.value.to_uppercase()).or_default() += 1,
            "badge" => *badges.entry(f.value.to_uppercase()).or_default() += 1,
            _ => {}
        }
    }
    let mut categories: BTreeMap<String, u64> = BTreeMap::new();
    for c in product_category::Entity::find().all(&app.db).await? {
        if approved.contains(&c.product_id) {
            *categories.entry(c.category_slug).or_default() += 1;
        }
    }
    let data = app.data(SEARCH, json!({ "first": 1 })).await?;
    let r = &data["searchProducts"];
    assert_eq!(r["totalHits"].as_u64(), Some(approved.len() as u64));
    assert_eq!(facet(r, "keyStages"), key_stages);
    assert_eq!(facet(r, "badges"), badges);
    assert_eq!(facet(r, "categories"), categories);
    Ok(())
}

#[tokio::test]
async fn search_filters_combine_and_hidden_products_never_show() -> Result<()> {
    let app = spawn_app().await?;
    fixture::load(&app.db).await?;
    app.wait_for_search().await?;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({}), PUBLIC_PRODUCTS.to_vec()),
        (
            json!({ "keyStages": ["KS2"] }),
            vec!["Alpha Times Tables", "Beta Safeguard"],
        ),
        (
            json!({ "phase": "PRIMARY" }),
            vec!["Alpha Phonics", "Alpha Times Tables", "Beta Safeguard"],
        ),
        (
            json!({ "keyStages": ["KS1", "KS5"] }),
            vec![
                "Alpha Phonics",
                "Alpha Sixth Form Tracker",
                "Beta Safeguard",
            ],
        ),
        (
            json!({ "platforms": ["CHROMEOS"] }),
            vec!["Alpha Times Tables"],
        ),
        (
            json!({ "maxPricePence": 300 }),
            vec!["Alpha Phonics", "Alpha Times Tables"],
        ),
        (
            json!({ "badges": ["DATA_PROTECTION", "SAFEGUARDING"] }),
            vec!["Alpha Phonics", "Beta Safeguard"],
        ),
        (
            json!({ "keyStages": ["KS1", "KS2"], "categories": ["curriculum_content"], "maxPricePence": 200, "badges": ["DATA_PROTECTION"] }),
            vec!["Alpha Times Tables"],
        ),
        (
            json!({ "categories": ["assessment"] }),
            vec!["Alpha Sixth Form Tracker"],
        ),
    ];
    for (filter, expected) in cases {
        let data = app
            .data(
                SEARCH,
                json!({ "filter": filter, "sort": "PRICE_LOW_TO_HIGH", "first": 50 }),
            )
            .await?;
        let mut names = hit_names(&data["searchProducts"]);
        names.sort();
        assert_eq!(names, expected, "filter {filter}");
        assert_eq!(
            data["searchProducts"]["totalHits"],
            expected.len(),
            "filter {filter}"
        );
    }
    let data = app.data(SEARCH, json!({ "q": "Beta" })).await?;
    assert_eq!(
        hit_names(&data["searchProducts"]),
        ["Beta Safeguard"],
        "drafts and rejected listings stay hidden"
    );

    let sorted = app
        .data(SEARCH, json!({ "sort": "PRICE_HIGH_TO_LOW" }))
        .await?;
    let prices: Vec<i64> = sorted["searchProducts"]["hits"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h["product"]["pricePence"].as_i64())
        .collect();
    assert_eq!(prices, [250_000, 90_000, 300, 150]);
    Ok(())
}

#[tokio::test]
async fn paging_with_offset_lists_every_match_once() -> Result<()> {
    let app = spawn_seeded_app().await?;
    app.wait_for_search().await?;
    let mut seen = Vec::new();
    let mut total = 0;
    for page in 0..20 {
        let data = app
            .data(
                SEARCH,
                json!({ "first": 50, "offset": page * 50, "sort": "NEWEST" }),
            )
            .await?;
        let r = &data["searchProducts"];
        total = r["totalHits"].as_u64().unwrap_or_default();
        let ids: Vec<String> = r["hits"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h["product"]["id"].as_str().map(str::to_owned))
            .collect();
        if ids.is_empty() {
            break;
        }
        seen.extend(ids);
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a product was listed twice");
    assert_eq!(seen.len() as u64, total);
    assert!(total >= 300);
    Ok(())
}

#[tokio::test]
async fn unpublishing_a_product_removes_it_from_search() -> Result<()> {
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    app.wait_for_search().await?;
    let found = app.data(SEARCH, json!({ "q": "safeguard" })).await?;
    assert_eq!(hit_names(&found["searchProducts"]), ["Beta Safeguard"]);

    let tx = db::begin_write(&app.db).await?;
    products::set_status(&tx, f.products["Beta Safeguard"], ProductStatus::Withdrawn).await?;
    db::commit(tx).await?;
    app.wait_for_search().await?;
    let gone = app.data(SEARCH, json!({ "q": "safeguard" })).await?;
    assert_eq!(gone["searchProducts"]["totalHits"], 0, "{gone}");

    let tx = db::begin_write(&app.db).await?;
    products::set_status(&tx, f.products["Beta Draft Thing"], ProductStatus::Approved).await?;
    db::commit(tx).await?;
    app.wait_for_search().await?;
    let published = app.data(SEARCH, json!({ "q": "draft thing" })).await?;
    assert_eq!(
        hit_names(&published["searchProducts"]),
        ["Beta Draft Thing"]
    );
    Ok(())
}

#[tokio::test]
async fn writes_succeed_while_search_is_down_and_the_index_catches_up() -> Result<()> {
    let mut switch = None;
    let app = spawn_app_with_engine(false, &[], |engine| {
        let s = Switch::new(engine);
        switch = Some(s.clone());
        s
    })
    .await?;
    let switch = switch.ok_or_else(|| anyhow::anyhow!("engine not wrapped"))?;
    switch.until_set_up().await?;
    switch.set_up(false);

    fixture::load(&app.db).await?; // committed writes while the engine is down
    let ready: Value = app.readiness().await?;
    assert_eq!(ready["status"], "degraded");
    assert!(ready["searchOutbox"]["pending"].as_u64() > Some(0));
    let v = app.gql(SEARCH, json!({ "q": "phonics" })).await?;
    assert_eq!(error_codes(&v), ["UNAVAILABLE"], "{v}");
    // The catalogue itself still answers from the database.
    let listed = app.data("{ products { totalCount } }", json!({})).await?;
    assert_eq!(listed["products"]["totalCount"], 4);

    // The worker tries, fails and keeps the rows pending. How soon it first tries depends on
    // the machine's load, so wait for the first attempt rather than for a fixed time.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let failed = loop {
        let failed = search_outbox::Entity::find()
            .filter(search_outbox::Column::Attempts.gt(0))
            .all(&app.db)
            .await?;
        if !failed.is_empty() || std::time::Instant::now() > deadline {
            break failed;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(!failed.is_empty(), "the worker tried the rows");
    assert!(
        failed
            .iter()
            .all(|r| r.processed_at.is_none() && r.last_error.is_some()),
        "failed rows stay pending, with their error"
    );

    switch.set_up(true);
    app.wait_for_search().await?;
    let data = app.data(SEARCH, json!({ "first": 50 })).await?;
    let mut names = hit_names(&data["searchProducts"]);
    names.sort();
    assert_eq!(names, PUBLIC_PRODUCTS, "nothing lost");
    let ready: Value = app.readiness().await?;
    assert_eq!(ready["status"], "ready");
    Ok(())
}

#[tokio::test]
async fn two_workers_over_one_outbox_apply_every_change_exactly_once() -> Result<()> {
    // The server's own worker is off: two workers share the outbox.
    let app = spawn_app_with(true, &[("BECTA_INDEXER", "false")]).await?;
    let ids: Vec<_> = product::Entity::find()
        .all(&app.db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    // Withdraw every fifth product and republish every tenth: later rows supersede earlier ones.
    for (i, id) in ids.iter().enumerate().filter(|(i, _)| i % 5 == 0) {
        let tx = db::begin_write(&app.db).await?;
        products::set_status(&tx, *id, ProductStatus::Withdrawn).await?;
        if i % 10 == 0 {
            products::set_status(&tx, *id, ProductStatus::Approved).await?;
        }
        db::commit(tx).await?;
    }
    let rows = search_outbox::Entity::find().all(&app.db).await?.len();
    let a = Worker::new(app.db.clone(), app.search.clone()).with_batch(25);
    let b = Worker::new(app.db.clone(), app.search.clone()).with_batch(25);
    let (ra, rb) = tokio::join!(a.drain(), b.drain());
    let (na, nb) = (ra?, rb?);
    assert_eq!(na + nb, rows, "every row processed once: {na} + {nb}");
    let outbox = search_outbox::Entity::find().all(&app.db).await?;
    assert!(
        outbox
            .iter()
            .all(|r| r.processed_at.is_some() && r.attempts == 1)
    );

    let public: HashSet<String> = product::Entity::find()
        .filter(product::Column::Status.eq("approved"))
        .all(&app.db)
        .await?
        .into_iter()
        .map(|p| p.id.to_string())
        .collect();
    assert_eq!(app.search.count(Kind::Products).await?, public.len() as u64);
    let mut q = SearchQuery::new("");
    q.limit = 1000;
    let indexed: HashSet<String> = app
        .search
        .search(Kind::Products, &q)
        .await?
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect();
    assert_eq!(indexed, public);
    Ok(())
}

#[tokio::test]
async fn reindex_rebuilds_from_the_database_and_search_keeps_answering() -> Result<()> {
    let app = spawn_seeded_app().await?;
    app.wait_for_search().await?;
    let before = app
        .data(SEARCH, json!({ "q": "phonics", "first": 100 }))
        .await?;
    let done = becta_indexer::worker::reindex(&app.db, &app.search).await?;
    assert!(done.products >= 300 && done.deals >= 25);
    assert_eq!(
        app.search.count(Kind::Products).await?,
        done.products as u64
    );
    let after = app
        .data(SEARCH, json!({ "q": "phonics", "first": 100 }))
        .await?;
    assert_eq!(
        before["searchProducts"]["totalHits"],
        after["searchProducts"]["totalHits"]
    );
    app.wait_for_search().await?;
    Ok(())
}

#[tokio::test]
async fn bad_search_arguments_are_bad_user_input() -> Result<()> {
    let app = spawn_app().await?;
    for (args, field) in [
        ("first: 0", "first"),
        ("first: 101", "first"),
        ("offset: -1", "offset"),
        ("offset: 10001", "offset"),
        ("filter: { maxPricePence: -5 }", "filter.maxPricePence"),
        ("filter: { minRating: 6 }", "filter.minRating"),
        ("filter: { supplierId: \"nope\" }", "filter.supplierId"),
    ] {
        let v = app
            .gql(
                &format!("{{ searchProducts({args}) {{ totalHits }} }}"),
                json!({}),
            )
            .await?;
        assert_eq!(error_codes(&v), ["BAD_USER_INPUT"], "{args}: {v}");
        assert_eq!(v["errors"][0]["extensions"]["field"], field, "{args}");
    }
    let long = "x".repeat(201);
    let v = app
        .gql(
            "query($q: String) { searchProducts(query: $q) { totalHits } }",
            json!({ "q": long }),
        )
        .await?;
    assert_eq!(error_codes(&v), ["BAD_USER_INPUT"]);
    // Hostile text is just text.
    let v = app
        .data(
            "query($q: String) { searchProducts(query: $q) { totalHits } }",
            json!({ "q": "\" OR 1=1; DROP TABLE products; -- <script>" }),
        )
        .await?;
    assert_eq!(v["searchProducts"]["totalHits"], 0);
    Ok(())
}

#[tokio::test]
async fn an_index_of_an_older_schema_is_refilled_from_the_database_at_start() -> Result<()> {
    // A data folder left by an earlier release: its index files are of schema 1.
    let dir = std::env::temp_dir().join(format!("becta-old-{}", uuid::Uuid::new_v4().simple()));
    for kind in [Kind::Products, Kind::Deals] {
        let shard = dir.join("search").join(kind.index_name());
        std::fs::create_dir_all(&shard)?;
        std::fs::write(shard.join("SCHEMA_VERSION"), "1")?;
    }
    // No outbox worker: only the refill at start can put the seeded catalogue in the index.
    let data_dir = dir.display().to_string();
    let app = spawn_app_with(
        true,
        &[("BECTA_DATA_DIR", &data_dir), ("BECTA_INDEXER", "false")],
    )
    .await?;
    let data = app
        .data(
            "{ searchProducts(query: \"chromebok\") { totalHits } }",
            json!({}),
        )
        .await?;
    assert!(
        data["searchProducts"]["totalHits"].as_u64() > Some(0),
        "{data}"
    );
    app.stop().await?;
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}

#[tokio::test]
async fn the_index_check_finds_missing_stale_and_extra_documents() -> Result<()> {
    use becta_indexer::worker::check;
    use becta_indexer::{Documents, ProductDocument};
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    app.wait_for_search().await?;
    let (products, deals) = check(&app.db, &app.search).await?;
    assert!(
        products.is_clean() && deals.is_clean(),
        "{products}; {deals}"
    );
    assert_eq!(products.expected, PUBLIC_PRODUCTS.len());

    // Drift the index behind the database's back: one gone, one changed, one unknown.
    let gone = f.products["Alpha Phonics"].to_string();
    app.search
        .delete(Kind::Products, std::slice::from_ref(&gone))
        .await?;
    let ids: Vec<_> = PUBLIC_PRODUCTS.iter().map(|n| f.products[*n]).collect();
    let mut docs = becta_domain::search::product_documents(&app.db, &ids).await?;
    let changed = docs
        .iter_mut()
        .find(|d| d.id != gone)
        .ok_or_else(|| anyhow::anyhow!("no second product"))?;
    changed.rating_count += 1;
    let changed_id = changed.id.clone();
    let mut unknown: ProductDocument = changed.clone();
    unknown.id = uuid::Uuid::new_v4().to_string();
    let unknown_id = unknown.id.clone();
    let changed = changed.clone();
    app.search
        .upsert(Documents::Products(vec![changed, unknown]))
        .await?;

    let (products, _) = check(&app.db, &app.search).await?;
    assert_eq!(products.missing, [gone]);
    assert_eq!(products.stale, [changed_id]);
    assert_eq!(products.extra, [unknown_id]);

    becta_indexer::worker::reindex(&app.db, &app.search).await?;
    let (products, deals) = check(&app.db, &app.search).await?;
    assert!(
        products.is_clean() && deals.is_clean(),
        "{products}; {deals}"
    );
    Ok(())
}

#[tokio::test]
async fn readiness_reports_search_behind_when_no_indexer_keeps_up() -> Result<()> {
    let app = spawn_app_with(
        false,
        &[
            ("BECTA_INDEXER", "false"),
            ("BECTA_SEARCH_STALE_SECONDS", "1"),
        ],
    )
    .await?;
    fixture::load(&app.db).await?;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let ready: Value = app.readiness().await?;
    assert_eq!(ready["status"], "degraded", "{ready}");
    assert_eq!(ready["search"]["status"], "behind", "{ready}");
    assert_eq!(ready["search"]["access"], "read-write", "{ready}");

    Worker::new(app.db.clone(), app.search.clone())
        .drain()
        .await?;
    let ready: Value = app.readiness().await?;
    assert_eq!(ready["status"], "ready", "{ready}");
    Ok(())
}

#[tokio::test]
async fn a_suppliers_edit_of_an_approved_listing_keeps_its_search_document_in_step() -> Result<()> {
    use crate::common::flows::{UPDATE, op};
    use becta_domain::vocab::Role;
    let app = spawn_app().await?;
    let f = fixture::load(&app.db).await?;
    let product = f.products["Alpha Phonics"];
    let supplier = app.token(Role::Supplier, Some(&f.alpha.to_string()));
    let edited = app
        .data_as(
            &supplier,
            &op(UPDATE),
            json!({ "id": product, "version": 1, "patch": { "summary": "A clearer summary, awaiting vetting." } }),
        )
        .await?;
    assert!(
        edited["updateProduct"]["pendingRevision"].is_object(),
        "{edited}"
    );
    app.wait_for_search().await?;
    // The public content waits for vetting, but the document follows the listing's version.
    let (products, deals) = becta_indexer::worker::check(&app.db, &app.search).await?;
    assert!(
        products.is_clean() && deals.is_clean(),
        "{products}; {deals}"
    );
    Ok(())
}

const PRODUCT_FIELDS: &str = "id name summary description pricingModel pricePence priceDisplay
  hostingLocation cyberEssentials accessibilityStatementUrl dpiaAvailable ssoMicrosoft ssoGoogle
  misIntegration website publishedAt updatedAt isSample
  supplier { id name companiesHouseNumber website isSample } categories { slug name }
  subjects keyStages platforms badges";
const DEAL_FIELDS: &str =
    "id title reference howToBuy provider { id name } categories { slug name }
  eligiblePhases eligibleOrganisationTypes lots { number title suppliers { id name } }";

#[tokio::test]
async fn hits_show_what_the_record_pages_show_and_only_what_is_public_now() -> Result<()> {
    // Hits are built from the records stored in the index, not joined to the database: every
    // field a buyer sees on a hit must equal the record's own page.
    let app = spawn_seeded_app().await?;
    app.wait_for_search().await?;
    let q = format!(
        "{{ searchProducts(first: 50) {{ hits {{ product {{ {PRODUCT_FIELDS} }} }} }}
           searchDeals(first: 50) {{ hits {{ deal {{ {DEAL_FIELDS} }} }} }} }}"
    );
    let found = app.data(&q, json!({})).await?;
    let products = found["searchProducts"]["hits"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let deals = found["searchDeals"]["hits"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(products.len() > 5 && deals.len() > 5, "{found}");
    let hits = products
        .into_iter()
        .map(|h| ("product", PRODUCT_FIELDS, h))
        .chain(deals.into_iter().map(|h| ("deal", DEAL_FIELDS, h)));
    for (kind, fields, hit) in hits {
        let id = &hit[kind]["id"];
        let page = app
            .data(
                &format!("query($id: ID!) {{ {kind}(id: $id) {{ {fields} }} }}"),
                json!({ "id": id }),
            )
            .await?;
        assert_eq!(hit[kind], page[kind], "{kind} {id}");
    }
    Ok(())
}

#[tokio::test]
async fn search_answers_are_the_same_however_the_selection_is_written() -> Result<()> {
    // Facets, highlights and hit records are answered straight from memory when the selection
    // is plain fields and aliases; fragments, directives, `__typename` and a field selected
    // twice go through the general executor. A buyer gets the same answer either way.
    let app = spawn_seeded_app().await?;
    app.wait_for_search().await?;
    let plain = format!(
        "{{ searchProducts(query: \"maths\", first: 50) {{ totalHits
             hits {{ score highlights {{ field text: snippet }} product {{ {PRODUCT_FIELDS} }} }}
             facets {{ field values {{ value n: count }} }} }} }}"
    );
    let general = format!(
        "{{ searchProducts(query: \"maths\", first: 50) {{ totalHits
             hits {{ score highlights {{ ... on Highlight {{ field }} text: snippet @include(if: true) }}
                     product {{ ...P name supplier {{ id }} }} }}
             facets {{ __typename field values {{ value @skip(if: false) n: count }} }} }} }}
         fragment P on Product {{ {PRODUCT_FIELDS} }}"
    );
    let a = app.data(&plain, json!({})).await?;
    let mut b = app.data(&general, json!({})).await?;
    let facets = b["searchProducts"]["facets"].as_array_mut();
    for f in facets.into_iter().flatten() {
        assert_eq!(f["__typename"], "Facet");
        f.as_object_mut().map(|o| o.remove("__typename"));
    }
    let hits = a["searchProducts"]["hits"].as_array().map_or(0, Vec::len);
    let highlighted = a["searchProducts"]["hits"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|h| h["highlights"].as_array().is_some_and(|l| !l.is_empty()))
        .count();
    assert!(hits > 3 && highlighted > 0, "{a}");
    let key_stages = a["searchProducts"]["facets"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|f| f["field"] == "keyStages")
        .and_then(|f| f["values"].as_array())
        .map_or(0, Vec::len);
    assert!(key_stages > 1, "{a}");
    assert_eq!(a, b);
    Ok(())
}

#[tokio::test]
async fn a_withdrawn_product_leaves_search_at_once_even_while_the_index_is_behind() -> Result<()> {
    let app = spawn_app_with(false, &[("BECTA_INDEXER", "false")]).await?;
    let f = fixture::load(&app.db).await?;
    Worker::new(app.db.clone(), app.search.clone())
        .drain()
        .await?;
    let found = app.data(SEARCH, json!({ "q": "safeguard" })).await?;
    assert_eq!(hit_names(&found["searchProducts"]), ["Beta Safeguard"]);

    // No indexer runs: the index still holds the product, the database no longer shows it.
    let tx = db::begin_write(&app.db).await?;
    products::set_status(&tx, f.products["Beta Safeguard"], ProductStatus::Withdrawn).await?;
    db::commit(tx).await?;
    let engine = app
        .search
        .search(Kind::Products, &SearchQuery::new("safeguard"))
        .await?;
    assert_eq!(engine.hits.len(), 1, "the index is behind");
    // The hit carries the record it is shown from.
    let record: becta_domain::search::ProductRecord =
        serde_json::from_str(engine.hits[0].record.as_deref().unwrap_or_default())?;
    assert_eq!(record.product.name, "Beta Safeguard");
    let gone = app.data(SEARCH, json!({ "q": "safeguard" })).await?;
    assert_eq!(
        hit_names(&gone["searchProducts"]),
        Vec::<String>::new(),
        "{gone}"
    );
    Ok(())
}

/// The server remembers which products are public between searches and reads again only what
/// the outbox shows changed. Changes committed in this process (here through a second pool) show
/// at the next search; changes committed by another process sharing the database (a commit
/// that bypasses `db::commit`) show within `RECHECK_AFTER`. One change at a time, and a burst of
/// more changes than the server lists (it then forgets everything).
#[tokio::test]
async fn status_changes_from_another_connection_or_process_reach_search_before_the_index()
-> Result<()> {
    let app = spawn_app_with(false, &[("BECTA_INDEXER", "false")]).await?;
    let f = fixture::load(&app.db).await?;
    Worker::new(app.db.clone(), app.search.clone())
        .drain()
        .await?;
    let other = db::connect(&app.database_url).await?;
    let id = f.products["Beta Safeguard"];
    let shown = |v: &Value| hit_names(&v["searchProducts"]) == ["Beta Safeguard"];
    assert!(shown(&app.data(SEARCH, json!({ "q": "safeguard" })).await?));

    // No indexer runs, so the index keeps the product throughout: only the database changes.
    for another_process in [false, true] {
        for (status, burst, visible) in [
            (ProductStatus::Withdrawn, 0, false),
            (ProductStatus::Approved, 0, true),
            (ProductStatus::Withdrawn, 1_500, false),
            (ProductStatus::Approved, 1_500, true),
        ] {
            let tx = db::begin_write(&other).await?;
            let unrelated: Vec<Uuid> = (0..burst).map(|_| Uuid::new_v4()).collect();
            outbox::enqueue_many(
                &tx,
                outbox::EntityType::Product,
                &unrelated,
                outbox::Op::Upsert,
            )
            .await?;
            products::set_status(&tx, id, status).await?;
            if another_process {
                tx.commit().await?;
            } else {
                db::commit(tx).await?;
            }
            let deadline = Instant::now() + Duration::from_secs(5);
            let found = loop {
                let found = app.data(SEARCH, json!({ "q": "safeguard" })).await?;
                if another_process && shown(&found) != visible && Instant::now() < deadline {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
                break found;
            };
            assert_eq!(
                shown(&found),
                visible,
                "after {status:?} with {burst} other changes (another process: {another_process}): {found}"
            );
            // And again, from what the server now remembers.
            let again = app.data(SEARCH, json!({ "q": "safeguard" })).await?;
            assert_eq!(shown(&again), visible, "{again}");
        }
    }
    Ok(())
}
