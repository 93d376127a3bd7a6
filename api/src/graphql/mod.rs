//! The GraphQL schema: thin resolvers over domain services. `schema()` builds it apart from the
//! HTTP wiring, so `becta schema` and the tests see exactly what the server serves.

pub mod auth;
pub mod documents;
pub mod error;
pub mod loaders;
pub mod mutation;
pub mod prefetch;
pub mod query;
pub mod types;

use async_graphql::{EmptySubscription, Schema, SchemaBuilder, ValidationMode};

use crate::config::Limits;
use crate::state::AppState;

pub type BectaSchema = Schema<query::Query, mutation::Mutation, EmptySubscription>;

/// The schema with its limits; `state` is absent only when printing the SDL.
pub fn schema(state: Option<AppState>, limits: &Limits) -> BectaSchema {
    builder(state, limits).finish()
}

/// The same schema for operations known to pass its validation: it checks only the depth and
/// complexity limits and fragment cycles (`documents` decides which requests may use it).
pub fn schema_for_validated(state: AppState, limits: &Limits) -> BectaSchema {
    builder(Some(state), limits)
        .validation_mode(ValidationMode::Fast)
        .finish()
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
