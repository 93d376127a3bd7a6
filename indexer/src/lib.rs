//! Search for BECTA 2.0: one [`SearchEngine`] trait with two engines, Meilisearch
//! ([`meili::MeiliEngine`]) and an embedded tantivy index ([`embedded::EmbeddedEngine`]), and the
//! outbox [`worker`] that keeps them in step with the database.
//!
//! Policy: engines index only what the domain builds as a public document; queries name
//! document attributes (see [`settings`]), never engine fields; every write waits until the
//! engine confirms it, so the worker marks an outbox row done only once it is searchable.

pub mod did_you_mean;
pub mod embedded;
pub mod highlight;
pub mod meili;
pub mod service;
pub mod settings;
pub mod suggest;
pub mod timed;
pub mod vocabulary;
pub mod worker;

use std::collections::HashMap;
use std::sync::Arc;

pub use becta_domain::search::{Attribute, DealDocument, Kind, ProductDocument};
pub use becta_domain::vocab::MatchingStrategy;

/// What went wrong in a search engine.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The engine cannot be reached or refused the work for now; retry later.
    #[error("search engine unavailable: {0}")]
    Unavailable(String),
    /// The query cannot be run (an unknown attribute, a bad value).
    #[error("invalid search: {0}")]
    Invalid(String),
    #[error("search engine error: {0}")]
    Internal(String),
}

pub type SearchResult<T> = Result<T, SearchError>;

impl From<SearchError> for becta_domain::Error {
    fn from(e: SearchError) -> Self {
        match e {
            SearchError::Unavailable(m) => becta_domain::Error::Unavailable(m),
            SearchError::Invalid(m) => becta_domain::Error::bad_input("filter", m),
            SearchError::Internal(m) => becta_domain::Error::Internal(m),
        }
    }
}

/// Documents of one kind to add or replace.
#[derive(Debug, Clone)]
pub enum Documents {
    Products(Vec<ProductDocument>),
    Deals(Vec<DealDocument>),
}

impl Documents {
    pub fn kind(&self) -> Kind {
        match self {
            Documents::Products(_) => Kind::Products,
            Documents::Deals(_) => Kind::Deals,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Documents::Products(d) => d.len(),
            Documents::Deals(d) => d.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What the engines need to know of any document: its id and version.
pub trait Versioned {
    fn id(&self) -> &str;
    fn version(&self) -> i64;
}

impl Versioned for ProductDocument {
    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
}

impl Versioned for DealDocument {
    fn id(&self) -> &str {
        &self.id
    }
    fn version(&self) -> i64 {
        self.version
    }
}

/// One condition on a document attribute; a query's filters must all hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// The attribute (a string or a list of strings) holds at least one of the values.
    AnyOf(Attribute, Vec<String>),
    /// The attribute (a list of strings) holds every one of the values.
    AllOf(Attribute, Vec<String>),
    /// A numeric attribute within the inclusive bounds.
    Range(Attribute, Option<f64>, Option<f64>),
    /// A boolean attribute equals the value.
    Is(Attribute, bool),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Asc,
    Desc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Relevance,
    By(Attribute, Order),
}

#[derive(Debug, Clone)]
pub struct SearchQuery {
    pub text: String,
    pub filters: Vec<Filter>,
    pub sort: Sort,
    /// Which records a query of several words returns (default `Last`).
    pub matching: MatchingStrategy,
    pub limit: usize,
    pub offset: usize,
    /// Attributes whose value counts to return.
    pub facets: Vec<Attribute>,
    /// Whether hits carry highlighted text (asking costs the engine time and, on
    /// Meilisearch, a highlighted copy of each hit's fields in the answer).
    pub highlights: bool,
}

impl SearchQuery {
    pub fn new(text: impl Into<String>) -> Self {
        SearchQuery {
            text: text.into(),
            filters: vec![],
            sort: Sort::Relevance,
            matching: MatchingStrategy::Last,
            limit: 20,
            offset: 0,
            facets: vec![],
            highlights: true,
        }
    }
}

/// A part of a hit's text with the matched words in `<em>...</em>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Highlight {
    pub field: String,
    pub snippet: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    /// Relevance within this result set, 0 to 1 (higher is better); none when sorted by an
    /// attribute.
    pub score: Option<f64>,
    pub highlights: Vec<Highlight>,
    /// The document's stored `record` as JSON (what the hit shows), when it has one.
    pub record: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacetDistribution {
    pub field: String,
    /// Most frequent first, then by value.
    pub values: Vec<FacetCount>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    pub total_hits: u64,
    pub hits: Vec<Hit>,
    pub facets: Vec<FacetDistribution>,
    pub processing_time_ms: u64,
}

/// A search engine holding one index per [`Kind`].
#[async_trait::async_trait]
pub trait SearchEngine: Send + Sync {
    /// "meilisearch" or "embedded".
    fn name(&self) -> &'static str;

    /// Creates the indexes if needed and applies [`settings`]; called once at start.
    async fn prepare(&self) -> SearchResult<()>;

    /// Adds or replaces documents, never replacing a document by one with a lower `version`;
    /// returns once they are searchable.
    async fn upsert(&self, docs: Documents) -> SearchResult<()>;

    /// Removes documents by id (absent ids are fine); returns once applied.
    async fn delete(&self, kind: Kind, ids: &[String]) -> SearchResult<()>;

    async fn search(&self, kind: Kind, query: &SearchQuery) -> SearchResult<SearchResults>;

    /// How many documents an index holds.
    async fn count(&self, kind: Kind) -> SearchResult<u64>;

    /// Replaces a whole index with `docs`: built aside, then swapped in, so searches never see
    /// a half-built index.
    async fn rebuild(&self, docs: Documents) -> SearchResult<()>;

    /// True when the engine dropped an index it could not read (an older on-disk schema), so
    /// it must be refilled from the database.
    fn needs_refill(&self) -> bool {
        false
    }

    /// This process only reads the index; another process writes it (the embedded engine
    /// when a second process opens the same data dir). A read-only engine runs no worker.
    fn read_only(&self) -> bool {
        false
    }

    /// The [`digest`] of every document in the index of `kind`, by id: what `becta index
    /// --check` compares with the documents built from the database.
    async fn digests(&self, kind: Kind) -> SearchResult<HashMap<String, u64>>;

    /// A cheap check that the engine answers.
    async fn health(&self) -> SearchResult<()>;
}

pub type Engine = Arc<dyn SearchEngine>;

/// A fingerprint of a document's content (64-bit FNV-1a over its JSON form), stable across
/// processes and versions of this program as long as the document's fields are.
pub fn digest(doc: &serde_json::Value) -> u64 {
    let bytes = serde_json::to_vec(doc).unwrap_or_default();
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Documents as JSON, in the engines' attribute names.
pub fn to_json(docs: &Documents) -> SearchResult<Vec<serde_json::Value>> {
    let json: Result<Vec<_>, _> = match docs {
        Documents::Products(d) => d.iter().map(serde_json::to_value).collect(),
        Documents::Deals(d) => d.iter().map(serde_json::to_value).collect(),
    };
    json.map_err(|e| SearchError::Internal(e.to_string()))
}
