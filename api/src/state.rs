//! State shared by every request.

use becta_domain::sea_orm::DatabaseConnection;
use becta_indexer::Engine;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub search: Engine,
}
