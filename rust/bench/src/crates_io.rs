//! The real multi-crate workspace, assembled from crates.io at bench time.
//!
//! crates.io packages are single packages, so the benchmark builds a workspace out of real
//! ones: a seed project (`seed.toml`, versions pinned by `seed.lock`) depends on popular
//! crates; `cargo vendor` fetches every package of its graph; every package cargo compiles for
//! the seed on the host (`cargo metadata --filter-platform <host>`; the newest version when
//! the graph holds several) is copied into `crates/<name>` and becomes a workspace member.
//! Their dependencies on each other become path dependencies (where the member's version
//! meets the requirement), so the members depend on each other inside the workspace as the
//! packages of a real workspace do; any `[workspace]` key goes; nothing else changes.
//!
//! The scan and `--mode rustc` never resolve dependencies, so the workspace needs no lock
//! file (its members' dev-dependencies were not vendored and could not be resolved offline).
//! `cargo check` from clean runs on the seed: the same packages, from the vendored sources,
//! with the features cargo resolves for them.

use rust_unit_sources_seed::process::{cargo, run};
use semver::{Version, VersionReq};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

const SEED_MANIFEST: &str = include_str!("../seed.toml");
const SEED_LOCK: &str = include_str!("../seed.lock");

/// The assembled workspace.
pub struct CratesIo {
    /// The workspace root.
    pub workspace: PathBuf,
    /// The seed project, set up to build offline from the vendored sources.
    pub seed: PathBuf,
    /// How many members the workspace has.
    pub members: usize,
}

/// Builds the workspace under `dir` (empty or missing).
pub fn assemble(dir: &Path) -> Result<CratesIo, String> {
    let seed = dir.join("seed");
    let vendor = dir.join("vendor");
    let workspace = dir.join("workspace");
    write(&seed.join("Cargo.toml"), SEED_MANIFEST)?;
    write(&seed.join("Cargo.lock"), SEED_LOCK)?;
    write(&seed.join("src/lib.rs"), "")?;
    run(cargo()
        .current_dir(&seed)
        .args(["vendor", "--locked", "--versioned-dirs"])
        .arg(&vendor))?;
    let vendoring = format!(
        "[source.crates-io]\nreplace-with = \"vendored\"\n\n[source.vendored]\ndirectory = \"{}\"\n",
        vendor.display()
    );
    write(&seed.join(".cargo/config.toml"), &vendoring)?;
    let members = host_packages(&seed)?;
    let mut root = String::from("[workspace]\nresolver = \"2\"\nmembers = [\n");
    for (name, version) in &members {
        let source = vendor.join(format!("{name}-{version}"));
        let target = workspace.join("crates").join(name);
        copy_tree(&source, &target, &|name, _| name != ".cargo-checksum.json")?;
        link_manifest(&target.join("Cargo.toml"), &members)?;
        root.push_str(&format!("    \"crates/{name}\",\n"));
    }
    root.push_str("]\n");
    write(&workspace.join("Cargo.toml"), &root)?;
    Ok(CratesIo {
        workspace,
        seed,
        members: members.len(),
    })
}

/// The packages (name → newest version) cargo compiles for the seed on the host.
fn host_packages(seed: &Path) -> Result<BTreeMap<String, Version>, String> {
    let output = run(cargo()
        .current_dir(seed)
        .args(["metadata", "--format-version", "1", "--offline", "--locked"])
        .args(["--filter-platform", &host_triple()?]))?;
    let metadata: Value =
        serde_json::from_slice(&output).map_err(|e| format!("cargo metadata: {e}"))?;
    let mut newest: BTreeMap<String, Version> = BTreeMap::new();
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let (Some(name), Some(version)) = (package["name"].as_str(), package["version"].as_str())
        else {
            continue;
        };
        if package["source"].is_null() {
            continue; // the seed itself
        }
        let version = Version::parse(version).map_err(|e| format!("{name} {version}: {e}"))?;
        if !matches!(newest.get(name), Some(known) if *known >= version) {
            newest.insert(name.to_string(), version);
        }
    }
    Ok(newest)
}

/// Makes a member's dependencies on other members path dependencies (`../<name>`) where the
/// member's version meets every requirement the manifest has under that dependency name (cargo
/// wants one source per name across targets, and a name may stand for different packages in
/// different tables), in every dependency table (also per target), and removes `[workspace]`
/// and `package.workspace`.
fn link_manifest(path: &Path, members: &BTreeMap<String, Version>) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut manifest: toml::Table =
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut packages = BTreeMap::new();
    let mut unmet = BTreeSet::new();
    for_each_dependency(&mut manifest, &mut |name, package, spec| {
        let met = spec
            .get("version")
            .and_then(toml::Value::as_str)
            .and_then(|r| VersionReq::parse(r).ok())
            .zip(members.get(package))
            .is_some_and(|(requirement, version)| requirement.matches(version));
        let first = packages
            .entry(name.to_string())
            .or_insert(package.to_string());
        if !met || first != package {
            unmet.insert(name.to_string());
        }
    });
    for_each_dependency(&mut manifest, &mut |name, package, spec| {
        if !unmet.contains(name) {
            spec.insert("path".into(), format!("../{package}").into());
        }
    });
    manifest.remove("workspace");
    if let Some(toml::Value::Table(package)) = manifest.get_mut("package") {
        package.remove("workspace");
    }
    let text = toml::to_string(&manifest).map_err(|e| format!("{}: {e}", path.display()))?;
    write(path, &text)
}

/// Calls `visit` with the name, the package name and the specification (as a table: `"1"`
/// becomes `{ version = "1" }`) of every dependency of `manifest`, in every table, also per
/// target.
fn for_each_dependency(
    manifest: &mut toml::Table,
    visit: &mut dyn FnMut(&str, &str, &mut toml::Table),
) {
    let mut tables: Vec<&mut toml::Table> = vec![];
    let (mut top, mut targets) = (toml::Table::new(), None);
    std::mem::swap(manifest, &mut top);
    if let Some(toml::Value::Table(t)) = top.remove("target") {
        targets = Some(t);
    }
    tables.push(&mut top);
    let mut targets = targets.unwrap_or_default();
    for (_, table) in targets.iter_mut() {
        if let toml::Value::Table(table) = table {
            tables.push(table);
        }
    }
    for table in tables {
        for key in [
            "dependencies",
            "build-dependencies",
            "build_dependencies",
            "dev-dependencies",
            "dev_dependencies",
        ] {
            let Some(toml::Value::Table(deps)) = table.get_mut(key) else {
                continue;
            };
            for (name, spec) in deps.iter_mut() {
                if let toml::Value::String(requirement) = spec {
                    let mut table = toml::Table::new();
                    table.insert("version".into(), requirement.clone().into());
                    *spec = toml::Value::Table(table);
                }
                if let toml::Value::Table(spec) = spec {
                    let package = spec
                        .get("package")
                        .and_then(toml::Value::as_str)
                        .unwrap_or(name)
                        .to_string();
                    visit(name, &package, spec);
                }
            }
        }
    }
    if !targets.is_empty() {
        top.insert("target".into(), toml::Value::Table(targets));
    }
    std::mem::swap(manifest, &mut top);
}

/// Copies the directory `from` to `to`, leaving out the entries `keep` refuses (given the name
/// and whether it is a directory).
pub fn copy_tree(
    from: &Path,
    to: &Path,
    keep: &dyn Fn(&std::ffi::OsStr, bool) -> bool,
) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    let entries = std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", from.display()))?;
        let name = entry.file_name();
        let (source, target) = (entry.path(), to.join(&name));
        let kind = entry
            .file_type()
            .map_err(|e| format!("{}: {e}", source.display()))?;
        if !keep(&name, kind.is_dir()) {
            continue;
        }
        if kind.is_dir() {
            copy_tree(&source, &target, keep)?;
        } else {
            std::fs::copy(&source, &target).map_err(|e| format!("{}: {e}", source.display()))?;
        }
    }
    Ok(())
}

/// The host's target triple (`rustc -vV`).
pub fn host_triple() -> Result<String, String> {
    let output =
        run(Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into())).arg("-vV"))?;
    String::from_utf8_lossy(&output)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_string)
        .ok_or_else(|| "rustc -vV names no host".to_string())
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_become_path_dependencies() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Cargo.toml");
        std::fs::write(
            &path,
            "[package]\nname = \"a\"\nversion = \"1.0.0\"\nworkspace = \"..\"\n\n\
             [dependencies]\nb = \"1\"\nd = \"1\"\nold = { version = \"0.1\", package = \"e\" }\n\
             s = { version = \"1\", package = \"b\" }\n\n\
             [target.'cfg(any())'.dependencies]\nd = \"1.5\"\ns = \"1\"\n\n\
             [target.'cfg(unix)'.dev-dependencies]\nc = { version = \"0.2\", features = [\"x\"] }\n\n\
             [workspace]\n",
        )
        .unwrap();
        let members = [
            ("b", "1.0.2"),
            ("c", "0.2.1"),
            ("d", "1.2.0"),
            ("e", "0.2.1"),
        ]
        .map(|(n, v)| (n.to_string(), Version::parse(v).unwrap()))
        .into();
        link_manifest(&path, &members).unwrap();
        let manifest: toml::Table =
            toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let deps = &manifest["dependencies"];
        assert_eq!(deps["b"]["path"].as_str(), Some("../b"));
        assert!(
            deps["old"].get("path").is_none(),
            "0.1 is not the member's 0.2.1"
        );
        assert!(deps["d"].get("path").is_none(), "1.5 is not 1.2.0");
        assert!(deps["s"].get("path").is_none(), "`s` is `b`, or `s`");
        let unix = &manifest["target"]["cfg(unix)"]["dev-dependencies"]["c"];
        assert_eq!(unix["path"].as_str(), Some("../c"));
        assert_eq!(unix["features"].as_array().unwrap().len(), 1);
        assert!(manifest.get("workspace").is_none());
        assert!(manifest["package"].get("workspace").is_none());
    }
}
