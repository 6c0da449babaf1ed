//! cargo's own plan (`cargo build --unit-graph`) against the model's units, unit by unit and
//! edge by edge: shared by the differential test (`tests/tests/unit_graph.rs`) and the seed
//! proof.
//!
//! A unit is described by its package, version, kind (the model's name for cargo's target kind
//! and mode), target, features, platform (host or target) and resolved profile; an edge by the
//! unit it leads to and, for a library, the name it is linked by. Within one build these
//! descriptions are unique, so the two plans compare as sets.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

/// The two builds the model holds, by their model names, with `cargo build`'s selection flags.
pub const SELECTIONS: [(&str, &[&str]); 2] = [("build", &[]), ("all-targets", &["--all-targets"])];

/// One unit with its edges, as text (see the module docs).
pub type PlannedUnit = (String, BTreeSet<String>);

/// How two plans of one build differ.
#[derive(Debug, Default)]
pub struct Difference {
    /// cargo's units.
    pub cargo: usize,
    /// The model's units in the build.
    pub ours: usize,
    /// cargo's units (with their edges) the model lacks.
    pub only_cargo: Vec<PlannedUnit>,
    /// The model's units (with their edges) cargo does not plan.
    pub only_ours: Vec<PlannedUnit>,
}

impl Difference {
    /// Whether the two plans are the same.
    pub fn is_empty(&self) -> bool {
        self.only_cargo.is_empty() && self.only_ours.is_empty()
    }
}

/// `cargo build --workspace --unit-graph` with `flags`, for `target`, default features, offline
/// and locked, run in `workspace` as a user would run it there (its configuration, the
/// caller's toolchain), with `RUSTC_BOOTSTRAP=1` for `-Z unstable-options`.
pub fn cargo_unit_graph(workspace: &Path, target: &str, flags: &[&str]) -> Value {
    let mut all = vec!["--workspace"];
    all.extend(flags);
    cargo_plan_of(workspace, target, &all)
}

/// `cargo build --unit-graph` with `flags` (the packages and targets to build), for `target`,
/// default features, offline and locked, run as [`cargo_unit_graph`] runs it.
pub fn cargo_plan_of(workspace: &Path, target: &str, flags: &[&str]) -> Value {
    let scratch = tempfile::tempdir().unwrap();
    let output = Command::new("cargo")
        .args(["build", "--unit-graph", "-Z", "unstable-options"])
        .args(["--offline", "--locked", "--target", target])
        .args(flags)
        .env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_TARGET_DIR", scratch.path())
        .current_dir(workspace)
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo build --unit-graph {flags:?} in {}: {}",
        workspace.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("a unit graph")
}

/// The model's name for the kind of a unit of cargo's graph.
pub fn cargo_kind(unit: &Value) -> String {
    let kind = unit["target"]["kind"][0].as_str().unwrap_or_default();
    let mode = unit["mode"].as_str().unwrap_or_default();
    let test = matches!(mode, "test" | "bench");
    match (kind, mode) {
        (_, "run-custom-build") => "build-script-run",
        ("custom-build", _) => "build-script",
        ("proc-macro", _) if test => "lib-test",
        ("proc-macro", _) => "proc-macro",
        ("bin", _) if test => "bin-test",
        ("bin" | "example" | "test" | "bench", _) => kind,
        (_, _) if test => "lib-test",
        _ => "lib",
    }
    .to_string()
}

/// cargo's profile of a unit of its graph, as the model's `build.profile` states one.
fn cargo_profile(profile: &Value) -> Value {
    let debuginfo = match &profile["debuginfo"] {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        Value::Null => "0".to_string(),
        other => other.to_string(),
    };
    // `{"deferred": …}`: not set, nothing decided; `{"resolved": "None" | {"Named": x}}`.
    let strip = match &profile["strip"]["resolved"] {
        Value::Null => Value::Null,
        Value::String(none) if none == "None" => "none".into(),
        named => named["Named"].clone(),
    };
    serde_json::json!({
        "name": profile["name"],
        "optLevel": profile["opt_level"],
        "debuginfo": debuginfo,
        "debugAssertions": profile["debug_assertions"],
        "overflowChecks": profile["overflow_checks"],
        "codegenUnits": profile["codegen_units"],
        "panic": profile["panic"],
        "lto": profile["lto"],
        "strip": strip,
        "rpath": profile["rpath"],
        "splitDebuginfo": profile["split_debuginfo"],
        "incremental": profile["incremental"],
    })
}

/// A unit's description: package, version, kind, target, features, platform, profile.
fn describe(
    (package, version): (&str, &str),
    kind: &str,
    unit: &Value,
    host: bool,
    profile: &Value,
) -> String {
    let features: Vec<&str> = unit["features"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    let platform = if host { "host" } else { "target" };
    format!(
        "{package}@{version} {kind} {} [{}] {platform} {profile}",
        unit["target"]
            .as_str()
            .unwrap_or_else(|| unit["target"]["name"].as_str().unwrap_or_default()),
        features.join(",")
    )
}

/// cargo's plan: every unit of `graph` with its edges; `packages` names each package id.
pub fn cargo_plan(
    graph: &Value,
    packages: &BTreeMap<String, (String, String)>,
) -> Vec<PlannedUnit> {
    let units = graph["units"].as_array().expect("units");
    let described: Vec<String> = units
        .iter()
        .map(|unit| {
            let (name, version) = &packages[unit["pkg_id"].as_str().unwrap_or_default()];
            let kind = cargo_kind(unit);
            let host = unit["platform"].is_null();
            describe(
                (name, version),
                &kind,
                unit,
                host,
                &cargo_profile(&unit["profile"]),
            )
        })
        .collect();
    units
        .iter()
        .zip(&described)
        .map(|(unit, description)| {
            let edges = unit["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|dep| {
                    let index = dep["index"].as_u64().unwrap_or_default() as usize;
                    let kind = cargo_kind(&units[index]);
                    let linked = matches!(kind.as_str(), "lib" | "proc-macro");
                    let name = dep["extern_crate_name"].as_str().filter(|_| linked);
                    format!("{} -> {}", name.unwrap_or("-"), described[index])
                })
                .collect();
            (description.clone(), edges)
        })
        .collect()
}

/// The model's plan of `selection`: its units there with their edges.
pub fn model_plan(model: &Value, selection: &str) -> Vec<PlannedUnit> {
    let units = model["units"].as_object().expect("units");
    let in_selection = |unit: &Value| {
        unit["selections"]
            .as_array()
            .is_some_and(|s| s.iter().any(|s| s == selection))
    };
    let ids = units
        .iter()
        .filter(|(_, unit)| in_selection(unit))
        .map(|(id, _)| id.clone())
        .collect();
    plan_of(model, &ids, selection)
}

/// The model's plan of building the unit `id`: it and what it needs, through `deps`.
pub fn closure_plan(model: &Value, id: &str) -> Vec<PlannedUnit> {
    let mut ids = BTreeSet::new();
    let mut stack = vec![id.to_string()];
    while let Some(id) = stack.pop() {
        if ids.insert(id.clone()) {
            let deps = model["units"][&id]["deps"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            stack.extend(deps.iter().filter_map(Value::as_str).map(String::from));
        }
    }
    plan_of(model, &ids, &format!("the closure of {id}"))
}

/// The model's units `ids` with their edges (`selection` names them where an edge leaves).
fn plan_of(model: &Value, ids: &BTreeSet<String>, selection: &str) -> Vec<PlannedUnit> {
    let units = model["units"].as_object().expect("units");
    let described: BTreeMap<&String, String> = units
        .iter()
        .filter(|(id, _)| ids.contains(*id))
        .map(|(id, unit)| {
            let text = |key: &str| unit[key].as_str().unwrap_or_default();
            let description = describe(
                (text("package"), text("version")),
                text("kind"),
                unit,
                unit["host"] == true,
                &unit["build"]["profile"],
            );
            (id, description)
        })
        .collect();
    described
        .iter()
        .map(|(id, description)| {
            let unit = &units[*id];
            let names: BTreeMap<&str, &str> = unit["externs"]
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(name, dep)| Some((dep.as_str()?, name.as_str())))
                .collect();
            let edges = unit["deps"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|dep| {
                    let to = described
                        .get(&dep.to_string())
                        .cloned()
                        .unwrap_or_else(|| format!("{dep} (not in {selection})"));
                    format!("{} -> {to}", names.get(dep).unwrap_or(&"-"))
                })
                .collect();
            (description.clone(), edges)
        })
        .collect()
}

/// How `ours` differs from `cargo`'s plan.
pub fn compare(cargo: Vec<PlannedUnit>, ours: Vec<PlannedUnit>) -> Difference {
    let (cargo_count, ours_count) = (cargo.len(), ours.len());
    let cargo: BTreeSet<PlannedUnit> = cargo.into_iter().collect();
    let ours: BTreeSet<PlannedUnit> = ours.into_iter().collect();
    Difference {
        cargo: cargo_count,
        ours: ours_count,
        only_cargo: cargo.difference(&ours).cloned().collect(),
        only_ours: ours.difference(&cargo).cloned().collect(),
    }
}

/// Package id → (name, version), from `cargo metadata` of `workspace` (offline, locked; see
/// [`crate::locked_metadata`]).
pub fn package_names(workspace: &Path) -> BTreeMap<String, (String, String)> {
    let metadata = crate::locked_metadata(workspace).unwrap_or_else(|e| panic!("{e}"));
    package_ids(&metadata)
}

/// Package id → (name, version) of every package of a `cargo metadata` answer.
pub fn package_ids(metadata: &Value) -> BTreeMap<String, (String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    metadata["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| (text(&p["id"]), (text(&p["name"]), text(&p["version"]))))
        .collect()
}
