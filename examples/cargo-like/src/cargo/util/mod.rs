//! Utilities.
pub mod shell;
