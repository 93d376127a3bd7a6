//! The Meilisearch engine (`BECTA_MEILISEARCH_URL`, `BECTA_MEILISEARCH_KEY`).
//!
//! Settings are applied at start ([`SearchEngine::prepare`]) from the shared [`settings`]:
//! searchable attributes in priority order, filterable, sortable and facet attributes,
//! multi-way synonyms (with each entry's plural or singular, as Meilisearch does not stem), typo tolerance (1 typo from 5 characters, 2 from 9), exhaustive hit
//! counts up to 1,000,000 and a search cut-off. Every write waits for its task to succeed.
//! Meilisearch has no conditional write: `upsert` reads the stored versions first and leaves
//! out older documents, and the worker closes the remaining window by serialising work per
//! record (advisory locks on PostgreSQL) and rebuilding each document when it writes it.

use std::collections::HashMap;
use std::time::Duration;

use meilisearch_sdk::client::{Client, SwapIndexes};
use meilisearch_sdk::documents::DocumentsQuery;
use meilisearch_sdk::errors::{Error as MeiliError, ErrorCode};
use meilisearch_sdk::search::{MatchingStrategies, Selectors};
use meilisearch_sdk::settings::{
    FacetingSettings, MinWordSizeForTypos, PaginationSetting, Settings, TypoToleranceSettings,
};
use meilisearch_sdk::task_info::TaskInfo;
use serde_json::{Map, Value as Json};

use crate::highlight::whole_words;
use crate::settings;
use crate::vocabulary;
use crate::{
    DealDocument, Documents, FacetCount, FacetDistribution, Filter, Highlight, Hit, Kind,
    MatchingStrategy, Order, ProductDocument, SearchEngine, SearchError, SearchQuery, SearchResult,
    SearchResults, Sort, Versioned,
};

/// How long a write may take to be applied before the worker retries it.
const TASK_TIMEOUT: Duration = Duration::from_secs(120);
const TASK_POLL: Duration = Duration::from_millis(25);
const BATCH: usize = 10_000;

pub struct MeiliEngine {
    client: Client,
    /// Index uids are `<prefix><kind>`, so several deployments (or test runs) share a server.
    prefix: String,
}

/// What the engine's refusal means to a client. Queries reach the engine only after
/// `settings::check_filter` and the search service checked them, so whatever Meilisearch
/// refuses (a missing index, a setting it lacks, a bad key, its own fault) is the engine's
/// state, not the buyer's input: `UNAVAILABLE`, logged with Meilisearch's own code.
fn map_err(e: MeiliError) -> SearchError {
    match e {
        MeiliError::Meilisearch(m) => {
            tracing::warn!(code = ?m.error_code, kind = ?m.error_type, message = %m.error_message, "meilisearch refused a call");
            SearchError::Unavailable(format!("meilisearch: {}", m.error_message))
        }
        MeiliError::ParseError(p) => SearchError::Internal(p.to_string()),
        other => SearchError::Unavailable(other.to_string()),
    }
}

impl MeiliEngine {
    pub fn new(url: &str, key: Option<&str>, prefix: &str) -> SearchResult<Self> {
        let client = Client::new(url, key).map_err(map_err)?;
        Ok(MeiliEngine {
            client,
            prefix: prefix.to_owned(),
        })
    }

    fn uid(&self, kind: Kind) -> String {
        format!("{}{}", self.prefix, kind.index_name())
    }

    async fn wait(&self, task: TaskInfo) -> SearchResult<()> {
        let done = task
            .wait_for_completion(&self.client, Some(TASK_POLL), Some(TASK_TIMEOUT))
            .await
            .map_err(map_err)?;
        if done.is_failure() {
            let e = done.unwrap_failure();
            return Err(SearchError::Internal(format!(
                "{:?}: {}",
                e.error_code, e.error_message
            )));
        }
        Ok(())
    }

    fn settings(kind: Kind) -> Settings {
        let mut synonyms: HashMap<String, Vec<String>> = HashMap::new();
        for group in vocabulary::synonyms() {
            let forms = vocabulary::with_number_forms(group);
            for word in &forms {
                let others = forms.iter().filter(|w| *w != word).cloned().collect();
                synonyms.insert(word.clone(), others);
            }
        }
        let mut filterable: Vec<&str> = vec!["id"];
        filterable.extend(settings::names(settings::keyword_attributes(kind)));
        filterable.extend(settings::names(settings::boolean_attributes(kind)));
        filterable.extend(settings::names(settings::numeric_attributes(kind)));
        Settings::new()
            .with_searchable_attributes(settings::searchable(kind))
            .with_filterable_attributes(filterable)
            .with_sortable_attributes(settings::numeric_attributes(kind))
            .with_synonyms(synonyms)
            .with_stop_words(vocabulary::stop_words())
            .with_ranking_rules(settings::RANKING_RULES)
            .with_typo_tolerance(TypoToleranceSettings {
                enabled: Some(true),
                disable_on_attributes: None,
                disable_on_words: None,
                min_word_size_for_typos: Some(MinWordSizeForTypos {
                    one_typo: Some(5),
                    two_typos: Some(9),
                }),
                disable_on_numbers: None,
            })
            .with_pagination(PaginationSetting {
                max_total_hits: 1_000_000,
            })
            .with_faceting(FacetingSettings {
                max_values_per_facet: 200,
                sort_facet_values_by: None,
            })
            .with_search_cutoff(1_500)
    }

    async fn create(&self, uid: &str) -> SearchResult<()> {
        let task = self
            .client
            .create_index(uid, Some("id"))
            .await
            .map_err(map_err)?;
        let done = task
            .wait_for_completion(&self.client, Some(TASK_POLL), Some(TASK_TIMEOUT))
            .await
            .map_err(map_err)?;
        if done.is_failure() {
            let e = done.unwrap_failure();
            if e.error_code != ErrorCode::IndexAlreadyExists {
                return Err(SearchError::Internal(e.error_message));
            }
        }
        Ok(())
    }

    /// Stored versions of the documents with these ids.
    async fn stored_versions(&self, uid: &str, ids: &[&str]) -> SearchResult<HashMap<String, i64>> {
        let index = self.client.index(uid);
        let mut q = DocumentsQuery::new(&index);
        q.with_limit(ids.len()).with_fields(["id", "version"]);
        q.ids = Some(ids.to_vec());
        let found = q.execute::<Map<String, Json>>().await.map_err(map_err)?;
        Ok(found
            .results
            .into_iter()
            .filter_map(|d| {
                Some((
                    d.get("id")?.as_str()?.to_owned(),
                    d.get("version")?.as_i64()?,
                ))
            })
            .filter(|(id, _)| ids.contains(&id.as_str()))
            .collect())
    }

    /// Adds or replaces documents, leaving out any older than the stored one.
    async fn add_newer<T: Versioned + serde::Serialize + Send + Sync>(
        &self,
        uid: &str,
        docs: &[T],
    ) -> SearchResult<()> {
        let index = self.client.index(uid);
        for chunk in docs.chunks(BATCH) {
            let ids: Vec<&str> = chunk.iter().map(Versioned::id).collect();
            let stored = self.stored_versions(uid, &ids).await?;
            let newer: Vec<&T> = chunk
                .iter()
                .filter(|d| stored.get(d.id()).is_none_or(|v| *v <= d.version()))
                .collect();
            if !newer.is_empty() {
                self.wait(
                    index
                        .add_or_replace(&newer, Some("id"))
                        .await
                        .map_err(map_err)?,
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Adds documents to an index being built (no older versions to guard against).
    async fn add_all<T: serde::Serialize + Send + Sync>(
        &self,
        uid: &str,
        docs: &[T],
    ) -> SearchResult<()> {
        let index = self.client.index(uid);
        for chunk in docs.chunks(BATCH) {
            self.wait(
                index
                    .add_or_replace(chunk, Some("id"))
                    .await
                    .map_err(map_err)?,
            )
            .await?;
        }
        Ok(())
    }
}

fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// A filter as a Meilisearch filter expression.
fn expression(f: &Filter) -> String {
    match f {
        Filter::AnyOf(a, values) => {
            format!(
                "{a} IN [{}]",
                values
                    .iter()
                    .map(|v| quote(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
        Filter::AllOf(a, values) => values
            .iter()
            .map(|v| format!("{a} = {}", quote(v)))
            .collect::<Vec<_>>()
            .join(" AND "),
        Filter::Range(a, min, max) => {
            let mut parts = Vec::new();
            if let Some(m) = min {
                parts.push(format!("{a} >= {}", number(*m)));
            }
            if let Some(m) = max {
                parts.push(format!("{a} <= {}", number(*m)));
            }
            parts.join(" AND ")
        }
        Filter::Is(a, v) => format!("{a} = {v}"),
    }
}

#[async_trait::async_trait]
impl SearchEngine for MeiliEngine {
    fn name(&self) -> &'static str {
        "meilisearch"
    }

    async fn prepare(&self) -> SearchResult<()> {
        for kind in [Kind::Products, Kind::Deals] {
            let uid = self.uid(kind);
            self.create(&uid).await?;
            let task = self
                .client
                .index(&uid)
                .set_settings(&Self::settings(kind))
                .await
                .map_err(map_err)?;
            self.wait(task).await?;
        }
        Ok(())
    }

    async fn upsert(&self, docs: Documents) -> SearchResult<()> {
        if docs.is_empty() {
            return Ok(());
        }
        let uid = self.uid(docs.kind());
        match docs {
            Documents::Products(d) => self.add_newer(&uid, &d).await,
            Documents::Deals(d) => self.add_newer(&uid, &d).await,
        }
    }

    async fn delete(&self, kind: Kind, ids: &[String]) -> SearchResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let task = self
            .client
            .index(self.uid(kind))
            .delete_documents(ids)
            .await
            .map_err(map_err)?;
        self.wait(task).await
    }

    async fn search(&self, kind: Kind, q: &SearchQuery) -> SearchResult<SearchResults> {
        for f in &q.filters {
            settings::check_filter(kind, f)?;
        }
        let index = self.client.index(self.uid(kind));
        let filter = q
            .filters
            .iter()
            .map(expression)
            .filter(|e| !e.is_empty())
            .collect::<Vec<_>>()
            .join(" AND ");
        let sort = match q.sort {
            Sort::Relevance => None,
            Sort::By(a, Order::Asc) => Some(format!("{a}:asc")),
            Sort::By(a, Order::Desc) => Some(format!("{a}:desc")),
        };
        let sort_refs: Vec<&str> = sort.iter().map(String::as_str).collect();
        let highlighted = settings::names(settings::highlighted(kind));
        let mut s = index.search();
        s.with_query(&q.text)
            .with_limit(q.limit)
            .with_offset(q.offset)
            .with_show_ranking_score(true)
            .with_attributes_to_retrieve(Selectors::Some(&["id", "record"]));
        if q.highlights {
            s.with_attributes_to_highlight(Selectors::Some(&highlighted))
                .with_highlight_pre_tag("<em>")
                .with_highlight_post_tag("</em>");
        }
        s.with_matching_strategy(match q.matching {
            MatchingStrategy::Last => MatchingStrategies::LAST,
            MatchingStrategy::All => MatchingStrategies::ALL,
            MatchingStrategy::Frequency => MatchingStrategies::FREQUENCY,
        });
        if !filter.is_empty() {
            s.with_filter(&filter);
        }
        if !sort_refs.is_empty() {
            s.with_sort(&sort_refs);
        }
        let facet_names = settings::names(&q.facets);
        if !q.facets.is_empty() {
            s.with_facets(Selectors::Some(&facet_names));
        }
        if q.sort == Sort::Relevance {
            s.with_show_ranking_score_details(true);
        }
        let res = s.execute::<Map<String, Json>>().await.map_err(map_err)?;
        let mut scores = one_scale(
            res.hits
                .iter()
                .map(|h| {
                    (
                        h.ranking_score,
                        words_matched(h.ranking_score_details.as_ref()),
                    )
                })
                .collect(),
        )
        .into_iter();
        let hits = res
            .hits
            .into_iter()
            .map(|h| {
                let id = h
                    .result
                    .get("id")
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let highlights = h
                    .formatted_result
                    .map(|f| {
                        highlighted
                            .iter()
                            .filter_map(|a| {
                                f.get(*a)
                                    .and_then(Json::as_str)
                                    .filter(|t| t.contains("<em>"))
                                    .map(|t| Highlight {
                                        field: (*a).to_owned(),
                                        snippet: whole_words(t),
                                    })
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                Hit {
                    id,
                    score: scores
                        .next()
                        .flatten()
                        .filter(|_| q.sort == Sort::Relevance),
                    highlights,
                    record: h
                        .result
                        .get("record")
                        .filter(|r| !r.is_null())
                        .map(Json::to_string),
                }
            })
            .collect();
        let facets = q
            .facets
            .iter()
            .map(|attr| {
                let mut values: Vec<FacetCount> = res
                    .facet_distribution
                    .as_ref()
                    .and_then(|d| d.get(attr.name()))
                    .map(|m| {
                        m.iter()
                            .map(|(v, n)| FacetCount {
                                value: v.clone(),
                                count: *n as u64,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                values.retain(|v| v.count > 0);
                values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                FacetDistribution {
                    field: attr.name().to_owned(),
                    values,
                }
            })
            .collect();
        Ok(SearchResults {
            total_hits: res.total_hits.or(res.estimated_total_hits).unwrap_or(0) as u64,
            hits,
            facets,
            processing_time_ms: res.processing_time_ms as u64,
        })
    }

    async fn count(&self, kind: Kind) -> SearchResult<u64> {
        let stats = self
            .client
            .index(self.uid(kind))
            .get_stats()
            .await
            .map_err(map_err)?;
        Ok(stats.number_of_documents as u64)
    }

    async fn rebuild(&self, docs: Documents) -> SearchResult<()> {
        let kind = docs.kind();
        let live = self.uid(kind);
        let aside = format!("{live}_rebuild");
        if let Ok(task) = self.client.index(&aside).delete().await {
            let _ = task
                .wait_for_completion(&self.client, Some(TASK_POLL), Some(TASK_TIMEOUT))
                .await;
        }
        self.create(&aside).await?;
        self.wait(
            self.client
                .index(&aside)
                .set_settings(&Self::settings(kind))
                .await
                .map_err(map_err)?,
        )
        .await?;
        match docs {
            Documents::Products(d) => self.add_all(&aside, &d).await?,
            Documents::Deals(d) => self.add_all(&aside, &d).await?,
        }
        // A swap needs both indexes: on a server that never held this one (a first
        // deployment, a new prefix) the live index is created empty first.
        self.create(&live).await?;
        let swap = SwapIndexes {
            indexes: (live, aside.clone()),
            rename: None,
        };
        self.wait(self.client.swap_indexes([&swap]).await.map_err(map_err)?)
            .await?;
        // `aside` now holds the old documents.
        self.wait(self.client.index(&aside).delete().await.map_err(map_err)?)
            .await
    }

    async fn digests(&self, kind: Kind) -> SearchResult<HashMap<String, u64>> {
        let index = self.client.index(self.uid(kind));
        let mut out = HashMap::new();
        let mut offset = 0;
        loop {
            let mut q = DocumentsQuery::new(&index);
            q.with_limit(BATCH).with_offset(offset);
            // Read back as the documents' types, so the digest is of the same JSON form the
            // database's documents have (numbers as the program writes them).
            let page: Vec<Json> = match kind {
                Kind::Products => {
                    let r = q.execute::<ProductDocument>().await.map_err(map_err)?;
                    crate::to_json(&Documents::Products(r.results))?
                }
                Kind::Deals => {
                    let r = q.execute::<DealDocument>().await.map_err(map_err)?;
                    crate::to_json(&Documents::Deals(r.results))?
                }
            };
            let n = page.len();
            for doc in page {
                if let Some(id) = doc.get("id").and_then(Json::as_str) {
                    out.insert(id.to_owned(), crate::digest(&doc));
                }
            }
            if n < BATCH {
                return Ok(out);
            }
            offset += n;
        }
    }

    async fn health(&self) -> SearchResult<()> {
        self.client.health().await.map(drop).map_err(map_err)
    }
}

/// A hit's own score and, when the query had words, (words matched, words asked).
type Ranked = (Option<f64>, Option<(u64, u64)>);

/// (words matched, words asked) from a hit's ranking details, when the query had words.
fn words_matched(details: Option<&Map<String, Json>>) -> Option<(u64, u64)> {
    let words = details?.get("words")?;
    Some((
        words.get("matchingWords")?.as_u64()?,
        words.get("maxMatchingWords")?.as_u64()?,
    ))
}

/// Scores on the embedded engine's scale (`embedded::query::scaled`): the share of the
/// query's words a hit's level holds, less a fraction for its rank among the page's hits of
/// that level (Meilisearch's own score, relative to the level's best). A hit whose details
/// name no words (an empty query) keeps Meilisearch's score.
fn one_scale(hits: Vec<Ranked>) -> Vec<Option<f64>> {
    let mut best: HashMap<u64, f64> = HashMap::new();
    for (score, words) in &hits {
        if let (Some(s), Some((matched, _))) = (score, words) {
            let b = best.entry(*matched).or_default();
            *b = b.max(*s);
        }
    }
    hits.into_iter()
        .map(|(score, words)| match (score, words) {
            (Some(s), Some((matched, asked))) if asked > 0 => {
                let top = best.get(&matched).copied().unwrap_or(0.0);
                let within = if top > 0.0 { s / top } else { 0.0 };
                Some((matched.max(1) as f64 - 1.0 + within) / asked as f64)
            }
            (score, _) => score,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Attribute;
    use meilisearch_sdk::errors::{ErrorType, MeilisearchError};

    #[test]
    fn scores_share_the_embedded_engines_scale() {
        let scores = one_scale(vec![
            (Some(0.9), Some((2, 2))),
            (Some(0.45), Some((2, 2))),
            (Some(0.6), Some((1, 2))),
            (Some(0.3), Some((1, 2))),
            (Some(1.0), None),
        ]);
        assert_eq!(
            scores,
            [Some(1.0), Some(0.75), Some(0.5), Some(0.25), Some(1.0)]
        );
    }

    #[test]
    fn whatever_meilisearch_refuses_is_unavailable_not_the_buyers_input() {
        let refusal = |code, error_type| {
            map_err(MeiliError::Meilisearch(MeilisearchError {
                error_message: "refused".into(),
                error_code: code,
                error_type,
                error_link: String::new(),
            }))
        };
        for e in [
            refusal(ErrorCode::IndexNotFound, ErrorType::InvalidRequest),
            refusal(ErrorCode::InvalidSearchSort, ErrorType::InvalidRequest),
            refusal(ErrorCode::InvalidApiKey, ErrorType::Auth),
            refusal(ErrorCode::InternalError, ErrorType::Internal),
        ] {
            assert!(matches!(e, SearchError::Unavailable(_)), "{e:?}");
        }
    }

    #[test]
    fn filters_become_meilisearch_expressions_with_safe_quoting() {
        assert_eq!(
            expression(&Filter::AnyOf(
                Attribute::Categories,
                vec!["a".into(), "b\"c".into()]
            )),
            r#"categories IN ["a", "b\"c"]"#
        );
        assert_eq!(
            expression(&Filter::AllOf(
                Attribute::Badges,
                vec!["x".into(), "y".into()]
            )),
            r#"badges = "x" AND badges = "y""#
        );
        assert_eq!(
            expression(&Filter::Range(Attribute::PricePence, None, Some(500.0))),
            "price_pence <= 500"
        );
        assert_eq!(
            expression(&Filter::Range(Attribute::RatingAverage, Some(3.5), None)),
            "rating_average >= 3.5"
        );
        assert_eq!(
            expression(&Filter::Is(Attribute::TrialAvailable, true)),
            "trial_available = true"
        );
    }
}
