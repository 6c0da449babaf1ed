//! The seed proof's first step: the model's plan of each build against `cargo build
//! --unit-graph`'s (`rust_unit_sources_tests::unit_graph`), and its table in the report.

use rust_unit_sources_tests::cli_model;
use rust_unit_sources_tests::unit_graph::{
    cargo_plan, cargo_unit_graph, compare, model_plan, package_names, Difference, SELECTIONS,
};
use std::fmt::Write as _;
use std::path::Path;

/// The model's plan of one build against cargo's.
pub struct Plan {
    /// The model's name of the build.
    pub selection: &'static str,
    /// How they differ.
    pub difference: Difference,
}

/// The model's plan of each build against `cargo build --unit-graph`'s (the CLI's scan with
/// the plugin's options), for `target`.
pub fn plans(workspace: &Path, target: &str) -> Vec<Plan> {
    let args = [
        "--dependencies",
        "--features",
        "",
        "--target",
        target,
        "--no-cache",
    ];
    let model = cli_model(workspace, &args);
    let packages = package_names(workspace);
    SELECTIONS
        .iter()
        .map(|(selection, flags)| {
            let graph = cargo_unit_graph(workspace, target, flags);
            let difference = compare(cargo_plan(&graph, &packages), model_plan(&model, selection));
            Plan {
                selection,
                difference,
            }
        })
        .collect()
}

/// The plans' table (empty without plans).
pub fn plans_table(plans: &[Plan]) -> String {
    if plans.is_empty() {
        return String::new();
    }
    let mut text = String::from(
        "The plans: the model's units of each build against those of `RUSTC_BOOTSTRAP=1 \
             cargo build --unit-graph -Z unstable-options --workspace [--all-targets] --target \
             <host>`, a unit being its package, version, kind, target, features, platform (host \
             or target) and profile, with its dependency edges (`tests/support/unit_graph.rs`, as \
             `tests/tests/unit_graph.rs` compares them):\n\n\
             | build | cargo's units | the model's | only cargo's | only the model's |\n\
             |---|--:|--:|--:|--:|\n",
    );
    for plan in plans {
        let d = &plan.difference;
        let _ = writeln!(
            text,
            "| `{}` | {} | {} | {} | {} |",
            plan.selection,
            d.cargo,
            d.ours,
            d.only_cargo.len(),
            d.only_ours.len()
        );
    }
    text.push('\n');
    text
}
