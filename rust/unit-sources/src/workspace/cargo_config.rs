//! The data-only part of cargo's configuration for a workspace: what `cargo metadata` needs to
//! read and resolve it, and nothing that names a program, sets an environment or passes
//! flags to rustc.
//!
//! cargo reads `.cargo/config` (else `.cargo/config.toml`) in the directory it runs in and in
//! every ancestor, and in `$CARGO_HOME`; a deeper directory's value wins over an ancestor's,
//! `$CARGO_HOME`'s is the lowest, and a file's `include`d files come before the file itself.
//! [`data_only`] reads the same files for a manifest's directory and keeps only these keys,
//! every relative path made absolute (relative to the directory holding the file's `.cargo`,
//! as cargo resolves them):
//! - `source.<name>`: `replace-with`, `directory`, `local-registry`, `registry`, `git`,
//!   `branch`, `tag`, `rev` (source replacement: vendored dependencies);
//! - `patch` (configuration patches) and `paths` (path overrides);
//! - `registries.<name>`: `index`, `protocol`; `registry.default`;
//! - `resolver`.
//!
//! Everything else is dropped: `[env]`, `[build]`, `[target]`, `[host]`, `[alias]`,
//! credential providers and tokens, `[net]`, `[http]`, `[unstable]`, ….

use crate::Error;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// Keys of a `source.<name>` table that are kept.
const SOURCE_KEYS: [&str; 8] = [
    "replace-with",
    "directory",
    "local-registry",
    "registry",
    "git",
    "branch",
    "tag",
    "rev",
];

/// How deep `include`s may nest (cargo reports a cycle; this bounds the walk).
const INCLUDE_DEPTH: usize = 16;

/// The configuration files cargo reads when run in `dir`, lowest precedence first: cargo's
/// home (`$CARGO_HOME`, else `~/.cargo`), then from `/` down to `dir`; `config` is preferred
/// over `config.toml` in one directory, as cargo does.
pub(crate) fn files(dir: &Path) -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let cargo_home = std::env::var_os("CARGO_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| Some(home?.join(".cargo")));
    let ancestors: Vec<PathBuf> = dir.ancestors().map(|d| d.join(".cargo")).collect();
    let mut dirs: Vec<PathBuf> = cargo_home
        .into_iter()
        .filter(|home| !ancestors.contains(home))
        .collect();
    dirs.extend(ancestors.into_iter().rev());
    dirs.into_iter()
        .filter_map(|dir| {
            ["config", "config.toml"]
                .into_iter()
                .map(|name| dir.join(name))
                .find(|file| file.is_file())
        })
        .collect()
}

/// The data-only configuration (see the module docs) of the files cargo reads when run in
/// `dir`, merged as cargo merges them: a TOML document, empty when there is nothing to keep.
///
/// Errors name the file: unreadable, not TOML, or an `include` that is missing or nests too
/// deep.
pub(crate) fn data_only(dir: &Path) -> Result<String, Error> {
    let mut merged = Table::new();
    for file in files(dir) {
        merge_file(&file, &mut merged, 0)?;
    }
    if merged.is_empty() {
        return Ok(String::new());
    }
    toml::to_string(&merged)
        .map_err(|e| Error::new(format!("cannot write cargo's configuration: {e}")))
}

/// Merges `file`'s includes, then its own kept keys, into `merged`.
fn merge_file(file: &Path, merged: &mut Table, depth: usize) -> Result<(), Error> {
    let text = std::fs::read_to_string(file).map_err(|e| Error::in_file(file, e.to_string()))?;
    let table: Table = text
        .parse()
        .map_err(|e| Error::in_file(file, format!("malformed cargo configuration: {e}")))?;
    let base = file
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("/"));
    for include in includes(file, &table)? {
        if depth == INCLUDE_DEPTH {
            return Err(Error::in_file(file, "`include`s nest too deep"));
        }
        if !include.optional || include.path.is_file() {
            merge_file(&include.path, merged, depth + 1)?;
        }
    }
    merge(merged, kept(&table, base));
    Ok(())
}

/// One entry of a configuration file's `include` list.
struct Include {
    path: PathBuf,
    optional: bool,
}

/// The files `table` (read from `file`) includes, relative to `file`'s directory: cargo's
/// `include = ["a.toml", { path = "b.toml", optional = true }]`.
fn includes(file: &Path, table: &Table) -> Result<Vec<Include>, Error> {
    let Some(value) = table.get("include") else {
        return Ok(Vec::new());
    };
    let dir = file.parent().unwrap_or(Path::new("/"));
    let malformed = || {
        Error::in_file(
            file,
            "`include` must be a list of paths or of { path, optional } tables",
        )
    };
    let entries = value.as_array().ok_or_else(malformed)?;
    entries
        .iter()
        .map(|entry| match entry {
            Value::String(path) => Ok(Include {
                path: dir.join(path),
                optional: false,
            }),
            Value::Table(t) => Ok(Include {
                path: dir.join(
                    t.get("path")
                        .and_then(Value::as_str)
                        .ok_or_else(malformed)?,
                ),
                optional: t.get("optional").and_then(Value::as_bool).unwrap_or(false),
            }),
            _ => Err(malformed()),
        })
        .collect()
}

/// The kept keys of one file's `table`, relative paths resolved against `base`.
fn kept(table: &Table, base: &Path) -> Table {
    let mut kept = Table::new();
    let absolute = |value: &Value| match value.as_str() {
        Some(path) => Value::String(base.join(path).to_string_lossy().into_owned()),
        None => value.clone(),
    };
    if let Some(sources) = table.get("source").and_then(Value::as_table) {
        let sources: Table = sources
            .iter()
            .filter_map(|(name, source)| {
                let source: Table = source
                    .as_table()?
                    .iter()
                    .filter(|(key, _)| SOURCE_KEYS.contains(&key.as_str()))
                    .map(|(key, value)| {
                        let value = match key.as_str() {
                            "directory" | "local-registry" => absolute(value),
                            _ => value.clone(),
                        };
                        (key.clone(), value)
                    })
                    .collect();
                Some((name.clone(), Value::Table(source)))
            })
            .collect();
        kept.insert("source".into(), Value::Table(sources));
    }
    if let Some(patch) = table.get("patch") {
        kept.insert("patch".into(), with_absolute_paths(patch, base));
    }
    if let Some(paths) = table.get("paths").and_then(Value::as_array) {
        kept.insert(
            "paths".into(),
            Value::Array(paths.iter().map(absolute).collect()),
        );
    }
    if let Some(registries) = table.get("registries").and_then(Value::as_table) {
        let registries: Table = registries
            .iter()
            .filter_map(|(name, registry)| {
                let registry: Table = registry
                    .as_table()?
                    .iter()
                    .filter(|(key, _)| matches!(key.as_str(), "index" | "protocol"))
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect();
                Some((name.clone(), Value::Table(registry)))
            })
            .collect();
        kept.insert("registries".into(), Value::Table(registries));
    }
    if let Some(default) = table
        .get("registry")
        .and_then(|r| r.get("default"))
        .cloned()
    {
        kept.insert(
            "registry".into(),
            Value::Table(Table::from_iter([("default".into(), default)])),
        );
    }
    if let Some(resolver) = table.get("resolver") {
        kept.insert("resolver".into(), resolver.clone());
    }
    kept
}

/// `value` (a `[patch]` table) with every `path = "…"` made absolute against `base`.
fn with_absolute_paths(value: &Value, base: &Path) -> Value {
    match value {
        Value::Table(table) => Value::Table(
            table
                .iter()
                .map(|(key, value)| {
                    let value = match (key.as_str(), value) {
                        ("path", Value::String(path)) => {
                            Value::String(base.join(path).to_string_lossy().into_owned())
                        }
                        _ => with_absolute_paths(value, base),
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Merges `higher` into `lower`, as cargo merges a deeper file's values over an ancestor's:
/// tables key by key, anything else replaced (`paths` lists are appended, as cargo does).
fn merge(lower: &mut Table, higher: Table) {
    for (key, value) in higher {
        match (lower.get_mut(&key), value) {
            (Some(Value::Table(lower)), Value::Table(higher)) => merge(lower, higher),
            (Some(Value::Array(lower)), Value::Array(higher)) => lower.extend(higher),
            (_, value) => {
                lower.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_data_drops_programs_and_environment() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("ws");
        std::fs::create_dir_all(ws.join(".cargo")).unwrap();
        std::fs::write(
            ws.join(".cargo/config.toml"),
            r#"
include = [{ path = "more.toml", optional = true }, { path = "absent.toml", optional = true }]
[source.crates-io]
replace-with = "vendored"
[source.vendored]
directory = "vendor"
[build]
rustc = "/evil"
rustc-wrapper = "/evil"
rustflags = ["-Zcodegen-backend=/evil.so"]
[env]
LD_PRELOAD = { value = "/evil.so", force = true }
[target.x86_64-unknown-linux-gnu]
linker = "/evil"
[registry]
default = "mine"
global-credential-providers = ["/evil"]
[registries.mine]
index = "sparse+https://example.invalid/index/"
credential-provider = "/evil"
token = "secret"
[patch.crates-io]
foo = { path = "../foo" }
"#,
        )
        .unwrap();
        std::fs::write(
            ws.join(".cargo/more.toml"),
            "[source.vendored]\ndirectory = \"elsewhere\"\n[alias]\nb = \"build\"\n",
        )
        .unwrap();
        let kept: Table = {
            let mut merged = Table::new();
            merge_file(&ws.join(".cargo/config.toml"), &mut merged, 0).unwrap();
            merged
        };
        let ws = ws.display();
        let expected: Table = format!(
            r#"
[source.crates-io]
replace-with = "vendored"
[source.vendored]
directory = "{ws}/vendor"
[registry]
default = "mine"
[registries.mine]
index = "sparse+https://example.invalid/index/"
[patch.crates-io]
foo = {{ path = "{ws}/../foo" }}
"#
        )
        .parse()
        .unwrap();
        assert_eq!(kept, expected);
    }

    #[test]
    fn deeper_files_win_and_a_missing_include_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("a/b");
        std::fs::create_dir_all(inner.join(".cargo")).unwrap();
        std::fs::create_dir_all(dir.path().join("a/.cargo")).unwrap();
        std::fs::write(
            dir.path().join("a/.cargo/config.toml"),
            "[source.v]\ndirectory = \"outer\"\nreplace-with = \"w\"\n",
        )
        .unwrap();
        std::fs::write(
            inner.join(".cargo/config"),
            "[source.v]\ndirectory = \"inner\"\n",
        )
        .unwrap();
        std::fs::write(
            inner.join(".cargo/config.toml"),
            "[source.v]\ndirectory = \"ignored\"\n",
        )
        .unwrap();
        let text = data_only(&inner).unwrap();
        let table: Table = text.parse().unwrap();
        let source = &table["source"]["v"];
        assert_eq!(
            source["directory"].as_str(),
            Some(inner.join("inner").to_str().unwrap())
        );
        assert_eq!(source["replace-with"].as_str(), Some("w"));

        std::fs::write(inner.join(".cargo/config"), "include = [\"gone.toml\"]\n").unwrap();
        let error = data_only(&inner).unwrap_err();
        assert_eq!(error.file(), Some(inner.join(".cargo/gone.toml").as_path()));
    }
}
