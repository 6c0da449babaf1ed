//! `cfg` predicates and their three-valued evaluation for one unit.

use crate::Error;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use std::path::Path;
use std::process::Command;

/// A parsed `cfg(...)` predicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum CfgPredicate {
    /// `name` or `name = "value"`.
    Option(String, Option<String>),
    /// `any(...)`.
    Any(Vec<CfgPredicate>),
    /// `all(...)`.
    All(Vec<CfgPredicate>),
    /// `not(...)`.
    Not(Box<CfgPredicate>),
    /// Something the scanner could not parse (a macro fragment, a malformed predicate), or an
    /// attribute macro that may rewrite or drop its item: unknown.
    Opaque,
    /// Not a `cfg`: what a `#[test]` or `#[bench]` attribute puts on its item, which rustc
    /// compiles only with `--test` (libtest's harness; `harness = false` targets get
    /// `--cfg test` without it).
    TestHarness,
}

/// The value of a predicate when some cfgs are not known at scan time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Truth {
    True,
    False,
    Unknown,
}

impl Truth {
    fn not(self) -> Truth {
        match self {
            Truth::True => Truth::False,
            Truth::False => Truth::True,
            Truth::Unknown => Truth::Unknown,
        }
    }

    /// Whether the code guarded by this value may be compiled.
    pub fn may_hold(self) -> bool {
        self != Truth::False
    }
}

/// cfg names that `--target` decides; all others but `feature` and `test` stay unknown.
const TARGET_CFG_NAMES: &[&str] = &[
    "unix",
    "windows",
    "target_arch",
    "target_os",
    "target_family",
    "target_env",
    "target_abi",
    "target_vendor",
    "target_endian",
    "target_pointer_width",
    "target_has_atomic",
];

/// The target cfgs of one target triple, as `rustc --print cfg --target T` prints them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TargetCfg {
    options: HashSet<(String, Option<String>)>,
}

impl TargetCfg {
    /// Asks `rustc --print cfg --target <triple>` of the scan's `rustc` (once per scan).
    pub fn query(triple: &str, rustc: &Path) -> Result<TargetCfg, Error> {
        let output = Command::new(rustc)
            .args(["--print", "cfg", "--target", triple])
            .output()
            .map_err(|e| {
                Error::new(format!(
                    "--target {triple}: cannot run rustc --print cfg: {e}"
                ))
            })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(Error::new(format!(
                "--target {triple}: rustc --print cfg failed: {}",
                stderr.trim()
            )));
        }
        Ok(TargetCfg::parse(&String::from_utf8_lossy(&output.stdout)))
    }

    /// A digest of the cfgs (for the [`crate::record::inputs`]'s key).
    pub fn digest(&self) -> [u8; 32] {
        let mut options: Vec<_> = self.options.iter().collect();
        options.sort();
        blake3::hash(format!("{options:?}").as_bytes()).into()
    }

    fn parse(printed: &str) -> TargetCfg {
        let options = printed
            .lines()
            .map(|line| match line.split_once('=') {
                Some((name, value)) => {
                    (name.to_string(), Some(value.trim_matches('"').to_string()))
                }
                None => (line.to_string(), None),
            })
            .collect();
        TargetCfg { options }
    }
}

/// cfg names the compiler or the profile may set whatever the flags say: they stay unknown
/// even when the build's `--cfg` flags are known.
const COMPILER_CFG_NAMES: &[&str] = &[
    "debug_assertions",
    "overflow_checks",
    "panic",
    "proc_macro",
    "ub_checks",
    "relocation_model",
    "sanitize",
    "sanitizer_cfi_generalize_pointers",
    "sanitizer_cfi_normalize_integers",
    "fmt_debug",
    "contract_checks",
    "emscripten_wasm_eh",
];

/// What may set custom cfgs for one package, when the build's `--cfg` flags are known: then a
/// cfg that neither those flags, nor the package's build script, nor the compiler can set is
/// false.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KnownCfgs {
    /// The `--cfg` flags the build passes (`RUSTFLAGS`), as (name, value).
    pub given: HashSet<(String, Option<String>)>,
    /// The names the package's build script may set (`cargo:rustc-cfg=NAME`); `None` when it
    /// may set any (a computed name, or build dependencies that may print their own).
    pub settable: Option<BTreeSet<String>>,
}

impl KnownCfgs {
    /// Parses `--cfg` flag values: `name` or `name="value"`. Empty strings are ignored.
    pub fn given(flags: &[String]) -> HashSet<(String, Option<String>)> {
        flags
            .iter()
            .map(|f| f.trim())
            .filter(|f| !f.is_empty())
            .map(|f| match f.split_once('=') {
                Some((name, value)) => (
                    name.trim().to_string(),
                    Some(value.trim().trim_matches('"').to_string()),
                ),
                None => (f.to_string(), None),
            })
            .collect()
    }

    fn eval(&self, name: &str, value: Option<&str>) -> Truth {
        if self
            .given
            .contains(&(name.to_string(), value.map(str::to_string)))
        {
            return Truth::True;
        }
        let by_compiler = COMPILER_CFG_NAMES.contains(&name)
            || TARGET_CFG_NAMES.contains(&name)
            || name.starts_with("target_");
        match &self.settable {
            _ if by_compiler => Truth::Unknown,
            Some(settable) if !settable.contains(name) => Truth::False,
            _ => Truth::Unknown,
        }
    }
}

/// What is known about one unit's cfgs at scan time.
pub(crate) struct CfgContext<'a> {
    /// The features assumed enabled: exactly these when `features_exact`; otherwise the
    /// features the package declares, each of which may be on or off (the superset over all
    /// feature combinations).
    pub features: &'a BTreeSet<String>,
    /// Whether `features` is the exact set rather than the declared ones.
    pub features_exact: bool,
    /// Whether `cfg(test)` holds: the unit is compiled with `--test`, or for a target with
    /// `harness = false`, with `--cfg test`.
    pub test: bool,
    /// Whether the unit is compiled with `--test`: [`CfgPredicate::TestHarness`].
    pub harness: bool,
    /// The target's cfgs, when a target was given.
    pub target: Option<&'a TargetCfg>,
    /// What may set custom cfgs, when the build's `--cfg` flags are known.
    pub known: Option<&'a KnownCfgs>,
}

impl CfgContext<'_> {
    /// Evaluates `predicate`; what is not known at scan time (`debug_assertions`, cfgs set by
    /// build scripts or flags, target cfgs without a target) is [`Truth::Unknown`]. `doc` and
    /// `doctest` are false: rustdoc sets them, and the model is about what rustc reads.
    pub fn eval(&self, predicate: &CfgPredicate) -> Truth {
        match predicate {
            CfgPredicate::Option(name, value) => self.eval_option(name, value.as_deref()),
            CfgPredicate::Any(list) => {
                list.iter()
                    .fold(Truth::False, |acc, p| match (acc, self.eval(p)) {
                        (Truth::True, _) | (_, Truth::True) => Truth::True,
                        (Truth::Unknown, _) | (_, Truth::Unknown) => Truth::Unknown,
                        _ => Truth::False,
                    })
            }
            CfgPredicate::All(list) => {
                list.iter()
                    .fold(Truth::True, |acc, p| match (acc, self.eval(p)) {
                        (Truth::False, _) | (_, Truth::False) => Truth::False,
                        (Truth::Unknown, _) | (_, Truth::Unknown) => Truth::Unknown,
                        _ => Truth::True,
                    })
            }
            CfgPredicate::Not(inner) => self.eval(inner).not(),
            CfgPredicate::Opaque => Truth::Unknown,
            CfgPredicate::TestHarness if self.harness => Truth::True,
            CfgPredicate::TestHarness => Truth::False,
        }
    }

    fn eval_option(&self, name: &str, value: Option<&str>) -> Truth {
        let known = |holds: bool| if holds { Truth::True } else { Truth::False };
        match (name, value) {
            ("feature", Some(feature)) if !self.features.contains(feature) => Truth::False,
            ("feature", Some(_)) if !self.features_exact => Truth::Unknown,
            ("feature", Some(_)) => Truth::True,
            ("test", None) => known(self.test),
            ("true", None) => Truth::True,
            // Set by rustdoc only (`cargo doc`, doctests), never for a rustc compilation.
            ("false" | "doc" | "doctest", None) => Truth::False,
            _ => match self.target {
                Some(target) if TARGET_CFG_NAMES.contains(&name) => known(
                    target
                        .options
                        .contains(&(name.to_string(), value.map(str::to_string))),
                ),
                // The target's default features hold; flags (`-C target-cpu`,
                // `-C target-feature`) may add others.
                Some(target)
                    if name == "target_feature"
                        && target
                            .options
                            .contains(&(name.to_string(), value.map(str::to_string))) =>
                {
                    Truth::True
                }
                _ => self
                    .known
                    .map_or(Truth::Unknown, |known| known.eval(name, value)),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opt(name: &str, value: Option<&str>) -> CfgPredicate {
        CfgPredicate::Option(name.into(), value.map(Into::into))
    }

    #[test]
    fn three_valued_logic() {
        let features = BTreeSet::from(["std".to_string()]);
        let linux = TargetCfg::parse(
            "unix\ntarget_os=\"linux\"\ntarget_has_atomic=\"64\"\ntarget_feature=\"sse2\"\ndebug_assertions\n",
        );
        let ctx = CfgContext {
            features: &features,
            features_exact: true,
            test: false,
            harness: false,
            target: Some(&linux),
            known: None,
        };
        assert_eq!(ctx.eval(&opt("feature", Some("std"))), Truth::True);
        assert_eq!(ctx.eval(&opt("feature", Some("alloc"))), Truth::False);
        assert_eq!(ctx.eval(&opt("test", None)), Truth::False);
        assert_eq!(ctx.eval(&opt("windows", None)), Truth::False);
        assert_eq!(ctx.eval(&opt("target_has_atomic", Some("64"))), Truth::True);
        assert_eq!(ctx.eval(&opt("debug_assertions", None)), Truth::Unknown);
        assert_eq!(ctx.eval(&opt("doc", None)), Truth::False);
        assert_eq!(ctx.eval(&opt("target_feature", Some("sse2"))), Truth::True);
        assert_eq!(
            ctx.eval(&opt("target_feature", Some("avx2"))),
            Truth::Unknown
        );
        let any = CfgPredicate::Any(vec![opt("windows", None), opt("my_cfg", None)]);
        assert_eq!(ctx.eval(&any), Truth::Unknown);
        let all = CfgPredicate::All(vec![
            opt("unix", None),
            CfgPredicate::Not(Box::new(opt("test", None))),
        ]);
        assert_eq!(ctx.eval(&all), Truth::True);
        let no_target = CfgContext {
            features: &features,
            features_exact: false,
            test: true,
            harness: true,
            target: None,
            known: None,
        };
        assert_eq!(no_target.eval(&opt("windows", None)), Truth::Unknown);
        assert_eq!(
            no_target.eval(&opt("feature", Some("std"))),
            Truth::Unknown,
            "any feature combination"
        );
        assert_eq!(
            no_target.eval(&opt("feature", Some("undeclared"))),
            Truth::False
        );
        assert_eq!(
            no_target.eval(&CfgPredicate::Not(Box::new(opt("test", None)))),
            Truth::False
        );
        assert_eq!(no_target.eval(&CfgPredicate::TestHarness), Truth::True);
        assert_eq!(ctx.eval(&CfgPredicate::TestHarness), Truth::False);
        let harness_off = CfgContext {
            harness: false,
            ..no_target
        };
        assert_eq!(harness_off.eval(&opt("test", None)), Truth::True);
        assert_eq!(harness_off.eval(&CfgPredicate::TestHarness), Truth::False);
    }

    #[test]
    fn known_cfg_flags_make_other_custom_cfgs_false() {
        let features = BTreeSet::new();
        let known = KnownCfgs {
            given: KnownCfgs::given(&["tokio_unstable".into(), "backend=\"x\"".into(), "".into()]),
            settable: Some(BTreeSet::from(["from_build_rs".to_string()])),
        };
        let ctx = CfgContext {
            features: &features,
            features_exact: true,
            test: false,
            harness: false,
            target: None,
            known: Some(&known),
        };
        assert_eq!(ctx.eval(&opt("tokio_unstable", None)), Truth::True);
        assert_eq!(ctx.eval(&opt("backend", Some("x"))), Truth::True);
        assert_eq!(ctx.eval(&opt("backend", Some("y"))), Truth::False);
        assert_eq!(ctx.eval(&opt("docsrs", None)), Truth::False);
        assert_eq!(ctx.eval(&opt("from_build_rs", None)), Truth::Unknown);
        assert_eq!(ctx.eval(&opt("debug_assertions", None)), Truth::Unknown);
        assert_eq!(
            ctx.eval(&opt("unix", None)),
            Truth::Unknown,
            "no target given"
        );
        let anything = KnownCfgs {
            given: HashSet::new(),
            settable: None,
        };
        let ctx = CfgContext {
            known: Some(&anything),
            ..ctx
        };
        assert_eq!(ctx.eval(&opt("docsrs", None)), Truth::Unknown);
    }
}
