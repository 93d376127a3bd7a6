//! The caller, as the HTTP layer admitted them: resolvers ask here, never parse tokens.

use async_graphql::Context;
use becta_domain::Error;
use becta_domain::actor::Actor;

use crate::graphql::error::to_gql;

/// The signed-in actor, or `UNAUTHENTICATED`.
pub fn actor<'a>(ctx: &'a Context<'_>) -> async_graphql::Result<&'a Actor> {
    ctx.data_opt::<Actor>().ok_or_else(|| {
        to_gql(Error::Unauthenticated(
            "sign in: send `Authorization: Bearer <token>`".into(),
        ))
    })
}

/// The signed-in actor, if any.
pub fn viewer<'a>(ctx: &'a Context<'_>) -> Option<&'a Actor> {
    ctx.data_opt::<Actor>()
}
