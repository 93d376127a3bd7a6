//! The judged relevance set (`tests/fixtures/judged_queries.json`): queries a school buyer
//! types, each with the records that should rank in the top 3, further right answers, and
//! records that must not appear in the top 10. Shared by the floor test
//! (`relevance_judged.rs`) and the relevance bench (`benches/relevance.rs`), so both ask the
//! same questions the same way: through the GraphQL API (`searchProducts` / `searchDeals`)
//! of a server on the seeded catalogue, whichever engine serves it.
//!
//! Policy: judgements name records by their stable name or title, never by generated ids; a
//! judgement naming a record the catalogue does not hold is an error, not a miss. The floor is
//! the first `top` record (any `top` record when they are `tied`) in the top 5 and no `never`
//! record in the top 10. Metrics use graded gains: `top` records 2, `relevant` records 1;
//! nDCG@10 against the ideal ordering of the judged records, and recall@10 as the share of the
//! judged records found in the top 10 (of at most 10, so a query judging more than 10 records
//! can still score 1).

use anyhow::{Context, Result};
use serde::Deserialize;
use serde_json::{Value, json};

const FILE: &str = include_str!("fixtures/judged_queries.json");

/// How deep the floor and the metrics look.
pub const DEPTH: usize = 10;
/// The first expected record must be within this rank.
pub const FLOOR_RANK: usize = 5;

#[derive(Deserialize)]
struct File {
    queries: Vec<Judgement>,
}

/// One judged query.
#[derive(Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct Judgement {
    /// `products` or `deals`.
    pub kind: String,
    pub query: String,
    /// Records that should rank in the top 3, best first.
    pub top: Vec<String>,
    /// The `top` records are interchangeable: any of them may come first.
    #[serde(default)]
    pub tied: bool,
    /// Further right answers, less central than `top`.
    #[serde(default)]
    pub relevant: Vec<String>,
    /// Records that must not be in the top 10.
    #[serde(default)]
    pub never: Vec<String>,
    /// Why, where the judgement is not obvious.
    #[serde(default)]
    #[allow(dead_code, reason = "for the reader of the data file")]
    pub note: Option<String>,
}

impl Judgement {
    /// The gain of each ranked record: a judged name counts as often as it is listed (two
    /// deals may share a title), so a second hit of a name listed once gains nothing.
    fn gains(&self, ranked: &[String]) -> Vec<f64> {
        let mut left: Vec<(&String, f64)> = self
            .top
            .iter()
            .map(|t| (t, 2.0))
            .chain(self.relevant.iter().map(|r| (r, 1.0)))
            .collect();
        ranked
            .iter()
            .map(|name| match left.iter().position(|(n, _)| *n == name) {
                Some(i) => left.remove(i).1,
                None => 0.0,
            })
            .collect()
    }
}

/// Every judged query, checked for shape.
pub fn load() -> Result<Vec<Judgement>> {
    let file: File = serde_json::from_str(FILE).context("tests/fixtures/judged_queries.json")?;
    for j in &file.queries {
        anyhow::ensure!(
            j.kind == "products" || j.kind == "deals",
            "{}: kind {}",
            j.query,
            j.kind
        );
        anyhow::ensure!(!j.top.is_empty(), "{}: no top record", j.query);
        anyhow::ensure!(
            !j.never
                .iter()
                .any(|n| j.top.contains(n) || j.relevant.contains(n)),
            "{}: a record both wanted and forbidden",
            j.query
        );
    }
    Ok(file.queries)
}

const PRODUCTS: &str = "query($q: String, $first: Int) {
  searchProducts(query: $q, first: $first) { hits { product { name } } }
}";
const DEALS: &str = "query($q: String, $first: Int) {
  searchDeals(query: $q, first: $first) { hits { deal { title } } }
}";

/// The names (products) or titles (deals) of the first `DEPTH` hits, as a buyer sees them.
pub async fn ranked(client: &reqwest::Client, graphql: &str, j: &Judgement) -> Result<Vec<String>> {
    let (query, field, name) = if j.kind == "products" {
        (PRODUCTS, "searchProducts", ("product", "name"))
    } else {
        (DEALS, "searchDeals", ("deal", "title"))
    };
    let body: Value = client
        .post(graphql)
        .json(&json!({ "query": query, "variables": { "q": j.query, "first": DEPTH } }))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    anyhow::ensure!(body.get("errors").is_none(), "{}: {body}", j.query);
    Ok(body["data"][field]["hits"]
        .as_array()
        .map(|hits| {
            hits.iter()
                .filter_map(|h| h[name.0][name.1].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default())
}

/// One query's answer, judged.
pub struct Outcome {
    pub judgement: Judgement,
    pub ranked: Vec<String>,
    pub ndcg: f64,
    pub recall: f64,
    /// Why the floor failed, if it did.
    pub failure: Option<String>,
}

pub fn floor(j: &Judgement, ranked: &[String]) -> Option<String> {
    let within = |name: &String, n: usize| ranked.iter().take(n).any(|r| r == name);
    let mut why = Vec::new();
    let first_found = if j.tied {
        j.top.iter().any(|t| within(t, FLOOR_RANK))
    } else {
        within(&j.top[0], FLOOR_RANK)
    };
    if !first_found {
        why.push(if j.tied {
            format!("none of {:?} in the top {FLOOR_RANK}", j.top)
        } else {
            format!("{:?} not in the top {FLOOR_RANK}", j.top[0])
        });
    }
    let forbidden: Vec<&String> = j.never.iter().filter(|n| within(n, DEPTH)).collect();
    if !forbidden.is_empty() {
        why.push(format!("{forbidden:?} in the top {DEPTH}"));
    }
    (!why.is_empty()).then(|| why.join("; "))
}

fn dcg(gains: impl Iterator<Item = f64>) -> f64 {
    gains
        .take(DEPTH)
        .enumerate()
        .map(|(i, g)| (2f64.powf(g) - 1.0) / ((i + 2) as f64).log2())
        .sum()
}

pub fn ndcg(j: &Judgement, ranked: &[String]) -> f64 {
    let mut ideal: Vec<f64> = j
        .top
        .iter()
        .map(|_| 2.0)
        .chain(j.relevant.iter().map(|_| 1.0))
        .collect();
    ideal.sort_by(|a, b| b.total_cmp(a));
    let best = dcg(ideal.into_iter());
    if best == 0.0 {
        return 0.0;
    }
    dcg(j.gains(ranked).into_iter()) / best
}

pub fn recall(j: &Judgement, ranked: &[String]) -> f64 {
    let judged = j.top.len() + j.relevant.len();
    let found = j
        .gains(&ranked[..ranked.len().min(DEPTH)])
        .iter()
        .filter(|g| **g > 0.0)
        .count();
    found as f64 / judged.min(DEPTH) as f64
}

/// Asks every judged query of the server at `graphql` and judges the answers.
pub async fn evaluate(client: &reqwest::Client, graphql: &str) -> Result<Vec<Outcome>> {
    let mut out = Vec::new();
    for j in load()? {
        let ranked = ranked(client, graphql, &j).await?;
        out.push(Outcome {
            ndcg: ndcg(&j, &ranked),
            recall: recall(&j, &ranked),
            failure: floor(&j, &ranked),
            ranked,
            judgement: j,
        });
    }
    Ok(out)
}

/// Mean nDCG@10 and recall@10 of the outcomes of one kind (`None`: every kind).
pub fn means(outcomes: &[Outcome], kind: Option<&str>) -> (f64, f64, usize) {
    let of_kind: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| kind.is_none_or(|k| o.judgement.kind == k))
        .collect();
    let n = of_kind.len().max(1) as f64;
    (
        of_kind.iter().map(|o| o.ndcg).sum::<f64>() / n,
        of_kind.iter().map(|o| o.recall).sum::<f64>() / n,
        of_kind.len(),
    )
}

/// Every query that failed the floor, with what came back.
pub fn failures(outcomes: &[Outcome]) -> Vec<String> {
    outcomes
        .iter()
        .filter_map(|o| {
            o.failure.as_ref().map(|why| {
                format!(
                    "{} {:?}: {why}\n    got: {:?}",
                    o.judgement.kind, o.judgement.query, o.ranked
                )
            })
        })
        .collect()
}
