//! Integration tests: one binary driving the real server over HTTP, on SQLite by default and
//! on PostgreSQL when `TEST_DATABASE_URL` is set.

mod advice;
mod advisers;
mod assignment;
mod auth;
mod catalogue;
mod common;
mod compare;
mod contracts;
mod deliveries;
mod devices;
mod errors;
mod fast_paths;
mod graphiql;
mod hostile;
mod http;
mod judged_set;
mod lending;
mod listings;
mod matrix;
mod maturity;
mod metrics;
mod notices;
mod payments;
mod production;
mod relevance;
mod relevance_judged;
mod reviews;
mod schema;
mod search;
mod search_contract;
mod search_faults;
mod seed;
mod shortlists;
mod suggest;
mod trials;
