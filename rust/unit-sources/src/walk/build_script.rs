//! What running a build script reads (its `cargo:rerun-if-changed` inputs) and what it sets
//! for the package's other units (`rustc-cfg` names, `rustc-env` values), found statically.
//!
//! Cargo reruns a build script when a path it printed with `cargo:rerun-if-changed=` (or
//! `cargo::`) changes, or, when it printed none, when anything in the package changes. The
//! analysis reads every string literal of the script's source files:
//! - `cargo:rerun-if-changed=<path>` with a literal path is a declared input;
//! - with a format placeholder (`{}`), the literal part before it bounds the input: its
//!   directory is taken whole, or the whole package when it has none; the result is no longer
//!   exact;
//! - `cargo:rerun-if-env-changed=<NAME>` names an environment variable the run depends on;
//! - any other literal naming an existing file or directory of the package is taken too, as a
//!   guard for libraries the script hands paths to (`cc`, `autocfg::rerun_path`), whose own
//!   `rerun-if-changed` lines the scan cannot see.

use crate::fs::observation::FileKind;
use crate::fs::source_cache::UnitReads;
use crate::relpath::normalize;
use crate::syntax::{string_literals, Edition};
use crate::walk::unresolved::UnresolvedConstruct;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const RERUN_IF_CHANGED: [&str; 2] = ["cargo:rerun-if-changed=", "cargo::rerun-if-changed="];
const RERUN_IF_ENV_CHANGED: [&str; 2] = [
    "cargo:rerun-if-env-changed=",
    "cargo::rerun-if-env-changed=",
];

/// The statically known inputs of running one build script.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RunAnalysis {
    /// Absolute paths (files or directories) the run depends on; empty when the script
    /// declares none, and cargo's default (the whole package) applies.
    pub inputs: BTreeSet<PathBuf>,
    /// Names from `rerun-if-env-changed`.
    pub env: BTreeSet<String>,
    /// Whether at least one `rerun-if-changed` was declared and all of them were literal.
    pub exact: bool,
    /// Each input the analysis had to bound rather than read.
    pub widened: Vec<UnresolvedConstruct>,
}

/// Analyses the build script whose source files are `sources` (lexed in `edition`), for the
/// package in `package_dir`. Unreadable sources were already reported by the module walk;
/// they are skipped here.
pub(crate) fn analyse(
    sources: &BTreeSet<PathBuf>,
    package_dir: &Path,
    edition: Edition,
    cache: &UnitReads<'_>,
) -> RunAnalysis {
    let mut analysis = RunAnalysis {
        exact: true,
        ..Default::default()
    };
    let mut declared = false;
    let mut guards = BTreeSet::new();
    for file in sources {
        let Some(text) = cache.text(file) else {
            continue;
        };
        for (line, literal) in string_literals(&text, edition) {
            let mut directive = false;
            for part in literal.lines() {
                if let Some(path) = strip_any(part, &RERUN_IF_CHANGED) {
                    directive = true;
                    declared = true;
                    match literal_part(path) {
                        Ok(path) => {
                            analysis
                                .inputs
                                .insert(normalize(&cache.join_literal(package_dir, path)));
                        }
                        Err(prefix) => {
                            analysis.exact = false;
                            let bound = match prefix.rfind('/') {
                                Some(end) => {
                                    normalize(&cache.join_literal(package_dir, &prefix[..end]))
                                }
                                None => package_dir.to_path_buf(),
                            };
                            let reason =
                                format!("rerun-if-changed path `{path}` is computed at run time");
                            analysis.widened.push(UnresolvedConstruct {
                                file: file.clone(),
                                line,
                                reason,
                            });
                            analysis.inputs.insert(bound);
                        }
                    }
                } else if let Some(name) = strip_any(part, &RERUN_IF_ENV_CHANGED) {
                    directive = true;
                    if let Ok(name) = literal_part(name) {
                        analysis.env.insert(name);
                    }
                }
            }
            if !directive && !literal.is_empty() && !literal.contains('\n') {
                let candidate = normalize(&cache.join_literal(package_dir, &literal));
                let exists = matches!(
                    cache.kind(&candidate),
                    FileKind::File | FileKind::Dir | FileKind::Other
                );
                if candidate.starts_with(package_dir) && exists {
                    guards.insert(candidate);
                }
            }
        }
    }
    if declared {
        analysis.inputs.extend(guards);
    } else {
        analysis.exact = false;
    }
    analysis
}

const RUSTC_CFG: [&str; 2] = ["cargo:rustc-cfg=", "cargo::rustc-cfg="];
const RUSTC_ENV: [&str; 2] = ["cargo:rustc-env=", "cargo::rustc-env="];

/// A value a build script gives a variable with `cargo:rustc-env=NAME=VALUE`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum EnvValue {
    /// The value is a literal.
    Literal(String),
    /// The value is computed at run time; `tail` is the literal text after its last
    /// placeholder (`{}/gen.rs`: `/gen.rs`; may be empty).
    Computed { tail: String },
}

/// The values the build script whose source files are `sources` (lexed in `edition`) may give
/// the variable `name` with `cargo:rustc-env=` (or `cargo::`): empty when it sets no such
/// variable; `None` when a directive computes the variable's name, or a source cannot be read,
/// so that it may set any.
pub(crate) fn rustc_env_values(
    sources: &BTreeSet<PathBuf>,
    name: &str,
    edition: Edition,
    cache: &UnitReads<'_>,
) -> Option<BTreeSet<EnvValue>> {
    let mut values = BTreeSet::new();
    for file in sources {
        let text = cache.text(file)?;
        for (_, literal) in string_literals(&text, edition) {
            for part in literal.lines() {
                let Some(setting) = strip_any(part, &RUSTC_ENV) else {
                    continue;
                };
                let Some((var, value)) = setting.split_once('=') else {
                    // `rustc-env={}`: the name and value are computed.
                    return None;
                };
                if literal_part(var).is_err() {
                    return None;
                }
                if var.trim() != name {
                    continue;
                }
                values.insert(match literal_part(value) {
                    Ok(value) => EnvValue::Literal(value),
                    Err(_) => EnvValue::Computed {
                        tail: after_last_placeholder(value),
                    },
                });
            }
        }
    }
    Some(values)
}

/// The literal text of a format string piece after its last placeholder (`{}`, `{x:?}`), with
/// `{{`/`}}` unescaped.
fn after_last_placeholder(piece: &str) -> String {
    let mut tail = String::new();
    let mut chars = piece.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                tail.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                tail.push('}');
            }
            '{' => {
                tail.clear();
                for c in chars.by_ref() {
                    if c == '}' {
                        break;
                    }
                }
            }
            c => tail.push(c),
        }
    }
    tail
}

/// The cfg names the build script whose source files are `sources` (lexed in `edition`) may
/// set with `cargo:rustc-cfg=NAME` (or `cargo::`); `None` when a name is computed at run time.
pub(crate) fn settable_cfgs(
    sources: &BTreeSet<PathBuf>,
    edition: Edition,
    cache: &UnitReads<'_>,
) -> Option<BTreeSet<String>> {
    let mut names = BTreeSet::new();
    for file in sources {
        let text = cache.text(file)?;
        for (_, literal) in string_literals(&text, edition) {
            for part in literal.lines() {
                if let Some(cfg) = strip_any(part, &RUSTC_CFG) {
                    // A computed value is fine (only names matter); a computed name is not.
                    let cfg = match literal_part(cfg) {
                        Ok(cfg) => cfg,
                        Err(prefix) if prefix.contains('=') => prefix,
                        Err(_) => return None,
                    };
                    let name = cfg.split('=').next().unwrap_or_default().trim();
                    if name.is_empty() {
                        return None;
                    }
                    names.insert(name.to_string());
                }
            }
        }
    }
    Some(names)
}

fn strip_any<'a>(text: &'a str, prefixes: &[&str]) -> Option<&'a str> {
    prefixes
        .iter()
        .find_map(|p| text.trim_start().strip_prefix(p))
}

/// The literal value of a format string piece (`{{` and `}}` unescaped), or, when it holds a
/// placeholder, the literal text before the first one.
fn literal_part(piece: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = piece.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => return Err(out),
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::parse::ParseCache;
    use crate::fs::source_cache::SourceCache;

    fn cache() -> SourceCache {
        SourceCache::new(ParseCache::disabled())
    }

    #[test]
    fn declared_computed_env_and_guard_literals() {
        let dir = tempfile::tempdir().unwrap();
        let package = dir.path();
        std::fs::create_dir_all(package.join("src/c")).unwrap();
        std::fs::write(package.join("src/c/x.c"), "").unwrap();
        let script = package.join("build.rs");
        std::fs::write(
            &script,
            r#"fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/c/{}", name());
    println!("cargo:rerun-if-env-changed=CC");
    cc::Build::new().file("src/c/x.c").compile("x");
    let _ = "not/a/path";
}"#,
        )
        .unwrap();
        let analysis = analyse(
            &BTreeSet::from([script.clone()]),
            package,
            Edition::E2021,
            &UnitReads::new(&cache()),
        );
        assert_eq!(
            analysis.inputs,
            BTreeSet::from([
                package.join("build.rs"),
                package.join("src/c"),
                package.join("src/c/x.c")
            ])
        );
        assert_eq!(analysis.env, BTreeSet::from(["CC".to_string()]));
        assert!(!analysis.exact);
        assert_eq!(
            analysis.widened,
            [UnresolvedConstruct {
                file: script,
                line: 3,
                reason: "rerun-if-changed path `src/c/{}` is computed at run time".to_string()
            }]
        );
    }

    #[test]
    fn no_declaration_means_cargo_default() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("build.rs");
        std::fs::write(&script, "fn main() { println!(\"cargo:rustc-cfg=x\"); }").unwrap();
        let analysis = analyse(
            &BTreeSet::from([script]),
            dir.path(),
            Edition::E2021,
            &UnitReads::new(&cache()),
        );
        assert!(analysis.inputs.is_empty() && !analysis.exact);
    }

    #[test]
    fn rustc_env_values_literal_computed_and_unknown_names() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("build.rs");
        std::fs::write(
            &script,
            r#"fn main() {
    println!("cargo:rustc-env=GENERATED={}/gen.rs", out);
    println!("cargo::rustc-env=GENERATED=src/fallback.rs");
    println!("cargo:rustc-env=OTHER={:?}", x);
}"#,
        )
        .unwrap();
        let cache = cache();
        let reads = UnitReads::new(&cache);
        let sources = BTreeSet::from([script.clone()]);
        assert_eq!(
            rustc_env_values(&sources, "GENERATED", Edition::E2021, &reads),
            Some(BTreeSet::from([
                EnvValue::Literal("src/fallback.rs".into()),
                EnvValue::Computed {
                    tail: "/gen.rs".into()
                }
            ]))
        );
        assert_eq!(
            rustc_env_values(&sources, "OTHER", Edition::E2021, &reads),
            Some(BTreeSet::from([EnvValue::Computed {
                tail: String::new()
            }]))
        );
        assert_eq!(
            rustc_env_values(&sources, "UNSET", Edition::E2021, &reads),
            Some(BTreeSet::new())
        );
        std::fs::write(
            &script,
            r#"fn main() { println!("cargo:rustc-env={}={}", k, v); }"#,
        )
        .unwrap();
        let reads = UnitReads::new(&cache);
        assert_eq!(
            rustc_env_values(&sources, "GENERATED", Edition::E2021, &reads),
            None
        );
    }

    #[test]
    fn format_escapes() {
        assert_eq!(literal_part("a{{b}}c"), Ok("a{b}c".to_string()));
        assert_eq!(literal_part("src/{name}.rs"), Err("src/".to_string()));
        assert_eq!(after_last_placeholder("{}/a/{x:?}.rs"), ".rs");
        assert_eq!(after_last_placeholder("{}{{b}}"), "{b}");
    }

    #[test]
    fn settable_cfg_names() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("build.rs");
        std::fs::write(&script, r#"fn main() { println!("cargo:rustc-cfg=has_x"); println!("cargo::rustc-cfg=kind=\"a\""); }"#).unwrap();
        let names = settable_cfgs(
            &BTreeSet::from([script.clone()]),
            Edition::E2021,
            &UnitReads::new(&cache()),
        )
        .unwrap();
        assert_eq!(
            names,
            BTreeSet::from(["has_x".to_string(), "kind".to_string()])
        );
        std::fs::write(
            &script,
            r#"fn main() { println!("cargo:rustc-cfg={}", name()); }"#,
        )
        .unwrap();
        assert_eq!(
            settable_cfgs(
                &BTreeSet::from([script]),
                Edition::E2021,
                &UnitReads::new(&cache())
            ),
            None
        );
    }
}
