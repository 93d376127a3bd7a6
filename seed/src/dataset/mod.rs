//! The sample dataset of BECTA 2.0: buying organisations, categories, suppliers, framework
//! deals, EdTech products, devices, local authorities, trusts, generated schools and advisers.
//!
//! All records are sample data: plausible and internally consistent, but invented (apart from
//! the public buying organisations and England's local authorities and their DfE codes).

pub mod types;

pub mod advisers;
pub mod categories;
pub mod deals;
pub mod devices;
pub mod products;
pub mod providers;
pub mod schools;
pub mod suppliers;

pub use types::*;
