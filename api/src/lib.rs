//! The `becta` binary's library: configuration, the GraphQL schema, HTTP routes and the command
//! line. `main.rs` only calls [`cli::main`]; tests start the same server through [`app`].

pub mod admission;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod errors;
pub mod exports;
pub mod graphiql;
pub mod graphql;
pub mod http;
pub mod imports;
pub mod introspection;
pub mod metered;
pub mod metrics;
pub mod ratelimit;
pub mod state;
pub mod stripe;
pub mod telemetry;
pub mod webhooks;
