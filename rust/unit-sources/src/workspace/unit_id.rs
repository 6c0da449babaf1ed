//! Units' identities, and cargo's rules for each kind of unit: which targets give which
//! units, what each kind links and waits for, and how rustc compiles it.
//!
//! Invariant: a [`UnitId`] names one unit of a workspace, and its text (`<package>/<kind>/<target>`)
//! and a [`UnitKind`]'s serialised form are part of the model: they do not change.

use cargo_metadata::{DependencyKind, Target};
use serde::{Deserialize, Serialize};
use std::fmt;

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

    /// The units one target gives: its own, and its test-harness build where cargo has one
    /// (`test = true`), or, for a build script, running it. None for a target kind cargo
    /// does not compile.
    pub(crate) fn of_target(target: &Target) -> impl Iterator<Item = UnitKind> {
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

    /// Whether the unit is the package's library, the one other units link.
    pub(crate) fn is_library(self) -> bool {
        matches!(self, UnitKind::Lib | UnitKind::ProcMacro)
    }

    /// Whether cargo builds this unit for a dependency too (a package outside the members
    /// gets only these).
    pub(crate) fn is_built_for_dependents(self) -> bool {
        matches!(
            self,
            UnitKind::Lib | UnitKind::ProcMacro | UnitKind::BuildScript | UnitKind::BuildScriptRun
        )
    }

    /// The dependencies whose libraries the unit links: the build-dependencies for the build
    /// script, none for running it, the normal ones otherwise (the dev-dependencies come on
    /// top where [`UnitKind::uses_dev_dependencies`]).
    pub(crate) fn linked_dependencies(self) -> Option<DependencyKind> {
        match self {
            UnitKind::BuildScript => Some(DependencyKind::Build),
            UnitKind::BuildScriptRun => None,
            _ => Some(DependencyKind::Normal),
        }
    }

    /// Whether the unit links its own package's library (binaries, examples, tests, benches).
    pub(crate) fn links_own_library(self) -> bool {
        matches!(
            self,
            UnitKind::Bin
                | UnitKind::BinTest
                | UnitKind::Example
                | UnitKind::Test
                | UnitKind::Bench
        )
    }

    /// Whether cargo compiles the unit after running its package's build script (which may
    /// generate its sources and gives it `cargo:` flags): every unit but the script's own.
    pub(crate) fn follows_build_script_run(self) -> bool {
        !matches!(self, UnitKind::BuildScript | UnitKind::BuildScriptRun)
    }

    /// The crate types rustc compiles the unit as, given those its target declares: the
    /// declared ones for a library or an example, none for running a build script (nothing is
    /// compiled), `bin` for the rest (a test harness is an executable).
    pub(crate) fn crate_types(self, declared: &[String]) -> Vec<&str> {
        match self {
            UnitKind::Lib | UnitKind::ProcMacro | UnitKind::Example => {
                declared.iter().map(String::as_str).collect()
            }
            UnitKind::BuildScriptRun => Vec::new(),
            _ => vec!["bin"],
        }
    }

    /// The manifest table whose `harness` key decides whether this test-harness unit gets
    /// libtest's harness (`lib`, `bin`, `test`, `bench`); `None` for a unit that is no test.
    pub(crate) fn harness_table(self) -> Option<&'static str> {
        match self {
            UnitKind::LibTest => Some("lib"),
            UnitKind::BinTest => Some("bin"),
            UnitKind::Test => Some("test"),
            UnitKind::Bench => Some("bench"),
            _ => None,
        }
    }
}

/// A unit's identity: `<package>/<kind>/<target-name>`, unique within a workspace. When
/// several packages of the resolve share a name (two versions of a crate, or a dependency
/// named like a member), the members keep the plain name and the others are told apart by
/// `<name>@<version>`, and by `<name>@<version>+<digest of the source>` when that is not
/// enough either (see `package_prefixes` in `workspace::units`).
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
