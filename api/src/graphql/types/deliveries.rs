//! Webhook endpoints and deliveries, and notification preferences.

use async_graphql::{Enum, ID, Object, SimpleObject};
use becta_domain::deliveries::preferences::Preferences;
use becta_domain::deliveries::webhooks::{Endpoint, WebhookEventKind};
use becta_domain::entity::{notification, webhook_delivery};
use chrono::{DateTime, Utc};

/// A supplier's webhook endpoint.
pub struct WebhookEndpoint(pub Endpoint);

#[Object]
impl WebhookEndpoint {
    async fn id(&self) -> ID {
        ID(self.0.row.id.to_string())
    }
    /// Where events are posted.
    async fn url(&self) -> &str {
        &self.0.row.url
    }
    /// The events this endpoint takes.
    async fn kinds(&self) -> &[WebhookEventKind] {
        &self.0.kinds
    }
    /// The signing secret (`whsec_...`): given only by `registerWebhookEndpoint` and
    /// `rotateWebhookSecret`, null otherwise. Keep it secret; verify each delivery's
    /// `Becta-Signature` with it.
    async fn secret(&self) -> Option<&str> {
        self.0.new_secret.as_deref()
    }
    /// Until when the secret before the last rotation still signs deliveries (a second
    /// `v1=` in `Becta-Signature`); null when none does.
    async fn previous_secret_valid_until(&self) -> Option<DateTime<Utc>> {
        self.0
            .row
            .previous_secret_expires_at
            .filter(|t| *t > Utc::now())
    }
    /// False once removed.
    async fn active(&self) -> bool {
        self.0.row.active
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.row.created_at
    }
}

/// Where a webhook delivery stands.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum WebhookDeliveryStatus {
    /// Not delivered yet: waiting for its first attempt or a retry.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up: no 2xx within 24 hours of the event, or the endpoint was removed.
    Failed,
}

impl WebhookDeliveryStatus {
    pub fn code(self) -> &'static str {
        match self {
            WebhookDeliveryStatus::Pending => "pending",
            WebhookDeliveryStatus::Delivered => "delivered",
            WebhookDeliveryStatus::Failed => "failed",
        }
    }
}

/// One event sent (or to be sent) to one endpoint.
pub struct WebhookDelivery(pub webhook_delivery::Model);

#[Object]
impl WebhookDelivery {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn endpoint_id(&self) -> ID {
        ID(self.0.endpoint_id.to_string())
    }
    /// The event's id: the body's `id` and the `Becta-Event-Id` header, the same on every
    /// retry (deduplicate on it).
    async fn event_id(&self) -> ID {
        ID(self.0.event_id.to_string())
    }
    /// The event's type, e.g. `loan.granted`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// The JSON body as posted.
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn status(&self) -> WebhookDeliveryStatus {
        match self.0.status.as_str() {
            "delivered" => WebhookDeliveryStatus::Delivered,
            "failed" => WebhookDeliveryStatus::Failed,
            _ => WebhookDeliveryStatus::Pending,
        }
    }
    /// Attempts made so far.
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// The HTTP status of the last answer, if there was one.
    async fn last_status_code(&self) -> Option<i32> {
        self.0.last_status_code
    }
    /// Why the last attempt failed.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// When a pending delivery is tried next.
    async fn next_attempt_at(&self) -> Option<DateTime<Utc>> {
        (self.0.status == "pending").then_some(self.0.next_attempt_at)
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
}

/// Email on or off for one notification kind.
#[derive(SimpleObject)]
pub struct NotificationPreference {
    /// A notification kind, or `*` for every kind without its own preference.
    pub kind: String,
    /// Whether this kind is emailed.
    pub email: bool,
}

/// The signed-in user's notification settings. Every notification shows in the app; these
/// decide which are also emailed (all, until turned off).
pub struct NotificationSettings(pub Preferences);

#[Object]
impl NotificationSettings {
    /// Where email goes: the address set with `setNotificationPreferences`, else the token's
    /// `email` claim; null when neither (then nothing is emailed).
    async fn email_address(&self) -> Option<&str> {
        self.0.email_address.as_deref()
    }
    /// `user` (set with `setNotificationPreferences`) or `token` (the token's `email` claim).
    async fn email_address_source(&self) -> Option<&str> {
        self.0.address_source.as_deref()
    }
    /// The kinds with a preference; any other kind is emailed unless `*` says otherwise.
    async fn preferences(&self) -> Vec<NotificationPreference> {
        self.0
            .kinds
            .iter()
            .map(|p| NotificationPreference {
                kind: p.kind.clone(),
                email: p.email,
            })
            .collect()
    }
}

/// A notification whose email could not be delivered (for admins).
pub struct UndeliveredEmail(pub notification::Model);

#[Object]
impl UndeliveredEmail {
    /// The notification's id.
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn subject(&self) -> &str {
        &self.0.subject
    }
    /// The user it was for; null when it was for an organisation as a whole.
    async fn user_id(&self) -> Option<ID> {
        self.0.user_id.map(|u| ID(u.to_string()))
    }
    async fn organisation_id(&self) -> ID {
        ID(self.0.organisation_id.to_string())
    }
    /// Attempts made.
    async fn attempts(&self) -> i32 {
        self.0.email_attempts
    }
    /// What the SMTP server (or the connection) said last.
    async fn error(&self) -> Option<&str> {
        self.0.email_error.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}
