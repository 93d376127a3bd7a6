//! A search engine whose searches are timed into `/metrics` (`becta_search_duration_seconds`,
//! by engine). Every other call passes straight through.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use becta_indexer::{
    Documents, Engine, Kind, SearchEngine, SearchQuery, SearchResult, SearchResults,
};

use crate::metrics::Metrics;

pub struct Metered {
    pub engine: Engine,
    pub metrics: Arc<Metrics>,
}

#[async_trait::async_trait]
impl SearchEngine for Metered {
    fn name(&self) -> &'static str {
        self.engine.name()
    }

    async fn prepare(&self) -> SearchResult<()> {
        self.engine.prepare().await
    }

    async fn upsert(&self, docs: Documents) -> SearchResult<()> {
        self.engine.upsert(docs).await
    }

    async fn delete(&self, kind: Kind, ids: &[String]) -> SearchResult<()> {
        self.engine.delete(kind, ids).await
    }

    async fn search(&self, kind: Kind, query: &SearchQuery) -> SearchResult<SearchResults> {
        let started = Instant::now();
        let answer = self.engine.search(kind, query).await;
        self.metrics.search(self.engine.name(), started.elapsed());
        answer
    }

    async fn count(&self, kind: Kind) -> SearchResult<u64> {
        self.engine.count(kind).await
    }

    async fn rebuild(&self, docs: Documents) -> SearchResult<()> {
        self.engine.rebuild(docs).await
    }

    fn needs_refill(&self) -> bool {
        self.engine.needs_refill()
    }

    fn read_only(&self) -> bool {
        self.engine.read_only()
    }

    async fn digests(&self, kind: Kind) -> SearchResult<HashMap<String, u64>> {
        self.engine.digests(kind).await
    }

    async fn health(&self) -> SearchResult<()> {
        self.engine.health().await
    }
}
