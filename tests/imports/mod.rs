//! Loading real data: `becta import gias` run as an operator runs it, on the sample extracts
//! in `tests/fixtures/gias/`, and signing in for a school not yet imported.

mod gias;
