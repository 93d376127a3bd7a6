//! Reads for signed-in users: `me`, a supplier's listings, the vetting queue, the audit log.

use async_graphql::{Context, ID, InputObject, Object};
use becta_domain::audit::{self, AuditFilter};
use becta_domain::catalogue::{deals, organisations};
use becta_domain::listings;
use becta_domain::pagination::PageArgs;
use becta_domain::vetting;
use becta_domain::vocab::{ProductStatus, Role};
use chrono::{DateTime, Utc};

use crate::graphql::auth::{actor, viewer};
use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::*;
use crate::state::AppState;

#[derive(Default)]
pub struct AccountQuery;

/// Filters on the audit log; all given filters must hold.
#[derive(InputObject, Default)]
pub struct AuditFilterInput {
    pub actor_id: Option<ID>,
    pub organisation_id: Option<ID>,
    /// e.g. `product.update`, `product.review.decide`, `deal.expire`.
    pub action: Option<String>,
    /// `product` or `deal`.
    pub entity_type: Option<String>,
    pub entity_id: Option<ID>,
    pub request_id: Option<String>,
    /// From this time (inclusive).
    pub from: Option<DateTime<Utc>>,
    /// Up to this time (exclusive).
    pub to: Option<DateTime<Utc>>,
}

#[Object]
impl AccountQuery {
    /// The signed-in user, or null without a token.
    async fn me(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Me>> {
        let Some(a) = viewer(ctx) else {
            return Ok(None);
        };
        let db = &ctx.data::<AppState>()?.db;
        let organisation = match a.organisation_id {
            Some(id) => organisations::by_ids(db, &[id])
                .await
                .gql()?
                .into_values()
                .next(),
            None => None,
        };
        Ok(Some(Me {
            actor: a.clone(),
            organisation,
        }))
    }

    /// The signed-in supplier's listings in any status, newest first.
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn my_listings(
        &self,
        ctx: &Context<'_>,
        status: Option<ProductStatus>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<Listing>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let page = PageArgs::new(first, after.as_deref()).gql()?;
        let rows = listings::mine(db, a, status, &page).await.gql()?;
        Connection::listings(ctx, rows).await
    }

    /// One listing in any status: its supplier and admins only.
    async fn listing(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Listing> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        listings::get(db, a, id).await.gql().map(Listing)
    }

    /// Listings awaiting vetting, oldest first (admins).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn vetting_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<Listing>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let page = PageArgs::new(first, after.as_deref()).gql()?;
        let rows = vetting::queue(db, a, &page).await.gql()?;
        Connection::listings(ctx, rows).await
    }

    /// Any deal, whatever its status (admins).
    async fn managed_deal(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Deal> {
        let a = actor(ctx)?;
        a.require(&[Role::Admin]).gql()?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        deals::find(db, id).await.gql().map(Deal)
    }

    /// The audit log, newest first (admins).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        filter: Option<AuditFilterInput>,
        #[graphql(desc = "Page size, 1 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Connection<AuditEvent>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let page = PageArgs::new(first, after.as_deref()).gql()?;
        let f = filter.unwrap_or_default();
        let filter = AuditFilter {
            actor_id: f
                .actor_id
                .as_ref()
                .map(|i| parse_id("filter.actorId", i))
                .transpose()?,
            organisation_id: f
                .organisation_id
                .as_ref()
                .map(|i| parse_id("filter.organisationId", i))
                .transpose()?,
            action: f.action,
            entity_type: f.entity_type,
            entity_id: f.entity_id.map(|i| i.to_string()),
            request_id: f.request_id,
            from: f.from,
            to: f.to,
        };
        let rows = audit::list(db, a, &filter, &page).await.gql()?;
        Ok(Connection::plain(rows, AuditEvent))
    }
}
