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
//!
//! [`settings`]: crate::settings

mod facets;
mod query;
mod schema;
mod shards;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use crate::{Documents, Kind, SearchEngine, SearchError, SearchQuery, SearchResult, SearchResults};
use schema::to_tantivy;
use shards::{Access, Shard, folder_id};

fn internal(e: impl std::fmt::Display) -> SearchError {
    SearchError::Internal(e.to_string())
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
