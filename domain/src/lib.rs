//! The domain of BECTA 2.0: entities, services per area, the search outbox and the domain
//! error. GraphQL and HTTP live in `becta-api`; this crate knows neither.

pub mod actor;
pub mod advice;
pub mod audit;
pub mod catalogue;
pub mod compare;
pub mod competitions;
pub mod contracts;
pub mod db;
pub mod deliveries;
pub mod devices;
pub mod entity;
pub mod error;
pub mod imports;
pub mod lending;
pub mod listings;
pub mod maturity;
pub mod money;
pub mod notifications;
pub mod orders;
pub mod outbox;
pub mod pagination;
pub mod payments;
pub mod reviews;
pub mod search;
pub mod shortlists;
pub mod validate;
pub mod vetting;
pub mod vocab;

pub use error::{Code, Error, Result};
pub use sea_orm;
pub use uuid::Uuid;
