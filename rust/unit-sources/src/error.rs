//! The one error type of the library: a message and, where one is at fault, the file and line.

use std::fmt;
use std::path::{Path, PathBuf};

/// An error that stops a scan.
///
/// It displays as one line, `<file>:<line>: <message>`, `<file>: <message>` or `<message>`,
/// naming the file (and line) at fault whenever there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    file: Option<PathBuf>,
    line: Option<u32>,
    message: String,
}

impl Error {
    /// An error not tied to a file (bad options, `cargo` not runnable).
    pub fn new(message: impl Into<String>) -> Self {
        Error {
            file: None,
            line: None,
            message: one_line(message.into()),
        }
    }

    /// An error about a whole file (unreadable, missing, malformed manifest).
    pub fn in_file(file: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Error {
            file: Some(file.as_ref().to_path_buf()),
            line: None,
            message: one_line(message.into()),
        }
    }

    /// An error at a line (1-based) of a file.
    pub fn at(file: impl AsRef<Path>, line: u32, message: impl Into<String>) -> Self {
        Error {
            file: Some(file.as_ref().to_path_buf()),
            line: Some(line),
            message: one_line(message.into()),
        }
    }

    /// The file at fault, if any.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_deref()
    }

    /// The 1-based line at fault, if any.
    pub fn line(&self) -> Option<u32> {
        self.line
    }

    /// The message, without the location.
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// Folds a multi-line message (cargo's, an OS error's) into one line.
fn one_line(message: String) -> String {
    if !message.contains('\n') {
        return message;
    }
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(": ")
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{}:{}: {}", file.display(), line, self.message),
            (Some(file), None) => write!(f, "{}: {}", file.display(), self.message),
            (None, _) => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}
