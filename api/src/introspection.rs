//! Introspection when it is turned off: an operation asking for `__schema` or `__type` is
//! refused with `INTROSPECTION_DISABLED` before it runs, instead of being answered `null`.
//!
//! Policy: `BECTA_INTROSPECTION` decides (on by default in development, off in production);
//! the schema is built with introspection disabled too, so nothing else answers it. Only the
//! two introspection fields count: `__typename` is part of ordinary queries.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Selection, SelectionSet,
};
use async_graphql::{ErrorExtensionValues, Response, ServerError};
use becta_domain::Code;

/// True when any operation or fragment of `doc` selects `__schema` or `__type`.
pub fn asks_introspection(doc: &ExecutableDocument) -> bool {
    let in_operations = match &doc.operations {
        DocumentOperations::Single(op) => selects(&op.node.selection_set.node),
        DocumentOperations::Multiple(ops) => {
            ops.values().any(|op| selects(&op.node.selection_set.node))
        }
    };
    in_operations
        || doc
            .fragments
            .values()
            .any(|f| selects(&f.node.selection_set.node))
}

fn selects(set: &SelectionSet) -> bool {
    set.items.iter().any(|item| match &item.node {
        Selection::Field(f) => {
            matches!(f.node.name.node.as_str(), "__schema" | "__type")
                || selects(&f.node.selection_set.node)
        }
        Selection::InlineFragment(f) => selects(&f.node.selection_set.node),
        // Every fragment definition is looked at on its own.
        Selection::FragmentSpread(_) => false,
    })
}

/// The answer to an introspection query on a server with introspection off.
pub fn refused() -> Response {
    let code = Code::IntrospectionDisabled;
    let mut err = ServerError::new(
        "introspection is turned off on this server (BECTA_INTROSPECTION); the schema is published as schema.graphql",
        None,
    );
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code.as_str());
    err.extensions = Some(extensions);
    Response::from_errors(vec![err])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asks(query: &str) -> bool {
        async_graphql::parser::parse_query(query)
            .map(|doc| asks_introspection(&doc))
            .unwrap_or(false)
    }

    #[test]
    fn schema_and_type_fields_are_introspection_wherever_they_hide() {
        assert!(asks("{ __schema { types { name } } }"));
        assert!(asks("query Q { __type(name: \"Deal\") { name } }"));
        assert!(asks(
            "query Q { ...F } fragment F on Query { __schema { queryType { name } } }"
        ));
        assert!(asks("{ ... on Query { __schema { queryType { name } } } }"));
        assert!(asks(
            "query A { deals { totalCount } } query B { __schema { queryType { name } } }"
        ));
    }

    #[test]
    fn typename_and_ordinary_fields_are_not() {
        assert!(!asks("{ __typename }"));
        assert!(!asks(
            "{ deals(first: 1) { edges { node { __typename id } } } }"
        ));
    }
}
