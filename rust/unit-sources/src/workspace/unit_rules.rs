//! Cargo's rules for each kind of unit, as methods on [`UnitKind`]: which targets give which
//! units, what each kind links and waits for, its crate types and its harness table.
//!
//! Invariant: these are cargo's rules (`cargo::core::compiler`'s unit graph), and nothing
//! else; planning (`crate::workspace::units`) applies them. Boundary: pure functions of a
//! kind and a cargo `Target`; no workspace, no files.

use crate::model::unit_id::UnitKind;
use cargo_metadata::{DependencyKind, Target};

impl UnitKind {
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
