//! The search answers' fast paths against the general path: one database and index served by
//! two servers, one with every fast path on (the default) and one with `BECTA_FAST_*=false`,
//! asked the same searches (the cases of the search contract suite, through GraphQL). Their
//! answers must be the same word for word, first time and again (the validation cache only
//! acts on an operation seen before).

use anyhow::{Context, Result};
use becta_api::config::Config;
use becta_domain::vocab::Role;
use serde_json::{Value, json};

use crate::common::{TEST_JWT_SECRET, spawn_app_with};

const PRODUCT: &str = "id name summary description
    supplier { id name companiesHouseNumber website isSample }
    categories { slug name } subjects keyStages platforms badges
    pricingModel pricePence priceDisplay hostingLocation cyberEssentials
    accessibilityStatementUrl dpiaAvailable ssoMicrosoft ssoGoogle misIntegration website
    publishedAt updatedAt isSample rating { average count } trialOffers { id seatsFree }";

const DEAL: &str = "id title reference provider { shortName name } summary howToBuy
    categories { slug name } lots { number title suppliers { name } }
    eligibleOrganisationTypes eligiblePhases startsOn endsOn isActive routeToMarket
    typicalSavings typicalSavingsPercent fees dfeEndorsed url status isSample";

fn products(args: &str) -> String {
    format!(
        "{{ searchProducts({args}) {{ totalHits
            hits {{ score highlights {{ field snippet }} product {{ {PRODUCT} }} }}
            facets {{ field values {{ value count }} }} }} }}"
    )
}

fn deals(args: &str) -> String {
    format!(
        "{{ searchDeals({args}) {{ totalHits
            hits {{ score highlights {{ field snippet }} deal {{ {DEAL} }} }}
            facets {{ field values {{ value count }} }} }} }}"
    )
}

/// The contract suite's cases, as a buyer's client asks them.
fn searches() -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = [
        // Typos, prefixes, synonyms, stems, empty text.
        "query: \"chromebok\"",
        "query: \"phonic\"",
        "query: \"laptop\"",
        "query: \"reading tracker\"",
        "query: \"\"",
        "query: \"safegarding\", first: 5",
        // Filters, alone and together.
        "query: \"\", filter: { keyStages: [KS2] }",
        "query: \"\", filter: { keyStages: [KS2], maxPricePence: 400 }",
        "query: \"\", filter: { badges: [DATA_PROTECTION, CYBER_SECURITY] }",
        "query: \"\", filter: { trialAvailable: true }",
        "query: \"\", filter: { minRating: 4 }",
        "query: \"\", filter: { phase: SECONDARY, platforms: [CHROMEOS] }",
        "query: \"\", filter: { categories: [\"assessment\"], subjects: [\"maths\"] }",
        "query: \"\", filter: { pricingModels: [FREE], hostingLocations: [UK] }",
        // Sorts and paging.
        "query: \"\", sort: PRICE_LOW_TO_HIGH",
        "query: \"\", sort: PRICE_HIGH_TO_LOW, first: 7, offset: 3",
        "query: \"\", sort: RATING",
        "query: \"maths\", sort: NEWEST",
        "query: \"\", first: 100, offset: 10",
        // Bad input.
        "query: \"\", first: 0",
        "query: \"\", filter: { maxPricePence: -1 }",
    ]
    .iter()
    .map(|a| (products(a), json!({})))
    .collect();
    out.extend(
        [
            "query: \"\"",
            "query: \"devices\"",
            "query: \"\", filter: { dfeEndorsed: true }, sort: ENDING_SOONEST",
            "query: \"\", filter: { phases: [PRIMARY] }, sort: SAVINGS",
            "query: \"\", filter: { activeOn: \"2026-12-01\" }, sort: NEWEST",
        ]
        .iter()
        .map(|a| (deals(a), json!({}))),
    );
    // Variables, fragments, aliases, `__typename` and directives: part plain, part general.
    out.push((
        "query($q: String, $f: ProductSearchFilter, $n: Int, $more: Boolean!) {
            a: searchProducts(query: $q, filter: $f, first: $n) { totalHits hits {
                ...H product { __typename ...P name @include(if: $more) } } }
            b: search(query: $q) { products { hits { product { id } } } deals { hits { deal { title } } } }
         }
         fragment H on ProductHit { score }
         fragment P on Product { id pricePence supplier { name } }"
            .into(),
        json!({ "q": "phonics", "f": { "keyStages": ["KS1"] }, "n": 10, "more": true }),
    ));
    out
}

#[tokio::test]
async fn fast_paths_answer_every_search_as_the_general_path_does() -> Result<()> {
    let app = spawn_app_with(true, &[]).await?;
    app.wait_for_search().await?;
    // A second server over the same database and index, with every fast path off.
    let env = [
        ("BECTA_LISTEN", "127.0.0.1:0"),
        ("BECTA_SEED", "false"),
        ("BECTA_INDEXER", "false"),
        ("BECTA_SWEEPER", "false"),
        ("BECTA_JWT_SECRET", TEST_JWT_SECRET),
        ("BECTA_RATE_SEARCHES_PER_MINUTE", "0"),
        ("BECTA_FAST_PLAIN_ANSWERS", "false"),
    ];
    let config = Config::from_lookup(|k| {
        env.iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| (*v).to_owned())
    })?;
    let general = becta_api::app::start(&config, app.db.clone(), app.search.clone()).await?;
    let general_url = format!("http://{}/graphql", general.addr());
    let token = app.token(Role::SchoolBuyer, Some("100001"));
    let ask = |url: String, query: String, variables: Value| {
        let client = app.client.clone();
        let token = token.clone();
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&json!({ "query": query, "variables": variables }))
                .send()
                .await
                .context("request")?
                .text()
                .await
                .context("body")
        }
    };
    let fast_url = format!("{}/graphql", app.url);
    for (query, variables) in searches() {
        // Twice: the second time the fast server skips validation for a known operation.
        for attempt in 0..2 {
            let fast = ask(fast_url.clone(), query.clone(), variables.clone()).await?;
            let plain = ask(general_url.clone(), query.clone(), variables.clone()).await?;
            assert_eq!(fast, plain, "attempt {attempt} of {query} {variables}");
            let parsed: Value = serde_json::from_str(&fast)?;
            let hits = parsed
                .pointer("/data/searchProducts/hits")
                .or(parsed.pointer("/data/searchDeals/hits"));
            assert!(
                parsed.get("errors").is_some()
                    || hits.is_some()
                    || parsed.pointer("/data/a").is_some(),
                "{fast}"
            );
        }
    }
    general.shutdown().await?;
    Ok(())
}
