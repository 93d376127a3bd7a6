//! Facet counts: a collector that counts the values of facet fields over a search's matches,
//! with per-segment bitsets of which documents hold each value.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fastfield::FacetReader;
use tantivy::index::SegmentId;
use tantivy::schema::Facet;
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

/// Counts the values of several facet fields over the matching documents. The collector marks
/// each match in a bitset of the segment; at harvest, a field's counts are the popcounts of
/// that bitset ANDed with one cached bitset per value (which documents hold it), so a broad
/// query costs a few thousand word operations per value instead of a column read per match.
/// Few matches (or a field with very many values) are counted from the facet column per match.
/// Every facet here is one level deep (`/value`), so ordinals need no collapsing.
pub(super) struct FacetCounter {
    pub(super) fields: Vec<String>,
    pub(super) cache: Arc<ValueBitsCache>,
    /// The searcher's segments: cached bitsets of other (merged away) segments are dropped.
    pub(super) live: Vec<SegmentId>,
}

/// Per requested field, in order: value to count.
type FacetFruit = Vec<HashMap<String, u64>>;

/// Below this many matches in a segment, counting from the column is cheaper than popcounts.
const BITSET_MIN_MATCHES: u64 = 256;
/// A field with more values than this is counted from the column (its bitsets would be large).
const BITSET_MAX_VALUES: usize = 512;

/// Which documents of a segment hold each value of one facet field: a bitset per ordinal.
struct ValueBits(Vec<Vec<u64>>);

impl ValueBits {
    fn build(reader: &FacetReader, max_doc: DocId) -> ValueBits {
        let words = (max_doc as usize).div_ceil(64);
        let mut bits = vec![vec![0u64; words]; reader.num_facets()];
        for doc in 0..max_doc {
            for ord in reader.facet_ords(doc) {
                if let Some(word) = bits
                    .get_mut(ord as usize)
                    .and_then(|b| b.get_mut(doc as usize / 64))
                {
                    *word |= 1 << (doc % 64);
                }
            }
        }
        ValueBits(bits)
    }
}

/// Value bitsets by segment and facet field, built on first use. Segments never change once
/// written, so an entry stays right for as long as its segment lives.
#[derive(Default)]
pub(super) struct ValueBitsCache(Mutex<HashMap<(SegmentId, String), Arc<ValueBits>>>);

impl ValueBitsCache {
    fn get_or_build(
        &self,
        segment: &SegmentReader,
        field: &str,
        reader: &FacetReader,
        live: &[SegmentId],
    ) -> Option<Arc<ValueBits>> {
        let mut map = self.0.lock().ok()?;
        let key = (segment.segment_id(), field.to_owned());
        if let Some(bits) = map.get(&key) {
            return Some(bits.clone());
        }
        map.retain(|(id, _), _| live.contains(id));
        let bits = Arc::new(ValueBits::build(reader, segment.max_doc()));
        map.insert(key, bits.clone());
        Some(bits)
    }
}

pub(super) struct SegmentFacetCounter {
    readers: Vec<FacetReader>,
    bits: Vec<Option<Arc<ValueBits>>>,
    matches: Vec<u64>,
    matched: u64,
}

impl Collector for FacetCounter {
    type Fruit = FacetFruit;
    type Child = SegmentFacetCounter;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        segment: &SegmentReader,
    ) -> tantivy::Result<SegmentFacetCounter> {
        let readers = self
            .fields
            .iter()
            .map(|f| segment.facet_reader(f))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let bits = self
            .fields
            .iter()
            .zip(&readers)
            .map(|(field, reader)| {
                (reader.num_facets() <= BITSET_MAX_VALUES)
                    .then(|| self.cache.get_or_build(segment, field, reader, &self.live))
                    .flatten()
            })
            .collect();
        Ok(SegmentFacetCounter {
            readers,
            bits,
            matches: vec![0; (segment.max_doc() as usize).div_ceil(64)],
            matched: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, segments: Vec<FacetFruit>) -> tantivy::Result<FacetFruit> {
        let mut merged: FacetFruit = vec![HashMap::new(); self.fields.len()];
        for segment in segments {
            for (into, from) in merged.iter_mut().zip(segment) {
                for (value, n) in from {
                    *into.entry(value).or_default() += n;
                }
            }
        }
        Ok(merged)
    }
}

impl SegmentFacetCounter {
    /// The matching documents, in order.
    fn matched_docs(&self) -> impl Iterator<Item = DocId> + '_ {
        self.matches.iter().enumerate().flat_map(|(w, &word)| {
            let mut rest = word;
            std::iter::from_fn(move || {
                (rest != 0).then(|| {
                    let bit = rest.trailing_zeros();
                    rest &= rest - 1;
                    (w as u32) * 64 + bit
                })
            })
        })
    }

    /// Counts by facet ordinal of one field.
    fn count(&self, field: usize, reader: &FacetReader) -> Vec<u64> {
        if let Some(bits) = self.bits[field]
            .as_ref()
            .filter(|_| self.matched >= BITSET_MIN_MATCHES)
        {
            return bits
                .0
                .iter()
                .map(|value| {
                    value
                        .iter()
                        .zip(&self.matches)
                        .map(|(a, b)| u64::from((a & b).count_ones()))
                        .sum()
                })
                .collect();
        }
        let mut counts = vec![0; reader.num_facets()];
        for doc in self.matched_docs() {
            let mut previous = u64::MAX;
            for ord in reader.facet_ords(doc) {
                // A value listed twice in one document counts once.
                if ord != previous
                    && let Some(c) = counts.get_mut(ord as usize)
                {
                    *c += 1;
                }
                previous = ord;
            }
        }
        counts
    }
}

impl SegmentCollector for SegmentFacetCounter {
    type Fruit = FacetFruit;

    fn collect(&mut self, doc: DocId, _: Score) {
        if let Some(word) = self.matches.get_mut(doc as usize / 64) {
            *word |= 1 << (doc % 64);
            self.matched += 1;
        }
    }

    fn harvest(self) -> FacetFruit {
        let mut facet = Facet::root();
        self.readers
            .iter()
            .enumerate()
            .map(|(i, reader)| {
                self.count(i, reader)
                    .into_iter()
                    .enumerate()
                    .filter(|(_, n)| *n > 0)
                    .filter_map(|(ord, n)| {
                        reader.facet_from_ord(ord as u64, &mut facet).ok()?;
                        let value = facet.to_path().last().map(|v| (*v).to_owned())?;
                        Some((value, n))
                    })
                    .collect()
            })
            .collect()
    }
}
