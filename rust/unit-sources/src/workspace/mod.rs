//! Cargo's view of the workspace.

pub(crate) mod build_plan;
pub(crate) mod cargo_config;
pub(crate) mod features;
pub(crate) mod lints;
pub(crate) mod metadata;
pub(crate) mod metadata_cache;
pub(crate) mod metadata_inputs;
pub(crate) mod package_facts;
pub(crate) mod profile;
pub(crate) mod toolchain;
pub(crate) mod unit_id;
pub(crate) mod units;
