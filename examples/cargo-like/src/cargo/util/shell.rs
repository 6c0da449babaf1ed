/// Prints statuses.
pub struct Shell;

impl Shell {
    /// A shell.
    pub fn new() -> Shell {
        Shell
    }

    /// Formats a status line.
    pub fn status(&self, message: &str) -> String {
        cargo_util::paths::indent(message)
    }
}
