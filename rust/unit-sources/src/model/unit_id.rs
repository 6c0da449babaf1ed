//! Units' names in the model: [`UnitKind`] and [`UnitId`]. Cargo's rules for each kind
//! (which targets give which units, what each links and waits for) are
//! [`crate::workspace::unit_rules`].
//!
//! Invariant: a [`UnitId`] names one unit of a workspace, and its text (`<package>/<kind>/<target>`)
//! and a [`UnitKind`]'s serialised form are part of the model: they do not change.

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
}

/// A unit's identity: `<package>/<kind>/<target-name>`, unique within a workspace. When
/// several packages of the resolve share a name (two versions of a crate, or a dependency
/// named like a member), the members keep the plain name and the others are told apart by
/// `<name>@<version>`, and by `<name>@<version>+<digest of the source>` when that is not
/// enough either (see `package_prefixes` in `workspace::units`). A unit cargo plans in several
/// variants (for the host and the target, …) is `<package>/<kind>/<target-name>/<variant>`
/// (see `workspace::unit_ids`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UnitId(String);

impl UnitId {
    /// The id of the unit of `kind` for target `target` of the package whose id prefix is
    /// `package` (its name, unless `package_prefixes` says otherwise).
    pub fn new(package: &str, kind: UnitKind, target: &str) -> Self {
        UnitId(format!("{package}/{}/{target}", kind.as_str()))
    }

    /// This id with the variant `variant` (`host`, `dev`, …): `<package>/<kind>/<target>/<variant>`,
    /// for a unit cargo plans in several variants.
    pub fn with_variant(&self, variant: &str) -> Self {
        UnitId(format!("{}/{variant}", self.0))
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
