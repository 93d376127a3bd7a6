//! A search engine behind the network (Meilisearch) with a time limit on every call: a call
//! that has not answered in time is `UNAVAILABLE`, like an engine that is down, so a request
//! or the outbox worker never waits on it without end.
//!
//! Policy: health checks are shortest (readiness answers within 2 s); searches and counts are
//! short; writes wait for the engine's task to
//! finish (the adapter's own task timeout, plus a margin); rebuilding an index and reading
//! every digest go through whole indexes and get the longest limit.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use crate::{Documents, Kind, SearchEngine, SearchError, SearchQuery, SearchResult, SearchResults};

/// Searches and counts.
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Health checks, so readiness answers within 2 s whatever the engine does.
pub const HEALTH_TIMEOUT: Duration = Duration::from_millis(1_500);
/// Adding or removing documents, including the wait for the engine's task.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(150);
/// Preparing indexes, rebuilding one, or reading all its digests.
pub const BULK_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// `E` with a time limit on every call.
pub struct Timed<E>(pub E);

async fn within<T>(
    limit: Duration,
    what: &str,
    call: impl Future<Output = SearchResult<T>>,
) -> SearchResult<T> {
    tokio::time::timeout(limit, call).await.unwrap_or_else(|_| {
        Err(SearchError::Unavailable(format!(
            "{what}: no answer within {} s",
            limit.as_secs_f64()
        )))
    })
}

#[async_trait::async_trait]
impl<E: SearchEngine> SearchEngine for Timed<E> {
    fn name(&self) -> &'static str {
        self.0.name()
    }

    async fn prepare(&self) -> SearchResult<()> {
        within(BULK_TIMEOUT, "prepare", self.0.prepare()).await
    }

    async fn upsert(&self, docs: Documents) -> SearchResult<()> {
        within(WRITE_TIMEOUT, "upsert", self.0.upsert(docs)).await
    }

    async fn delete(&self, kind: Kind, ids: &[String]) -> SearchResult<()> {
        within(WRITE_TIMEOUT, "delete", self.0.delete(kind, ids)).await
    }

    async fn search(&self, kind: Kind, query: &SearchQuery) -> SearchResult<SearchResults> {
        within(READ_TIMEOUT, "search", self.0.search(kind, query)).await
    }

    async fn count(&self, kind: Kind) -> SearchResult<u64> {
        within(READ_TIMEOUT, "count", self.0.count(kind)).await
    }

    async fn rebuild(&self, docs: Documents) -> SearchResult<()> {
        within(BULK_TIMEOUT, "rebuild", self.0.rebuild(docs)).await
    }

    fn needs_refill(&self) -> bool {
        self.0.needs_refill()
    }

    fn read_only(&self) -> bool {
        self.0.read_only()
    }

    async fn digests(&self, kind: Kind) -> SearchResult<HashMap<String, u64>> {
        within(BULK_TIMEOUT, "digests", self.0.digests(kind)).await
    }

    async fn health(&self) -> SearchResult<()> {
        within(HEALTH_TIMEOUT, "health", self.0.health()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_call_that_does_not_answer_in_time_is_unavailable() {
        let never = std::future::pending::<SearchResult<()>>();
        let answer = within(Duration::from_millis(20), "search", never).await;
        assert!(
            matches!(answer, Err(SearchError::Unavailable(_))),
            "{answer:?}"
        );
        let at_once = within(READ_TIMEOUT, "search", async { Ok(7) }).await;
        assert!(matches!(at_once, Ok(7)));
    }
}
