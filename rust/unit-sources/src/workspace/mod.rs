//! Cargo's view of the workspace: what `cargo metadata` says about its packages (read at most
//! once per scan, its answer kept while its inputs hold), with dependencies cargo's own plan
//! of the builds (`cargo build --unit-graph`, [`unit_graph`]), and the units planned from them,
//! each with its root file, features, dependencies and, with dependencies, what building it
//! takes (profile, rustc flags, environment).
//!
//! Contract: units are planned as cargo plans them: with dependencies cargo's plan itself,
//! merged over both builds ([`plan_nodes`]) and named ([`unit_ids`], [`graph_units`]);
//! without, from cargo's answer and the per-kind rules of [`crate::UnitKind`]
//! ([`unit_rules`], [`units`]); profiles and flags ([`build_plan`]). Paths are absolute here; what leaves the layer for the
//! model depends on no machine (sources are named by cargo's source id or relative to the
//! root).
//!
//! Boundary: this layer knows cargo, and nothing about walking module trees (`walk`, `syntax`)
//! or about Nix; the walk takes a [`units::PlannedUnit`] and gives its files back, and the
//! builder reads only the model. The one thing it takes from the layers below is how to
//! observe a file ([`crate::fs::observation::Observation`]).

pub(crate) mod build_plan;
pub(crate) mod cargo_config;
pub(crate) mod features;
pub(crate) mod graph_units;
pub(crate) mod lints;
pub(crate) mod metadata;
pub(crate) mod metadata_cache;
pub(crate) mod metadata_inputs;
pub(crate) mod package_facts;
pub(crate) mod plan_nodes;
pub(crate) mod profile;
pub(crate) mod toolchain;
pub(crate) mod unit_graph;
pub(crate) mod unit_ids;
pub(crate) mod unit_rules;
pub(crate) mod units;
