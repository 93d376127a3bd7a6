//! Shortlists: a school buyer keeps them; colleagues and advisers read them.

use async_graphql::{Context, ID, InputObject, Object};
use becta_domain::shortlists::{self, ItemChange, ShortlistInput, Target};
use becta_domain::vocab::Decision;

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::Shortlist;
use crate::graphql::types::ids::parse_id;
use crate::state::AppState;

/// A public product or deal to add: exactly one of the two ids.
#[derive(InputObject)]
pub struct ShortlistItemInput {
    pub product_id: Option<ID>,
    pub deal_id: Option<ID>,
    /// Up to 2,000 characters.
    pub note: Option<String>,
}

/// An item's note and the school's decision.
#[derive(InputObject)]
pub struct ShortlistItemChangeInput {
    /// Up to 2,000 characters; null or empty clears it.
    pub note: Option<String>,
    pub decision: Decision,
    /// Why it was chosen or rejected (required then), up to 2,000 characters.
    pub reason: Option<String>,
}

#[derive(Default)]
pub struct ShortlistMutation;

#[Object]
impl ShortlistMutation {
    /// Creates a shortlist for your school (SCHOOL_BUYER).
    async fn create_shortlist(
        &self,
        ctx: &Context<'_>,
        input: ShortlistInput,
    ) -> async_graphql::Result<Shortlist> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        shortlists::create(db, a, input).await.gql().map(Shortlist)
    }

    /// Renames it, or changes its description or who may read it (its owner).
    async fn update_shortlist(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        input: ShortlistInput,
    ) -> async_graphql::Result<Shortlist> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        shortlists::update(db, a, id, version, input)
            .await
            .gql()
            .map(Shortlist)
    }

    /// Deletes it with its items (its owner); true when done.
    async fn delete_shortlist(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
    ) -> async_graphql::Result<bool> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        shortlists::delete(db, a, id, version).await.gql()?;
        Ok(true)
    }

    /// Attaches it to one of your school's advice cases so its advisers can read it, or
    /// detaches it with a null `adviceRequestId` (its owner).
    async fn attach_shortlist(
        &self,
        ctx: &Context<'_>,
        id: ID,
        version: i32,
        advice_request_id: Option<ID>,
    ) -> async_graphql::Result<Shortlist> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        let case = advice_request_id
            .as_ref()
            .map(|c| parse_id("adviceRequestId", c))
            .transpose()?;
        shortlists::attach(db, a, id, version, case)
            .await
            .gql()
            .map(Shortlist)
    }

    /// Adds a public product or deal with an optional note (its owner); `version` is the
    /// shortlist's.
    async fn add_shortlist_item(
        &self,
        ctx: &Context<'_>,
        shortlist_id: ID,
        version: i32,
        item: ShortlistItemInput,
    ) -> async_graphql::Result<Shortlist> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("shortlistId", &shortlist_id)?;
        let target = match (&item.product_id, &item.deal_id) {
            (Some(p), None) => Target::Product(parse_id("item.productId", p)?),
            (None, Some(d)) => Target::Deal(parse_id("item.dealId", d)?),
            _ => {
                return Err(crate::graphql::error::to_gql(
                    becta_domain::Error::bad_input("item", "give a productId or a dealId"),
                ));
            }
        };
        shortlists::add_item(db, a, id, version, target, item.note)
            .await
            .gql()
            .map(Shortlist)
    }

    /// Changes an item's note and decision (its owner); `version` is the shortlist's.
    async fn update_shortlist_item(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
        version: i32,
        change: ShortlistItemChangeInput,
    ) -> async_graphql::Result<Shortlist> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("itemId", &item_id)?;
        let change = ItemChange {
            note: change.note,
            decision: change.decision,
            reason: change.reason,
        };
        shortlists::update_item(db, a, id, version, change)
            .await
            .gql()
            .map(Shortlist)
    }

    /// Removes an item (its owner); `version` is the shortlist's.
    async fn remove_shortlist_item(
        &self,
        ctx: &Context<'_>,
        item_id: ID,
        version: i32,
    ) -> async_graphql::Result<Shortlist> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("itemId", &item_id)?;
        shortlists::remove_item(db, a, id, version)
            .await
            .gql()
            .map(Shortlist)
    }
}
