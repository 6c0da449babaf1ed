//! Miscellaneous support code (as cargo's `crates/cargo-util`).
pub mod paths;
