//! The judged relevance set's floor (`tests/fixtures/judged_queries.json`, read by
//! `judged_set.rs`): on the seeded catalogue, through `searchProducts` and `searchDeals`, every
//! query's first expected record is in the top 5 and none of its forbidden records in the top
//! 10. A failure lists every failing query with what came back.

use anyhow::Result;

use crate::common::spawn_seeded_app;
use crate::judged_set::{self, DEPTH};

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
