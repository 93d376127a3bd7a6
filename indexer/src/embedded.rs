//! The embedded search engine: one tantivy index per kind in the data dir, used when no
//! Meilisearch is configured.
//!
//! It honours the shared [`settings`] as closely as tantivy allows: searchable attributes are
//! text fields boosted by priority (stemmed English), each query word matches exactly, by
//! prefix (the last word) or within the typo budget (fuzzy terms), synonyms expand to
//! alternatives, keyword attributes are facet fields (filters and counts), numeric attributes
//! are fast fields (ranges and sorts). Writes commit and reload before they return, so a
//! document is searchable when `upsert` returns.
//!
//! One process at a time writes an index (tantivy holds a lock file). Another process that
//! opens the same folder meanwhile (a second `becta serve` on the machine) reads it: its
//! reader follows the writer's commits (tantivy polls the index's meta file every 500 ms) and
//! a rebuild swapped in by the writer, and it refuses writes.

use std::collections::HashMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use serde_json::Value as Json;
use tantivy::collector::{Collector, Count, MultiCollector, SegmentCollector, TopDocs};
use tantivy::directory::MmapDirectory;
use tantivy::fastfield::FacetReader;
use tantivy::index::SegmentId;
use tantivy::query::{
    AllQuery, AutomatonWeight, BooleanQuery, BoostQuery, ConstScoreQuery, DfaWrapper,
    EnableScoring, FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery, Weight,
};
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions, Value,
};
use tantivy::{
    DocAddress, DocId, Index, IndexReader, IndexWriter, Order as TOrder, ReloadPolicy, Score,
    SegmentOrdinal, SegmentReader, TantivyDocument, Term,
};

use crate::highlight::{highlight, words};
use crate::settings::{self, SYNONYMS, typo_budget};
use crate::{
    Documents, FacetCount, FacetDistribution, Filter, Highlight, Hit, Kind, Order, SearchEngine,
    SearchError, SearchQuery, SearchResult, SearchResults, Sort,
};

const WRITER_MEMORY: usize = 50_000_000;
/// Bump when the tantivy schema changes: an index of another version is rebuilt empty and
/// refilled from the database (the server does so at start, see `needs_refill`).
const SCHEMA_VERSION: &str = "4";

fn internal(e: impl std::fmt::Display) -> SearchError {
    SearchError::Internal(e.to_string())
}

/// Numeric attributes stored as floats; the others are integers.
const FLOAT_ATTRIBUTES: &[&str] = &["rating_average"];

/// Attributes shown with highlights.
fn highlighted(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Products => &["name", "summary"],
        Kind::Deals => &["title", "summary"],
    }
}

/// The tantivy fields of one kind, by document attribute.
struct Fields {
    id: Field,
    version: Field,
    /// The document's [`crate::digest`], for `becta index --check`.
    digest: Field,
    /// The document's `record` (what a hit shows) as JSON: stored, not indexed.
    record: Field,
    /// Searchable text fields with their boosts, in priority order (stemmed words).
    text: Vec<(&'static str, Field, f32)>,
    /// The same text unstemmed, one per `text` field: typos and prefixes are matched against
    /// the words as written ("readng" is one edit from "reading", but two from its stem).
    raw: Vec<Field>,
    keyword: HashMap<&'static str, Field>,
    boolean: HashMap<&'static str, Field>,
    numeric: HashMap<&'static str, Field>,
}

fn schema(kind: Kind) -> (Schema, Fields) {
    let mut b = Schema::builder();
    let id = b.add_text_field("id", STRING | STORED);
    let version = b.add_i64_field("version", STORED | FAST);
    let digest = b.add_u64_field("digest", STORED);
    let record = b.add_text_field("record", STORED);
    let searchable = settings::searchable(kind);
    let raw = searchable
        .iter()
        .map(|attr| {
            let indexing = TextFieldIndexing::default()
                .set_tokenizer("default")
                .set_index_option(IndexRecordOption::Basic);
            b.add_text_field(
                &format!("r_{attr}"),
                TextOptions::default().set_indexing_options(indexing),
            )
        })
        .collect();
    let text = searchable
        .iter()
        .enumerate()
        .map(|(i, attr)| {
            let indexing = TextFieldIndexing::default()
                .set_tokenizer("en_stem")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions);
            let mut opts = TextOptions::default().set_indexing_options(indexing);
            if highlighted(kind).contains(attr) {
                opts = opts.set_stored();
            }
            let boost = match i {
                0 => 3.0,
                1 => 2.0,
                2 => 1.5,
                _ if i + 1 == searchable.len() => 0.7,
                _ => 1.0,
            };
            (*attr, b.add_text_field(&format!("t_{attr}"), opts), boost)
        })
        .collect();
    let keyword = settings::keyword_attributes(kind)
        .iter()
        .map(|a| {
            (
                *a,
                b.add_facet_field(&format!("k_{a}"), FacetOptions::default()),
            )
        })
        .collect();
    let boolean = settings::boolean_attributes(kind)
        .iter()
        .map(|a| {
            (
                *a,
                b.add_facet_field(&format!("b_{a}"), FacetOptions::default()),
            )
        })
        .collect();
    let numeric = settings::numeric_attributes(kind)
        .iter()
        .map(|a| {
            let name = format!("n_{a}");
            let f = if FLOAT_ATTRIBUTES.contains(a) {
                b.add_f64_field(&name, INDEXED | FAST)
            } else {
                b.add_i64_field(&name, INDEXED | FAST)
            };
            (*a, f)
        })
        .collect();
    (
        b.build(),
        Fields {
            id,
            version,
            digest,
            record,
            text,
            raw,
            keyword,
            boolean,
            numeric,
        },
    )
}

fn facet(value: &str) -> Facet {
    Facet::from_path([value])
}

fn strings(v: Option<&Json>) -> Vec<String> {
    match v {
        Some(Json::String(s)) => vec![s.clone()],
        Some(Json::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => vec![],
    }
}

/// A document as tantivy fields, from its JSON form (attribute names as in the settings).
fn to_tantivy(fields: &Fields, doc: &Json) -> SearchResult<(String, i64, TantivyDocument)> {
    let id = doc
        .get("id")
        .and_then(Json::as_str)
        .ok_or_else(|| internal("document without id"))?
        .to_owned();
    let version = doc.get("version").and_then(Json::as_i64).unwrap_or(0);
    let mut t = TantivyDocument::default();
    t.add_text(fields.id, &id);
    t.add_i64(fields.version, version);
    t.add_u64(fields.digest, crate::digest(doc));
    if let Some(record) = doc.get("record").filter(|r| !r.is_null()) {
        t.add_text(fields.record, record.to_string());
    }
    for ((attr, field, _), raw) in fields.text.iter().zip(&fields.raw) {
        for s in strings(doc.get(*attr)) {
            t.add_text(*field, &s);
            t.add_text(*raw, s);
        }
    }
    for (attr, field) in &fields.keyword {
        for s in strings(doc.get(*attr)) {
            t.add_facet(*field, facet(&s));
        }
    }
    for (attr, field) in &fields.boolean {
        let v = doc.get(*attr).and_then(Json::as_bool).unwrap_or(false);
        t.add_facet(*field, facet(if v { "true" } else { "false" }));
    }
    for (attr, field) in &fields.numeric {
        if FLOAT_ATTRIBUTES.contains(attr) {
            t.add_f64(*field, doc.get(*attr).and_then(Json::as_f64).unwrap_or(0.0));
        } else {
            t.add_i64(*field, doc.get(*attr).and_then(Json::as_i64).unwrap_or(0));
        }
    }
    Ok((id, version, t))
}

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

/// One kind's index, its reader and (in the process that writes it) its writer.
struct Shard {
    kind: Kind,
    index: Index,
    writer: Option<Mutex<IndexWriter>>,
    reader: IndexReader,
    fields: Fields,
    /// Opened over an index of an older schema, which was dropped.
    reset: bool,
    /// The folder's identity when opened: a reader reopens when a rebuild swaps another in.
    folder: Option<FolderId>,
    /// Per segment, which documents hold each facet value (for facet counts).
    value_bits: Arc<ValueBitsCache>,
}

/// Device and inode of a folder (unix); a rename swaps another folder in under the same path.
type FolderId = (u64, u64);

fn folder_id(dir: &Path) -> Option<FolderId> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(dir).ok().map(|m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// Whether a process writes the index or only reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    /// Write when the writer lock is free, else read.
    WriteOrRead,
    /// Write, or fail when another process holds the writer lock.
    Write,
    Read,
}

impl Shard {
    fn open(kind: Kind, dir: &Path, access: Access) -> SearchResult<Shard> {
        if access == Access::Read {
            return Self::open_reader(kind, dir);
        }
        std::fs::create_dir_all(dir).map_err(internal)?;
        let version_file = dir.join("SCHEMA_VERSION");
        let current = std::fs::read_to_string(&version_file).unwrap_or_default();
        let reset = !current.trim().is_empty() && current.trim() != SCHEMA_VERSION;
        if current.trim() != SCHEMA_VERSION {
            // Another schema (or none): start this index afresh.
            std::fs::remove_dir_all(dir).map_err(internal)?;
            std::fs::create_dir_all(dir).map_err(internal)?;
            std::fs::write(&version_file, SCHEMA_VERSION).map_err(internal)?;
        }
        let (schema, fields) = schema(kind);
        let index = Index::open_or_create(MmapDirectory::open(dir).map_err(internal)?, schema)
            .map_err(internal)?;
        let writer = match index.writer_with_num_threads(1, WRITER_MEMORY) {
            Ok(w) => w,
            Err(tantivy::TantivyError::LockFailure(..)) if access == Access::WriteOrRead => {
                return Self::open_reader(kind, dir);
            }
            Err(tantivy::TantivyError::LockFailure(..)) => {
                return Err(SearchError::Unavailable(format!(
                    "the embedded index at {} is written by another process",
                    dir.display()
                )));
            }
            Err(e) => return Err(internal(e)),
        };
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(internal)?;
        Ok(Shard {
            kind,
            index,
            writer: Some(Mutex::new(writer)),
            reader,
            fields,
            reset,
            folder: None,
            value_bits: Arc::default(),
        })
    }

    /// Opens an index another process writes, following its commits.
    fn open_reader(kind: Kind, dir: &Path) -> SearchResult<Shard> {
        let current = std::fs::read_to_string(dir.join("SCHEMA_VERSION")).unwrap_or_default();
        if current.trim() != SCHEMA_VERSION {
            return Err(SearchError::Unavailable(format!(
                "the embedded index at {} is of another schema ({:?}); the process that writes it refills it",
                dir.display(),
                current.trim()
            )));
        }
        let (schema, fields) = schema(kind);
        let folder = folder_id(dir);
        let index = Index::open_or_create(MmapDirectory::open(dir).map_err(internal)?, schema)
            .map_err(internal)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(internal)?;
        Ok(Shard {
            kind,
            index,
            writer: None,
            reader,
            fields,
            reset: false,
            folder,
            value_bits: Arc::default(),
        })
    }

    fn writer(&self) -> SearchResult<std::sync::MutexGuard<'_, IndexWriter>> {
        self.writer
            .as_ref()
            .ok_or_else(|| {
                SearchError::Unavailable(
                    "this process only reads the embedded index; the process that holds its writer indexes".into(),
                )
            })?
            .lock()
            .map_err(|_| internal("index writer lock poisoned"))
    }

    /// The id and digest of every document.
    fn digests(&self) -> SearchResult<HashMap<String, u64>> {
        let searcher = self.reader.searcher();
        let mut out = HashMap::new();
        for segment in searcher.segment_readers() {
            let store = segment.get_store_reader(64).map_err(internal)?;
            for doc in segment.doc_ids_alive() {
                let d: TantivyDocument = store.get(doc).map_err(internal)?;
                let id = d.get_first(self.fields.id).and_then(|v| v.as_str());
                let digest = d.get_first(self.fields.digest).and_then(|v| v.as_u64());
                if let (Some(id), Some(digest)) = (id, digest) {
                    out.insert(id.to_owned(), digest);
                }
            }
        }
        Ok(out)
    }

    /// The stored version of a document, if indexed.
    fn version_of(&self, searcher: &tantivy::Searcher, id: &str) -> SearchResult<Option<i64>> {
        let q = TermQuery::new(
            Term::from_field_text(self.fields.id, id),
            IndexRecordOption::Basic,
        );
        let top = searcher
            .search(&q, &TopDocs::with_limit(1).order_by_score())
            .map_err(internal)?;
        let Some((_, addr)) = top.first() else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(*addr).map_err(internal)?;
        Ok(doc.get_first(self.fields.version).and_then(|v| v.as_i64()))
    }

    fn upsert(&self, docs: Vec<Json>) -> SearchResult<()> {
        // Keep only the newest version of each id within the batch.
        let mut newest: HashMap<String, (i64, TantivyDocument)> = HashMap::new();
        for d in &docs {
            let (id, version, t) = to_tantivy(&self.fields, d)?;
            match newest.get(&id) {
                Some((v, _)) if *v > version => {}
                _ => {
                    newest.insert(id, (version, t));
                }
            }
        }
        let writer = self.writer()?;
        let searcher = self.reader.searcher();
        for (id, (version, doc)) in newest {
            if self
                .version_of(&searcher, &id)?
                .is_some_and(|stored| stored > version)
            {
                continue;
            }
            writer.delete_term(Term::from_field_text(self.fields.id, &id));
            writer.add_document(doc).map_err(internal)?;
        }
        drop(writer);
        self.commit()
    }

    fn delete(&self, ids: &[String]) -> SearchResult<()> {
        let writer = self.writer()?;
        for id in ids {
            writer.delete_term(Term::from_field_text(self.fields.id, id));
        }
        drop(writer);
        self.commit()
    }

    fn commit(&self) -> SearchResult<()> {
        let mut writer = self.writer()?;
        writer.commit().map_err(internal)?;
        drop(writer);
        self.reader.reload().map_err(internal)
    }

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

    /// Every query word (or synonym span) must match somewhere.
    fn text_query(&self, text: &str) -> SearchResult<Option<Box<dyn Query>>> {
        let ws = words(text);
        if ws.is_empty() {
            return Ok(None);
        }
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut i = 0;
        while i < ws.len() {
            // The longest synonym phrase starting here, if any.
            let span = SYNONYMS
                .iter()
                .flat_map(|group| group.iter().map(move |m| (group, *m)))
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
                    must.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
                    i += n;
                }
                None => {
                    must.push((Occur::Must, self.word_query(&ws[i], i + 1 == ws.len())?));
                    i += 1;
                }
            }
        }
        Ok(Some(Box::new(BooleanQuery::new(must))))
    }

    fn facet_term_query(field: Field, value: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_facet(field, &facet(value)),
            IndexRecordOption::Basic,
        ))
    }

    fn filter_query(&self, filter: &Filter) -> SearchResult<Box<dyn Query>> {
        settings::check_filter(self.kind, filter)?;
        let missing =
            |a: &str| SearchError::Invalid(format!("`{a}` is not an attribute of this index"));
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

    fn search(&self, q: &SearchQuery) -> SearchResult<SearchResults> {
        let started = Instant::now();
        let text = self.text_query(&q.text)?;
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(t) = text {
            clauses.push((Occur::Must, t));
        }
        for f in &q.filters {
            // Filters restrict without adding to the score.
            clauses.push((
                Occur::Must,
                Box::new(ConstScoreQuery::new(self.filter_query(f)?, 0.0)),
            ));
        }
        let query: Box<dyn Query> = if clauses.is_empty() {
            Box::new(AllQuery)
        } else {
            Box::new(BooleanQuery::new(clauses))
        };
        let searcher = self.reader.searcher();

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
        let top = TopDocs::with_limit(q.limit.max(1)).and_offset(q.offset);
        let (scored, mut fruits): (Vec<(Option<f64>, DocAddress)>, _) = match q.sort {
            Sort::Relevance => {
                let handle = collectors.add_collector(top.order_by_score());
                let mut fruits = searcher.search(&query, &collectors).map_err(internal)?;
                let hits = handle.extract(&mut fruits);
                (
                    hits.into_iter()
                        .map(|(s, a)| (Some(f64::from(s)), a))
                        .collect(),
                    fruits,
                )
            }
            Sort::By(attr, order) => {
                if !self.fields.numeric.contains_key(attr) {
                    return Err(SearchError::Invalid(format!("cannot sort by `{attr}`")));
                }
                let o = if order == Order::Asc {
                    TOrder::Asc
                } else {
                    TOrder::Desc
                };
                let name = format!("n_{attr}");
                if FLOAT_ATTRIBUTES.contains(&attr) {
                    let handle = collectors.add_collector(top.order_by_fast_field::<f64>(name, o));
                    let mut fruits = searcher.search(&query, &collectors).map_err(internal)?;
                    let hits = handle.extract(&mut fruits);
                    (hits.into_iter().map(|(_, a)| (None, a)).collect(), fruits)
                } else {
                    let handle = collectors.add_collector(top.order_by_fast_field::<i64>(name, o));
                    let mut fruits = searcher.search(&query, &collectors).map_err(internal)?;
                    let hits = handle.extract(&mut fruits);
                    (hits.into_iter().map(|(_, a)| (None, a)).collect(), fruits)
                }
            }
        };
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
                    field: (*attr).to_owned(),
                    values,
                }
            })
            .collect();

        let max_score = scored
            .iter()
            .filter_map(|(s, _)| *s)
            .fold(0.0_f64, f64::max);
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
            if !qwords.is_empty() {
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
                            field: (*attr).to_owned(),
                            snippet,
                        });
                    }
                }
            }
            let score = score.map(|s| if max_score > 0.0 { s / max_score } else { 0.0 });
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

/// Counts the values of several facet fields over the matching documents. The collector marks
/// each match in a bitset of the segment; at harvest, a field's counts are the popcounts of
/// that bitset ANDed with one cached bitset per value (which documents hold it), so a broad
/// query costs a few thousand word operations per value instead of a column read per match.
/// Few matches (or a field with very many values) are counted from the facet column per match.
/// Every facet here is one level deep (`/value`), so ordinals need no collapsing.
struct FacetCounter {
    fields: Vec<String>,
    cache: Arc<ValueBitsCache>,
    /// The searcher's segments: cached bitsets of other (merged away) segments are dropped.
    live: Vec<SegmentId>,
}

/// Per requested field, in order: value to count.
type FacetFruit = Vec<HashMap<String, u64>>;

/// Below this many matches in a segment, counting from the column is cheaper than popcounts.
const BITSET_MIN_MATCHES: u64 = 256;
/// A field with more values than this is counted from the column (its bitsets would be large).
const BITSET_MAX_VALUES: usize = 512;

/// Which documents of a segment hold each value of one facet field: a bitset per ordinal.
struct ValueBits(Vec<Vec<u64>>);

impl ValueBits {
    fn build(reader: &FacetReader, max_doc: DocId) -> ValueBits {
        let words = (max_doc as usize).div_ceil(64);
        let mut bits = vec![vec![0u64; words]; reader.num_facets()];
        for doc in 0..max_doc {
            for ord in reader.facet_ords(doc) {
                if let Some(word) = bits
                    .get_mut(ord as usize)
                    .and_then(|b| b.get_mut(doc as usize / 64))
                {
                    *word |= 1 << (doc % 64);
                }
            }
        }
        ValueBits(bits)
    }
}

/// Value bitsets by segment and facet field, built on first use. Segments never change once
/// written, so an entry stays right for as long as its segment lives.
#[derive(Default)]
struct ValueBitsCache(Mutex<HashMap<(SegmentId, String), Arc<ValueBits>>>);

impl ValueBitsCache {
    fn get_or_build(
        &self,
        segment: &SegmentReader,
        field: &str,
        reader: &FacetReader,
        live: &[SegmentId],
    ) -> Option<Arc<ValueBits>> {
        let mut map = self.0.lock().ok()?;
        let key = (segment.segment_id(), field.to_owned());
        if let Some(bits) = map.get(&key) {
            return Some(bits.clone());
        }
        map.retain(|(id, _), _| live.contains(id));
        let bits = Arc::new(ValueBits::build(reader, segment.max_doc()));
        map.insert(key, bits.clone());
        Some(bits)
    }
}

struct SegmentFacetCounter {
    readers: Vec<FacetReader>,
    bits: Vec<Option<Arc<ValueBits>>>,
    matches: Vec<u64>,
    matched: u64,
}

impl Collector for FacetCounter {
    type Fruit = FacetFruit;
    type Child = SegmentFacetCounter;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounter> {
        let readers = self
            .fields
            .iter()
            .map(|f| segment.facet_reader(f))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let bits = self
            .fields
            .iter()
            .zip(&readers)
            .map(|(field, reader)| {
                (reader.num_facets() <= BITSET_MAX_VALUES)
                    .then(|| self.cache.get_or_build(segment, field, reader, &self.live))
                    .flatten()
            })
            .collect();
        Ok(SegmentFacetCounter {
            readers,
            bits,
            matches: vec![0; (segment.max_doc() as usize).div_ceil(64)],
            matched: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<FacetFruit>) -> tantivy::Result<FacetFruit> {
        let mut merged: FacetFruit = vec![HashMap::new(); self.fields.len()];
        for segment in segments {
            for (into, from) in merged.iter_mut().zip(segment) {
                for (value, n) in from {
                    *into.entry(value).or_default() += n;
                }
            }
        }
        Ok(merged)
    }
}

impl SegmentFacetCounter {
    /// The matching documents, in order.
    fn matched_docs(&self) -> impl Iterator<Item = DocId> + '_ {
        self.matches.iter().enumerate().flat_map(|(w, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros();
                    rest &= rest - 1;
                    (w as u32) * 64 + bit
                })
            })
        })
    }

    /// Counts by facet ordinal of one field.
    fn count(&self, field: usize, reader: &FacetReader) -> Vec<u64> {
        if let Some(bits) = self.bits[field]
            .as_ref()
            .filter(|_| self.matched >= BITSET_MIN_MATCHES)
        {
            return bits
                .0
                .iter()
                .map(|value| {
                    value
                        .iter()
                        .zip(&self.matches)
                        .map(|(a, b)| u64::from((a & b).count_ones()))
                        .sum()
                })
                .collect();
        }
        let mut counts = vec![0; reader.num_facets()];
        for doc in self.matched_docs() {
            let mut previous = u64::MAX;
            for ord in reader.facet_ords(doc) {
                // A value listed twice in one document counts once.
                if ord != previous
                    && let Some(c) = counts.get_mut(ord as usize)
                {
                    *c += 1;
                }
                previous = ord;
            }
        }
        counts
    }
}

impl SegmentCollector for SegmentFacetCounter {
    type Fruit = FacetFruit;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(word) = self.matches.get_mut(doc as usize / 64) {
            *word |= 1 << (doc % 64);
            self.matched += 1;
        }
    }

    fn harvest(self) -> FacetFruit {
        let mut facet = Facet::root();
        self.readers
            .iter()
            .enumerate()
            .map(|(i, reader)| {
                self.count(i, reader)
                    .into_iter()
                    .enumerate()
                    .filter(|(_, n)| *n > 0)
                    .filter_map(|(ord, n)| {
                        reader.facet_from_ord(ord as u64, &mut facet).ok()?;
                        let value = facet.to_path().last().map(|v| (*v).to_owned())?;
                        Some((value, n))
                    })
                    .collect()
            })
            .collect()
    }
}

/// The embedded engine: products and deals indexes under `<data dir>/search`.
pub struct EmbeddedEngine {
    root: PathBuf,
    products: RwLock<Arc<Shard>>,
    deals: RwLock<Arc<Shard>>,
    /// Another process holds the writer: this one reads.
    read_only: bool,
    /// Searches running at once: two per core, so a core has the next search ready while a
    /// finished one hands its answer back, but no more (a burst of searches sharing the cores
    /// would each take as long as the slowest). Others wait their turn, in order.
    searching: tokio::sync::Semaphore,
}

impl EmbeddedEngine {
    /// Opens (or creates) the indexes under `root` to write them, or to read them when another
    /// process is writing them already.
    pub fn open(root: impl Into<PathBuf>) -> SearchResult<Self> {
        Self::open_with(root.into(), Access::WriteOrRead)
    }

    /// Opens the indexes under `root` to write them; fails while another process writes them.
    pub fn open_writer(root: impl Into<PathBuf>) -> SearchResult<Self> {
        Self::open_with(root.into(), Access::Write)
    }

    fn open_with(root: PathBuf, access: Access) -> SearchResult<Self> {
        let products = Shard::open(
            Kind::Products,
            &root.join(Kind::Products.index_name()),
            access,
        )?;
        // Both kinds the same way: a writer for products holds the deals' writer too.
        let deals_access = if products.writer.is_some() {
            Access::Write
        } else {
            Access::Read
        };
        let deals = Shard::open(
            Kind::Deals,
            &root.join(Kind::Deals.index_name()),
            deals_access,
        )?;
        Ok(EmbeddedEngine {
            root,
            read_only: products.writer.is_none(),
            searching: tokio::sync::Semaphore::new(
                2 * std::thread::available_parallelism().map_or(2, usize::from),
            ),
            products: RwLock::new(Arc::new(products)),
            deals: RwLock::new(Arc::new(deals)),
        })
    }

    fn lock(&self, kind: Kind) -> &RwLock<Arc<Shard>> {
        match kind {
            Kind::Products => &self.products,
            Kind::Deals => &self.deals,
        }
    }

    fn shard(&self, kind: Kind) -> SearchResult<Arc<Shard>> {
        let current = self
            .lock(kind)
            .read()
            .map(|s| s.clone())
            .map_err(|_| internal("index lock poisoned"))?;
        if !self.read_only {
            return Ok(current);
        }
        // A reader follows a rebuild the writer swapped in (a new folder under the same path).
        let live = self.root.join(kind.index_name());
        match folder_id(&live) {
            Some(now) if Some(now) != current.folder => match Shard::open_reader(kind, &live) {
                Ok(fresh) => {
                    let fresh = Arc::new(fresh);
                    let mut guard = self
                        .lock(kind)
                        .write()
                        .map_err(|_| internal("index lock poisoned"))?;
                    *guard = fresh.clone();
                    Ok(fresh)
                }
                // Mid-swap: keep reading the index already open.
                Err(_) => Ok(current),
            },
            _ => Ok(current),
        }
    }

    async fn blocking<T: Send + 'static>(
        &self,
        kind: Kind,
        f: impl FnOnce(&Shard) -> SearchResult<T> + Send + 'static,
    ) -> SearchResult<T> {
        let shard = self.shard(kind)?;
        tokio::task::spawn_blocking(move || f(&shard))
            .await
            .map_err(internal)?
    }
}

#[async_trait::async_trait]
impl SearchEngine for EmbeddedEngine {
    fn name(&self) -> &'static str {
        "embedded"
    }

    async fn prepare(&self) -> SearchResult<()> {
        Ok(())
    }

    async fn upsert(&self, docs: Documents) -> SearchResult<()> {
        if docs.is_empty() {
            return Ok(());
        }
        let kind = docs.kind();
        let json = crate::to_json(&docs)?;
        self.blocking(kind, move |s| s.upsert(json)).await
    }

    async fn delete(&self, kind: Kind, ids: &[String]) -> SearchResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let ids = ids.to_vec();
        self.blocking(kind, move |s| s.delete(&ids)).await
    }

    async fn search(&self, kind: Kind, query: &SearchQuery) -> SearchResult<SearchResults> {
        let query = query.clone();
        let _turn = self
            .searching
            .acquire()
            .await
            .map_err(|_| internal("search queue closed"))?;
        self.blocking(kind, move |s| s.search(&query)).await
    }

    async fn count(&self, kind: Kind) -> SearchResult<u64> {
        self.blocking(kind, |s| Ok(s.reader.searcher().num_docs()))
            .await
    }

    async fn rebuild(&self, docs: Documents) -> SearchResult<()> {
        if self.read_only {
            return Err(SearchError::Unavailable(
                "another process writes the embedded index: rebuild it there (stop it first to run `becta reindex`)".into(),
            ));
        }
        let kind = docs.kind();
        let json = crate::to_json(&docs)?;
        let live = self.root.join(kind.index_name());
        let aside = self.root.join(format!("{}.next", kind.index_name()));
        let old = self.root.join(format!("{}.old", kind.index_name()));
        let built = tokio::task::spawn_blocking(move || -> SearchResult<()> {
            let _ = std::fs::remove_dir_all(&aside);
            let shard = Shard::open(kind, &aside, Access::Write)?;
            let mut writer = shard.writer()?;
            for d in &json {
                writer
                    .add_document(to_tantivy(&shard.fields, d)?.2)
                    .map_err(internal)?;
            }
            writer.commit().map_err(internal)?;
            // One segment: each query then walks one term dictionary per field, not several.
            let segments = shard.index.searchable_segment_ids().map_err(internal)?;
            if segments.len() > 1 {
                writer.merge(&segments).wait().map_err(internal)?;
            }
            Ok(())
        })
        .await
        .map_err(internal)?;
        built?;
        // Swap under the write lock: searches in flight keep the old index until they finish.
        let mut guard = self
            .lock(kind)
            .write()
            .map_err(|_| internal("index lock poisoned"))?;
        let aside = self.root.join(format!("{}.next", kind.index_name()));
        let _ = std::fs::remove_dir_all(&old);
        std::fs::rename(&live, &old).map_err(internal)?;
        std::fs::rename(&aside, &live).map_err(internal)?;
        *guard = Arc::new(Shard::open(kind, &live, Access::Write)?);
        drop(guard);
        let _ = std::fs::remove_dir_all(&old);
        Ok(())
    }

    fn needs_refill(&self) -> bool {
        [&self.products, &self.deals]
            .iter()
            .any(|s| s.read().map(|s| s.reset).unwrap_or(false))
    }

    fn read_only(&self) -> bool {
        self.read_only
    }

    async fn digests(&self, kind: Kind) -> SearchResult<HashMap<String, u64>> {
        self.blocking(kind, |s| s.digests()).await
    }

    async fn health(&self) -> SearchResult<()> {
        self.shard(Kind::Products).map(drop)
    }
}
