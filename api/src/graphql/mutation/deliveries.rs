//! Delivery settings: a supplier's webhook endpoints, a user's notification preferences.

use async_graphql::{Context, ID, Object};
use becta_domain::deliveries::preferences::{self, PreferenceInput};
use becta_domain::deliveries::webhooks::{self, WebhookEventKind};

use crate::graphql::auth::actor;
use crate::graphql::error::GqlResult;
use crate::graphql::types::ids::parse_id;
use crate::graphql::types::{NotificationSettings, WebhookEndpoint};
use crate::state::AppState;

#[derive(Default)]
pub struct DeliveryMutation;

#[Object]
impl DeliveryMutation {
    /// Registers an HTTPS endpoint for some event kinds; the answer's `secret` (shown this
    /// once) verifies each delivery's `Becta-Signature` (SUPPLIER).
    async fn register_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "An https:// URL the supplier controls.")] url: String,
        #[graphql(desc = "The events to send there (at least one).")] kinds: Vec<WebhookEventKind>,
    ) -> async_graphql::Result<WebhookEndpoint> {
        let a = actor(ctx)?;
        let state = ctx.data::<AppState>()?;
        webhooks::register(&state.db, a, &url, &kinds, state.webhook_http_loopback)
            .await
            .gql()
            .map(WebhookEndpoint)
    }

    /// Makes a new signing secret (in the answer, shown this once). The old one keeps
    /// signing, alongside, for 24 hours, so receivers can switch without missing an event
    /// (SUPPLIER, owner).
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookEndpoint> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        webhooks::rotate(db, a, id).await.gql().map(WebhookEndpoint)
    }

    /// Removes an endpoint; its pending deliveries are dropped as failed (SUPPLIER, owner).
    async fn remove_webhook_endpoint(
        &self,
        ctx: &Context<'_>,
        id: ID,
    ) -> async_graphql::Result<WebhookEndpoint> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let id = parse_id("id", &id)?;
        webhooks::remove(db, a, id).await.gql().map(WebhookEndpoint)
    }

    /// Turns email on or off per notification kind (kinds not named keep their setting;
    /// in the app every notification shows regardless), and optionally sets the address
    /// email goes to (an empty string goes back to the token's email).
    async fn set_notification_preferences(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Kinds to set; others keep their setting.")] preferences: Option<
            Vec<PreferenceInput>,
        >,
        #[graphql(desc = "Where email goes; empty to use the token's email again.")]
        email_address: Option<String>,
    ) -> async_graphql::Result<NotificationSettings> {
        let a = actor(ctx)?;
        let db = &ctx.data::<AppState>()?.db;
        let preferences = preferences.unwrap_or_default();
        preferences::set(db, a, &preferences, email_address.as_deref())
            .await
            .gql()
            .map(NotificationSettings)
    }
}
