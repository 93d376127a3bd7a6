//! The adviser directory: admins add advisers, change them and (de)activate them.

use async_graphql::{Context, ID, Object};
use becta_domain::advice::{AdviserProfile, advisers};

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::Adviser;
use crate::graphql::types::ids::parse_id;
use crate::state::AppState;

#[derive(Default)]
pub struct AdviserMutation;

#[Object]
impl AdviserMutation {
    /// Adds an adviser to the directory (ADMIN). They can be assigned cases at once, before
    /// they ever sign in; a token whose `sub` is their `id` then acts as them. A taken email
    /// is `CONFLICT` naming `email`.
    async fn create_adviser(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Who the adviser is, what they specialise in and their capacity.")]
        input: AdviserProfile,
        #[graphql(
            desc = "The id of someone who already signs in as an adviser (their `me { userId }`), \
                    to add them under it; absent, the adviser gets a new id, which their token's \
                    `sub` must carry."
        )]
        user_id: Option<ID>,
    ) -> async_graphql::Result<Adviser> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let user_id = user_id
            .as_ref()
            .map(|x| parse_id("userId", x))
            .transpose()?;
        advisers::create(db, a, user_id, input)
            .await
            .gql()
            .map(Adviser::new)
    }

    /// Replaces an adviser's name, email, specialisms and capacity (ADMIN). Lowering the
    /// capacity below their open cases takes nothing from them; they get no more until they
    /// have room.
    async fn update_adviser(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The adviser's id.")] id: ID,
        #[graphql(desc = "The adviser's `version` as last read; an older one is `CONFLICT`.")]
        version: i32,
        #[graphql(desc = "The adviser as they should now be.")] input: AdviserProfile,
    ) -> async_graphql::Result<Adviser> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        advisers::update(db, a, id, version, input)
            .await
            .gql()
            .map(Adviser::new)
    }

    /// Deactivates an adviser (`active: false`: they get no new cases and are not suggested,
    /// and keep their open cases) or reactivates them (ADMIN).
    async fn set_adviser_active(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The adviser's id.")] id: ID,
        #[graphql(desc = "The adviser's `version` as last read; an older one is `CONFLICT`.")]
        version: i32,
        #[graphql(desc = "True to take new cases, false to stop.")] active: bool,
    ) -> async_graphql::Result<Adviser> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        advisers::set_active(db, a, id, version, active)
            .await
            .gql()
            .map(Adviser::new)
    }
}
