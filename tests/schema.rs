//! `schema.graphql` in the repository is exactly the schema the server serves.
//! Regenerate it with `cargo run -- schema > schema.graphql`.

use anyhow::{Context, Result};

#[test]
fn schema_file_matches_the_served_schema() -> Result<()> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../schema.graphql");
    let committed = std::fs::read_to_string(path).context("reading schema.graphql")?;
    let served = becta_api::graphql::sdl();
    assert!(
        committed == served,
        "schema.graphql differs from the served schema: run `cargo run -- schema > schema.graphql`"
    );
    Ok(())
}
