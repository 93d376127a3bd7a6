//! Help for a search that found nothing: which of its words match nothing in the catalogue,
//! the nearest spellings that do find records, and a broader query without the words that
//! matched nothing.
//!
//! Policy: asked only when a search has no hits and the client selected `didYouMean`; each
//! word is tried alone, with the search's kind and its standing rules (ended deals never
//! count) but not its filters, so "matched nothing" means nothing in the catalogue. Spellings
//! come from the words of the catalogue's names (`suggest::Snapshot::nearest_words`) and are
//! offered only when the corrected query finds records.

use becta_domain::Result;
use becta_domain::catalogue::deals::today;

use crate::highlight::words;
use crate::service::{DealSearch, ProductSearch, deal_query, product_query};
use crate::suggest::Snapshot;
use crate::vocabulary::is_stop_word;
use crate::{Engine, Kind, MatchingStrategy};

/// What a search that found nothing could have been.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DidYouMean {
    /// The query's words that no record holds, as typed (lowercased).
    pub unmatched_words: Vec<String>,
    /// Whole queries with those words respelt, each finding records, nearest first.
    pub spellings: Vec<String>,
    /// The query without the words that matched nothing, when it finds records.
    pub broader_query: Option<String>,
}

/// Most respelt queries offered.
const SPELLINGS: usize = 3;

/// How many records of `kind` a query finds, every word required.
async fn found(engine: &Engine, kind: Kind, text: &str) -> Result<u64> {
    let mut q = match kind {
        Kind::Products => {
            let mut s = ProductSearch::new(text);
            (s.first, s.facets, s.highlights) = (1, false, false);
            s.matching = MatchingStrategy::All;
            product_query(&s)?
        }
        Kind::Deals => {
            let mut s = DealSearch::new(text);
            (s.first, s.facets, s.highlights) = (1, false, false);
            s.matching = MatchingStrategy::All;
            deal_query(&s, today())?
        }
    };
    q.limit = 1;
    Ok(engine.search(kind, &q).await?.total_hits)
}

/// Help for `text`, a search of `kind` that found nothing.
pub async fn did_you_mean(
    engine: &Engine,
    names: &Snapshot,
    kind: Kind,
    text: &str,
) -> Result<DidYouMean> {
    let typed = words(text);
    let mut unmatched = Vec::new();
    for w in typed.iter().filter(|w| !is_stop_word(w)) {
        if !unmatched.contains(w) && found(engine, kind, w).await? == 0 {
            unmatched.push(w.clone());
        }
    }
    let mut help = DidYouMean::default();
    if unmatched.is_empty() {
        return Ok(help);
    }
    let nearest: Vec<Vec<String>> = unmatched
        .iter()
        .map(|w| names.nearest_words(w, SPELLINGS))
        .collect();
    for k in 0..SPELLINGS {
        if nearest.iter().all(|n| n.len() <= k) {
            break;
        }
        let respelt: Vec<String> = typed
            .iter()
            .map(|w| match unmatched.iter().position(|u| u == w) {
                Some(i) => nearest[i]
                    .get(k)
                    .or(nearest[i].first())
                    .unwrap_or(w)
                    .clone(),
                None => w.clone(),
            })
            .collect();
        let respelt = respelt.join(" ");
        if !help.spellings.contains(&respelt) && found(engine, kind, &respelt).await? > 0 {
            help.spellings.push(respelt);
        }
    }
    let kept: Vec<&str> = typed
        .iter()
        .filter(|w| !unmatched.contains(w) && !is_stop_word(w))
        .map(String::as_str)
        .collect();
    if !kept.is_empty() {
        let broader = kept.join(" ");
        if found(engine, kind, &broader).await? > 0 {
            help.broader_query = Some(broader);
        }
    }
    help.unmatched_words = unmatched;
    Ok(help)
}
