//! The units of a scan with dependencies: cargo's plan ([`PlanGraphs`], merged by
//! [`merged_nodes`]) as [`PlannedUnit`]s, with their ids ([`unit_ids`]) and what building
//! each takes from its package.
//!
//! Invariant: one planned unit per unit cargo plans in either build, with cargo's package,
//! target, mode, platform, features and dependency edges; ids unique. Member targets whose root
//! file is missing, which cargo refuses to plan, are added with their package's features and
//! library, so that they carry their `error` in the model.

use crate::fs::source_cache::SourceCache;
use crate::model::unit_id::{UnitId, UnitKind};
use crate::model::Selection;
use crate::workspace::lints::lint_flags;
use crate::workspace::metadata::{LocalPackage, Workspace};
use crate::workspace::package_facts::{has_harness, package_dir, without_harness, PackageFacts};
use crate::workspace::plan_nodes::{merged_nodes, PlanNode};
use crate::workspace::unit_graph::PlanGraphs;
use crate::workspace::unit_ids::unit_ids;
use crate::workspace::units::{
    check_unique_ids, manifests, package_prefixes, PlannedUnit, UnitBuild,
};
use crate::Error;
use cargo_metadata::{DependencyKind, Target};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

/// What every unit of one package shares.
struct PackageShare<'w> {
    local: &'w LocalPackage,
    prefix: String,
    facts: Arc<PackageFacts>,
    manifests: Vec<PathBuf>,
    harness_off: HashSet<(String, String)>,
}

/// The units cargo plans for `workspace` in `graphs` (planned with `--target` when
/// `target_given`), and those of its broken member targets.
///
/// Errors: cargo names a package `cargo metadata` did not; a manifest cannot be read as text;
/// cargo plans a unit the model has no kind for; two units get the same id.
pub(crate) fn plan_from_graphs(
    workspace: &Workspace,
    graphs: &PlanGraphs,
    target_given: bool,
    cache: &SourceCache,
) -> Result<Vec<PlannedUnit>, Error> {
    let shares = package_shares(workspace, cache)?;
    let nodes = merged_nodes(graphs, target_given, &workspace.root)?;
    let share_of = |node: &PlanNode| {
        shares.get(node.unit.pkg_id.as_str()).ok_or_else(|| {
            Error::new(format!(
                "cargo's unit graph names the package {}, which cargo metadata does not",
                node.unit.pkg_id
            ))
        })
    };
    let prefixes = nodes
        .iter()
        .map(|n| Ok(share_of(n)?.prefix.as_str()))
        .collect::<Result<Vec<&str>, Error>>()?;
    let ids = unit_ids(&nodes, &prefixes);
    let mut units = Vec::with_capacity(nodes.len());
    for (i, node) in nodes.iter().enumerate() {
        let deps = node
            .deps
            .iter()
            .map(|(d, name)| (&ids[*d], nodes[*d].kind, name));
        units.push(planned(share_of(node)?, node, ids[i].clone(), deps));
    }
    let broken = broken_units(&shares, graphs, &units);
    units.extend(broken);
    check_unique_ids(&units)?;
    Ok(units)
}

/// Each package's shared facts, by package id: unit id prefix, `CARGO_PKG_*` values and
/// lints, manifests, targets without a test harness.
fn package_shares<'w>(
    workspace: &'w Workspace,
    cache: &SourceCache,
) -> Result<HashMap<&'w str, PackageShare<'w>>, Error> {
    let prefixes = package_prefixes(workspace);
    let root_manifest: Option<toml::Table> = cache
        .text(&workspace.root.join("Cargo.toml"))
        .and_then(|text| text.parse().ok());
    let mut shares = HashMap::new();
    for local in &workspace.packages {
        let package = &local.package;
        let manifest: Option<toml::Table> = cache
            .text(package.manifest_path.as_std_path())
            .and_then(|text| text.parse().ok());
        let lints = manifest
            .as_ref()
            .map(|m| lint_flags(m, root_manifest.as_ref()))
            .unwrap_or_default();
        let harness_off = match (&manifest, local.member) {
            (Some(manifest), true) => without_harness(manifest),
            _ => HashSet::new(),
        };
        let share = PackageShare {
            local,
            prefix: prefixes[&package.id].clone(),
            facts: Arc::new(PackageFacts::of(workspace, local, lints)),
            manifests: manifests(workspace, package, cache)?,
            harness_off,
        };
        shares.insert(package.id.repr.as_str(), share);
    }
    Ok(shares)
}

/// The planned unit of `node`, named `id`, whose dependencies are `deps` (id, kind, the name
/// cargo links it by).
fn planned<'d>(
    share: &PackageShare,
    node: &PlanNode,
    id: UnitId,
    deps: impl Iterator<Item = (&'d UnitId, UnitKind, &'d String)>,
) -> PlannedUnit {
    let unit = node.unit;
    let mut dep_ids = Vec::new();
    let mut externs = BTreeMap::new();
    for (dep, kind, name) in deps {
        dep_ids.push(dep.clone());
        if kind.is_library() {
            externs.insert(name.clone(), dep.clone());
        }
    }
    dep_ids.sort();
    dep_ids.dedup();
    let build = UnitBuild {
        package: Arc::clone(&share.facts),
        proc_macro: unit.target.kind.iter().any(|k| k == "proc-macro"),
        profile: None,
        host: node.host,
        for_host: node.for_host,
        selections: node.selections.iter().copied().collect(),
        panic: Some(unit.profile.panic.clone()),
        incremental: unit.profile.incremental,
    };
    PlannedUnit {
        target: unit.target.name.clone(),
        kind: node.kind,
        harness: node.kind.is_test_harness()
            && has_harness(&share.harness_off, &unit.target.name, node.kind),
        crate_types: node
            .kind
            .crate_types(&unit.target.crate_types)
            .into_iter()
            .map(String::from)
            .collect(),
        edition: unit.target.edition.clone(),
        root_file: unit.target.src_path.clone(),
        features: unit.features.iter().cloned().collect(),
        deps: dep_ids,
        externs,
        build: Some(build),
        ..package_unit(share, id)
    }
}

/// A unit of `share`'s package named `id`, with what the package gives every unit; the rest
/// (target, kind, root file, features, dependencies) to be filled in.
fn package_unit(share: &PackageShare, id: UnitId) -> PlannedUnit {
    let package = &share.local.package;
    PlannedUnit {
        id,
        package: package.name.to_string(),
        version: package.version.to_string(),
        target: String::new(),
        kind: UnitKind::Lib,
        harness: false,
        crate_types: Vec::new(),
        edition: String::new(),
        root_file: PathBuf::new(),
        package_dir: package_dir(package).to_path_buf(),
        manifest: package.manifest_path.clone().into_std_path_buf(),
        features: BTreeSet::new(),
        features_exact: true,
        known_cfgs: None,
        build_dependencies: package
            .dependencies
            .iter()
            .any(|d| d.kind == DependencyKind::Build),
        manifests: share.manifests.clone(),
        deps: Vec::new(),
        externs: BTreeMap::new(),
        immutable: package.source.is_some(),
        build: None,
    }
}

/// The units of the member targets cargo did not plan because their root file is missing:
/// with the features of their package's library for the target in `units`, linking it, in the
/// builds cargo would build them in; targets whose plain `required-features` are off left out.
fn broken_units(
    shares: &HashMap<&str, PackageShare>,
    graphs: &PlanGraphs,
    units: &[PlannedUnit],
) -> Vec<PlannedUnit> {
    let mut broken = Vec::new();
    for (package_id, name) in &graphs.broken {
        let Some(share) = shares.get(package_id.as_str()) else {
            continue;
        };
        let package = &share.local.package;
        let lib = |selection: Selection| {
            units.iter().find(|u| {
                u.kind.is_library()
                    && u.package_dir == package_dir(package)
                    && u.build
                        .as_ref()
                        .is_some_and(|b| !b.host && b.selections.contains(&selection))
            })
        };
        let Some(target) = package.targets.iter().find(|t| &t.name == name) else {
            continue;
        };
        let features = lib(Selection::Build)
            .map(|l| l.features.clone())
            .unwrap_or_default();
        if !target
            .required_features
            .iter()
            .all(|f| f.contains('/') || features.contains(f))
        {
            continue;
        }
        for kind in UnitKind::of_target(target) {
            // cargo plans a broken binary an integration test needs (it checks the paths of
            // the targets it is asked for only).
            let id = UnitId::new(&share.prefix, kind, &target.name);
            if units.iter().any(|u| u.id == id) {
                continue;
            }
            let selections: Vec<Selection> = match kind {
                UnitKind::Bin => Selection::ALL.to_vec(),
                _ => vec![Selection::AllTargets],
            };
            let own_lib = lib(selections[0]).filter(|_| kind.links_own_library());
            broken.push(broken_unit(
                share, target, kind, selections, &features, own_lib,
            ));
        }
    }
    broken
}

/// The unit of `kind` of the broken `target`, in `selections`, with `features`, linking
/// `own_lib` when given.
fn broken_unit(
    share: &PackageShare,
    target: &Target,
    kind: UnitKind,
    selections: Vec<Selection>,
    features: &BTreeSet<String>,
    own_lib: Option<&PlannedUnit>,
) -> PlannedUnit {
    let declared: Vec<String> = target.crate_types.iter().map(|c| c.to_string()).collect();
    let build = UnitBuild {
        package: Arc::clone(&share.facts),
        proc_macro: false,
        profile: None,
        host: false,
        for_host: false,
        selections,
        panic: None,
        incremental: false,
    };
    let id = UnitId::new(&share.prefix, kind, &target.name);
    PlannedUnit {
        target: target.name.clone(),
        kind,
        harness: kind.is_test_harness() && has_harness(&share.harness_off, &target.name, kind),
        crate_types: kind
            .crate_types(&declared)
            .into_iter()
            .map(String::from)
            .collect(),
        edition: target.edition.as_str().to_string(),
        root_file: target.src_path.clone().into_std_path_buf(),
        features: features.clone(),
        deps: own_lib.iter().map(|l| l.id.clone()).collect(),
        externs: own_lib
            .iter()
            .map(|l| (l.target.replace('-', "_"), l.id.clone()))
            .collect(),
        build: Some(build),
        ..package_unit(share, id)
    }
}
