//! Scan records.

pub(crate) mod inputs;
pub(crate) mod store;
