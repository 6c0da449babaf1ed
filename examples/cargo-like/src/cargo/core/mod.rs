//! Core types.
mod compiler;

/// Compiles what `args` name.
pub fn compile(args: &[String]) -> String {
    compiler::describe(args)
}
