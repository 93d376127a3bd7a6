//! Plain data (search hits, their products, highlights, facet counts) answered without a
//! future per field, and written straight into the answer's JSON where the HTTP layer allows.
//!
//! async-graphql resolves every selected field as a boxed future of its own, which costs more
//! than reading the value when the value is a string or a number already in memory. A page of
//! search results holds hundreds of such fields. [`PlainList`] is the same GraphQL type as
//! `Vec<T>` (same name, same registration, so the schema does not change) and answers directly
//! when the selection is plain: fields, aliases and nested plain objects. Anything else
//! (fragments, directives such as `@include`, `__typename`, a response key selected twice, a
//! field that [`PlainObject::plain_field`] does not answer) goes through the general executor,
//! which answers the same.
//!
//! A plain answer is built in one of two ways. Inside `POST /graphql`, which writes the answer
//! itself ([`write_response`]) and says so with [`WritesJson`] in the request's data, the list
//! is written as JSON text at once, reading strings where they are, and carried to the writer
//! as a [`Value::Binary`] that [`write_response`] copies as it is (the schema has no binary
//! type, so no other value is ever binary). Anywhere else it is built as a [`Value`] tree.
//!
//! This is the one fast path the API keeps, fenced here (the machinery in this file, every
//! type's plain fields in `objects`): it earned more than 10% on SQLite and on PostgreSQL in
//! the search bench (BENCHMARKS.md). `BECTA_FAST_PLAIN_ANSWERS=false` turns it off; then every
//! field goes through its resolver and the answer through serde.
//!
//! Its premises, each held by a test: the schema registers no extensions (per-field extension
//! hooks would be skipped here: `graphql::tests`); async-graphql is the exact version whose
//! `Value::Binary` and list registration this relies on (pinned in `Cargo.toml`); and its
//! answers equal the general path's for every search of the contract suite
//! (`tests/fast_paths.rs`).

mod objects;

use std::borrow::Cow;

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{
    BatchResponse, ContextSelectionSet, EnumType, OutputType, Positioned, Response, ServerResult,
    Value,
};

/// A plain field's value, borrowed from its object where it can be.
pub enum Plain<'a> {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Str(Cow<'a, str>),
    /// An enum value's GraphQL name.
    Enum(&'static str),
    /// An object, answered with the field's sub-selection.
    Object(&'a dyn PlainObject),
    List(Vec<Plain<'a>>),
    /// A value already built (dates, which have their own format).
    Value(Value),
}

impl<'a> Plain<'a> {
    pub fn int(i: impl Into<serde_json::Number>) -> Self {
        Plain::Number(i.into())
    }

    /// A float as GraphQL's `Float` answers it: null where it is not a finite number.
    pub fn float(f: f64) -> Self {
        serde_json::Number::from_f64(f).map_or(Plain::Null, Plain::Number)
    }

    pub fn str(s: &'a str) -> Self {
        Plain::Str(Cow::Borrowed(s))
    }

    pub fn opt_str(s: &'a Option<String>) -> Self {
        s.as_deref().map_or(Plain::Null, Plain::str)
    }

    /// The GraphQL name of an enum value (as `async_graphql::resolver_utils::enum_value`).
    pub fn enum_of<T: EnumType>(value: T) -> Option<Self> {
        T::items()
            .iter()
            .find(|item| item.value == value)
            .map(|item| Plain::Enum(item.name))
    }

    pub fn enums<T: EnumType + Copy>(values: &[T]) -> Option<Self> {
        values
            .iter()
            .map(|v| Plain::enum_of(*v))
            .collect::<Option<Vec<_>>>()
            .map(Plain::List)
    }

    pub fn objects<T: PlainObject>(items: &'a [T]) -> Self {
        Plain::List(
            items
                .iter()
                .map(|i| Plain::Object(i as &dyn PlainObject))
                .collect(),
        )
    }
}

/// An output object whose fields are plain data.
pub trait PlainObject {
    /// The value of the field `name`, or `None` when the field is not plain (the general
    /// executor answers it).
    fn plain_field(&self, name: &str) -> Option<Plain<'_>>;
}

/// The fields of a plain selection, in order: every item a field without directives, no
/// response key twice (the general executor merges repeated keys). Yields `None` for an item
/// that makes the selection not plain.
fn plain_fields(selection: &SelectionSet) -> impl Iterator<Item = Option<&Field>> {
    let items = &selection.items;
    items.iter().enumerate().map(|(i, s)| {
        let Selection::Field(field) = &s.node else {
            return None;
        };
        let field = &field.node;
        let key = &field.response_key().node;
        let repeated = items[..i].iter().any(|earlier| match &earlier.node {
            Selection::Field(f) => &f.node.response_key().node == key,
            _ => false,
        });
        (field.directives.is_empty() && !repeated).then_some(field)
    })
}

/// The object's fields selected in `selection` as a value, or `None` when not plain.
pub fn plain_object(item: &dyn PlainObject, selection: &SelectionSet) -> Option<Value> {
    let mut map = IndexMap::with_capacity(selection.items.len());
    for field in plain_fields(selection) {
        let field = field?;
        let value = item.plain_field(field.name.node.as_str())?;
        map.insert(
            field.response_key().node.clone(),
            to_value(value, &field.selection_set.node)?,
        );
    }
    Some(Value::Object(map))
}

fn to_value(value: Plain<'_>, selection: &SelectionSet) -> Option<Value> {
    Some(match value {
        Plain::Null => Value::Null,
        Plain::Bool(b) => Value::Boolean(b),
        Plain::Number(n) => Value::Number(n),
        Plain::Str(s) => Value::String(s.into_owned()),
        Plain::Enum(name) => Value::Enum(async_graphql::Name::new(name)),
        Plain::Object(o) => plain_object(o, selection)?,
        Plain::List(items) => Value::List(
            items
                .into_iter()
                .map(|i| to_value(i, selection))
                .collect::<Option<_>>()?,
        ),
        Plain::Value(v) => v,
    })
}

/// Writes `s` as a JSON string.
fn write_str(out: &mut Vec<u8>, s: &str) {
    // Writing into a Vec cannot fail, and a &str is always valid JSON text once escaped.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// Writes the object's fields selected in `selection` as JSON, or gives `None` (with `out`
/// holding part of an answer, for the caller to discard) when not plain.
fn write_object(out: &mut Vec<u8>, item: &dyn PlainObject, selection: &SelectionSet) -> Option<()> {
    out.push(b'{');
    for (i, field) in plain_fields(selection).enumerate() {
        let field = field?;
        let value = item.plain_field(field.name.node.as_str())?;
        if i > 0 {
            out.push(b',');
        }
        write_str(out, field.response_key().node.as_str());
        out.push(b':');
        write_plain(out, value, &field.selection_set.node)?;
    }
    out.push(b'}');
    Some(())
}

fn write_plain(out: &mut Vec<u8>, value: Plain<'_>, selection: &SelectionSet) -> Option<()> {
    match value {
        Plain::Null => out.extend_from_slice(b"null"),
        Plain::Bool(b) => out.extend_from_slice(if b { b"true" } else { b"false" }),
        Plain::Number(n) => {
            let _ = serde_json::to_writer(&mut *out, &n);
        }
        Plain::Str(s) => write_str(out, &s),
        Plain::Enum(name) => write_str(out, name),
        Plain::Object(o) => write_object(out, o, selection)?,
        Plain::List(items) => {
            out.push(b'[');
            for (i, item) in items.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_plain(out, item, selection)?;
            }
            out.push(b']');
        }
        Plain::Value(v) => write_value(out, &v),
    }
    Some(())
}

/// Marks a request whose answer is written by [`write_response`]: plain lists may then be
/// answered as JSON text.
pub struct WritesJson;

/// Marks a request whose plain parts may be answered without the general executor
/// (`BECTA_FAST_PLAIN_ANSWERS`); without it every field goes through its resolver.
pub struct PlainAnswers;

/// Whether this request answers plain parts directly.
pub fn plain_answers(ctx: &ContextSelectionSet<'_>) -> bool {
    ctx.data_opt::<PlainAnswers>().is_some()
}

/// A list of plain objects: the GraphQL type `[T!]!`, answered without per-field futures
/// when the selection allows.
pub struct PlainList<T>(pub Vec<T>);

impl<T: PlainObject> PlainList<T> {
    /// The list as JSON text, or `None` when the selection is not plain.
    fn json(&self, selection: &SelectionSet) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(256 * self.0.len().max(1));
        out.push(b'[');
        for (i, item) in self.0.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_object(&mut out, item, selection)?;
        }
        out.push(b']');
        Some(out)
    }

    /// The list as a value tree, or `None` when the selection is not plain.
    fn value(&self, selection: &SelectionSet) -> Option<Value> {
        self.0
            .iter()
            .map(|item| plain_object(item, selection))
            .collect::<Option<Vec<_>>>()
            .map(Value::List)
    }
}

impl<T: PlainObject + OutputType> OutputType for PlainList<T> {
    fn type_name() -> Cow<'static, str> {
        Vec::<T>::type_name()
    }

    fn qualified_type_name() -> String {
        Vec::<T>::qualified_type_name()
    }

    fn create_type_info(registry: &mut Registry) -> String {
        Vec::<T>::create_type_info(registry)
    }

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let selection = &ctx.item.node;
        if !plain_answers(ctx) {
            return self.0.resolve(ctx, field).await;
        }
        let plain = if ctx.data_opt::<WritesJson>().is_some() {
            self.json(selection).map(|json| Value::Binary(json.into()))
        } else {
            self.value(selection)
        };
        match plain {
            Some(value) => Ok(value),
            None => self.0.resolve(ctx, field).await,
        }
    }
}

/// Writes a value as JSON, as async-graphql's serializer does, copying the JSON text of plain
/// lists (binary values) as it is.
fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => {
            let _ = serde_json::to_writer(&mut *out, n);
        }
        Value::String(s) => write_str(out, s),
        Value::Enum(name) => write_str(out, name.as_str()),
        Value::Binary(json) => out.extend_from_slice(json),
        Value::List(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, key.as_str());
                out.push(b':');
                write_value(out, item);
            }
            out.push(b'}');
        }
    }
}

/// Writes an answer as JSON with the fields and order of async-graphql's serializer: `data`,
/// then `extensions` and `errors` when there are any.
fn write_one(out: &mut Vec<u8>, response: &Response) -> serde_json::Result<()> {
    out.extend_from_slice(b"{\"data\":");
    write_value(out, &response.data);
    if !response.extensions.is_empty() {
        out.extend_from_slice(b",\"extensions\":");
        serde_json::to_writer(&mut *out, &response.extensions)?;
    }
    if !response.errors.is_empty() {
        out.extend_from_slice(b",\"errors\":");
        serde_json::to_writer(&mut *out, &response.errors)?;
    }
    out.push(b'}');
    Ok(())
}

/// Writes one answer, or a batch's answers as a JSON array.
pub fn write_response(out: &mut Vec<u8>, response: &BatchResponse) -> serde_json::Result<()> {
    match response {
        BatchResponse::Single(r) => write_one(out, r),
        BatchResponse::Batch(rs) => {
            out.push(b'[');
            for (i, r) in rs.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_one(out, r)?;
            }
            out.push(b']');
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::Name;

    fn sample() -> Value {
        let mut inner = IndexMap::new();
        inner.insert(
            Name::new("text"),
            Value::String("quote \" and \\ and \n é".into()),
        );
        inner.insert(Name::new("count"), Value::Number(42.into()));
        inner.insert(
            Name::new("score"),
            async_graphql::ScalarType::to_value(&0.25f64),
        );
        inner.insert(Name::new("stage"), Value::Enum(Name::new("KS2")));
        inner.insert(Name::new("on"), Value::Boolean(true));
        inner.insert(Name::new("none"), Value::Null);
        let mut outer = IndexMap::new();
        outer.insert(
            Name::new("items"),
            Value::List(vec![Value::Object(inner), Value::List(vec![])]),
        );
        Value::Object(outer)
    }

    #[test]
    fn answers_are_written_as_async_graphqls_serializer_writes_them() -> serde_json::Result<()> {
        let mut response = Response::new(sample());
        response
            .errors
            .push(async_graphql::ServerError::new("bad", None));
        response
            .extensions
            .insert("cost".into(), Value::Number(3.into()));
        for answer in [
            BatchResponse::Single(Response::new(sample())),
            BatchResponse::Single(response),
            BatchResponse::Batch(vec![Response::new(sample()), Response::new(Value::Null)]),
        ] {
            let mut ours = Vec::new();
            write_response(&mut ours, &answer)?;
            let theirs = serde_json::to_vec(&answer)?;
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs)
            );
        }
        Ok(())
    }

    #[test]
    fn json_text_of_a_plain_list_is_copied_as_it_is() {
        let mut out = Vec::new();
        let mut map = IndexMap::new();
        map.insert(
            Name::new("hits"),
            Value::Binary(b"[{\"a\":1}]".to_vec().into()),
        );
        write_value(&mut out, &Value::Object(map));
        assert_eq!(out, b"{\"hits\":[{\"a\":1}]}");
    }
}
