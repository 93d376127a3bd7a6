//! Loading real data: `becta import gias` and `becta import deals` run as an operator runs them, on the sample files
//! in `tests/fixtures/gias/` and `tests/fixtures/deals/`, and signing in for a school not yet imported.

mod deals;
mod gias;
