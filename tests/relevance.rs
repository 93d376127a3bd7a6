//! Queries of several words as a buyer types them: records holding every word first, then those
//! holding fewer (Meilisearch's matching strategies), stop words that never make a query miss,
//! and scores on one scale.

use std::collections::HashSet;

use anyhow::Result;
use serde_json::{Value, json};

use crate::common::{TestApp, spawn_seeded_app};

const PRODUCTS: &str = "query($q: String, $m: MatchingStrategy, $sort: ProductSort, $first: Int) {
  searchProducts(query: $q, matchingStrategy: $m, sort: $sort, first: $first) {
    totalHits hits { score product { id name pricePence } }
  }
}";

struct Found {
    total: u64,
    ids: Vec<String>,
    names: Vec<String>,
    scores: Vec<f64>,
    prices: Vec<i64>,
}

async fn find(app: &TestApp, q: &str, strategy: &str, sort: Option<&str>) -> Result<Found> {
    let d = app
        .data(
            PRODUCTS,
            json!({ "q": q, "m": strategy, "sort": sort, "first": 100 }),
        )
        .await?;
    let r = &d["searchProducts"];
    let hits: Vec<Value> = r["hits"].as_array().cloned().unwrap_or_default();
    let field = |h: &Value, f: &str| h["product"][f].clone();
    Ok(Found {
        total: r["totalHits"].as_u64().unwrap_or(0),
        ids: hits
            .iter()
            .filter_map(|h| field(h, "id").as_str().map(str::to_owned))
            .collect(),
        names: hits
            .iter()
            .filter_map(|h| field(h, "name").as_str().map(str::to_owned))
            .collect(),
        scores: hits.iter().filter_map(|h| h["score"].as_f64()).collect(),
        prices: hits
            .iter()
            .filter_map(|h| field(h, "pricePence").as_i64())
            .collect(),
    })
}

#[tokio::test]
async fn two_word_needs_find_records_holding_the_first_word_after_those_holding_both() -> Result<()>
{
    let app = spawn_seeded_app().await?;
    app.wait_for_search().await?;
    for q in [
        "phonics app",
        "reading tracker",
        "maths tutor",
        "safeguarding software",
        "parent app",
    ] {
        let first_word = q.split(' ').next().unwrap_or_default();
        let all = find(&app, q, "ALL", None).await?;
        let last = find(&app, q, "LAST", None).await?;
        let alone = find(&app, first_word, "ALL", None).await?;
        // Dropping the last word finds the records holding the first (as a whole word: only
        // the last word typed also matches as a prefix, so `{first_word}` alone finds a little
        // more).
        assert!(last.total > 0, "{q}: no hits");
        assert!(last.total >= all.total && last.total <= alone.total, "{q}");
        let holding_first: HashSet<&String> = alone.ids.iter().collect();
        assert!(last.ids.iter().all(|id| holding_first.contains(id)), "{q}");
        // Records holding every word come first, in the order ALL ranks them.
        let n = all.ids.len().min(last.ids.len());
        assert_eq!(
            last.ids[..n],
            all.ids[..n],
            "{q}: {:?} vs {:?}",
            last.names,
            all.names
        );
        // Scores fall down the page, the best record scoring 1; a record holding one of two
        // words scores at most a half.
        assert!(
            last.scores.windows(2).all(|w| w[0] >= w[1]),
            "{q}: {:?}",
            last.scores
        );
        if !all.ids.is_empty() {
            assert!(
                (last.scores[0] - 1.0).abs() < 1e-9,
                "{q}: {:?}",
                last.scores
            );
        }
        for (id, score) in last.ids.iter().zip(&last.scores) {
            if !all.ids.contains(id) {
                assert!(*score <= 0.5 + 1e-9, "{q}: {id} scores {score}");
            }
        }
        // The default is LAST.
        let default = app.data(PRODUCTS, json!({ "q": q, "first": 100 })).await?;
        assert_eq!(default["searchProducts"]["totalHits"], last.total, "{q}");
    }
    // The queries the issue reported empty now find what a buyer meant.
    let phonics = find(&app, "phonics app", "LAST", None).await?;
    assert!(
        phonics.names[0].to_lowercase().contains("phonic"),
        "{:?}",
        phonics.names
    );
    Ok(())
}

#[tokio::test]
async fn frequency_keeps_the_rarer_word_and_all_keeps_every_word() -> Result<()> {
    let app = spawn_seeded_app().await?;
    app.wait_for_search().await?;
    // "school" is in many records, "phonics" in few: FREQUENCY gives up "school" first.
    let rare = find(&app, "phonics", "ALL", None).await?;
    let common = find(&app, "school", "ALL", None).await?;
    assert!(
        common.total > rare.total,
        "{} vs {}",
        common.total,
        rare.total
    );
    let frequency = find(&app, "school phonics", "FREQUENCY", None).await?;
    let last = find(&app, "school phonics", "LAST", None).await?;
    assert_eq!(frequency.total, rare.total);
    assert_eq!(last.total, common.total);
    let both = find(&app, "school phonics", "ALL", None).await?;
    let ids: HashSet<&String> = both.ids.iter().collect();
    assert!(both.total <= rare.total);
    assert_eq!(
        frequency.ids[..both.ids.len()]
            .iter()
            .collect::<HashSet<_>>(),
        ids,
        "records holding both words lead"
    );
    Ok(())
}

#[tokio::test]
async fn stop_words_never_make_a_query_miss() -> Result<()> {
    let app = spawn_seeded_app().await?;
    app.wait_for_search().await?;
    for (with, without) in [
        ("software for safeguarding", "software safeguarding"),
        ("the phonics app", "phonics app"),
        ("maths and english", "maths english"),
        ("laptops with the warranty", "laptops warranty"),
    ] {
        let a = find(&app, with, "ALL", None).await?;
        let b = find(&app, without, "ALL", None).await?;
        assert_eq!(a.ids, b.ids, "{with:?} vs {without:?}");
    }
    // A query of stop words alone still searches for them.
    let only = app
        .data(PRODUCTS, json!({ "q": "the", "first": 5 }))
        .await?;
    assert!(only["searchProducts"]["hits"].is_array());
    Ok(())
}

#[tokio::test]
async fn a_sort_orders_a_querys_matches_by_price() -> Result<()> {
    let app = spawn_seeded_app().await?;
    app.wait_for_search().await?;
    let by_price = find(&app, "maths", "LAST", Some("PRICE_LOW_TO_HIGH")).await?;
    assert!(by_price.prices.len() > 5);
    assert!(
        by_price.prices.windows(2).all(|w| w[0] <= w[1]),
        "{:?}",
        by_price.prices
    );
    let relevance = find(&app, "maths", "LAST", None).await?;
    assert_eq!(by_price.total, relevance.total);
    // With two words, the records holding both come first, each level by price.
    let both = find(&app, "maths tutor", "ALL", None).await?;
    let sorted = find(&app, "maths tutor", "LAST", Some("PRICE_LOW_TO_HIGH")).await?;
    let n = both.ids.len();
    let lead: HashSet<&String> = sorted.ids[..n].iter().collect();
    assert_eq!(lead, both.ids.iter().collect::<HashSet<_>>());
    assert!(sorted.prices[..n].windows(2).all(|w| w[0] <= w[1]));
    assert!(sorted.prices[n..].windows(2).all(|w| w[0] <= w[1]));
    Ok(())
}
