//! State shared by every request.

use std::sync::Arc;

use becta_domain::sea_orm::DatabaseConnection;
use becta_indexer::Engine;

use crate::auth::Authenticator;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub search: Engine,
    /// Verifies bearer tokens.
    pub auth: Arc<Authenticator>,
    /// The payment provider, when configured.
    pub payments: Option<Arc<dyn becta_domain::payments::PaymentProvider>>,
    /// Readiness calls search degraded when a change has waited this long in the outbox.
    pub search_stale_after: std::time::Duration,
    /// Typeahead's names.
    pub suggester: Arc<becta_indexer::suggest::Suggester>,
    /// This server's figures for `GET /metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Who may read `GET /metrics`.
    pub metrics_access: crate::config::MetricsAccess,
    /// Accept `http://` webhook endpoints on loopback (development and tests).
    pub webhook_http_loopback: bool,
    /// The least time between publishing a further competition and its submission deadline.
    pub competition_min_response: chrono::Duration,
}
