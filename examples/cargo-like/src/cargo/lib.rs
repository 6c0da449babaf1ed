//! The library of the root package (as cargo's `src/cargo/lib.rs`).
#![doc = include_str!("../../README.md")]

pub mod core;
pub mod util;

/// The target the build script saw.
pub const BUILD_TARGET: &str = env!("CARGO_LIKE_BUILD_TARGET");

/// Runs a command.
pub fn run(args: &[String]) -> String {
    let shell = util::shell::Shell::new();
    shell.status(&core::compile(args))
}
