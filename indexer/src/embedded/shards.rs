//! Shards: one kind's index on disk, opened to write or to read, and its writes.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use serde_json::Value as Json;
use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use super::facets::ValueBitsCache;
use super::internal;
use super::schema::{Fields, schema, to_tantivy};
use crate::{Kind, SearchError, SearchResult};

const WRITER_MEMORY: usize = 50_000_000;
/// Bump when the tantivy schema changes: an index of another version is rebuilt empty and
/// refilled from the database (the server does so at start, see `needs_refill`).
const SCHEMA_VERSION: &str = "5";

/// One kind's index, its reader and (in the process that writes it) its writer.
pub(super) struct Shard {
    pub(super) kind: Kind,
    pub(super) index: Index,
    pub(super) writer: Option<Mutex<IndexWriter>>,
    pub(super) reader: IndexReader,
    pub(super) fields: Fields,
    /// Opened over an index of an older schema, which was dropped.
    pub(super) reset: bool,
    /// The folder's identity when opened: a reader reopens when a rebuild swaps another in.
    pub(super) folder: Option<FolderId>,
    /// Per segment, which documents hold each facet value (for facet counts).
    pub(super) value_bits: Arc<ValueBitsCache>,
}

/// Device and inode of a folder (unix); a rename swaps another folder in under the same path.
type FolderId = (u64, u64);

pub(super) fn folder_id(dir: &Path) -> Option<FolderId> {
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
pub(super) enum Access {
    /// Write when the writer lock is free, else read.
    WriteOrRead,
    /// Write, or fail when another process holds the writer lock.
    Write,
    Read,
}

impl Shard {
    pub(super) fn open(kind: Kind, dir: &Path, access: Access) -> SearchResult<Shard> {
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
    pub(super) fn open_reader(kind: Kind, dir: &Path) -> SearchResult<Shard> {
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

    pub(super) fn writer(&self) -> SearchResult<std::sync::MutexGuard<'_, IndexWriter>> {
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
    pub(super) fn digests(&self) -> SearchResult<HashMap<String, u64>> {
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

    pub(super) fn upsert(&self, docs: Vec<Json>) -> SearchResult<()> {
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

    pub(super) fn delete(&self, ids: &[String]) -> SearchResult<()> {
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
}
