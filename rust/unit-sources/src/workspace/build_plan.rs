//! What building a unit needs beyond its files, as cargo decides it: the model's `build`
//! field, for scans with dependencies (the input of `nix/build-units.nix`).
//!
//! A unit's derivation then depends on exactly what cargo's fingerprint depends on: its files
//! (the model's `files`), its configuration (crate name and types, edition, features, profile
//! flags, the libraries it links) and the variables it may read. Planning happens in two
//! steps: [`assign_profiles`] after the units are planned (each unit's profile follows from
//! the dependency graph: what only build scripts and proc-macros link is compiled for the
//! host), [`build_info`] after they are scanned (the `CARGO_PKG_*` variables a unit gets
//! depend on the names its files, and those of what it links, read).

use crate::model::unit_id::{UnitId, UnitKind};
use crate::model::BuildInfo;
use crate::workspace::package_facts::{PackageFacts, METADATA_VARIABLES};
use crate::workspace::profile::{FlagsFor, Profile, ProfileFor, ProfilePackage, Profiles};
use crate::workspace::units::{PlannedUnit, UnitBuild};
use crate::{Error, Unit};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Resolves every unit's profile `name`: what build scripts and proc-macros link and nothing
/// compiled for the target does is compiled for the host; `panic = "abort"` applies only where
/// no unwinding artifact (a test harness, a build script, a proc-macro) links the unit, since
/// one compilation serves all of them. Errors: an undefined profile (naming the manifest).
pub(crate) fn assign_profiles(
    units: &mut [PlannedUnit],
    profiles: &Profiles,
    name: &str,
    manifest: &std::path::Path,
) -> Result<(), Error> {
    if !profiles.defines(name) {
        return Err(Error::in_file(
            manifest,
            format!("profile `{name}` is not defined"),
        ));
    }
    let graph = LinkGraph::new(units);
    let roles = Roles::of(&graph);
    let mut resolved = units
        .iter()
        .enumerate()
        .map(|(i, unit)| {
            let resolve = |for_: ProfileFor, package: &ProfilePackage| {
                profiles
                    .resolve(name, package, for_)
                    .map_err(|e| Error::in_file(manifest, e))
            };
            unit_profile(unit, i, &roles, resolve)
        })
        .collect::<Result<Vec<_>, Error>>()?;
    strip_debuginfo(&graph, &mut resolved);
    // A build script runs with the profile of what it is run for: the package's library, else
    // its first other unit.
    let mut for_package: HashMap<std::path::PathBuf, UnitProfile> = HashMap::new();
    for (unit, r) in units.iter().zip(&resolved) {
        if let Some(r) = r {
            if unit.kind == UnitKind::BuildScript {
                continue;
            }
            let key = unit.package_dir.clone();
            if unit.kind.is_library() || !for_package.contains_key(&key) {
                for_package.insert(key, r.clone());
            }
        }
    }
    for (unit, r) in units.iter_mut().zip(resolved) {
        let Some(build) = &mut unit.build else {
            continue;
        };
        let r = match unit.kind {
            UnitKind::BuildScriptRun => for_package.get(&unit.package_dir).cloned(),
            _ => r,
        };
        if let Some(UnitProfile { profile, host }) = r {
            build.profile = Some(profile);
            build.host = host;
        }
    }
    Ok(())
}

/// A unit's resolved profile, and whether the unit is compiled for the host.
#[derive(Debug, Clone)]
struct UnitProfile {
    profile: Profile,
    host: bool,
}

/// The planned units (by index) and the units each links.
struct LinkGraph<'u> {
    units: &'u [PlannedUnit],
    links: Vec<Vec<usize>>,
}

impl<'u> LinkGraph<'u> {
    fn new(units: &'u [PlannedUnit]) -> Self {
        let index: HashMap<&UnitId, usize> =
            units.iter().enumerate().map(|(i, u)| (&u.id, i)).collect();
        let links = units
            .iter()
            .map(|unit| {
                unit.externs
                    .values()
                    .filter_map(|id| index.get(id).copied())
                    .collect()
            })
            .collect();
        LinkGraph { units, links }
    }

    /// The units `pick` picks and all they link, directly or not; unless `enter_proc_macros`,
    /// without any proc-macro or what is reached only through one.
    fn reach(
        &self,
        pick: impl Fn(&PlannedUnit) -> bool,
        enter_proc_macros: bool,
    ) -> HashSet<usize> {
        let mut seen = HashSet::new();
        let mut stack: Vec<usize> = (0..self.units.len())
            .filter(|&i| pick(&self.units[i]))
            .collect();
        while let Some(i) = stack.pop() {
            if !enter_proc_macros && self.units[i].kind == UnitKind::ProcMacro {
                continue;
            }
            if seen.insert(i) {
                stack.extend(&self.links[i]);
            }
        }
        seen
    }
}

/// Which units what kind of artifact links (by index in the [`LinkGraph`]).
struct Roles {
    /// What build scripts and proc-macros link (themselves included).
    host: HashSet<usize>,
    /// What the members' units compiled for the target link, through no proc-macro.
    target: HashSet<usize>,
    /// What test harnesses link, through no proc-macro.
    unwinding: HashSet<usize>,
}

impl Roles {
    fn of(graph: &LinkGraph) -> Self {
        Roles {
            host: graph.reach(
                |u| matches!(u.kind, UnitKind::BuildScript | UnitKind::ProcMacro),
                true,
            ),
            target: graph.reach(
                |u| {
                    u.build.as_ref().is_some_and(|b| b.package.member)
                        && !matches!(
                            u.kind,
                            UnitKind::BuildScript | UnitKind::BuildScriptRun | UnitKind::ProcMacro
                        )
                },
                false,
            ),
            unwinding: graph.reach(|u| u.kind.is_test_harness(), false),
        }
    }
}

/// The profile of the `i`th unit as `resolve` gives it for the unit's package and for where
/// the unit runs, with `panic = "unwind"` wherever something unwinding links it; `None` for a
/// unit planned without a build, or running a build script (its profile is its package's).
fn unit_profile(
    unit: &PlannedUnit,
    i: usize,
    roles: &Roles,
    resolve: impl Fn(ProfileFor, &ProfilePackage) -> Result<Profile, Error>,
) -> Result<Option<UnitProfile>, Error> {
    let Some(build) = &unit.build else {
        return Ok(None);
    };
    if unit.kind == UnitKind::BuildScriptRun {
        return Ok(None);
    }
    let host = match unit.kind {
        UnitKind::BuildScript | UnitKind::ProcMacro => true,
        UnitKind::Lib => roles.host.contains(&i) && !roles.target.contains(&i),
        _ => false,
    };
    let package = ProfilePackage {
        name: &build.package.name,
        version: &build.package.version.to_string(),
        member: build.package.member,
    };
    let for_ = if host {
        ProfileFor::Host
    } else {
        ProfileFor::Target
    };
    let mut profile = resolve(for_, &package)?;
    if host
        || unit.kind.is_test_harness()
        || roles.unwinding.contains(&i)
        || roles.host.contains(&i)
    {
        profile.panic = "unwind".to_string();
    }
    Ok(Some(UnitProfile { profile, host }))
}

/// cargo strips debug information (the standard library's) when `strip` is not set, the unit
/// has none and nothing it links has any; then it turns debug information off for units only
/// the build links, unless a table set it.
fn strip_debuginfo(graph: &LinkGraph, resolved: &mut [Option<UnitProfile>]) {
    let weakened: Vec<bool> = resolved
        .iter()
        .map(|r| {
            r.as_ref()
                .is_none_or(|r| !r.profile.debug() || (r.host && r.profile.debuginfo.deferred))
        })
        .collect();
    for (i, r) in resolved.iter_mut().enumerate() {
        let deps_without = graph.links[i].iter().all(|&d| weakened[d]);
        if let Some(UnitProfile { profile, host }) = r {
            if profile.strip.is_none() && !profile.debug() && deps_without {
                profile.strip = Some("debuginfo".to_string());
            }
            if *host && profile.debuginfo.deferred {
                profile.debuginfo.level = None;
            }
        }
    }
}

/// The model's `build` field of every unit of `units` (planned with a [`UnitBuild`]), given
/// every unit's scanned sources.
pub(crate) fn build_info(
    units: &[PlannedUnit],
    scanned: &BTreeMap<UnitId, Unit>,
) -> BTreeMap<UnitId, BuildInfo> {
    let by_id: HashMap<&UnitId, &PlannedUnit> = units.iter().map(|u| (&u.id, u)).collect();
    // The metadata variables each library unit's files, or those of what it links, read: a
    // dependent may expand one of its macros (`clap::crate_authors!()`), which rustc records
    // in the dependent's dep-info.
    let mut reads_below: HashMap<&UnitId, BTreeSet<&str>> = HashMap::new();
    fn collect<'u>(
        id: &'u UnitId,
        by_id: &HashMap<&UnitId, &'u PlannedUnit>,
        scanned: &'u BTreeMap<UnitId, Unit>,
        memo: &mut HashMap<&'u UnitId, BTreeSet<&'static str>>,
    ) -> BTreeSet<&'static str> {
        if let Some(known) = memo.get(id) {
            return known.clone();
        }
        memo.insert(id, BTreeSet::new());
        let mut names: BTreeSet<&'static str> = scanned
            .get(id)
            .map(|s| metadata_names(&s.env))
            .unwrap_or_default();
        if let Some(unit) = by_id.get(id) {
            for dep in unit.externs.values() {
                names.extend(collect(dep, by_id, scanned, memo));
            }
        }
        memo.insert(id, names.clone());
        names
    }
    let mut bins: HashMap<&std::path::Path, BTreeMap<String, UnitId>> = HashMap::new();
    for unit in units.iter().filter(|u| u.kind == UnitKind::Bin) {
        bins.entry(&unit.package_dir)
            .or_default()
            .insert(unit.target.clone(), unit.id.clone());
    }
    let mut memo = HashMap::new();
    for unit in units {
        let names = collect(&unit.id, &by_id, scanned, &mut memo);
        reads_below.insert(&unit.id, names);
    }
    units
        .iter()
        .filter_map(|unit| {
            let build = unit.build.as_ref()?;
            let profile = build.profile.as_ref()?;
            let info = match unit.kind {
                UnitKind::BuildScriptRun => run_info(unit, build, profile),
                _ => {
                    let mut names = reads_below.get(&unit.id).cloned().unwrap_or_default();
                    let links_proc_macro = unit
                        .externs
                        .values()
                        .any(|d| by_id.get(d).is_some_and(|u| u.kind == UnitKind::ProcMacro));
                    if links_proc_macro {
                        // A proc-macro may read any of them while it expands (clap's derive
                        // reads `CARGO_PKG_DESCRIPTION` with `std::env::var`).
                        names.extend(METADATA_VARIABLES);
                    }
                    let mut info = compile_info(unit, build, profile, &names);
                    if matches!(unit.kind, UnitKind::Test | UnitKind::Bench) {
                        info.bin_exes = bins
                            .get(unit.package_dir.as_path())
                            .cloned()
                            .unwrap_or_default();
                    }
                    info
                }
            };
            Some((unit.id.clone(), info))
        })
        .collect()
}

fn metadata_names(env: &[String]) -> BTreeSet<&'static str> {
    METADATA_VARIABLES
        .iter()
        .copied()
        .filter(|name| env.iter().any(|e| e == name))
        .collect()
}

/// The crate name rustc gets for a target name.
fn crate_name(target: &str) -> String {
    target.replace('-', "_")
}

/// The model's `build` field of a unit rustc compiles: its flags, its crate's file name, its
/// environment (`metadata_reads`: the [`METADATA_VARIABLES`] its files and what it links read),
/// where a build script's link arguments reach it.
fn compile_info(
    unit: &PlannedUnit,
    build: &UnitBuild,
    profile: &Profile,
    metadata_reads: &BTreeSet<&str>,
) -> BuildInfo {
    let package = &build.package;
    let crate_name = crate_name(&unit.target);
    let crate_types = unit.kind.crate_types(&unit.crate_types);
    let mut flags = configuration_flags(unit, build, profile, &crate_name, &crate_types);
    let trailing = profile.trailing_flags();
    let metadata = unit_metadata(unit, package, &[flags.as_slice(), &trailing].concat());
    flags.extend(["-C".to_string(), format!("metadata={metadata}")]);
    if unit.kind.is_library() {
        flags.extend(["-C".to_string(), format!("extra-filename=-{metadata}")]);
    }
    flags.extend(trailing);
    if build.proc_macro {
        flags.extend(["--extern".to_string(), "proc_macro".to_string()]);
    }
    if !package.member {
        flags.extend(["--cap-lints".to_string(), "allow".to_string()]);
    }
    let extern_file = extern_file(unit.kind, &crate_name, &crate_types, &metadata);
    let env = compile_env(unit, package, &crate_name, &crate_types, metadata_reads);
    BuildInfo {
        crate_name: Some(crate_name),
        metadata: Some(metadata),
        rustc_flags: flags,
        env,
        extern_file,
        link_libs: Some(matches!(unit.kind, UnitKind::Lib | UnitKind::LibTest) || !package.has_lib),
        link_args: link_arg_targets(unit, &crate_types),
        bin_exes: BTreeMap::new(),
    }
}

/// The rustc flags that tell the unit's compilation apart (the input of [`unit_metadata`],
/// with the profile's trailing flags): crate name and types, edition, the profile's and the
/// lints' flags, `--test`, the features and their `--check-cfg`.
fn configuration_flags(
    unit: &PlannedUnit,
    build: &UnitBuild,
    profile: &Profile,
    crate_name: &str,
    crate_types: &[&str],
) -> Vec<String> {
    let package = &build.package;
    let test = unit.kind.is_test_harness();
    let links_final = test
        || crate_types
            .iter()
            .any(|t| matches!(*t, "bin" | "cdylib" | "staticlib" | "dylib"));
    let mut flags = vec![
        "--crate-name".to_string(),
        crate_name.to_string(),
        format!("--edition={}", unit.edition),
    ];
    if !test {
        for crate_type in crate_types {
            flags.extend(["--crate-type".to_string(), crate_type.to_string()]);
        }
    }
    // Proc-macros (their test harness too) link the standard library dynamically, and so do
    // the dylibs of packages outside the workspace (cargo's `prefer_dynamic`).
    if build.proc_macro || (crate_types.contains(&"dylib") && !package.member) {
        flags.extend(["-C".to_string(), "prefer-dynamic".to_string()]);
    }
    flags.extend(profile.rustc_flags(
        FlagsFor {
            host: build.host,
            links_final,
        },
        &package.lint_flags,
    ));
    if test {
        if unit.harness {
            flags.push("--test".into());
        } else {
            flags.extend(["--cfg".to_string(), "test".to_string()]);
        }
    }
    for feature in &unit.features {
        flags.extend(["--cfg".to_string(), format!("feature=\"{feature}\"")]);
    }
    let declared: Vec<String> = package
        .declared_features
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect();
    flags.extend([
        "--check-cfg".to_string(),
        "cfg(docsrs,test)".to_string(),
        "--check-cfg".to_string(),
        format!("cfg(feature, values({}))", declared.join(", ")),
    ]);
    flags
}

/// The file a library unit's dependents link (`None` for other units, and for a library with
/// no linkable crate type).
fn extern_file(
    kind: UnitKind,
    crate_name: &str,
    crate_types: &[&str],
    metadata: &str,
) -> Option<String> {
    if !kind.is_library() {
        None
    } else if kind == UnitKind::ProcMacro {
        Some(format!("lib{crate_name}-{metadata}.so"))
    } else if crate_types.iter().any(|t| matches!(*t, "lib" | "rlib")) {
        Some(format!("lib{crate_name}-{metadata}.rlib"))
    } else if crate_types.contains(&"dylib") {
        Some(format!("lib{crate_name}-{metadata}.so"))
    } else {
        None
    }
}

/// The variables cargo sets for the unit's compilation, of those the builder does not set:
/// the package's identity, the crate and binary names, and the `metadata_reads`.
fn compile_env(
    unit: &PlannedUnit,
    package: &PackageFacts,
    crate_name: &str,
    crate_types: &[&str],
    metadata_reads: &BTreeSet<&str>,
) -> BTreeMap<String, String> {
    let mut env = package.identity_env();
    env.insert("CARGO_CRATE_NAME".into(), crate_name.to_string());
    let executable = matches!(unit.kind, UnitKind::Bin | UnitKind::BinTest)
        || (unit.kind == UnitKind::Example && crate_types == ["bin"]);
    if executable {
        env.insert("CARGO_BIN_NAME".into(), unit.target.clone());
    }
    for name in metadata_reads {
        if let Some(value) = package.metadata_env.get(name) {
            env.insert(name.to_string(), value.clone());
        }
    }
    env
}

/// Where cargo applies a build script's `rustc-link-arg*` lines to the unit
/// (`LinkArgTarget::applies_to`): `all`, and `bins`, `bin=<name>`, `tests`, `benches`,
/// `examples` or `cdylib` as its kind and crate types say.
fn link_arg_targets(unit: &PlannedUnit, crate_types: &[&str]) -> Vec<String> {
    let mut link_args = vec!["all".to_string()];
    match unit.kind {
        UnitKind::Bin | UnitKind::BinTest => {
            link_args.extend(["bins".to_string(), format!("bin={}", unit.target)])
        }
        UnitKind::Test => link_args.push("tests".into()),
        UnitKind::Bench => link_args.push("benches".into()),
        UnitKind::Example if crate_types == ["bin"] => link_args.push("examples".into()),
        _ => {}
    }
    if !unit.kind.is_test_harness() && crate_types.contains(&"cdylib") {
        link_args.push("cdylib".into());
    }
    link_args
}

/// `-C metadata`: a digest of everything that tells this unit apart from every other unit of
/// the build (package identity and source, target, kind, flags), so that two versions of one
/// crate link into one binary. Independent of the machine and of paths.
fn unit_metadata(unit: &PlannedUnit, package: &PackageFacts, flags: &[String]) -> String {
    let mut hasher = blake3::Hasher::new();
    for part in [
        package.name.as_str(),
        &package.version.to_string(),
        &package.source,
        unit.kind.as_str(),
        &unit.target,
    ]
    .into_iter()
    .chain(flags.iter().map(String::as_str))
    {
        hasher.update(part.as_bytes());
        hasher.update(&[0]);
    }
    hasher.finalize().to_hex()[..16].to_string()
}

/// A build script's environment as cargo sets it, but for the variables holding paths or
/// depending on the machine running it (`OUT_DIR`, `CARGO_MANIFEST_DIR`, `RUSTC`, `TARGET`,
/// `CARGO_CFG_*` of the target, `DEP_*`, …), which the builder sets.
fn run_info(unit: &PlannedUnit, build: &UnitBuild, profile: &Profile) -> BuildInfo {
    let package = &build.package;
    let mut env = package.identity_env();
    for (name, value) in &package.metadata_env {
        env.insert(name.to_string(), value.clone());
    }
    if let Some(links) = &package.links {
        env.insert("CARGO_MANIFEST_LINKS".into(), links.clone());
    }
    for feature in &unit.features {
        env.insert(format!("CARGO_FEATURE_{}", envify(feature)), "1".into());
    }
    let features: Vec<&str> = unit.features.iter().map(String::as_str).collect();
    env.insert("CARGO_CFG_FEATURE".into(), features.join(","));
    if profile.debug_assertions {
        env.insert("CARGO_CFG_DEBUG_ASSERTIONS".into(), String::new());
    }
    env.insert("PROFILE".into(), profile.root.to_string());
    env.insert("OPT_LEVEL".into(), profile.opt_level.clone());
    env.insert("DEBUG".into(), profile.debug().to_string());
    BuildInfo {
        crate_name: None,
        metadata: None,
        rustc_flags: Vec::new(),
        env,
        extern_file: None,
        link_libs: None,
        link_args: Vec::new(),
        bin_exes: BTreeMap::new(),
    }
}

/// A name as cargo turns it into part of a variable name: upper case, `-` as `_`.
fn envify(name: &str) -> String {
    name.chars()
        .map(|c| c.to_ascii_uppercase())
        .map(|c| if c == '-' { '_' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envify_like_cargo() {
        assert_eq!(envify("serde-derive_x"), "SERDE_DERIVE_X");
    }
}
