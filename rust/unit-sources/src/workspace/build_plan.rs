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
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Resolves every unit's profile `name` for where cargo compiles it (the host: build scripts,
/// proc-macros and what they link, with `build-override`; else the target), with the `panic`
/// strategy cargo plans for it (`unwind` for what test harnesses link) and whether cargo
/// compiles it incrementally; a build-script run gets that of the unit it runs for, as
/// cargo's. `weaken_host_debuginfo`: the build has no `--target`, so cargo turns debug
/// information off for host units no table asked it for.
/// Errors: an undefined profile (naming the manifest).
pub(crate) fn assign_profiles(
    units: &mut [PlannedUnit],
    profiles: &Profiles,
    name: &str,
    manifest: &std::path::Path,
    weaken_host_debuginfo: bool,
) -> Result<(), Error> {
    if !profiles.defines(name) {
        return Err(Error::in_file(
            manifest,
            format!("profile `{name}` is not defined"),
        ));
    }
    let mut resolved = units
        .iter()
        .map(|unit| {
            let Some(build) = &unit.build else {
                return Ok(None);
            };
            let package = ProfilePackage {
                name: &build.package.name,
                version: &build.package.version.to_string(),
                member: build.package.member,
            };
            let for_ = match build.for_host {
                true => ProfileFor::Host,
                false => ProfileFor::Target,
            };
            let mut profile = profiles
                .resolve(name, &package, for_)
                .map_err(|e| Error::in_file(manifest, e))?;
            match &build.panic {
                Some(panic) => profile.panic = panic.clone(),
                None if unit.kind.is_test_harness() => profile.panic = "unwind".into(),
                None => {}
            }
            if unit.kind == UnitKind::BuildScriptRun {
                profile = profile.for_run();
            }
            profile.incremental = build.incremental;
            Ok(Some(profile))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let index: HashMap<&UnitId, usize> =
        units.iter().enumerate().map(|(i, u)| (&u.id, i)).collect();
    let deps: Vec<Vec<usize>> = units
        .iter()
        .map(|u| {
            u.deps
                .iter()
                .filter_map(|d| index.get(d).copied())
                .collect()
        })
        .collect();
    let hosts: Vec<bool> = units
        .iter()
        .map(|u| u.build.as_ref().is_some_and(|b| b.for_host))
        .collect();
    strip_debuginfo(&deps, &hosts, &mut resolved, weaken_host_debuginfo);
    for (unit, profile) in units.iter_mut().zip(resolved) {
        if let Some(build) = &mut unit.build {
            build.profile = profile;
        }
    }
    Ok(())
}

/// cargo strips debug information (the standard library's) when `strip` is not set, the unit
/// has none and nothing it needs has any; with `weaken`, it turns debug information off for
/// host units (`hosts`) unless a table set it. `deps`: each unit's dependencies, by index.
fn strip_debuginfo(
    deps: &[Vec<usize>],
    hosts: &[bool],
    resolved: &mut [Option<Profile>],
    weaken: bool,
) {
    let without: Vec<bool> = resolved
        .iter()
        .zip(hosts)
        .map(|(r, host)| {
            r.as_ref()
                .is_none_or(|p| !p.debug() || (weaken && *host && p.debuginfo.deferred))
        })
        .collect();
    for (i, r) in resolved.iter_mut().enumerate() {
        let deps_without = deps[i].iter().all(|&d| without[d]);
        if let Some(profile) = r {
            if profile.strip.is_none() && !profile.debug() && deps_without {
                profile.strip = Some("debuginfo".to_string());
            }
            if weaken && hosts[i] && profile.debuginfo.deferred {
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
    let reads_below = metadata_reads(units, &by_id, scanned);
    let planned: Vec<(&PlannedUnit, &UnitBuild, &Profile)> = units
        .iter()
        .filter_map(|u| {
            let build = u.build.as_ref()?;
            Some((u, build, build.profile.as_ref()?))
        })
        .collect();
    let own: HashMap<&UnitId, Vec<String>> = planned
        .iter()
        .map(|(unit, build, profile)| (&unit.id, own_configuration(unit, build, profile)))
        .collect();
    let digests = configuration_digests(units, &own);
    planned
        .into_iter()
        .map(|(unit, build, profile)| {
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
                    let metadata = blake3::Hash::from(digests[&unit.id]).to_hex()[..16].to_string();
                    let mut info = compile_info(unit, build, profile, &names, metadata);
                    if matches!(unit.kind, UnitKind::Test | UnitKind::Bench) {
                        info.bin_exes = unit
                            .deps
                            .iter()
                            .filter_map(|d| by_id.get(d))
                            .filter(|d| d.kind == UnitKind::Bin)
                            .map(|d| (d.target.clone(), d.id.clone()))
                            .collect();
                    }
                    info
                }
            };
            (unit.id.clone(), info)
        })
        .collect()
}

/// The metadata variables each unit's files, or those of the libraries it links, read: a
/// dependent may expand one of a library's macros (`clap::crate_authors!()`), which rustc
/// records in the dependent's dep-info.
fn metadata_reads<'u>(
    units: &'u [PlannedUnit],
    by_id: &HashMap<&UnitId, &'u PlannedUnit>,
    scanned: &'u BTreeMap<UnitId, Unit>,
) -> HashMap<&'u UnitId, BTreeSet<&'static str>> {
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
    let mut memo = HashMap::new();
    for unit in units {
        collect(&unit.id, by_id, scanned, &mut memo);
    }
    memo
}

/// What tells a unit's own configuration apart, independent of the machine and of paths: its
/// package's identity and source, kind and target, and its rustc flags (for a compiled unit,
/// those before `-C metadata` and the profile's trailing ones) or its build script's
/// environment (for a run).
fn own_configuration(unit: &PlannedUnit, build: &UnitBuild, profile: &Profile) -> Vec<String> {
    let package = &build.package;
    let mut own = vec![
        package.name.clone(),
        package.version.to_string(),
        package.source.clone(),
        unit.kind.as_str().to_string(),
        unit.target.clone(),
    ];
    match unit.kind {
        UnitKind::BuildScriptRun => {
            let env = run_info(unit, build, profile).env;
            own.extend(env.into_iter().map(|(k, v)| format!("{k}={v}")));
        }
        _ => {
            let crate_types = unit.kind.crate_types(&unit.crate_types);
            let name = crate_name(&unit.target);
            own.extend(configuration_flags(
                unit,
                build,
                profile,
                &name,
                &crate_types,
            ));
            own.extend(profile.trailing_flags());
        }
    }
    own
}

/// Each unit's configuration digest: of its [`own_configuration`] and of its dependencies'
/// digests, as cargo's `-C metadata` hashes its dependencies' (so that units of one name whose
/// dependencies differ get different ones).
fn configuration_digests<'u>(
    units: &'u [PlannedUnit],
    own: &HashMap<&'u UnitId, Vec<String>>,
) -> HashMap<&'u UnitId, [u8; 32]> {
    fn visit<'u>(
        i: usize,
        units: &'u [PlannedUnit],
        index: &HashMap<&UnitId, usize>,
        own: &HashMap<&'u UnitId, Vec<String>>,
        memo: &mut Vec<Option<[u8; 32]>>,
    ) -> [u8; 32] {
        if let Some(known) = memo[i] {
            return known;
        }
        let unit = &units[i];
        let mut hasher = blake3::Hasher::new();
        for part in own.get(&unit.id).into_iter().flatten() {
            hasher.update(part.as_bytes());
            hasher.update(&[0]);
        }
        let mut deps: Vec<[u8; 32]> = unit
            .deps
            .iter()
            .filter_map(|d| index.get(d))
            .map(|&d| visit(d, units, index, own, memo))
            .collect();
        deps.sort();
        for dep in deps {
            hasher.update(&dep);
        }
        let digest = hasher.finalize().into();
        memo[i] = Some(digest);
        digest
    }
    let index: HashMap<&UnitId, usize> =
        units.iter().enumerate().map(|(i, u)| (&u.id, i)).collect();
    let mut memo = vec![None; units.len()];
    (0..units.len())
        .map(|i| (&units[i].id, visit(i, units, &index, own, &mut memo)))
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

/// The model's `build` field of a unit rustc compiles, whose `-C metadata` is `metadata`: its
/// flags, its crate's file name, its environment (`metadata_reads`: the [`METADATA_VARIABLES`] its files and what it links read),
/// where a build script's link arguments reach it.
fn compile_info(
    unit: &PlannedUnit,
    build: &UnitBuild,
    profile: &Profile,
    metadata_reads: &BTreeSet<&str>,
    metadata: String,
) -> BuildInfo {
    let package = &build.package;
    let crate_name = crate_name(&unit.target);
    let crate_types = unit.kind.crate_types(&unit.crate_types);
    let mut flags = configuration_flags(unit, build, profile, &crate_name, &crate_types);
    let trailing = profile.trailing_flags();
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
        profile: profile.info(),
    }
}

/// The rustc flags that tell the unit's compilation apart (part of [`own_configuration`],
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
        profile: profile.info(),
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
