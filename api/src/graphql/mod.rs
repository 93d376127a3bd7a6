//! The GraphQL schema: thin resolvers over domain services. `schema()` builds it apart from the
//! HTTP wiring, so `becta schema` and the tests see exactly what the server serves.

pub mod auth;
pub mod error;
pub mod loaders;
pub mod mutation;
pub mod prefetch;
pub mod query;
pub mod types;

use async_graphql::{EmptySubscription, Schema, SchemaBuilder};

use crate::config::Limits;
use crate::state::AppState;

pub type BectaSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// The schema with its limits; `state` is absent only when printing the SDL.
pub fn schema(state: Option<AppState>, limits: &Limits) -> BectaSchema {
    builder(state, limits).finish()
}

fn builder(
    state: Option<AppState>,
    limits: &Limits,
) -> SchemaBuilder<query::Query, mutation::Mutation, EmptySubscription> {
    // No extensions: `types::plain` answers plain data without per-field extension hooks.
    let mut builder = Schema::build(
        query::Query::default(),
        mutation::Mutation::default(),
        EmptySubscription,
    )
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
    .limit_recursive_depth(32)
    .disable_suggestions();
    if !limits.introspection {
        builder = builder.disable_introspection();
    }
    if let Some(state) = state {
        builder = builder.data(state);
    }
    builder
}

/// The schema in SDL, as served (`becta schema`, and `schema.graphql` in the repository).
pub fn sdl() -> String {
    schema(None, &Limits::default()).sdl()
}

#[cfg(test)]
mod tests {
    /// `types::plain` answers plain fields without async-graphql's per-field extension hooks,
    /// which is right only while the schema registers no extension. Adding one must come with
    /// turning plain answers off (or teaching them the hooks): this test says where.
    #[test]
    fn the_schema_registers_no_extensions_while_plain_answers_exist() {
        let source = include_str!("mod.rs");
        let builder = source
            .split("fn builder(")
            .nth(1)
            .and_then(|rest| rest.split("\n}\n").next())
            .unwrap_or_default();
        assert!(
            builder.contains("Schema::build("),
            "the schema builder moved"
        );
        assert!(
            !builder.contains(".extension("),
            "an extension is registered: plain answers (types::plain) would skip its hooks"
        );
    }
}
