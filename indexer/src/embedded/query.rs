//! Queries: a search's text, synonyms and filters as tantivy queries, and running a search
//! into hits, highlights and facet counts.

use std::ops::Bound;
use std::sync::Arc;
use std::time::Instant;

use tantivy::collector::{Count, MultiCollector, MultiFruit, TopDocs};
use tantivy::query::{
    AllQuery, AutomatonWeight, BooleanQuery, BoostQuery, ConstScoreQuery, DfaWrapper,
    EnableScoring, FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery, Weight,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::{DocAddress, Order as TOrder, SegmentReader, TantivyDocument, Term};

use super::facets::FacetCounter;
use super::internal;
use super::schema::{FLOAT_ATTRIBUTES, facet, highlighted};
use super::shards::Shard;
use crate::Attribute;
use crate::highlight::{highlight, words};
use crate::settings::{self, typo_budget};
use crate::vocabulary::{is_stop_word, synonyms};
use crate::{
    FacetCount, FacetDistribution, Filter, Highlight, Hit, MatchingStrategy, Order, SearchError,
    SearchQuery, SearchResult, SearchResults, Sort,
};

/// Terms of one field accepted by a typo (or prefix) automaton built once for a query word and
/// shared by the word's clauses on every field (tantivy's `FuzzyTermQuery` builds its own).
#[derive(Clone)]
struct SharedAutomaton {
    field: Field,
    automaton: Arc<DfaWrapper>,
}

impl std::fmt::Debug for SharedAutomaton {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedAutomaton")
            .field("field", &self.field)
            .finish_non_exhaustive()
    }
}

impl Query for SharedAutomaton {
    fn weight(&self, _: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(AutomatonWeight::<DfaWrapper>::new(
            self.field,
            self.automaton.clone(),
        )))
    }
}

impl Shard {
    fn text_terms(&self, field: Field, text: &str) -> SearchResult<Vec<Term>> {
        let mut analyzer = self.index.tokenizer_for_field(field).map_err(internal)?;
        let mut stream = analyzer.token_stream(text);
        let mut terms = Vec::new();
        while let Some(token) = stream.next() {
            terms.push(Term::from_field_text(field, &token.text));
        }
        Ok(terms)
    }

    /// A query word in every searchable field: exact (stemmed), and within the typo budget of
    /// the word as written; the last word being typed also matches as a prefix (within the
    /// same budget, as Meilisearch does). Each typo automaton is built once per word and shared
    /// by every field.
    fn word_query(&self, word: &str, is_last: bool) -> SearchResult<Box<dyn Query>> {
        let budget = typo_budget(word.chars().count());
        let prefix = is_last && word.len() >= 2;
        let automata: Vec<Arc<DfaWrapper>> = match self.fields.raw.first() {
            Some(raw) if prefix || budget > 0 => self
                .text_terms(*raw, word)?
                .into_iter()
                .map(|term| {
                    let q = if prefix {
                        FuzzyTermQuery::new_prefix(term, budget, true)
                    } else {
                        FuzzyTermQuery::new(term, budget, true)
                    };
                    q.automaton().map(Arc::new).map_err(internal)
                })
                .collect::<SearchResult<_>>()?,
            _ => vec![],
        };
        let typo_boost = if prefix { 0.6 } else { 0.5 };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for ((_, field, boost), raw) in self.fields.text.iter().zip(&self.fields.raw) {
            for term in self.text_terms(*field, word)? {
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)),
                        *boost,
                    )),
                ));
            }
            for automaton in &automata {
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(SharedAutomaton {
                            field: *raw,
                            automaton: automaton.clone(),
                        }),
                        boost * typo_boost,
                    )),
                ));
            }
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// A phrase (a multi-word synonym) in any searchable field.
    fn phrase_query(&self, phrase: &str) -> SearchResult<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (_, field, boost) in &self.fields.text {
            let terms = self.text_terms(*field, phrase)?;
            let q: Box<dyn Query> = match terms.len() {
                0 => continue,
                1 => Box::new(TermQuery::new(
                    terms[0].clone(),
                    IndexRecordOption::WithFreqs,
                )),
                _ => Box::new(PhraseQuery::new(terms)),
            };
            clauses.push((Occur::Should, Box::new(BoostQuery::new(q, *boost))));
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// The query's units in the order typed: each word, or a span of words that is a synonym
    /// phrase, as a query that matches it (or its synonyms) in any searchable field. Stop
    /// words are left out, unless the query holds nothing else.
    fn text_units(&self, text: &str) -> SearchResult<Vec<Box<dyn Query>>> {
        let typed = words(text);
        let meaningful: Vec<String> = typed.iter().filter(|w| !is_stop_word(w)).cloned().collect();
        let ws = if meaningful.is_empty() {
            typed
        } else {
            meaningful
        };
        let mut units: Vec<Box<dyn Query>> = Vec::new();
        let mut i = 0;
        while i < ws.len() {
            // The longest synonym phrase starting here, if any.
            let span = synonyms()
                .iter()
                .flat_map(|group| group.iter().map(move |m| (group, m.as_str())))
                .filter_map(|(group, member)| {
                    let mw = words(member);
                    (ws.len() >= i + mw.len() && ws[i..i + mw.len()] == mw[..]).then_some((
                        group,
                        mw.len(),
                        member,
                    ))
                })
                .max_by_key(|(_, n, _)| *n);
            match span {
                Some((group, n, member)) => {
                    let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                    let own: Vec<(Occur, Box<dyn Query>)> = ws[i..i + n]
                        .iter()
                        .enumerate()
                        .map(|(k, w)| Ok((Occur::Must, self.word_query(w, i + k + 1 == ws.len())?)))
                        .collect::<SearchResult<_>>()?;
                    alternatives.push((Occur::Should, Box::new(BooleanQuery::new(own))));
                    for other in group.iter().filter(|m| **m != member) {
                        alternatives.push((Occur::Should, self.phrase_query(other)?));
                    }
                    units.push(Box::new(BooleanQuery::new(alternatives)));
                    i += n;
                }
                None => {
                    units.push(self.word_query(&ws[i], i + 1 == ws.len())?);
                    i += 1;
                }
            }
        }
        Ok(units)
    }

    /// The levels of a text query under a matching strategy, most words first: each level
    /// requires its units, and a record belongs to the first level it matches. `All` has one
    /// level; `Last` drops units from the end, `Frequency` the unit found in the most records
    /// first. Each level comes with how many units it keeps.
    fn text_levels(
        &self,
        units: Vec<Box<dyn Query>>,
        strategy: MatchingStrategy,
        searcher: &tantivy::Searcher,
    ) -> SearchResult<Vec<(usize, Box<dyn Query>)>> {
        let all_of = |kept: &[&dyn Query]| -> Box<dyn Query> {
            Box::new(BooleanQuery::new(
                kept.iter().map(|u| (Occur::Must, u.box_clone())).collect(),
            ))
        };
        let n = units.len();
        // The order units are given up in, first dropped first.
        let dropped: Vec<usize> = match strategy {
            MatchingStrategy::All => {
                let every: Vec<&dyn Query> = units.iter().map(|u| u.as_ref()).collect();
                return Ok(vec![(n, all_of(&every))]);
            }
            MatchingStrategy::Last => (0..n).rev().collect(),
            MatchingStrategy::Frequency => {
                let mut found = Vec::with_capacity(n);
                for (i, u) in units.iter().enumerate() {
                    found.push((searcher.search(u.as_ref(), &Count).map_err(internal)?, i));
                }
                // Most frequent first; ties drop the later word first.
                found.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)));
                found.into_iter().map(|(_, i)| i).collect()
            }
        };
        let mut levels = Vec::with_capacity(n);
        for gone in 0..n {
            let kept: Vec<&dyn Query> = units
                .iter()
                .enumerate()
                .filter(|(i, _)| !dropped[..gone].contains(i))
                .map(|(_, u)| u.as_ref())
                .collect();
            levels.push((n - gone, all_of(&kept)));
        }
        Ok(levels)
    }

    fn facet_term_query(field: Field, value: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_facet(field, &facet(value)),
            IndexRecordOption::Basic,
        ))
    }

    fn filter_query(&self, filter: &Filter) -> SearchResult<Box<dyn Query>> {
        settings::check_filter(self.kind, filter)?;
        let missing = |a: &Attribute| {
            SearchError::Invalid(format!("`{a}` is not an attribute of this index"))
        };
        Ok(match filter {
            Filter::AnyOf(attr, values) => {
                let field = *self.fields.keyword.get(attr).ok_or_else(|| missing(attr))?;
                Box::new(BooleanQuery::new(
                    values
                        .iter()
                        .map(|v| (Occur::Should, Self::facet_term_query(field, v)))
                        .collect(),
                ))
            }
            Filter::AllOf(attr, values) => {
                let field = *self.fields.keyword.get(attr).ok_or_else(|| missing(attr))?;
                if values.is_empty() {
                    Box::new(AllQuery)
                } else {
                    Box::new(BooleanQuery::new(
                        values
                            .iter()
                            .map(|v| (Occur::Must, Self::facet_term_query(field, v)))
                            .collect(),
                    ))
                }
            }
            Filter::Is(attr, value) => {
                let field = *self.fields.boolean.get(attr).ok_or_else(|| missing(attr))?;
                Self::facet_term_query(field, if *value { "true" } else { "false" })
            }
            Filter::Range(attr, min, max) => {
                let field = *self.fields.numeric.get(attr).ok_or_else(|| missing(attr))?;
                let float = FLOAT_ATTRIBUTES.contains(attr);
                let term = |v: f64, up: bool| {
                    if float {
                        Term::from_field_f64(field, v)
                    } else {
                        let v = if up { v.floor() } else { v.ceil() };
                        Term::from_field_i64(field, v as i64)
                    }
                };
                let lower = min.map_or(Bound::Unbounded, |v| Bound::Included(term(v, false)));
                let upper = max.map_or(Bound::Unbounded, |v| Bound::Included(term(v, true)));
                Box::new(RangeQuery::new(lower, upper))
            }
        })
    }

    pub(super) fn search(&self, q: &SearchQuery) -> SearchResult<SearchResults> {
        let started = Instant::now();
        let searcher = self.reader.searcher();
        let units = self.text_units(&q.text)?;
        let unit_count = units.len();
        let levels = if units.is_empty() {
            vec![]
        } else {
            self.text_levels(units, q.matching, &searcher)?
        };
        let mut filters: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for f in &q.filters {
            // Filters restrict without adding to the score.
            filters.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(self.filter_query(f)?, 0.0)),
            ));
        }
        let with_filters = |text: Option<Box<dyn Query>>, not: Option<Box<dyn Query>>| {
            let mut clauses: Vec<(Occur, Box<dyn Query>)> =
                filters.iter().map(|(o, f)| (*o, f.box_clone())).collect();
            if let Some(t) = text {
                clauses.push((Occur::Must, t));
            }
            if let Some(n) = not {
                clauses.push((Occur::MustNot, n));
            }
            let query: Box<dyn Query> = if clauses.is_empty() {
                Box::new(AllQuery)
            } else {
                if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Box::new(BooleanQuery::new(clauses))
            };
            query
        };
        // Records holding the words as typed, side by side (stop words too), rank first within
        // their level: the closest the embedded engine comes to Meilisearch's proximity and
        // exactness rules.
        let phrase = if unit_count > 1 {
            Some(self.phrase_query(&q.text)?)
        } else {
            None
        };
        let levels: Vec<(usize, Box<dyn Query>)> = levels
            .into_iter()
            .map(|(kept, level)| {
                let ranked: Box<dyn Query> = match &phrase {
                    Some(p) => Box::new(BooleanQuery::new(vec![
                        (Occur::Must, level),
                        (
                            Occur::Should,
                            Box::new(BoostQuery::new(p.box_clone(), PHRASE_BOOST)),
                        ),
                    ])),
                    None => level,
                };
                (kept, ranked)
            })
            .collect();
        // Every record of the widest level is a hit: counted and faceted.
        let query = with_filters(levels.last().map(|(_, q)| q.box_clone()), None);

        let mut collectors = MultiCollector::new();
        let count = collectors.add_collector(Count);
        let mut facet_fields = Vec::with_capacity(q.facets.len());
        for attr in &q.facets {
            if self.fields.keyword.contains_key(attr) {
                facet_fields.push(format!("k_{attr}"));
            } else if self.fields.boolean.contains_key(attr) {
                facet_fields.push(format!("b_{attr}"));
            } else {
                return Err(SearchError::Invalid(format!(
                    "`{attr}` has no facet counts"
                )));
            }
        }
        let facet_handle = (!facet_fields.is_empty()).then(|| {
            collectors.add_collector(FacetCounter {
                fields: facet_fields,
                cache: self.value_bits.clone(),
                live: searcher
                    .segment_readers()
                    .iter()
                    .map(SegmentReader::segment_id)
                    .collect(),
            })
        });
        // With one level (one word, or every word required), its page comes from the same pass.
        let wanted = q.offset + q.limit.max(1);
        let single = (levels.len() <= 1)
            .then(|| self.add_top(&mut collectors, TopDocs::with_limit(wanted), q.sort))
            .transpose()?;
        let mut fruits = searcher.search(&query, &collectors).map_err(internal)?;
        // The page: each level's records in order (by relevance or by the sort), a level's
        // records after those of every level with more words, until the page is full.
        let mut ranked: Vec<(Option<f64>, DocAddress)> = Vec::new();
        let buckets: Vec<(usize, Box<dyn Query>)> = if single.is_some() {
            vec![]
        } else {
            levels
                .iter()
                .enumerate()
                .map(|(i, (kept, level))| {
                    let richer = (i > 0).then(|| levels[i - 1].1.box_clone());
                    (*kept, with_filters(Some(level.box_clone()), richer))
                })
                .collect()
        };
        for (kept, bucket) in buckets {
            if ranked.len() >= wanted {
                break;
            }
            let top = TopDocs::with_limit(wanted - ranked.len());
            let found = self.top_docs(&searcher, bucket.as_ref(), top, q.sort)?;
            ranked.extend(scaled(found, kept, unit_count));
        }
        if let Some(take) = single {
            ranked = scaled(take(&mut fruits), unit_count, unit_count);
        }
        let scored: Vec<(Option<f64>, DocAddress)> = ranked.into_iter().skip(q.offset).collect();
        let total_hits = count.extract(&mut fruits) as u64;
        let counted = facet_handle
            .map(|h| h.extract(&mut fruits))
            .unwrap_or_default();
        let facets = q
            .facets
            .iter()
            .zip(counted)
            .map(|(attr, counts)| {
                let mut values: Vec<FacetCount> = counts
                    .into_iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(value, count)| FacetCount { value, count })
                    .collect();
                values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                FacetDistribution {
                    field: attr.name().to_owned(),
                    values,
                }
            })
            .collect();

        let qwords = words(&q.text);
        let mut hits = Vec::with_capacity(scored.len());
        for (score, addr) in scored {
            let doc: TantivyDocument = searcher.doc(addr).map_err(internal)?;
            let id = doc
                .get_first(self.fields.id)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned();
            let mut highlights = Vec::new();
            if q.highlights && !qwords.is_empty() {
                for (attr, field, _) in &self.fields.text {
                    if !highlighted(self.kind).contains(attr) {
                        continue;
                    }
                    if let Some(snippet) = doc
                        .get_first(*field)
                        .and_then(|v| v.as_str())
                        .and_then(|t| highlight(t, &qwords))
                    {
                        highlights.push(Highlight {
                            field: attr.name().to_owned(),
                            snippet,
                        });
                    }
                }
            }
            let record = doc
                .get_first(self.fields.record)
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            hits.push(Hit {
                id,
                score,
                highlights,
                record,
            });
        }
        Ok(SearchResults {
            total_hits,
            hits,
            facets,
            processing_time_ms: started.elapsed().as_millis() as u64,
        })
    }
}

/// Relevance on one scale for both engines: a record's score is the share of the query's
/// `units` its level keeps, less a fraction for how it ranks among its level's records (the
/// level's best scores `kept / units`; with every unit kept, 1.0). Sorted pages have none.
fn scaled(
    found: Vec<(Option<f64>, DocAddress)>,
    kept: usize,
    units: usize,
) -> Vec<(Option<f64>, DocAddress)> {
    let best = found.iter().filter_map(|(s, _)| *s).fold(0.0_f64, f64::max);
    let units = units.max(1) as f64;
    let kept = kept.max(1) as f64;
    found
        .into_iter()
        .map(|(s, a)| {
            let within = s.map(|s| if best > 0.0 { s / best } else { 0.0 });
            (within.map(|w| (kept - 1.0 + w) / units), a)
        })
        .collect()
}

/// How much more a record holding the query's words side by side counts within its level.
const PHRASE_BOOST: f32 = 3.0;

/// Reads a page's records (with their scores when ranked by relevance) out of a search's fruits.
type TakeTop = Box<dyn FnOnce(&mut MultiFruit) -> Vec<(Option<f64>, DocAddress)>>;

impl Shard {
    /// Adds to `collectors` the best records by relevance or by a numeric attribute.
    fn add_top(
        &self,
        collectors: &mut MultiCollector<'_>,
        top: TopDocs,
        sort: Sort,
    ) -> SearchResult<TakeTop> {
        Ok(match sort {
            Sort::Relevance => {
                let h = collectors.add_collector(top.order_by_score());
                Box::new(move |f| {
                    let hits = h.extract(f);
                    hits.into_iter()
                        .map(|(s, a)| (Some(f64::from(s)), a))
                        .collect()
                })
            }
            Sort::By(attr, order) => {
                if !self.fields.numeric.contains_key(&attr) {
                    return Err(SearchError::Invalid(format!("cannot sort by `{attr}`")));
                }
                let o = if order == Order::Asc {
                    TOrder::Asc
                } else {
                    TOrder::Desc
                };
                let name = format!("n_{attr}");
                if FLOAT_ATTRIBUTES.contains(&attr) {
                    let h = collectors.add_collector(top.order_by_fast_field::<f64>(name, o));
                    Box::new(move |f| h.extract(f).into_iter().map(|(_, a)| (None, a)).collect())
                } else {
                    let h = collectors.add_collector(top.order_by_fast_field::<i64>(name, o));
                    Box::new(move |f| h.extract(f).into_iter().map(|(_, a)| (None, a)).collect())
                }
            }
        })
    }

    /// The best records of `query`, in a search of their own.
    fn top_docs(
        &self,
        searcher: &tantivy::Searcher,
        query: &dyn Query,
        top: TopDocs,
        sort: Sort,
    ) -> SearchResult<Vec<(Option<f64>, DocAddress)>> {
        let mut collectors = MultiCollector::new();
        let take = self.add_top(&mut collectors, top, sort)?;
        let mut fruits = searcher.search(query, &collectors).map_err(internal)?;
        Ok(take(&mut fruits))
    }
}
