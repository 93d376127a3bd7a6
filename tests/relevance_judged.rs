//! The judged relevance set's floor (`tests/fixtures/judged_queries.json`, read by
//! `judged_set.rs`): on the seeded catalogue, through `searchProducts` and `searchDeals`, every
//! query's first expected record is in the top 5 and none of its forbidden records in the top
//! 10. A failure lists every failing query with what came back.

use anyhow::Result;

use crate::common::spawn_seeded_app;
use crate::judged_set::{self, DEPTH, Judgement, floor, ndcg, recall};

#[tokio::test]
async fn every_judged_query_finds_its_best_record_in_the_top_5_and_nothing_forbidden_in_the_top_10()
-> Result<()> {
    let app = spawn_seeded_app().await?;
    app.wait_for_search().await?;
    let outcomes = judged_set::evaluate(&app.client, &format!("{}/graphql", app.url)).await?;
    assert!(outcomes.len() >= 80, "{} judged queries", outcomes.len());
    for kind in ["products", "deals"] {
        let (ndcg, recall, n) = judged_set::means(&outcomes, Some(kind));
        eprintln!("{kind}: {n} queries, nDCG@{DEPTH} {ndcg:.3}, recall@{DEPTH} {recall:.3}");
    }
    let failures = judged_set::failures(&outcomes);
    assert!(
        failures.is_empty(),
        "{} of {} judged queries fail the floor:\n{}",
        failures.len(),
        outcomes.len(),
        failures.join("\n")
    );
    Ok(())
}

fn judged(top: &[&str], relevant: &[&str]) -> Judgement {
    Judgement {
        kind: "products".into(),
        query: "q".into(),
        top: top.iter().map(|s| (*s).to_owned()).collect(),
        tied: false,
        relevant: relevant.iter().map(|s| (*s).to_owned()).collect(),
        never: vec!["bad".into()],
        note: None,
    }
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn the_judged_sets_metrics_score_an_ideal_answer_1_and_a_miss_0() {
    let j = judged(&["a", "b"], &["c"]);
    assert!((ndcg(&j, &names(&["a", "b", "c"])) - 1.0).abs() < 1e-9);
    assert!((recall(&j, &names(&["c", "x", "a", "b"])) - 1.0).abs() < 1e-9);
    assert!(ndcg(&j, &names(&["c", "b", "a"])) < 1.0);
    assert_eq!(ndcg(&j, &names(&["x"])), 0.0);
    assert!((recall(&j, &names(&["a", "x"])) - 1.0 / 3.0).abs() < 1e-9);
    assert!(floor(&j, &names(&["x", "x", "x", "x", "a"])).is_none());
    assert!(floor(&j, &names(&["x", "x", "x", "x", "x", "a"])).is_some());
    assert!(
        floor(
            &j,
            &names(&["a", "x", "x", "x", "x", "x", "x", "x", "x", "bad"])
        )
        .is_some()
    );
    // A name listed once gains once, however often it comes back.
    assert!((recall(&j, &names(&["a", "a", "a"])) - 1.0 / 3.0).abs() < 1e-9);
    assert!(ndcg(&j, &names(&["a", "a", "b", "c"])) < 1.0);
}
