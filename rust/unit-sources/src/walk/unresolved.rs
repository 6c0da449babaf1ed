//! A construct the walk could not resolve statically, as it records it: at an absolute path,
//! before the unit's answer names it relative to the workspace root ([`crate::Unresolved`]).

use std::path::PathBuf;

/// A construct of `file` at `line` that the walk resolved by widening (or left untracked);
/// `reason` says what it is and how the unit's files were widened for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UnresolvedConstruct {
    /// The absolute path of the file holding the construct.
    pub file: PathBuf,
    /// Its 1-based line; 0 for the file as a whole.
    pub line: u32,
    pub reason: String,
}
