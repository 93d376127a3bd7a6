//! Which products are public now, for search hits, without reading every hit's row on every
//! search.
//!
//! Every change that can hide a product (its status) is written with an outbox row in the same
//! transaction, so on SQLite the outbox's id sequence is a clock of such changes: writes are
//! serialized, ids are never reused (`AUTOINCREMENT`), and a rolled-back write leaves the
//! sequence as it was. [`ProductVisibility`] remembers each product's answer with the sequence
//! value it is valid for. A search reads the sequence (one row); when it moved, the products
//! named by the outbox rows since then are forgotten and read again, so an unchanged catalogue
//! costs at most one small query per search instead of a lookup per hit.
//!
//! Reading the sequence is itself a round trip to SQLite's connection thread, so it is skipped
//! while nothing can have moved it unseen: no write has committed in this process since the
//! last read ([`db::local_commits`]), and that read is less than [`RECHECK_AFTER`] old. A
//! product withdrawn through this process leaves results at the next search; one withdrawn by
//! another process sharing the file leaves within [`RECHECK_AFTER`] (the indexer's own poll
//! takes about as long before the index itself changes).
//!
//! PostgreSQL assigns sequence values before commit, so a later value can commit first; there
//! each search reads the hits' status as before.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use crate::search::public_product_ids;
use crate::{Result, db};

/// How long after the sequence moved to a value the outbox rows past it are sure to be there.
/// Processed rows are purged a day after processing (the indexer's worker), and rows past a
/// value were all processed after it was read; past this, everything is read again instead.
const INCREMENTAL_FOR: Duration = Duration::from_secs(60 * 60);
/// More changed rows than this since the last search: forget everything instead of listing them.
const MAX_CHANGES: usize = 1_000;
/// The most products remembered (a bulk load can make more; the rest are read per search).
const CAPACITY: usize = 250_000;
/// Longest a search goes on the last sequence read while this process commits nothing.
pub const RECHECK_AFTER: Duration = Duration::from_millis(50);

#[derive(Default)]
pub struct ProductVisibility {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// The outbox sequence the answers are valid for, and when the cache moved to it.
    valid_at: Option<(i64, Instant)>,
    /// This process's commit count when the sequence was last read, and when it was read.
    checked: Option<(u64, Instant)>,
    public: HashMap<Uuid, bool>,
}

impl ProductVisibility {
    /// Which of `ids` are public products now (approved), as [`public_product_ids`] answers.
    pub async fn public_ids(
        &self,
        db: &impl ConnectionTrait,
        ids: &[Uuid],
    ) -> Result<HashSet<Uuid>> {
        if ids.is_empty() {
            return Ok(HashSet::new());
        }
        if db::is_postgres(db) {
            return public_product_ids(db, ids).await;
        }
        let commits = db::local_commits();
        let (checked, valid) = {
            let state = self.lock();
            (state.checked, state.valid_at.map(|(v, _)| v))
        };
        let seq = match valid {
            Some(v)
                if checked.is_some_and(|(c, at)| c == commits && at.elapsed() < RECHECK_AFTER) =>
            {
                v
            }
            _ => {
                // `commits` is read before the sequence, so every commit it counts is in `seq`.
                let read_at = Instant::now();
                let seq = outbox_sequence(db).await?;
                self.catch_up(db, seq, read_at).await?;
                let mut state = self.lock();
                let current = state.valid_at.is_some_and(|(valid, _)| valid >= seq);
                if current && state.checked.is_none_or(|(c, _)| c <= commits) {
                    state.checked = Some((commits, read_at));
                }
                seq
            }
        };
        let (mut public, unknown) = {
            let state = self.lock();
            let (mut public, mut unknown) = (HashSet::new(), Vec::new());
            for id in ids {
                match state.public.get(id) {
                    Some(true) => {
                        public.insert(*id);
                    }
                    Some(false) => {}
                    None => unknown.push(*id),
                }
            }
            (public, unknown)
        };
        if unknown.is_empty() {
            return Ok(public);
        }
        let found = public_product_ids(db, &unknown).await?;
        let mut state = self.lock();
        // Read after `seq`: right as of `seq` or later. Kept only if nothing moved the cache
        // meanwhile (a later change to one of them would have been forgotten before this).
        if state.valid_at.map(|(s, _)| s) == Some(seq) && state.public.len() < CAPACITY {
            for id in &unknown {
                state.public.insert(*id, found.contains(id));
            }
        }
        public.extend(found);
        Ok(public)
    }

    /// Brings the cache to the outbox sequence `seq`: forgets the products changed since the
    /// value it was valid for, or everything when that cannot be listed.
    async fn catch_up(&self, db: &impl ConnectionTrait, seq: i64, read_at: Instant) -> Result<()> {
        let since = match self.lock().valid_at {
            Some((valid, _)) if valid == seq => return Ok(()),
            Some((valid, at)) if valid < seq && at.elapsed() < INCREMENTAL_FOR => Some(valid),
            _ => None,
        };
        let changed = match since {
            Some(valid) => changed_products(db, valid, seq).await?,
            None => None,
        };
        let mut state = self.lock();
        match (state.valid_at, changed) {
            // Another search caught up to `seq` meanwhile.
            (Some((valid, _)), _) if valid == seq => return Ok(()),
            (Some((valid, _)), Some(changed)) if Some(valid) == since => {
                for id in changed {
                    state.public.remove(&id);
                }
            }
            // Nothing to start from, too much changed, or the cache moved meanwhile: forget.
            _ => state.public.clear(),
        }
        state.valid_at = Some((seq, read_at));
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The last id the outbox handed out (0 before its first row).
async fn outbox_sequence(db: &impl ConnectionTrait) -> Result<i64> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT seq FROM sqlite_sequence WHERE name = 'search_outbox'",
        ))
        .await?;
    Ok(match row {
        Some(row) => row.try_get("", "seq")?,
        None => 0,
    })
}

/// The products the outbox rows after `after` up to `upto` name; `None` when there are more
/// than [`MAX_CHANGES`] rows.
async fn changed_products(
    db: &impl ConnectionTrait,
    after: i64,
    upto: i64,
) -> Result<Option<Vec<Uuid>>> {
    let sql = format!(
        "SELECT entity_id FROM search_outbox WHERE id > ? AND id <= ? AND entity_type = 'product' LIMIT {}",
        MAX_CHANGES + 1
    );
    let rows = db
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            sql,
            [after.into(), upto.into()],
        ))
        .await?;
    if rows.len() > MAX_CHANGES {
        return Ok(None);
    }
    Ok(Some(
        rows.iter()
            .map(|row| row.try_get("", "entity_id"))
            .collect::<std::result::Result<_, _>>()?,
    ))
}
