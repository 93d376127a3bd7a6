//! Parsed operations, kept by their text. Clients send the same few operations again and again
//! with new variables; parsing one is a good part of a small request's cost, and admission
//! (counting mutations and searches) and execution both need the parsed document.

use std::collections::HashMap;
use std::sync::Mutex;

use async_graphql::Request;
use async_graphql::parser::types::ExecutableDocument;

/// Operations longer than this are parsed every time, so the cache holds at most
/// `CAPACITY * MAX_CACHED_CHARS` bytes of keys.
const MAX_CACHED_CHARS: usize = 8 * 1024;
const CAPACITY: usize = 256;

#[derive(Default)]
pub struct DocumentCache {
    parsed: Mutex<HashMap<String, ExecutableDocument>>,
}

impl DocumentCache {
    /// Gives `req` its parsed document: from the cache, or parsed now and kept. A query that
    /// does not parse is left as it is, for the schema to refuse with its usual error.
    pub fn prepare(&self, req: &mut Request) {
        let parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(doc) = parsed.get(&req.query) {
            req.set_parsed_query(doc.clone());
            return;
        }
        drop(parsed);
        let cacheable = req.query.len() <= MAX_CACHED_CHARS;
        let Ok(doc) = req.parsed_query() else {
            return;
        };
        if !cacheable {
            return;
        }
        let doc = doc.clone();
        let mut parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        // Full: start again rather than track use; the operations in use come back at once.
        if parsed.len() >= CAPACITY {
            parsed.clear();
        }
        parsed.insert(req.query.clone(), doc);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cached_operation_is_the_operation_parsed_again() {
        let cache = DocumentCache::default();
        let text = "query($q: String) { searchProducts(query: $q) { totalHits } }";
        let mut first = Request::new(text);
        cache.prepare(&mut first);
        let mut second = Request::new(text);
        cache.prepare(&mut second);
        let fresh = async_graphql::parser::parse_query(text).map(|d| format!("{d:?}"));
        let cached = second.parsed_query().map(|d| format!("{d:?}"));
        assert_eq!(cached.ok(), fresh.ok());
    }

    #[test]
    fn a_query_that_does_not_parse_is_left_for_the_schema_to_refuse() {
        let cache = DocumentCache::default();
        let mut req = Request::new("query { searchProducts(");
        cache.prepare(&mut req);
        assert!(req.parsed_query().is_err());
        assert!(cache.parsed.lock().map(|p| p.is_empty()).unwrap_or(false));
    }

    #[test]
    fn the_cache_never_holds_more_than_its_capacity() {
        let cache = DocumentCache::default();
        for i in 0..CAPACITY * 2 + 3 {
            cache.prepare(&mut Request::new(format!("{{ a{i}: __typename }}")));
        }
        let held = cache.parsed.lock().map(|p| p.len()).unwrap_or(usize::MAX);
        assert!((1..=CAPACITY).contains(&held), "{held}");
    }
}
