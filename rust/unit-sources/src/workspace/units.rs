//! Planning units: the things cargo compiles for the workspace's packages, what each links
//! and needs built first, as `cargo metadata --no-deps` describes them (scans without
//! dependencies; with them, cargo's own plan is `workspace::graph_units`'). The unit types
//! both share are here.

use crate::cfg::KnownCfgs;
use crate::fs::observation::FileKind;
use crate::fs::source_cache::SourceCache;
use crate::model::unit_id::{UnitId, UnitKind};
use crate::model::Selection;
use crate::syntax::Edition;
use crate::workspace::metadata::{LocalPackage, Workspace};
use crate::workspace::package_facts::{
    has_harness, package_dir, source_key, without_harness, PackageFacts,
};
use crate::workspace::profile::Profile;
use crate::{Error, FeatureSelection};
use cargo_metadata::{DependencyKind, Package, PackageId, Target};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A unit before scanning: what cargo metadata says about it, with absolute paths.
#[derive(Debug, Clone)]
pub(crate) struct PlannedUnit {
    pub id: UnitId,
    pub package: String,
    pub version: String,
    pub target: String,
    pub kind: UnitKind,
    /// Whether rustc gets `--test`, libtest's harness, which compiles `#[test]` and `#[bench]`
    /// items: a test harness kind unless its manifest says `harness = false` (cargo then
    /// passes `--cfg test` alone).
    pub harness: bool,
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

impl PlannedUnit {
    /// The edition rustc lexes the unit's sources in.
    pub fn lexing_edition(&self) -> Edition {
        Edition::from_cargo(&self.edition)
    }
}

/// The build-related plan of one unit (scans with dependencies).
#[derive(Debug, Clone)]
pub(crate) struct UnitBuild {
    pub package: Arc<PackageFacts>,
    /// Whether the target is a proc-macro (its test harness too): cargo then passes
    /// `--extern proc_macro`.
    pub proc_macro: bool,
    /// The resolved profile ([`crate::workspace::build_plan::assign_profiles`]); for a `build-script-run` unit, that of the
    /// unit it runs for (the package's library), as cargo's.
    pub profile: Option<Profile>,
    /// Whether the unit is compiled (or run) for the host's platform.
    pub host: bool,
    /// Whether the unit is compiled for the build, with `build-override` (cargo's
    /// `for_host`; a member's proc-macro is for the host's platform with the target's
    /// profile).
    pub for_host: bool,
    /// The builds whose unit graphs hold the unit.
    pub selections: Vec<Selection>,
    /// The `panic` strategy cargo compiles it with (`unwind` for what test harnesses link,
    /// whatever the profile says); `None` for a unit cargo did not plan (a broken target).
    pub panic: Option<String>,
    /// Whether cargo compiles it incrementally (its profile's `incremental`, for path packages
    /// only); `false` for a unit cargo did not plan.
    pub incremental: bool,
}

/// A library another unit can link.
#[derive(Debug, Clone)]
struct Extern {
    /// The crate name the linking code uses for it (renames applied, `-` as `_`).
    name: String,
    /// Its lib or proc-macro unit.
    unit: UnitId,
}

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
    let index = PackageIndex::new(workspace);
    let mut units = Vec::new();
    for local in &workspace.packages {
        let plan = PackagePlan::new(&index, local, selection, cache)?;
        units.extend(plan.units());
    }
    check_unique_ids(&units)?;
    Ok(units)
}

/// Errors when two units share an id (two packages of one name and version giving it).
pub(crate) fn check_unique_ids(units: &[PlannedUnit]) -> Result<(), Error> {
    let mut seen = HashMap::new();
    for unit in units {
        if let Some(other) = seen.insert(&unit.id, &unit.version) {
            return Err(Error::new(format!(
                "two packages give the unit id {} (versions {other} and {}); unit ids must be unique",
                unit.id, unit.version
            )));
        }
    }
    Ok(())
}

/// What planning one package's units looks up about the workspace's packages: their unit id
/// prefixes and libraries, by id and by directory.
struct PackageIndex<'w> {
    workspace: &'w Workspace,
    prefixes: HashMap<PackageId, String>,
    libs: HashMap<&'w PackageId, Extern>,
    by_dir: HashMap<&'w Path, &'w PackageId>,
    by_id: HashMap<&'w PackageId, &'w LocalPackage>,
}

impl<'w> PackageIndex<'w> {
    fn new(workspace: &'w Workspace) -> Self {
        let prefixes = package_prefixes(workspace);
        let libs = workspace
            .packages
            .iter()
            .filter_map(|p| {
                let id = &p.package.id;
                Some((id, lib_extern(&p.package, prefixes[id].as_str())?))
            })
            .collect();
        let by_dir = workspace
            .packages
            .iter()
            .map(|p| (package_dir(&p.package), &p.package.id))
            .collect();
        let by_id = workspace
            .packages
            .iter()
            .map(|p| (&p.package.id, p))
            .collect();
        PackageIndex {
            workspace,
            prefixes,
            libs,
            by_dir,
            by_id,
        }
    }

    /// The unit id prefix of the package `id` (see [`package_prefixes`]).
    fn prefix(&self, id: &PackageId) -> &str {
        self.prefixes[id].as_str()
    }

    /// The libraries `local` links as dependencies of `kind`: its path dependencies on local
    /// packages (renames applied).
    fn linked(&self, local: &LocalPackage, kind: DependencyKind) -> Vec<Extern> {
        local
            .package
            .dependencies
            .iter()
            .filter(|d| d.kind == kind)
            .filter_map(|d| {
                let lib = self
                    .libs
                    .get(self.by_dir.get(d.path.as_ref()?.as_std_path())?)?;
                Some(Extern {
                    name: d
                        .rename
                        .as_ref()
                        .map_or_else(|| lib.name.clone(), |r| r.replace('-', "_")),
                    unit: lib.unit.clone(),
                })
            })
            .collect()
    }

    /// The build-script runs of `local`'s normal dependencies that have a `links` key: cargo
    /// hands their `links` metadata to `local`'s build script, so they run first.
    fn linked_runs(&self, local: &LocalPackage) -> Vec<UnitId> {
        let run = |id: &PackageId| links_run(self.by_id.get(id)?, self.prefix(id));
        local
            .package
            .dependencies
            .iter()
            .filter(|d| d.kind == DependencyKind::Normal)
            .filter_map(|d| run(self.by_dir.get(d.path.as_ref()?.as_std_path())?))
            .collect()
    }
}

/// What every unit of one package shares; [`PackagePlan::units`] applies the per-kind rules
/// of [`UnitKind`] to it.
struct PackagePlan<'p> {
    local: &'p LocalPackage,
    prefix: &'p str,
    features: BTreeSet<String>,
    features_exact: bool,
    manifests: Vec<PathBuf>,
    /// The libraries of its dependencies of each kind.
    linked: HashMap<DependencyKind, Vec<Extern>>,
    own_lib: Option<Extern>,
    compile_script: Option<UnitId>,
    run_script: Option<UnitId>,
    /// The build-script runs its own build script's run waits for
    /// ([`PackageIndex::linked_runs`]).
    linked_runs: Vec<UnitId>,
    /// The targets declared with `harness = false` (members only).
    harness_off: HashSet<(String, String)>,
}

impl<'p> PackagePlan<'p> {
    /// Errors: the manifest cannot be read as text.
    fn new(
        index: &'p PackageIndex<'p>,
        local: &'p LocalPackage,
        selection: &FeatureSelection,
        cache: &SourceCache,
    ) -> Result<Self, Error> {
        let package = &local.package;
        let prefix = index.prefix(&package.id);
        let features = selection.resolve(&package.name, &package.features);
        let manifests = manifests(index.workspace, package, cache)?;
        let linked = [
            DependencyKind::Normal,
            DependencyKind::Development,
            DependencyKind::Build,
        ]
        .into_iter()
        .map(|kind| (kind, index.linked(local, kind)))
        .collect();
        let script = package.targets.iter().find(|t| t.is_custom_build());
        let script_unit = |kind| script.map(|t| UnitId::new(prefix, kind, &t.name));
        let harness_off = if local.member {
            cache
                .text(package.manifest_path.as_std_path())
                .and_then(|text| text.parse::<toml::Table>().ok())
                .map(|manifest| without_harness(&manifest))
                .unwrap_or_default()
        } else {
            HashSet::new()
        };
        Ok(PackagePlan {
            local,
            prefix,
            features,
            features_exact: !selection.is_unconstrained(),
            manifests,
            linked,
            own_lib: lib_extern(package, prefix),
            compile_script: script_unit(UnitKind::BuildScript),
            run_script: script_unit(UnitKind::BuildScriptRun),
            linked_runs: index.linked_runs(local),
            harness_off,
        })
    }

    /// The package's units in its targets' order: those of each target, all of them for a
    /// member, those built for dependents otherwise.
    fn units(&self) -> Vec<PlannedUnit> {
        let local = self.local;
        let mut units = Vec::new();
        for target in &local.package.targets {
            for kind in UnitKind::of_target(target) {
                if local.member || kind.is_built_for_dependents() {
                    units.push(self.unit(target, kind));
                }
            }
        }
        units
    }

    fn unit(&self, target: &Target, kind: UnitKind) -> PlannedUnit {
        let package = &self.local.package;
        let externs = self.externs(kind);
        let declared: Vec<String> = target.crate_types.iter().map(|c| c.to_string()).collect();
        PlannedUnit {
            id: UnitId::new(self.prefix, kind, &target.name),
            package: package.name.to_string(),
            version: package.version.to_string(),
            target: target.name.clone(),
            kind,
            harness: kind.is_test_harness() && has_harness(&self.harness_off, &target.name, kind),
            crate_types: kind
                .crate_types(&declared)
                .into_iter()
                .map(String::from)
                .collect(),
            edition: target.edition.as_str().to_string(),
            root_file: target.src_path.clone().into_std_path_buf(),
            package_dir: package_dir(package).to_path_buf(),
            manifest: package.manifest_path.clone().into_std_path_buf(),
            features: self.features.clone(),
            features_exact: self.features_exact,
            known_cfgs: None,
            build_dependencies: package
                .dependencies
                .iter()
                .any(|d| d.kind == DependencyKind::Build),
            manifests: self.manifests.clone(),
            deps: self.deps(kind, &externs),
            externs: externs.into_iter().map(|e| (e.name, e.unit)).collect(),
            immutable: package.source.is_some(),
            build: None,
        }
    }

    /// The libraries a unit of `kind` links, in order (of two of one name, the later wins).
    fn externs(&self, kind: UnitKind) -> Vec<Extern> {
        let linked = |kind: DependencyKind| self.linked[&kind].iter().cloned();
        let mut externs: Vec<Extern> = kind
            .linked_dependencies()
            .into_iter()
            .flat_map(linked)
            .collect();
        if kind.uses_dev_dependencies() {
            externs.extend(linked(DependencyKind::Development));
        }
        if kind.links_own_library() {
            externs.extend(self.own_lib.iter().cloned());
        }
        externs
    }

    /// The units a unit of `kind` needs built first, sorted: those it links, and the
    /// package's build-script run, or for that run the compiled script and
    /// [`PackagePlan::linked_runs`].
    fn deps(&self, kind: UnitKind, externs: &[Extern]) -> Vec<UnitId> {
        let mut deps: Vec<UnitId> = externs.iter().map(|e| e.unit.clone()).collect();
        if kind == UnitKind::BuildScriptRun {
            deps.extend(self.compile_script.iter().cloned());
            deps.extend(self.linked_runs.iter().cloned());
        } else if kind.follows_build_script_run() {
            deps.extend(self.run_script.iter().cloned());
        }
        deps.sort();
        deps.dedup();
        deps
    }
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

/// The id of the build-script run of `local` when it has a `links` key and a build script.
fn links_run(local: &LocalPackage, prefix: &str) -> Option<UnitId> {
    local.package.links.as_ref()?;
    let script = local.package.targets.iter().find(|t| t.is_custom_build())?;
    Some(UnitId::new(prefix, UnitKind::BuildScriptRun, &script.name))
}

/// The package's library as an extern: its crate name and its lib or proc-macro unit (ids
/// starting with `prefix`).
fn lib_extern(package: &Package, prefix: &str) -> Option<Extern> {
    package.targets.iter().find_map(|t| {
        UnitKind::of_target(t)
            .find(|k| k.is_library())
            .map(|k| Extern {
                name: t.name.replace('-', "_"),
                unit: UnitId::new(prefix, k, &t.name),
            })
    })
}

/// The package's manifest, the workspace root's when the package inherits from it, and
/// `Cargo.lock`: absolute, sorted.
pub(crate) fn manifests(
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
