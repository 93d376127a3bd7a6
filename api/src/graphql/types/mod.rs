//! GraphQL output and input types. They wrap domain rows and resolve nested fields through
//! the loaders; they never touch the database directly.

pub mod account;
pub mod advice;
pub mod advisers;
pub mod call_offs;
pub mod catalogue;
pub mod competitions;
pub mod connection;
pub mod contracts;
pub mod deals;
pub mod deliveries;
pub mod devices;
pub mod disposals;
pub mod ids;
pub mod lending;
pub mod maturity;
pub mod maturity_compare;
pub mod moderation;
pub mod orders;
pub mod plain;
pub mod products;
pub mod reviews;
pub mod search;
pub mod shortlists;
pub mod trials;

pub use account::*;
pub use advice::*;
pub use advisers::*;
pub use call_offs::*;
pub use catalogue::*;
pub use competitions::*;
pub use connection::*;
pub use contracts::*;
pub use deals::*;
pub use deliveries::*;
pub use disposals::*;
pub use lending::*;
pub use maturity::*;
pub use maturity_compare::*;
pub use moderation::*;
pub use orders::*;
pub use products::*;
pub use reviews::*;
pub use shortlists::*;
pub use trials::*;
