//! The module walk.

pub(crate) mod build_script;
#[cfg(test)]
mod fixture_tests;
pub(crate) mod resolver;
#[cfg(any(test, feature = "fuzzing"))]
pub(crate) mod standalone;
