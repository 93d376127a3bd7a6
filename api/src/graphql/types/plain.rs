//! Plain data (search hits, their products, highlights, facet counts) answered without a
//! future per field.
//!
//! async-graphql resolves every selected field as a boxed future of its own, which costs more
//! than reading the value when the value is a string or a number already in memory. A page of
//! search results holds hundreds of such fields. [`PlainList`] is the same GraphQL type as
//! `Vec<T>` (same name, same registration, so the schema does not change) and builds the answer
//! directly when the selection is plain: fields, aliases and nested plain objects. Anything
//! else (fragments, directives such as `@include`, `__typename`, a response key selected twice,
//! a field that [`PlainObject::plain_field`] does not answer) goes through the general
//! executor, which answers the same.
//!
//! The schema registers no extensions (`graphql::schema`); per-field extension hooks would be
//! skipped here.

use async_graphql::indexmap::IndexMap;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{ContextSelectionSet, OutputType, Positioned, ServerResult, Value};
use std::borrow::Cow;

/// An output object whose fields are plain data.
pub trait PlainObject {
    /// The value of the field `name` with its sub-selection `selection` (empty for scalars),
    /// or `None` when the field is not plain (the general executor answers it).
    fn plain_field(&self, name: &str, selection: &SelectionSet) -> Option<Value>;
}

/// The object's fields selected in `selection`, or `None` when the selection is not plain.
pub fn plain_object<T: PlainObject>(item: &T, selection: &SelectionSet) -> Option<Value> {
    let mut map = IndexMap::with_capacity(selection.items.len());
    for s in &selection.items {
        let Selection::Field(field) = &s.node else {
            return None;
        };
        let field: &Field = &field.node;
        if !field.directives.is_empty() {
            return None;
        }
        let value = item.plain_field(field.name.node.as_str(), &field.selection_set.node)?;
        if map
            .insert(field.response_key().node.clone(), value)
            .is_some()
        {
            return None; // selected twice: the general executor merges the selections
        }
    }
    Some(Value::Object(map))
}

/// The items' selected fields as a list, or `None` when the selection is not plain.
pub fn plain_list<T: PlainObject>(items: &[T], selection: &SelectionSet) -> Option<Value> {
    items
        .iter()
        .map(|item| plain_object(item, selection))
        .collect::<Option<Vec<_>>>()
        .map(Value::List)
}

/// A list of plain objects: the GraphQL type `[T!]!`, answered without per-field futures
/// when the selection allows.
pub struct PlainList<T>(pub Vec<T>);

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
        match plain_list(&self.0, &ctx.item.node) {
            Some(value) => Ok(value),
            None => self.0.resolve(ctx, field).await,
        }
    }
}
