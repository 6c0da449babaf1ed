//! The unit errors of the walk whose wording is shared by several constructs: a path that is a
//! broken link, and a unit root file that is not a readable file (named at the manifest's entry
//! for the target).

use crate::fs::observation::FileKind;
use crate::fs::source_cache::UnitReads;
use crate::workspace::units::PlannedUnit;
use crate::Error;
use std::path::Path;

/// The error for a path that is a [`FileKind::Broken`] link, at `file`:`line`.
pub(crate) fn broken_link(file: &Path, line: u32, what: &str, path: &Path) -> Error {
    let cause = std::fs::metadata(path)
        .err()
        .map_or_else(|| "unreadable".to_string(), |e| e.to_string());
    Error::at(file, line, format!("{what}: {}: {cause}", path.display()))
}

/// The error for a unit whose root file is not a readable file (`kind`): at the manifest's
/// entry for the target when one names it (`[[example]]`, `[[bin]]`, … with its `name` or
/// `path`; `build = …`), else at the manifest.
pub(crate) fn missing_root(unit: &PlannedUnit, kind: FileKind, reads: &UnitReads<'_>) -> Error {
    let what = match kind {
        FileKind::Missing => "does not exist",
        FileKind::Dir => "is a directory",
        FileKind::Broken => "is a broken symbolic link",
        FileKind::File | FileKind::Other => "is not a regular file",
    };
    let message = format!(
        "{} `{}`: {} {what}",
        unit.kind.target_kind(),
        unit.target,
        unit.root_file.display()
    );
    let relative = unit
        .root_file
        .strip_prefix(&unit.package_dir)
        .ok()
        .and_then(Path::to_str)
        .unwrap_or_default();
    let line = reads.text(&unit.manifest).and_then(|text| {
        manifest_entry_line(&text, unit.kind.target_kind(), &unit.target, relative)
    });
    match line {
        Some(line) => Error::at(&unit.manifest, line, message),
        None => Error::in_file(&unit.manifest, message),
    }
}

/// The 1-based line of the manifest entry declaring the `kind` target `name` at `path`
/// (relative to the package): the `[lib]`/`[[kind]]` header of the table whose `name` or
/// `path` matches, or for a build script the `build = …` line; `None` when no entry names it
/// (the target was discovered).
fn manifest_entry_line(text: &str, kind: &str, name: &str, path: &str) -> Option<u32> {
    let unquote = |value: &str| {
        value
            .trim()
            .trim_matches(|c| c == '"' || c == '\'')
            .to_string()
    };
    let mut table: Option<(u32, &str)> = None;
    for (number, line) in (1u32..).zip(text.lines()) {
        let line = line.trim();
        if line.starts_with('[') {
            table = Some((number, line.trim_matches(|c| c == '[' || c == ']').trim()));
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let (key, value) = (key.trim(), unquote(value));
        match table {
            Some((_, "package")) if kind == "build script" && key == "build" && value == path => {
                return Some(number)
            }
            Some((header, table))
                if table == kind
                    && ((key == "name" && value == name) || (key == "path" && value == path)) =>
            {
                return Some(header);
            }
            _ => {}
        }
    }
    None
}
