//! cargo's unit graphs of the model's builds ([`PlanGraphs`]) merged into one set of units:
//! a unit of one build is the same unit in the other when everything cargo compiles it from is
//! the same, its dependencies included (their outputs are its inputs); otherwise each build has
//! its own.
//!
//! Invariant: every unit of either graph is exactly one [`PlanNode`], and a node's
//! dependencies are the nodes of its graph unit's dependencies, in either build.

use crate::model::unit_id::UnitKind;
use crate::model::Selection;
use crate::workspace::unit_graph::{GraphUnit, PlanGraphs, UnitGraph};
use crate::Error;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// One unit of the merged plan.
pub(crate) struct PlanNode<'g> {
    /// Its unit in the first build whose graph holds it.
    pub unit: &'g GraphUnit,
    pub kind: UnitKind,
    /// Compiled (or run) for the host's platform: a build script, a proc-macro, what they
    /// need.
    pub host: bool,
    /// Compiled for the build (cargo's `for_host`, with the `build-override` profile): a
    /// build script, and what build scripts and proc-macros need; a proc-macro the command
    /// asked for (a member's) is for the host's platform but has the target's profile.
    pub for_host: bool,
    /// The builds whose graphs hold it.
    pub selections: BTreeSet<Selection>,
    /// Its dependencies: node indices, with the name cargo links each by.
    pub deps: Vec<(usize, String)>,
    /// What tells it apart from every other unit (a digest of its graph unit and its
    /// dependencies' identities).
    pub identity: [u8; 32],
}

/// The units of both builds of `graphs`, merged; `target_given`: the graphs were planned with
/// `--target` (then a unit's platform says whether it is for the host).
///
/// Errors: cargo plans a unit the model has no kind for (an example built as a test).
pub(crate) fn merged_nodes<'g>(
    graphs: &'g PlanGraphs,
    target_given: bool,
    root: &Path,
) -> Result<Vec<PlanNode<'g>>, Error> {
    let root = root.to_string_lossy();
    let mut nodes: Vec<PlanNode> = Vec::new();
    let mut by_identity: HashMap<[u8; 32], usize> = HashMap::new();
    for selection in Selection::ALL {
        let graph = graphs.graph(selection);
        let kinds = graph
            .units
            .iter()
            .map(|u| unit_kind(u).ok_or_else(|| no_kind(u)))
            .collect::<Result<Vec<_>, Error>>()?;
        let for_host = for_build(graph, &kinds);
        let hosts = match target_given {
            true => graph.units.iter().map(|u| u.platform.is_none()).collect(),
            false => for_host.clone(),
        };
        let identities = identities(graph, &hosts, &root);
        let mut created = Vec::new();
        for (i, unit) in graph.units.iter().enumerate() {
            let node = *by_identity.entry(identities[i]).or_insert_with(|| {
                created.push(i);
                nodes.push(PlanNode {
                    unit,
                    kind: kinds[i],
                    host: hosts[i],
                    for_host: for_host[i],
                    selections: BTreeSet::new(),
                    deps: Vec::new(),
                    identity: identities[i],
                });
                nodes.len() - 1
            });
            nodes[node].selections.insert(selection);
        }
        // Dependencies by identity: the same whichever build the node came from.
        let node_of: Vec<usize> = identities.iter().map(|id| by_identity[id]).collect();
        for i in created {
            nodes[node_of[i]].deps = graph.units[i]
                .dependencies
                .iter()
                .map(|d| (node_of[d.index], d.extern_crate_name.clone()))
                .collect();
        }
    }
    Ok(nodes)
}

/// The error for a unit cargo plans that the model has no kind for.
fn no_kind(unit: &GraphUnit) -> Error {
    Error::new(format!(
        "cargo plans {} {} `{}` in mode `{}`, which the model has no unit kind for",
        unit.pkg_id,
        unit.target.kind.join(","),
        unit.target.name,
        unit.mode
    ))
}

/// The model's kind of a unit cargo plans (its target's kind and its mode); `None` for one
/// the model has no kind for.
fn unit_kind(unit: &GraphUnit) -> Option<UnitKind> {
    let kind = unit.target.kind.first()?.as_str();
    let test = matches!(unit.mode.as_str(), "test" | "bench");
    let library = matches!(kind, "lib" | "rlib" | "dylib" | "cdylib" | "staticlib");
    Some(match (kind, unit.mode.as_str()) {
        ("custom-build", "run-custom-build") => UnitKind::BuildScriptRun,
        ("custom-build", "build") => UnitKind::BuildScript,
        ("proc-macro", "build") => UnitKind::ProcMacro,
        ("bin", "build") => UnitKind::Bin,
        ("example", "build") => UnitKind::Example,
        (_, "build") if library => UnitKind::Lib,
        ("bin", _) if test => UnitKind::BinTest,
        ("test", _) if test => UnitKind::Test,
        ("bench", _) if test => UnitKind::Bench,
        ("proc-macro", _) if test => UnitKind::LibTest,
        _ if test && library => UnitKind::LibTest,
        _ => return None,
    })
}

/// Whether each unit of `graph` is compiled for the build (cargo's `for_host`): only build
/// scripts and what build scripts and proc-macros need reach it, not the command's own units
/// (one both reach is shared, and compiled as the command's: cargo planned one unit, so
/// both profiles agree).
fn for_build(graph: &UnitGraph, kinds: &[UnitKind]) -> Vec<bool> {
    let n = graph.units.len();
    let (mut as_host, mut as_target) = (vec![false; n], vec![false; n]);
    let mut stack: Vec<(usize, bool)> = graph
        .roots
        .iter()
        .map(|&r| (r, kinds[r] == UnitKind::BuildScript))
        .collect();
    while let Some((i, host)) = stack.pop() {
        let seen = if host { &mut as_host } else { &mut as_target };
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        for dep in &graph.units[i].dependencies {
            let d = dep.index;
            let for_build = matches!(kinds[d], UnitKind::BuildScript | UnitKind::ProcMacro)
                || kinds[i] == UnitKind::BuildScript;
            stack.push((d, host || for_build));
        }
    }
    (0..n).map(|i| as_host[i] && !as_target[i]).collect()
}

/// Each unit's identity: the digest of its package (with the workspace `root` left out of a
/// path package's id), target, mode, platform, world, features and profile, and of its
/// dependencies' names and identities.
fn identities(graph: &UnitGraph, hosts: &[bool], root: &str) -> Vec<[u8; 32]> {
    fn visit(
        graph: &UnitGraph,
        (hosts, root): (&[bool], &str),
        i: usize,
        memo: &mut [Option<[u8; 32]>],
    ) -> [u8; 32] {
        if let Some(known) = memo[i] {
            return known;
        }
        let unit = &graph.units[i];
        let mut deps: Vec<(String, [u8; 32])> = unit
            .dependencies
            .iter()
            .map(|d| {
                (
                    d.extern_crate_name.clone(),
                    visit(graph, (hosts, root), d.index, memo),
                )
            })
            .collect();
        deps.sort();
        let mut hasher = blake3::Hasher::new();
        let profile = serde_json::to_string(&unit.profile).expect("a profile serialises");
        let host = if hosts[i] { "host" } else { "target" };
        let package = unit.pkg_id.replace(root, "");
        for part in [
            package.as_str(),
            &unit.target.kind.join(","),
            &unit.target.name,
            &unit.mode,
            unit.platform.as_deref().unwrap_or(""),
            host,
            &unit.features.join(","),
            &profile,
        ] {
            hasher.update(part.as_bytes());
            hasher.update(&[0]);
        }
        for (name, identity) in deps {
            hasher.update(name.as_bytes());
            hasher.update(&[0]);
            hasher.update(&identity);
        }
        let identity = hasher.finalize().into();
        memo[i] = Some(identity);
        identity
    }
    let mut memo = vec![None; graph.units.len()];
    (0..graph.units.len())
        .map(|i| visit(graph, (hosts, root), i, &mut memo))
        .collect()
}
