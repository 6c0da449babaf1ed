//! What running a build script reads (its `cargo:rerun-if-changed` inputs) and what it sets
//! for the package's other units (`rustc-cfg` names, `rustc-env` values), found statically.
//!
//! Cargo reruns a build script when a path it printed with `cargo:rerun-if-changed=` (or
//! `cargo::`) changes, or, when it printed neither that nor `rerun-if-env-changed`, when
//! anything in the package changes. The analysis reads every string literal of the script's
//! source files:
//! - `cargo:rerun-if-changed=<path>` with a literal path is a declared input;
//! - with a format placeholder (`{}`), the literal part before it bounds the input: its
//!   directory is taken whole; with no directory there, the path is taken to lie below the
//!   paths the script names literally (next item), or, when it names none, anywhere in the
//!   package; the result is no longer exact;
//! - `cargo:rerun-if-env-changed=<NAME>` names an environment variable the run depends on;
//! - any other literal naming an existing file or directory of the package is taken too, as a
//!   guard for libraries the script hands paths to (`cc`, `autocfg::rerun_path`), whose own
//!   `rerun-if-changed` lines the scan cannot see.
//!
//! cargo's default (the whole package) applies on top unless one of those lines is surely
//! printed: `println!`/`print!` of it among the statements `fn main` surely executes
//! ([`crate::syntax::sure_invocations`]). A line printed under a condition (`if` on
//! `CARGO_CFG_TARGET_OS`, `#[cfg]`, a loop), in a closure or after a possible early return
//! may not be printed on the target, and then cargo watches the whole package.

use crate::fs::observation::FileKind;
use crate::fs::source_cache::UnitReads;
use crate::relpath::normalize;
use crate::syntax::{string_literals, sure_invocations, Edition};
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
    /// Whether every file of the package is an input too: no `rerun-if-…` line is surely
    /// printed (cargo's default), or a computed path has no bound.
    pub whole_package: bool,
    /// Each input the analysis had to bound rather than read.
    pub widened: Vec<UnresolvedConstruct>,
}

/// Analyses the build script whose root file is `root` and source files are `sources` (lexed
/// in `edition`), for the package in `package_dir`. Unreadable sources were already reported
/// by the module walk; they are skipped here.
pub(crate) fn analyse(
    sources: &BTreeSet<PathBuf>,
    root: &Path,
    package_dir: &Path,
    edition: Edition,
    cache: &UnitReads<'_>,
) -> RunAnalysis {
    let mut analysis = RunAnalysis {
        exact: true,
        ..Default::default()
    };
    let mut declared = false;
    let mut first_directive = None;
    let mut unbounded = false;
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
                    unbounded |= analysis.declare(path, package_dir, cache, (file, line));
                } else if let Some(name) = strip_any(part, &RERUN_IF_ENV_CHANGED) {
                    directive = true;
                    if let Ok(name) = literal_part(name) {
                        analysis.env.insert(name);
                    }
                }
            }
            if directive {
                first_directive.get_or_insert((file.clone(), line));
            } else if !literal.is_empty() && !literal.contains('\n') {
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
    let printed = surely_printed(sources, root, edition, cache);
    analysis.whole_package = !printed || (unbounded && guards.is_empty());
    if declared {
        analysis.inputs.extend(guards);
    } else {
        analysis.exact = false;
    }
    if let (false, Some((file, line))) = (printed, first_directive) {
        analysis.exact = false;
        let reason = "no `rerun-if-changed` or `rerun-if-env-changed` line is surely printed \
            (each may sit under a condition, in a closure or after an early return), and with \
            none cargo reruns the script on any change in the package; every file of it taken"
            .to_string();
        analysis
            .widened
            .push(UnresolvedConstruct { file, line, reason });
    }
    analysis
}

impl RunAnalysis {
    /// Takes the path of a `rerun-if-changed` line found at `at`: literal, or bounded by the
    /// directory of its literal part. Returns whether it has no such directory (it is taken to
    /// lie below the script's literal paths).
    fn declare(
        &mut self,
        path: &str,
        package_dir: &Path,
        cache: &UnitReads<'_>,
        at: (&PathBuf, u32),
    ) -> bool {
        let prefix = match literal_part(path) {
            Ok(path) => {
                self.inputs
                    .insert(normalize(&cache.join_literal(package_dir, path)));
                return false;
            }
            Err(prefix) => prefix,
        };
        self.exact = false;
        let bound = prefix
            .rfind('/')
            .map(|end| normalize(&cache.join_literal(package_dir, &prefix[..end])))
            .filter(|bound| bound != package_dir);
        let reason = match &bound {
            Some(_) => format!("rerun-if-changed path `{path}` is computed at run time"),
            None => format!(
                "rerun-if-changed path `{path}` is computed at run time; taken to lie below the \
                 paths the script names, or anywhere in the package when it names none"
            ),
        };
        self.widened.push(UnresolvedConstruct {
            file: at.0.clone(),
            line: at.1,
            reason,
        });
        match bound {
            Some(bound) => {
                self.inputs.insert(bound);
                false
            }
            None => true,
        }
    }
}

/// Whether the build script whose root file is `root` surely prints a `rerun-if-changed` or
/// `rerun-if-env-changed` line (to standard output: `println!` or `print!`), its sources
/// lexed in `edition`.
fn surely_printed(
    sources: &BTreeSet<PathBuf>,
    root: &Path,
    edition: Edition,
    cache: &UnitReads<'_>,
) -> bool {
    let Some(root_text) = cache.text(root) else {
        return false;
    };
    let others: Vec<String> = sources
        .iter()
        .filter(|f| f.as_path() != root)
        .filter_map(|f| cache.text(f))
        .collect();
    let others: Vec<&str> = others.iter().map(String::as_str).collect();
    sure_invocations(&root_text, &others, edition)
        .iter()
        .any(|sure| {
            matches!(sure.name.as_str(), "println" | "print")
                && sure.literal.as_deref().is_some_and(|literal| {
                    literal.lines().any(|part| {
                        strip_any(part, &RERUN_IF_CHANGED)
                            .or_else(|| strip_any(part, &RERUN_IF_ENV_CHANGED))
                            .is_some()
                    })
                })
        })
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
            &script,
            package,
            Edition::E2021,
            &UnitReads::new(&cache()),
        );
        assert!(!analysis.whole_package, "main prints them first");
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
            &BTreeSet::from([script.clone()]),
            &script,
            dir.path(),
            Edition::E2021,
            &UnitReads::new(&cache()),
        );
        assert!(analysis.inputs.is_empty() && !analysis.exact && analysis.whole_package);
    }

    #[test]
    fn a_line_printed_on_some_targets_only_keeps_cargos_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("app.manifest"), "").unwrap();
        let script = dir.path().join("build.rs");
        let analyse_script = |text: &str| {
            std::fs::write(&script, text).unwrap();
            analyse(
                &BTreeSet::from([script.clone()]),
                &script,
                dir.path(),
                Edition::E2021,
                &UnitReads::new(&cache()),
            )
        };
        let conditional = analyse_script(
            r#"fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows") {
        println!("cargo:rerun-if-changed=app.manifest");
    }
}"#,
        );
        assert!(conditional.whole_package && !conditional.exact);
        assert_eq!(
            conditional.inputs,
            BTreeSet::from([dir.path().join("app.manifest")])
        );
        assert_eq!(conditional.widened.len(), 1);
        assert_eq!(conditional.widened[0].line, 3);
        let env_first = analyse_script(
            r#"fn main() {
    println!("cargo:rerun-if-env-changed=APP_MANIFEST");
    if cfg!(windows) { println!("cargo:rerun-if-changed=app.manifest"); }
}"#,
        );
        assert!(!env_first.whole_package);
        // A computed path with no literal directory, in a script naming a path: below it.
        let computed = analyse_script(
            r#"fn main() {
    for f in std::fs::read_dir("app.manifest").unwrap() { println!("cargo:rerun-if-changed={}", f); }
    println!("cargo:rerun-if-env-changed=X");
}"#,
        );
        assert!(!computed.whole_package);
        assert_eq!(
            computed.inputs,
            BTreeSet::from([dir.path().join("app.manifest")])
        );
        let nowhere = analyse_script(
            r#"fn main() {
    println!("cargo:rerun-if-changed={}", std::env::var("X").unwrap());
}"#,
        );
        assert!(nowhere.whole_package);
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
