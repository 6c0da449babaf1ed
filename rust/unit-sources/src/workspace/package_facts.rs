//! What planning takes from cargo's description of a package and from its manifest, once per
//! package, for every unit of it: the `CARGO_PKG_*` values, where the package comes from,
//! its `[lints]` flags, the targets declared without a test harness.
//!
//! Invariant: nothing here depends on the machine: a package's source is named relative to the
//! workspace root (or by cargo's source id), never by an absolute path.

use crate::model::unit_id::UnitKind;
use crate::workspace::metadata::{LocalPackage, Workspace};
use cargo_metadata::Package;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// The `CARGO_PKG_*` variables taken from the manifest's `[package]` metadata: cargo sets them
/// for every compilation, and rebuilds a unit when one changes only if its dep-info lists it.
pub(crate) const METADATA_VARIABLES: [&str; 8] = [
    "CARGO_PKG_AUTHORS",
    "CARGO_PKG_DESCRIPTION",
    "CARGO_PKG_HOMEPAGE",
    "CARGO_PKG_LICENSE",
    "CARGO_PKG_LICENSE_FILE",
    "CARGO_PKG_README",
    "CARGO_PKG_REPOSITORY",
    "CARGO_PKG_RUST_VERSION",
];

/// What cargo knows about a package that its builds use.
#[derive(Debug)]
pub(crate) struct PackageFacts {
    pub name: String,
    pub version: cargo_metadata::semver::Version,
    /// Where it comes from, independent of the machine: cargo's source id for a registry or
    /// git package (a vendored one keeps it), `path+<directory relative to the root>` else.
    pub source: String,
    pub member: bool,
    /// The manifest's `links`.
    pub links: Option<String>,
    /// [`METADATA_VARIABLES`] and their values.
    pub metadata_env: BTreeMap<&'static str, String>,
    /// Every feature the package declares (for `--check-cfg`).
    pub declared_features: Vec<String>,
    /// The rustc flags of its `[lints]` ([`crate::workspace::lints::lint_flags`]).
    pub lint_flags: Vec<String>,
    /// Whether the package has a library target (cargo then passes `rustc-link-lib` to it
    /// only).
    pub has_lib: bool,
}

impl PackageFacts {
    /// The facts of `local`, a package of `workspace`, whose `[lints]` give `lint_flags`.
    pub fn of(workspace: &Workspace, local: &LocalPackage, lint_flags: Vec<String>) -> Self {
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
            lint_flags,
            has_lib: p
                .targets
                .iter()
                .any(|t| UnitKind::of_target(t).any(UnitKind::is_library)),
        }
    }

    /// The `CARGO_PKG_*` variables that do not come from the metadata: the name and version,
    /// which are part of every unit's identity (`-C metadata`) anyway.
    pub fn identity_env(&self) -> BTreeMap<String, String> {
        let v = &self.version;
        BTreeMap::from([
            ("CARGO_PKG_NAME".to_string(), self.name.clone()),
            ("CARGO_PKG_VERSION".to_string(), v.to_string()),
            ("CARGO_PKG_VERSION_MAJOR".to_string(), v.major.to_string()),
            ("CARGO_PKG_VERSION_MINOR".to_string(), v.minor.to_string()),
            ("CARGO_PKG_VERSION_PATCH".to_string(), v.patch.to_string()),
            ("CARGO_PKG_VERSION_PRE".to_string(), v.pre.to_string()),
        ])
    }
}

/// Where a package comes from, independent of the machine: cargo's source id for a registry
/// or git package, `path+<its directory relative to the workspace root>` for a path package.
pub(crate) fn source_key(workspace: &Workspace, package: &Package) -> String {
    match &package.source {
        Some(source) => source.repr.clone(),
        None => {
            let dir = package_dir(package);
            let relative = dir.strip_prefix(&workspace.root).unwrap_or(dir);
            format!("path+{}", relative.to_string_lossy())
        }
    }
}

/// The directory of the package's manifest (absolute, as cargo gives it).
pub(crate) fn package_dir(package: &Package) -> &Path {
    package
        .manifest_path
        .parent()
        .map_or(Path::new("/"), |p| p.as_std_path())
}

/// The `(table, name)` pairs of the targets a manifest declares with `harness = false`:
/// `("lib", "")` for the library, `("bin" | "test" | "bench" | "example", name)` otherwise.
pub(crate) fn without_harness(table: &toml::Table) -> HashSet<(String, String)> {
    let off = |t: &toml::Table| t.get("harness").and_then(toml::Value::as_bool) == Some(false);
    let mut found = HashSet::new();
    if let Some(lib) = table.get("lib").and_then(toml::Value::as_table) {
        if off(lib) {
            found.insert(("lib".to_string(), String::new()));
        }
    }
    for kind in ["bin", "test", "bench", "example"] {
        for target in table
            .get(kind)
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(toml::Value::as_table)
        {
            if let (true, Some(name)) = (off(target), target.get("name").and_then(|n| n.as_str())) {
                found.insert((kind.to_string(), name.to_string()));
            }
        }
    }
    found
}

/// Whether a unit of `kind` for the target `target` gets libtest's harness, given the targets
/// declared without one (`off`, from [`without_harness`]): unless it is a test whose manifest
/// table says `harness = false`.
pub(crate) fn has_harness(off: &HashSet<(String, String)>, target: &str, kind: UnitKind) -> bool {
    kind.harness_table().is_none_or(|table| {
        let name = if table == "lib" { "" } else { target };
        !off.contains(&(table.to_string(), name.to_string()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harness_flags() {
        let found = without_harness(
            &"[lib]\nharness = false\n[[bench]]\nname = \"b\"\nharness = false\n[[test]]\nname = \"t\"\n"
                .parse()
                .unwrap(),
        );
        assert_eq!(
            found,
            HashSet::from([
                ("lib".to_string(), String::new()),
                ("bench".to_string(), "b".to_string())
            ])
        );
    }
}
