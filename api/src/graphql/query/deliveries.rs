//! Reads of delivery: a supplier's webhook endpoints and deliveries, a user's notification
//! settings, and the emails admins must look at.

use async_graphql::{Context, ID, Object};
use becta_domain::Error;
use becta_domain::deliveries::{email, preferences, webhooks};
use becta_domain::vocab::Role;

use crate::graphql::auth::actor;
use crate::graphql::error::{GqlResult, to_gql};
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::{
    NotificationSettings, UndeliveredEmail, WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint,
};
use crate::state::AppState;

fn first_of(first: Option<i32>) -> async_graphql::Result<u64> {
    match first.unwrap_or(50) {
        n @ 1..=200 => Ok(n as u64),
        _ => Err(to_gql(Error::bad_input(
            "first",
            "`first` must be 1 to 200",
        ))),
    }
}

#[derive(Default)]
pub struct DeliveryQuery;

#[Object]
impl DeliveryQuery {
    /// The signed-in supplier's webhook endpoints (SUPPLIER).
    async fn my_webhook_endpoints(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<WebhookEndpoint>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        Ok(webhooks::mine(db, a)
            .await
            .gql()?
            .into_iter()
            .map(WebhookEndpoint)
            .collect())
    }

    /// The signed-in supplier's webhook deliveries with their status, newest first
    /// (SUPPLIER).
    #[graphql(complexity = "first.unwrap_or(50).max(0) as usize * child_complexity")]
    async fn my_webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only this endpoint's.")] endpoint_id: Option<ID>,
        #[graphql(desc = "Only deliveries in this status.")] status: Option<WebhookDeliveryStatus>,
        #[graphql(desc = "How many, 1 to 200 (default 50).")] first: Option<i32>,
    ) -> async_graphql::Result<Vec<WebhookDelivery>> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let endpoint = endpoint_id
            .as_ref()
            .map(|e| parse_id("endpointId", e))
            .transpose()?;
        let first = first_of(first)?;
        Ok(
            webhooks::deliveries(db, a, endpoint, status.map(|s| s.code()), first)
                .await
                .gql()?
                .into_iter()
                .map(WebhookDelivery)
                .collect(),
        )
    }

    /// The signed-in user's notification settings: which kinds are emailed, and where.
    async fn my_notification_preferences(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<NotificationSettings> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        preferences::mine(db, a)
            .await
            .gql()
            .map(NotificationSettings)
    }

    /// Notifications whose email failed for good (refused by the SMTP server, or still
    /// failing after every retry), newest first (ADMIN).
    #[graphql(complexity = "first.unwrap_or(50).max(0) as usize * child_complexity")]
    async fn undelivered_emails(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1 to 200 (default 50).")] first: Option<i32>,
    ) -> async_graphql::Result<Vec<UndeliveredEmail>> {
        let a = actor(ctx)?;
        a.require(&[Role::Admin]).gql()?;
        let db = &ctx.data::<AppState>()?.db;
        let first = first_of(first)?;
        Ok(email::undelivered(db, first)
            .await
            .gql()?
            .into_iter()
            .map(UndeliveredEmail)
            .collect())
    }
}
