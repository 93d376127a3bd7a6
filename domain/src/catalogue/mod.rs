//! The public catalogue: deals (frameworks and their lots), products, suppliers, providers and
//! categories.

pub mod deals;
pub mod organisations;
pub mod products;
