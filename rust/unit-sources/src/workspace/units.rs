//! Units: the things cargo compiles for a member package, and their identities.

use crate::cfg::KnownCfgs;
use crate::fs::observation::FileKind;
use crate::fs::source_cache::SourceCache;
use crate::workspace::build_plan::{without_harness, PackageFacts, UnitBuild, METADATA_VARIABLES};
use crate::workspace::lints::lint_flags;
use crate::workspace::metadata::{LocalPackage, Workspace};
use crate::{Error, FeatureSelection};
use cargo_metadata::{DependencyKind, Package, PackageId, Target};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a unit compiles. Serialised in kebab-case (`lib`, `proc-macro`, `lib-test`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UnitKind {
    /// The package's library (any of the `lib`, `rlib`, `dylib`, `cdylib`, `staticlib` crate types).
    Lib,
    /// The package's library when it is a procedural macro.
    ProcMacro,
    /// A `[[bin]]` target.
    Bin,
    /// An `[[example]]` target.
    Example,
    /// A `[[test]]` target (an integration test, compiled with `--test`).
    Test,
    /// A `[[bench]]` target (compiled with `--test`, as `cargo bench` does).
    Bench,
    /// The build script, compiled (not run).
    BuildScript,
    /// Running the compiled build script: its inputs are what cargo's `rerun-if-changed`
    /// tracks (see the `runInputs` field).
    BuildScriptRun,
    /// The library compiled as a test harness (`cargo test --lib`, `cfg(test)` on).
    LibTest,
    /// A binary compiled as a test harness (`cargo test --bins`, `cfg(test)` on).
    BinTest,
}

impl UnitKind {
    /// The kind's name as it appears in unit ids and in the model.
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Lib => "lib",
            UnitKind::ProcMacro => "proc-macro",
            UnitKind::Bin => "bin",
            UnitKind::Example => "example",
            UnitKind::Test => "test",
            UnitKind::Bench => "bench",
            UnitKind::BuildScript => "build-script",
            UnitKind::BuildScriptRun => "build-script-run",
            UnitKind::LibTest => "lib-test",
            UnitKind::BinTest => "bin-test",
        }
    }

    /// The manifest's word for the target this unit compiles: the `[lib]` or `[[bin]]`,
    /// `[[example]]`, `[[test]]`, `[[bench]]` table, or the package's build script.
    pub(crate) fn target_kind(self) -> &'static str {
        match self {
            UnitKind::Lib | UnitKind::ProcMacro | UnitKind::LibTest => "lib",
            UnitKind::Bin | UnitKind::BinTest => "bin",
            UnitKind::Example => "example",
            UnitKind::Test => "test",
            UnitKind::Bench => "bench",
            UnitKind::BuildScript | UnitKind::BuildScriptRun => "build script",
        }
    }

    /// Whether rustc compiles this unit with `--test`, so `cfg(test)` holds.
    pub fn is_test_harness(self) -> bool {
        matches!(
            self,
            UnitKind::Test | UnitKind::Bench | UnitKind::LibTest | UnitKind::BinTest
        )
    }

    /// Whether the unit may use the package's dev-dependencies.
    pub(crate) fn uses_dev_dependencies(self) -> bool {
        matches!(
            self,
            UnitKind::Example
                | UnitKind::Test
                | UnitKind::Bench
                | UnitKind::LibTest
                | UnitKind::BinTest
        )
    }
}

/// A unit's identity: `<package>/<kind>/<target-name>`, unique within a workspace. When
/// several packages of the resolve share a name (two versions of a crate, or a dependency
/// named like a member), the members keep the plain name and the others are told apart by
/// `<name>@<version>`, and by `<name>@<version>+<digest of the source>` when that is not
/// enough either (see `package_prefixes` in this module).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitId(String);

impl UnitId {
    /// The id of the unit of `kind` for target `target` of the package whose id prefix is
    /// `package` (its name, unless `package_prefixes` says otherwise).
    pub fn new(package: &str, kind: UnitKind, target: &str) -> Self {
        UnitId(format!("{package}/{}/{target}", kind.as_str()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for UnitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A unit before scanning: what cargo metadata says about it, with absolute paths.
#[derive(Debug, Clone)]
pub(crate) struct PlannedUnit {
    pub id: UnitId,
    pub package: String,
    pub version: String,
    pub target: String,
    pub kind: UnitKind,
    pub crate_types: Vec<String>,
    pub edition: String,
    pub root_file: PathBuf,
    pub package_dir: PathBuf,
    pub manifest: PathBuf,
    pub features: BTreeSet<String>,
    /// Whether `features` is exactly what the build enables; otherwise any combination of
    /// them may be (the superset scan).
    pub features_exact: bool,
    /// What may set custom cfgs, when the build's `--cfg` flags are known (filled in by
    /// `scan` from the package's build script).
    pub known_cfgs: Option<Arc<KnownCfgs>>,
    /// Whether the package has `[build-dependencies]` (libraries its build script may let
    /// print `cargo:` lines the scan cannot see).
    pub build_dependencies: bool,
    pub manifests: Vec<PathBuf>,
    pub deps: Vec<UnitId>,
    pub externs: BTreeMap<String, UnitId>,
    /// Whether the package comes from a registry or git source (vendored or not): cargo then
    /// tracks its version, never its files, and its build script's run may read any of them.
    pub immutable: bool,
    /// What building the unit needs beyond its files (scans with dependencies).
    pub build: Option<UnitBuild>,
}

/// A library another unit can link: the name the code uses for it and its unit.
type Extern = (String, UnitId);

/// The units of every local package, in the workspace's package order: every target of a
/// member, the library and build script of a dependency. Each comes with the features it is
/// compiled with (cargo's resolution when the workspace was read with dependencies, the
/// selection otherwise), the units it needs built first and the libraries it links.
///
/// Errors: a requested feature no member has; two packages giving the same unit id.
pub(crate) fn plan_units(
    workspace: &Workspace,
    selection: &FeatureSelection,
    cache: &SourceCache,
) -> Result<Vec<PlannedUnit>, Error> {
    let tables: BTreeMap<&str, &BTreeMap<String, Vec<String>>> = workspace
        .members()
        .map(|p| (p.name.as_str(), &p.features))
        .collect();
    selection.validate(&tables)?;
    let prefixes = package_prefixes(workspace);
    let prefix = |id: &PackageId| prefixes[id].as_str();
    let libs: HashMap<&PackageId, Extern> = workspace
        .packages
        .iter()
        .filter_map(|p| {
            Some((
                &p.package.id,
                lib_extern(&p.package, prefix(&p.package.id))?,
            ))
        })
        .collect();
    let by_dir: HashMap<&Path, &PackageId> = workspace
        .packages
        .iter()
        .map(|p| (package_dir(&p.package), &p.package.id))
        .collect();
    let by_id: HashMap<&PackageId, &LocalPackage> = workspace
        .packages
        .iter()
        .map(|p| (&p.package.id, p))
        .collect();
    // The root manifest, for members' `lints.workspace = true` (scans with dependencies).
    let root_manifest: Option<toml::Table> = workspace
        .packages
        .iter()
        .any(|p| p.resolved.is_some())
        .then(|| cache.text(&workspace.root.join("Cargo.toml"))?.parse().ok())
        .flatten();
    let mut units = Vec::new();
    for local in &workspace.packages {
        let package = &local.package;
        let prefix = prefix(&package.id);
        let dir = package_dir(package).to_path_buf();
        let features = match &local.resolved {
            Some(resolved) => resolved.features.clone(),
            None => selection.resolve(&package.name, &package.features),
        };
        let manifests = manifests(workspace, package, cache)?;
        let linked = |kind: DependencyKind| -> Vec<Extern> {
            match &local.resolved {
                Some(resolved) => resolved
                    .deps
                    .iter()
                    .filter(|(_, _, kinds)| kinds.contains(&kind))
                    .filter_map(|(name, id, _)| Some((name.clone(), libs.get(id)?.1.clone())))
                    .collect(),
                None => package
                    .dependencies
                    .iter()
                    .filter(|d| d.kind == kind)
                    .filter_map(|d| {
                        let (name, id) = libs.get(by_dir.get(d.path.as_ref()?.as_std_path())?)?;
                        Some((
                            d.rename
                                .as_ref()
                                .map_or_else(|| name.clone(), |r| r.replace('-', "_")),
                            id.clone(),
                        ))
                    })
                    .collect(),
            }
        };
        let (normal, dev, build) = (
            linked(DependencyKind::Normal),
            linked(DependencyKind::Development),
            linked(DependencyKind::Build),
        );
        let own_lib = lib_extern(package, prefix);
        let script = package.targets.iter().find(|t| t.is_custom_build());
        let compile_script = script.map(|t| UnitId::new(prefix, UnitKind::BuildScript, &t.name));
        let run_script = script.map(|t| UnitId::new(prefix, UnitKind::BuildScriptRun, &t.name));
        // cargo hands a build script the `links` metadata of the normal dependencies with a
        // `links` key, from their build scripts' runs: those runs come first.
        let linked_runs: Vec<UnitId> = local
            .resolved
            .iter()
            .flat_map(|r| &r.deps)
            .filter(|(_, _, kinds)| kinds.contains(&DependencyKind::Normal))
            .filter_map(|(_, id, _)| links_run(by_id.get(id)?, prefix_of(&prefixes, id)))
            .chain(
                package
                    .dependencies
                    .iter()
                    .filter(|_| local.resolved.is_none())
                    .filter_map(|d| {
                        let id = by_dir.get(d.path.as_ref()?.as_std_path())?;
                        (d.kind == DependencyKind::Normal)
                            .then(|| links_run(by_id.get(id)?, prefix_of(&prefixes, id)))?
                    }),
            )
            .collect();
        let manifest: Option<toml::Table> = local.resolved.as_ref().and_then(|_| {
            cache
                .text(package.manifest_path.as_std_path())?
                .parse()
                .ok()
        });
        let facts = local.resolved.as_ref().map(|_| {
            let lints = manifest
                .as_ref()
                .map(|m| lint_flags(m, root_manifest.as_ref()))
                .unwrap_or_default();
            Arc::new(package_facts(workspace, local, lints))
        });
        let harness_off = match (&manifest, local.member) {
            (Some(manifest), true) => without_harness(manifest),
            _ => Default::default(),
        };
        for target in &package.targets {
            if local.resolved.is_some()
                && !required_features_enabled(target, &features, local, &by_id)
            {
                continue;
            }
            for kind in unit_kinds(target) {
                let built_for_dependents = matches!(
                    kind,
                    UnitKind::Lib
                        | UnitKind::ProcMacro
                        | UnitKind::BuildScript
                        | UnitKind::BuildScriptRun
                );
                if !local.member && !built_for_dependents {
                    continue;
                }
                let mut externs: Vec<Extern> = match kind {
                    UnitKind::BuildScript => build.clone(),
                    UnitKind::BuildScriptRun => Vec::new(),
                    _ => normal.clone(),
                };
                if kind.uses_dev_dependencies() {
                    externs.extend(dev.iter().cloned());
                }
                if matches!(
                    kind,
                    UnitKind::Bin
                        | UnitKind::BinTest
                        | UnitKind::Example
                        | UnitKind::Test
                        | UnitKind::Bench
                ) {
                    externs.extend(own_lib.iter().cloned());
                }
                let mut deps: Vec<UnitId> = externs.iter().map(|(_, id)| id.clone()).collect();
                match kind {
                    UnitKind::BuildScript => {}
                    UnitKind::BuildScriptRun => {
                        deps.extend(compile_script.iter().cloned());
                        deps.extend(linked_runs.iter().cloned());
                    }
                    _ => deps.extend(run_script.iter().cloned()),
                }
                deps.sort();
                deps.dedup();
                let crate_types = match kind {
                    UnitKind::Lib | UnitKind::ProcMacro => {
                        target.crate_types.iter().map(|c| c.to_string()).collect()
                    }
                    UnitKind::BuildScriptRun => Vec::new(),
                    UnitKind::Example => target.crate_types.iter().map(|c| c.to_string()).collect(),
                    _ => vec!["bin".to_string()],
                };
                let harness_table = match kind {
                    UnitKind::LibTest => ("lib", ""),
                    UnitKind::BinTest => ("bin", target.name.as_str()),
                    UnitKind::Test => ("test", target.name.as_str()),
                    UnitKind::Bench => ("bench", target.name.as_str()),
                    _ => ("", ""),
                };
                let harness = !harness_off
                    .contains(&(harness_table.0.to_string(), harness_table.1.to_string()));
                units.push(PlannedUnit {
                    id: UnitId::new(prefix, kind, &target.name),
                    package: package.name.to_string(),
                    version: package.version.to_string(),
                    target: target.name.clone(),
                    kind,
                    crate_types,
                    edition: target.edition.as_str().to_string(),
                    root_file: target.src_path.clone().into_std_path_buf(),
                    package_dir: dir.clone(),
                    manifest: package.manifest_path.clone().into_std_path_buf(),
                    features: features.clone(),
                    features_exact: local.resolved.is_some() || !selection.is_unconstrained(),
                    known_cfgs: None,
                    build_dependencies: package
                        .dependencies
                        .iter()
                        .any(|d| d.kind == DependencyKind::Build),
                    manifests: manifests.clone(),
                    deps,
                    externs: externs.into_iter().collect(),
                    immutable: package.source.is_some(),
                    build: facts.as_ref().map(|facts| UnitBuild {
                        package: Arc::clone(facts),
                        harness,
                        proc_macro: target.is_proc_macro(),
                        profile: None,
                        host: false,
                    }),
                });
            }
        }
    }
    let mut seen = HashMap::new();
    for unit in &units {
        if let Some(other) = seen.insert(&unit.id, &unit.version) {
            return Err(Error::new(format!(
                "two packages give the unit id {} (versions {other} and {}); unit ids must be unique",
                unit.id, unit.version
            )));
        }
    }
    Ok(units)
}

/// Each package's unit id prefix. Members keep their name (cargo allows no two members of
/// one name); so does every other package whose name no other package of the resolve has.
/// The others are `<name>@<version>`, or `<name>@<version>+<first 8 hex digits of the blake3
/// of their source>` when several packages share name and version too (a registry and a git
/// source, say). The source is cargo's source id for registry and git packages and the
/// package directory relative to the root for path packages: no prefix depends on the
/// machine.
pub(crate) fn package_prefixes(workspace: &Workspace) -> HashMap<PackageId, String> {
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut versions: HashMap<(&str, String), usize> = HashMap::new();
    for local in &workspace.packages {
        let p = &local.package;
        *names.entry(p.name.as_str()).or_default() += 1;
        *versions
            .entry((p.name.as_str(), p.version.to_string()))
            .or_default() += 1;
    }
    workspace
        .packages
        .iter()
        .map(|local| {
            let p = &local.package;
            let prefix = if local.member || names[p.name.as_str()] == 1 {
                p.name.to_string()
            } else if versions[&(p.name.as_str(), p.version.to_string())] == 1 {
                format!("{}@{}", p.name, p.version)
            } else {
                let source = source_key(workspace, p);
                let digest = blake3::hash(source.as_bytes()).to_hex();
                format!("{}@{}+{}", p.name, p.version, &digest[..8])
            };
            (p.id.clone(), prefix)
        })
        .collect()
}

fn prefix_of<'p>(prefixes: &'p HashMap<PackageId, String>, id: &PackageId) -> &'p str {
    prefixes[id].as_str()
}

/// The id of the build-script run of `local` when it has a `links` key and a build script.
fn links_run(local: &LocalPackage, prefix: &str) -> Option<UnitId> {
    local.package.links.as_ref()?;
    let script = local.package.targets.iter().find(|t| t.is_custom_build())?;
    Some(UnitId::new(prefix, UnitKind::BuildScriptRun, &script.name))
}

/// Where a package comes from, independent of the machine (see [`package_prefixes`]).
fn source_key(workspace: &Workspace, package: &Package) -> String {
    match &package.source {
        Some(source) => source.repr.clone(),
        None => {
            let dir = package_dir(package);
            let relative = dir.strip_prefix(&workspace.root).unwrap_or(dir);
            format!("path+{}", relative.to_string_lossy())
        }
    }
}

/// What the builder takes from cargo's description of `local`.
fn package_facts(workspace: &Workspace, local: &LocalPackage, lints: Vec<String>) -> PackageFacts {
    let p = &local.package;
    let text = |value: &Option<String>| value.clone().unwrap_or_default();
    let path = |value: &Option<cargo_metadata::camino::Utf8PathBuf>| {
        value.as_ref().map(|v| v.to_string()).unwrap_or_default()
    };
    let rust_version = p
        .rust_version
        .as_ref()
        .map(|v| match v.patch {
            0 => format!("{}.{}", v.major, v.minor),
            _ => v.to_string(),
        })
        .unwrap_or_default();
    let values = [
        p.authors.join(":"),
        text(&p.description),
        text(&p.homepage),
        text(&p.license),
        path(&p.license_file),
        path(&p.readme),
        text(&p.repository),
        rust_version,
    ];
    PackageFacts {
        name: p.name.to_string(),
        version: p.version.clone(),
        source: source_key(workspace, p),
        member: local.member,
        links: p.links.clone(),
        metadata_env: METADATA_VARIABLES.into_iter().zip(values).collect(),
        declared_features: p.features.keys().cloned().collect(),
        lint_flags: lints,
        has_lib: p
            .targets
            .iter()
            .any(|t| unit_kinds(t).any(|k| matches!(k, UnitKind::Lib | UnitKind::ProcMacro))),
    }
}

/// Whether cargo builds `target` under the resolved `features`: every name in its
/// `required-features` is enabled (`dep/feature`: the dependency `dep` is resolved with
/// `feature`).
fn required_features_enabled(
    target: &Target,
    features: &BTreeSet<String>,
    local: &LocalPackage,
    packages: &HashMap<&PackageId, &LocalPackage>,
) -> bool {
    target
        .required_features
        .iter()
        .all(|required| match required.split_once('/') {
            None => features.contains(required),
            Some((dep, feature)) => {
                let dep = dep.trim_end_matches('?');
                local
                    .resolved
                    .iter()
                    .flat_map(|r| &r.deps)
                    .any(|(_, id, _)| {
                        packages.get(id).is_some_and(|p| {
                            p.package.name.as_str() == dep
                                && p.resolved
                                    .as_ref()
                                    .is_some_and(|r| r.features.contains(feature))
                        })
                    })
            }
        })
}

fn package_dir(package: &Package) -> &Path {
    package
        .manifest_path
        .parent()
        .map_or(Path::new("/"), |p| p.as_std_path())
}

/// The package's library as an extern: its crate name and its lib or proc-macro unit (ids
/// starting with `prefix`).
fn lib_extern(package: &Package, prefix: &str) -> Option<Extern> {
    package.targets.iter().find_map(|t| {
        unit_kinds(t)
            .find(|k| matches!(k, UnitKind::Lib | UnitKind::ProcMacro))
            .map(|k| (t.name.replace('-', "_"), UnitId::new(prefix, k, &t.name)))
    })
}

/// The units one target gives: its own, and its test-harness build where cargo has one, or,
/// for a build script, running it.
fn unit_kinds(target: &Target) -> impl Iterator<Item = UnitKind> {
    let own = if target.is_proc_macro() {
        Some(UnitKind::ProcMacro)
    } else if target.is_lib()
        || target.is_rlib()
        || target.is_dylib()
        || target.is_cdylib()
        || target.is_staticlib()
    {
        Some(UnitKind::Lib)
    } else if target.is_bin() {
        Some(UnitKind::Bin)
    } else if target.is_example() {
        Some(UnitKind::Example)
    } else if target.is_test() {
        Some(UnitKind::Test)
    } else if target.is_bench() {
        Some(UnitKind::Bench)
    } else if target.is_custom_build() {
        Some(UnitKind::BuildScript)
    } else {
        None
    };
    let second = match own {
        Some(UnitKind::Lib | UnitKind::ProcMacro) if target.test => Some(UnitKind::LibTest),
        Some(UnitKind::Bin) if target.test => Some(UnitKind::BinTest),
        Some(UnitKind::BuildScript) => Some(UnitKind::BuildScriptRun),
        _ => None,
    };
    own.into_iter().chain(second)
}

/// The package's manifest, the workspace root's when the package inherits from it, and
/// `Cargo.lock`: absolute, sorted.
fn manifests(
    workspace: &Workspace,
    package: &Package,
    cache: &SourceCache,
) -> Result<Vec<PathBuf>, Error> {
    let own = package.manifest_path.as_std_path().to_path_buf();
    let mut manifests = vec![own.clone()];
    let root_manifest = workspace.root.join("Cargo.toml");
    if own != root_manifest {
        let text = cache
            .text(&own)
            .ok_or_else(|| Error::in_file(&own, "cannot read as UTF-8 text"))?;
        if inherits_from_workspace(&text) {
            manifests.push(root_manifest);
        }
    }
    let lock_file = workspace.root.join("Cargo.lock");
    if cache.kind(&lock_file) == FileKind::File {
        manifests.push(lock_file);
    }
    manifests.sort();
    Ok(manifests)
}

/// Whether a manifest uses `workspace = true` (or `x.workspace = true`) anywhere.
fn inherits_from_workspace(manifest: &str) -> bool {
    manifest.lines().any(|line| {
        let line = line.split('#').next().unwrap_or("");
        line.split(['{', ',']).any(|part| {
            let part: String = part.chars().filter(|c| !c.is_whitespace()).collect();
            part.ends_with("workspace=true") || part.contains(".workspace=true")
        })
    })
}
