//! cargo's own plan of a build: `cargo build --unit-graph` (unstable, version 1), for the two
//! builds the model covers ([`Selection`]), read once per scan with dependencies.
//!
//! The plan is cargo's: which units it compiles, each unit's package, target, mode, platform
//! (host or target), features (resolver 2's split between host and target, and between builds
//! with and without dev-dependencies) and profile, and the edges between units with the
//! names the code links them by. Nothing is re-derived here.
//!
//! How cargo runs: as [`Toolchain`] runs it (the caller's cargo, the data-only configuration,
//! offline, `--locked`), with `RUSTC_BOOTSTRAP=1` for `-Z unstable-options` (cargo's
//! sanctioned way to reach an unstable flag on a stable toolchain) and a private target
//! directory. `--unit-graph` stops after planning: no build script, proc-macro or compiler
//! backend runs; cargo only asks rustc for the target's information (`rustc -vV`, `rustc -
//! --print=cfg …`). rustc gets those requests through a wrapper of ours that drops
//! `RUSTC_BOOTSTRAP`, so the target's cfgs (and so platform-specific dependencies) are those
//! of a stable `cargo build`, not nightly's.
//!
//! A member target whose root file is missing makes `cargo build` refuse the whole workspace
//! ("can't find bin `x` at path …"); then cargo is asked for the targets it can build, named
//! one by one (see [`SelectionArgs`]), and the broken ones are planned without it.

use crate::fs::relocation;
use crate::model::Selection;
use crate::workspace::metadata::{cargo_error, Workspace};
use crate::workspace::toolchain::{CargoFailure, Toolchain};
use crate::{Error, FeatureSelection};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// The one version of `--unit-graph`'s output this reads.
const UNIT_GRAPH_VERSION: u32 = 1;

/// The wrapper rustc runs behind while cargo plans: the target's information as a stable
/// compiler gives it.
const STABLE_RUSTC: &str = "#!/bin/sh\nunset RUSTC_BOOTSTRAP\nexec \"$@\"\n";

/// One build's unit graph, as cargo prints it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct UnitGraph {
    version: u32,
    pub units: Vec<GraphUnit>,
    /// The units the command asked for (indices into `units`).
    pub roots: Vec<usize>,
}

/// One unit of cargo's plan.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GraphUnit {
    /// The package id, as `cargo metadata` spells it.
    pub pkg_id: String,
    pub target: GraphTarget,
    pub profile: GraphProfile,
    /// The target triple, or `None` for the host.
    pub platform: Option<String>,
    /// `build`, `test`, `bench`, `run-custom-build`, …
    pub mode: String,
    pub features: Vec<String>,
    pub dependencies: Vec<GraphDep>,
}

/// The target a unit compiles.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GraphTarget {
    /// cargo's target kinds (`lib`, `rlib`, `proc-macro`, `bin`, `custom-build`, …).
    pub kind: Vec<String>,
    pub crate_types: Vec<String>,
    pub name: String,
    pub src_path: PathBuf,
    pub edition: String,
}

/// A unit's profile as cargo resolved it (the fields the model states).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub(crate) struct GraphProfile {
    pub name: String,
    pub opt_level: String,
    pub lto: String,
    pub codegen_units: Option<u32>,
    /// `0`, `1`, `2` or a named level; kept as cargo writes it.
    pub debuginfo: serde_json::Value,
    pub split_debuginfo: Option<String>,
    pub debug_assertions: bool,
    pub overflow_checks: bool,
    pub rpath: bool,
    /// Whether cargo compiles the unit incrementally: the profile's `incremental`, and only
    /// for packages from a path source (members and path dependencies). Not part of a unit's
    /// identity (`plan_nodes`): it follows from the package and the profile.
    #[serde(skip_serializing)]
    pub incremental: bool,
    pub panic: String,
    /// `{"deferred": …}` or `{"resolved": …}`; kept as cargo writes it.
    pub strip: serde_json::Value,
}

/// An edge: the unit `index` is needed first, and linked as `extern_crate_name` when it is a
/// library.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GraphDep {
    pub index: usize,
    pub extern_crate_name: String,
}

/// cargo's plans of the model's two builds.
pub(crate) struct PlanGraphs {
    /// `cargo build --workspace`'s.
    pub build: UnitGraph,
    /// `cargo build --workspace --all-targets`'.
    pub all_targets: UnitGraph,
    /// Member targets whose root file is missing, by package id and target name: cargo was
    /// asked for the others only.
    pub broken: BTreeSet<(String, String)>,
    /// The blake3 of both outputs with the root left out where it can be.
    pub digest: [u8; 32],
}

impl PlanGraphs {
    /// The unit graph of each [`Selection`] for `workspace` (read with dependencies from
    /// `manifest`), under the feature flags of `features` (the superset: `--all-features`),
    /// the cargo profile `profile` and, with `target`, `--target`.
    ///
    /// Errors: cargo fails (its message folded to one line naming the manifest), or prints
    /// something that is not a version-1 unit graph.
    pub fn load(
        workspace: &Workspace,
        manifest: &Path,
        features: &FeatureSelection,
        (profile, target): (&str, Option<&str>),
        toolchain: &Toolchain,
    ) -> Result<PlanGraphs, Error> {
        let broken = broken_targets(workspace);
        let selection_args = SelectionArgs::of(workspace, &broken);
        let mut common: Vec<OsString> = ["--unit-graph", "-Z", "unstable-options"]
            .map(OsString::from)
            .to_vec();
        common.extend(["--workspace", "--offline", "--locked"].map(OsString::from));
        common.extend(features.cargo_flags().into_iter().map(OsString::from));
        if let Some(target) = target {
            common.extend(["--target".into(), target.into()]);
        }
        common.extend(["--profile".into(), profile.into()]);
        common.extend(["--manifest-path".into(), manifest.into()]);
        let run = |selection| {
            let mut args = selection_args.command(selection);
            args.extend(common.iter().cloned());
            args.extend(selection_args.targets(selection));
            run_unit_graph(toolchain, manifest, &args)
        };
        let (build, all_targets) = std::thread::scope(|s| {
            let build = s.spawn(|| run(Selection::Build));
            let all_targets = run(Selection::AllTargets);
            (build.join().expect("the planning thread"), all_targets)
        });
        let ((build, build_json), (all_targets, all_json)) = (build?, all_targets?);
        let mut hasher = blake3::Hasher::new();
        for json in [&build_json, &all_json] {
            let text = relocation::template(json, &workspace.root);
            hasher.update(text.as_deref().unwrap_or(json).as_bytes());
            hasher.update(&[0]);
        }
        Ok(PlanGraphs {
            build,
            all_targets,
            broken,
            digest: hasher.finalize().into(),
        })
    }

    /// The graph of `selection`.
    pub fn graph(&self, selection: Selection) -> &UnitGraph {
        match selection {
            Selection::Build => &self.build,
            Selection::AllTargets => &self.all_targets,
        }
    }
}

/// The member targets whose root file does not exist, by package id and target name.
fn broken_targets(workspace: &Workspace) -> BTreeSet<(String, String)> {
    workspace
        .packages
        .iter()
        .filter(|p| p.member)
        .flat_map(|p| {
            p.package
                .targets
                .iter()
                .filter(|t| !t.src_path.as_std_path().exists())
                .map(|t| (p.package.id.repr.clone(), t.name.clone()))
        })
        .collect()
}

/// The target selection flags of each build: `--all-targets` for the second, unless a member
/// target is broken; then every target cargo can build, named (`--lib`, `--bin NAME`, …),
/// leaving out every name a broken target has. The second build is then `cargo test --no-run`'s
/// plan of them (the only way to name a library's or a binary's test harness), with dev-dependencies
/// on as in `--all-targets`.
enum SelectionArgs {
    Whole,
    Named(Vec<OsString>),
}

impl SelectionArgs {
    fn of(workspace: &Workspace, broken: &BTreeSet<(String, String)>) -> SelectionArgs {
        if broken.is_empty() {
            return SelectionArgs::Whole;
        }
        let broken_names: BTreeSet<&str> = broken.iter().map(|(_, name)| name.as_str()).collect();
        let mut flags = BTreeSet::new();
        for target in workspace
            .packages
            .iter()
            .filter(|p| p.member)
            .flat_map(|p| &p.package.targets)
            .filter(|t| !broken_names.contains(t.name.as_str()))
        {
            let flag = if target.is_lib() || target.is_proc_macro() || target.is_rlib() {
                Some("--lib")
            } else if target.is_bin() {
                Some("--bin")
            } else if target.is_example() {
                Some("--example")
            } else if target.is_test() {
                Some("--test")
            } else if target.is_bench() {
                Some("--bench")
            } else {
                None
            };
            if let Some(flag) = flag {
                let name = (flag != "--lib").then(|| target.name.clone());
                flags.insert((flag, name));
            }
        }
        let mut args = Vec::new();
        for (flag, name) in flags {
            args.push(OsString::from(flag));
            args.extend(name.map(OsString::from));
        }
        SelectionArgs::Named(args)
    }

    /// The cargo command planning `selection`: `build`, or `test --no-run` for the second
    /// build when targets are named.
    fn command(&self, selection: Selection) -> Vec<OsString> {
        match (self, selection) {
            (SelectionArgs::Named(_), Selection::AllTargets) => {
                vec!["test".into(), "--no-run".into()]
            }
            _ => vec!["build".into()],
        }
    }

    /// The target selection flags of `selection`.
    fn targets(&self, selection: Selection) -> Vec<OsString> {
        match (self, selection) {
            (SelectionArgs::Whole, Selection::Build) => Vec::new(),
            (SelectionArgs::Whole, Selection::AllTargets) => vec!["--all-targets".into()],
            (SelectionArgs::Named(named), Selection::Build) => named
                .iter()
                .enumerate()
                .filter(|(i, a)| is_build_flag(named, *i, a))
                .map(|(_, a)| a.clone())
                .collect(),
            (SelectionArgs::Named(named), Selection::AllTargets) => named.clone(),
        }
    }
}

/// Whether the `i`th of `named` belongs to `cargo build`'s default selection (the library
/// and binaries): `--lib`, `--bin` and the name after it.
fn is_build_flag(named: &[OsString], i: usize, arg: &OsStr) -> bool {
    let flag = |a: &OsStr| a == "--lib" || a == "--bin";
    flag(arg) || (i > 0 && named[i - 1] == "--bin")
}

/// Runs `cargo <args>` (a `--unit-graph` command for `manifest`) as the module docs say, and
/// returns the graph it printed with its JSON.
fn run_unit_graph(
    toolchain: &Toolchain,
    manifest: &Path,
    args: &[OsString],
) -> Result<(UnitGraph, String), Error> {
    let dir = manifest.parent().unwrap_or(Path::new("/"));
    let spawn_error = |e: std::io::Error| {
        Error::in_file(
            manifest,
            format!("cannot run `cargo build --unit-graph`: {e}"),
        )
    };
    let scratch = tempfile::Builder::new()
        .prefix("rust-unit-sources-plan")
        .tempdir()
        .map_err(spawn_error)?;
    let wrapper = scratch.path().join("stable-rustc");
    write_executable(&wrapper, STABLE_RUSTC).map_err(spawn_error)?;
    let target_dir = scratch.path().join("target");
    let env: [(&str, &OsStr); 4] = [
        ("RUSTC_BOOTSTRAP", OsStr::new("1")),
        ("RUSTC_WRAPPER", wrapper.as_os_str()),
        ("CARGO_TARGET_DIR", target_dir.as_os_str()),
        ("CARGO_BUILD_BUILD_DIR", target_dir.as_os_str()),
    ];
    let output = toolchain
        .run_cargo_with(dir, args, &env)
        .map_err(|e| match e {
            CargoFailure::Spawn(e) => spawn_error(e),
            CargoFailure::Config(e) => e,
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let failure = cargo_metadata::Error::CargoMetadata { stderr };
        return Err(cargo_error(
            manifest,
            toolchain.cargo_dir(dir),
            failure,
            "cargo build --unit-graph",
        ));
    }
    let json = String::from_utf8_lossy(&output.stdout).into_owned();
    let line = json
        .lines()
        .find(|l| l.starts_with('{'))
        .unwrap_or_default();
    let graph: UnitGraph = serde_json::from_str(line).map_err(|e| {
        Error::in_file(
            manifest,
            format!("cargo build --unit-graph printed no unit graph: {e}"),
        )
    })?;
    if graph.version != UNIT_GRAPH_VERSION {
        return Err(Error::in_file(
            manifest,
            format!(
                "cargo build --unit-graph printed version {} of its format; this scanner reads version {UNIT_GRAPH_VERSION}",
                graph.version
            ),
        ));
    }
    Ok((graph, line.to_string()))
}

/// Writes `text` to a new file at `path`, executable by its owner.
fn write_executable(path: &Path, text: &str) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))
}
