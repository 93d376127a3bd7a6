//! The tantivy schema of each kind: its fields by document attribute, and documents as
//! tantivy fields.

use std::collections::HashMap;

use serde_json::Value as Json;
use tantivy::TantivyDocument;
use tantivy::schema::{
    FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};

use super::internal;
use crate::settings;
use crate::{Attribute, Kind, SearchResult};

/// Numeric attributes stored as floats; the others are integers.
pub(super) use crate::settings::FLOAT_ATTRIBUTES;

/// Attributes shown with highlights.
pub(super) use crate::settings::highlighted;

/// The tantivy fields of one kind, by document attribute.
pub(super) struct Fields {
    pub(super) id: Field,
    pub(super) version: Field,
    /// The document's [`crate::digest`], for `becta index --check`.
    pub(super) digest: Field,
    /// The document's `record` (what a hit shows) as JSON: stored, not indexed.
    pub(super) record: Field,
    /// Searchable text fields with their boosts, in priority order (stemmed words).
    pub(super) text: Vec<(Attribute, Field, f32)>,
    /// The same text unstemmed, one per `text` field: typos and prefixes are matched against
    /// the words as written ("readng" is one edit from "reading", but two from its stem).
    pub(super) raw: Vec<Field>,
    pub(super) keyword: HashMap<Attribute, Field>,
    pub(super) boolean: HashMap<Attribute, Field>,
    pub(super) numeric: HashMap<Attribute, Field>,
}

pub(super) fn schema(kind: Kind) -> (Schema, Fields) {
    let mut b = Schema::builder();
    let id = b.add_text_field("id", STRING | STORED);
    let version = b.add_i64_field("version", STORED | FAST);
    let digest = b.add_u64_field("digest", STORED);
    let record = b.add_text_field("record", STORED);
    let searchable = settings::searchable(kind);
    let raw = searchable
        .iter()
        .map(|attr| {
            let indexing = TextFieldIndexing::default()
                .set_tokenizer("default")
                .set_index_option(IndexRecordOption::Basic);
            b.add_text_field(
                &format!("r_{attr}"),
                TextOptions::default().set_indexing_options(indexing),
            )
        })
        .collect();
    let text = searchable
        .iter()
        .enumerate()
        .map(|(i, attr)| {
            let indexing = TextFieldIndexing::default()
                .set_tokenizer("en_stem")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions);
            let mut opts = TextOptions::default().set_indexing_options(indexing);
            if highlighted(kind).contains(attr) {
                opts = opts.set_stored();
            }
            let boost = match i {
                0 => 3.0,
                1 => 2.0,
                2 => 1.5,
                _ if i + 1 == searchable.len() => 0.7,
                _ => 1.0,
            };
            (*attr, b.add_text_field(&format!("t_{attr}"), opts), boost)
        })
        .collect();
    let keyword = settings::keyword_attributes(kind)
        .iter()
        .map(|a| {
            (
                *a,
                b.add_facet_field(&format!("k_{a}"), FacetOptions::default()),
            )
        })
        .collect();
    let boolean = settings::boolean_attributes(kind)
        .iter()
        .map(|a| {
            (
                *a,
                b.add_facet_field(&format!("b_{a}"), FacetOptions::default()),
            )
        })
        .collect();
    let numeric = settings::numeric_attributes(kind)
        .iter()
        .map(|a| {
            let name = format!("n_{a}");
            let f = if FLOAT_ATTRIBUTES.contains(a) {
                b.add_f64_field(&name, INDEXED | FAST)
            } else {
                b.add_i64_field(&name, INDEXED | FAST)
            };
            (*a, f)
        })
        .collect();
    (
        b.build(),
        Fields {
            id,
            version,
            digest,
            record,
            text,
            raw,
            keyword,
            boolean,
            numeric,
        },
    )
}

pub(super) fn facet(value: &str) -> Facet {
    Facet::from_path([value])
}

fn strings(v: Option<&Json>) -> Vec<String> {
    match v {
        Some(Json::String(s)) => vec![s.clone()],
        Some(Json::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => vec![],
    }
}

/// A document as tantivy fields, from its JSON form (attribute names as in the settings).
pub(super) fn to_tantivy(
    fields: &Fields,
    doc: &Json,
) -> SearchResult<(String, i64, TantivyDocument)> {
    let id = doc
        .get("id")
        .and_then(Json::as_str)
        .ok_or_else(|| internal("document without id"))?
        .to_owned();
    let version = doc.get("version").and_then(Json::as_i64).unwrap_or(0);
    let mut t = TantivyDocument::default();
    t.add_text(fields.id, &id);
    t.add_i64(fields.version, version);
    t.add_u64(fields.digest, crate::digest(doc));
    if let Some(record) = doc.get("record").filter(|r| !r.is_null()) {
        t.add_text(fields.record, record.to_string());
    }
    for ((attr, field, _), raw) in fields.text.iter().zip(&fields.raw) {
        for s in strings(doc.get(attr.name())) {
            t.add_text(*field, &s);
            t.add_text(*raw, s);
        }
    }
    for (attr, field) in &fields.keyword {
        for s in strings(doc.get(attr.name())) {
            t.add_facet(*field, facet(&s));
        }
    }
    for (attr, field) in &fields.boolean {
        let v = doc
            .get(attr.name())
            .and_then(Json::as_bool)
            .unwrap_or(false);
        t.add_facet(*field, facet(if v { "true" } else { "false" }));
    }
    for (attr, field) in &fields.numeric {
        if FLOAT_ATTRIBUTES.contains(attr) {
            t.add_f64(
                *field,
                doc.get(attr.name()).and_then(Json::as_f64).unwrap_or(0.0),
            );
        } else {
            t.add_i64(
                *field,
                doc.get(attr.name()).and_then(Json::as_i64).unwrap_or(0),
            );
        }
    }
    Ok((id, version, t))
}
