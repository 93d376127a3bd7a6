//! Search hits' stored records, parsed once and kept while the index holds the same text.
//!
//! A hit carries its record as JSON text (the product with its supplier, categories and facets,
//! as they were when the document was built), and reading it is a large part of answering a
//! search through the API: popular products are shown over and over. Parsed records are kept
//! by document id together with the exact text they were parsed from, and reused only while a
//! hit carries that same text, so a rebuilt document (a new version, a renamed supplier) is
//! parsed afresh the first time it is shown. Memory is bounded: two generations of at most
//! [`GENERATION`] records each; a record used in the older generation moves to the newer one,
//! and the older is dropped when the newer fills.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::de::DeserializeOwned;
use uuid::Uuid;

/// Records per generation (a product record is a few KiB of text and its parsed form).
const GENERATION: usize = 2_000;

struct Entry<R> {
    text: Box<str>,
    record: Arc<R>,
}

struct Generations<R> {
    newer: HashMap<Uuid, Entry<R>>,
    older: HashMap<Uuid, Entry<R>>,
}

impl<R> Generations<R> {
    fn get(&mut self, id: &Uuid, text: &str) -> Option<Arc<R>> {
        if let Some(e) = self.newer.get(id) {
            return (&*e.text == text).then(|| e.record.clone());
        }
        let e = self.older.remove(id)?;
        if &*e.text != text {
            return None;
        }
        let record = e.record.clone();
        self.insert(*id, e);
        Some(record)
    }

    fn insert(&mut self, id: Uuid, entry: Entry<R>) {
        if self.newer.len() >= GENERATION && !self.newer.contains_key(&id) {
            self.older = std::mem::take(&mut self.newer);
        }
        self.newer.insert(id, entry);
    }
}

pub struct ParsedRecords<R> {
    generations: Mutex<Generations<R>>,
    /// `BECTA_FAST_RECORD_CACHE`: off, every record is parsed each time.
    keep: bool,
}

impl<R> Default for ParsedRecords<R> {
    fn default() -> Self {
        ParsedRecords::new(true)
    }
}

impl<R> ParsedRecords<R> {
    pub fn new(keep: bool) -> Self {
        ParsedRecords {
            generations: Mutex::new(Generations {
                newer: HashMap::new(),
                older: HashMap::new(),
            }),
            keep,
        }
    }
}

impl<R: DeserializeOwned> ParsedRecords<R> {
    /// The records of `hits` (id and stored text), in order; `None` where the text is not a
    /// record this program can read. Texts not seen before are parsed outside the lock.
    pub fn get_many(&self, hits: &[(Uuid, &str)]) -> Vec<Option<Arc<R>>> {
        if !self.keep {
            return hits.iter().map(|(_, text)| parse(text)).collect();
        }
        let mut found: Vec<Option<Arc<R>>> = {
            let Ok(mut g) = self.generations.lock() else {
                return hits.iter().map(|(_, text)| parse(text)).collect();
            };
            hits.iter().map(|(id, text)| g.get(id, text)).collect()
        };
        let mut parsed = Vec::new();
        for ((id, text), slot) in hits.iter().zip(found.iter_mut()) {
            if slot.is_none() {
                *slot = parse(text);
                if let Some(record) = slot {
                    parsed.push((*id, (*text).into(), record.clone()));
                }
            }
        }
        if !parsed.is_empty()
            && let Ok(mut g) = self.generations.lock()
        {
            for (id, text, record) in parsed {
                g.insert(id, Entry { text, record });
            }
        }
        found
    }
}

fn parse<R: DeserializeOwned>(text: &str) -> Option<Arc<R>> {
    serde_json::from_str(text).ok().map(Arc::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Rec {
        name: String,
    }

    #[test]
    fn a_record_is_reused_only_while_its_text_is_the_same() {
        let cache = ParsedRecords::<Rec>::default();
        let id = Uuid::new_v4();
        let first = cache.get_many(&[(id, r#"{"name":"A"}"#)]);
        let again = cache.get_many(&[(id, r#"{"name":"A"}"#)]);
        let (Some(a), Some(b)) = (&first[0], &again[0]) else {
            panic!("both parse: {first:?} {again:?}");
        };
        assert!(Arc::ptr_eq(a, b), "the second read reuses the first");
        let renamed = cache.get_many(&[(id, r#"{"name":"B"}"#)]);
        assert_eq!(renamed[0].as_deref(), Some(&Rec { name: "B".into() }));
        assert_eq!(cache.get_many(&[(id, "not json")])[0], None);
    }

    #[test]
    fn the_cache_stays_bounded_and_keeps_what_is_used() {
        let cache = ParsedRecords::<Rec>::default();
        let kept = Uuid::new_v4();
        let text = r#"{"name":"kept"}"#;
        cache.get_many(&[(kept, text)]);
        for i in 0..(3 * GENERATION) {
            let t = format!(r#"{{"name":"{i}"}}"#);
            cache.get_many(&[(Uuid::new_v4(), &t)]);
            if i % (GENERATION / 2) == 0 {
                cache.get_many(&[(kept, text)]);
            }
        }
        let g = cache.generations.lock().unwrap_or_else(|e| e.into_inner());
        assert!(g.newer.len() <= GENERATION && g.older.len() <= GENERATION);
        assert!(g.newer.contains_key(&kept) || g.older.contains_key(&kept));
    }
}
