//! Integration tests live in `main.rs` and `common/`.
