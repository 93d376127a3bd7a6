//! A switch in front of the real search engine: while off, every call fails as an unreachable
//! engine does. It injects an outage; the engine behind it is the real one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use becta_indexer::{
    Documents, Engine, Kind, SearchEngine, SearchError, SearchQuery, SearchResult, SearchResults,
};

pub struct Switch {
    inner: Engine,
    up: AtomicBool,
    set_up: AtomicUsize,
}

impl Switch {
    pub fn new(inner: Engine) -> Arc<Switch> {
        Arc::new(Switch {
            inner,
            up: AtomicBool::new(true),
            set_up: AtomicUsize::new(0),
        })
    }

    /// Waits until the outbox worker has set the engine up (its first step), so an outage
    /// the test injects afterwards happens to a running service.
    pub async fn until_set_up(&self) -> anyhow::Result<()> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while self.set_up.load(Ordering::SeqCst) == 0 {
            anyhow::ensure!(
                std::time::Instant::now() < deadline,
                "the worker never set the engine up"
            );
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        Ok(())
    }

    pub fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
    }

    fn check(&self) -> SearchResult<()> {
        if self.up.load(Ordering::SeqCst) {
            Ok(())
        } else {
            Err(SearchError::Unavailable(
                "connection refused (outage injected by the test)".into(),
            ))
        }
    }
}

#[async_trait::async_trait]
impl SearchEngine for Switch {
    fn name(&self) -> &'static str {
        self.inner.name()
    }
    async fn prepare(&self) -> SearchResult<()> {
        self.check()?;
        self.inner.prepare().await?;
        self.set_up.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
    async fn upsert(&self, docs: Documents) -> SearchResult<()> {
        self.check()?;
        self.inner.upsert(docs).await
    }
    async fn delete(&self, kind: Kind, ids: &[String]) -> SearchResult<()> {
        self.check()?;
        self.inner.delete(kind, ids).await
    }
    async fn search(&self, kind: Kind, query: &SearchQuery) -> SearchResult<SearchResults> {
        self.check()?;
        self.inner.search(kind, query).await
    }
    async fn count(&self, kind: Kind) -> SearchResult<u64> {
        self.check()?;
        self.inner.count(kind).await
    }
    async fn rebuild(&self, docs: Documents) -> SearchResult<()> {
        self.check()?;
        self.inner.rebuild(docs).await
    }
    async fn digests(&self, kind: Kind) -> SearchResult<std::collections::HashMap<String, u64>> {
        self.check()?;
        self.inner.digests(kind).await
    }
    async fn health(&self) -> SearchResult<()> {
        self.check()?;
        self.inner.health().await
    }
}
