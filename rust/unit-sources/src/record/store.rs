//! The scan's record: what a scan of one workspace location with one set of options leaves in
//! the cache directory for the next one, namely cargo's answer ([`StoredAnswer`]) and the
//! scan's inputs ([`ScanInputs`]), both stored relative to the workspace root.
//!
//! A record is one file, `scan-<hash>.bin`, named by the manifest's absolute path, the options
//! and this build of the scanner: the next scan of the same location finds it there. A scan of
//! a location with no record (a flake's next revision: a new store path; a copy) finds one by
//! what identifies the workspace wherever it lies: the root manifest's package name (for a
//! virtual manifest, its `members` patterns) with the options and the build. For each such
//! identity, a small `lineage-<hash>.bin` names the record written last; the scan takes that
//! record as its previous one and checks everything in it at the new root, so that it takes
//! over exactly what a fresh scan would compute there (see [`crate::workspace::metadata_cache`] and
//! [`crate::record::inputs`]), and writes its own record at its own location. Two workspaces
//! with the same identity only cost each other those checks.
//!
//! Everything the identity leaves out is checked, so it only decides which record is tried:
//! a record never changes an answer.

use crate::cache::frame::{self, BUILD_ID};
use crate::record::inputs::ScanInputs;
use crate::workspace::metadata_cache::StoredAnswer;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The [`cache_file`] kind of a record.
const KIND: &str = "scan record";

/// The [`cache_file`] kind of a lineage pointer.
const LINEAGE: &str = "scan lineage";

/// What a record holds.
#[derive(Serialize, Deserialize)]
pub(crate) struct ScanRecord {
    /// The workspace root the inputs were recorded at.
    pub root: String,
    /// cargo's answer; `None` with dependencies (cargo always runs) or when it could not be
    /// stored.
    pub answer: Option<StoredAnswer>,
    /// `None` when the scan's dependencies could not all be recorded, or it failed.
    pub inputs: Option<ScanInputs>,
    /// How many units the scan that wrote it walked (it took the others over).
    pub walked: u32,
}

/// Where the records of scans of one manifest with one set of options are found and stored.
pub(crate) struct Records {
    dir: PathBuf,
    /// This location's record.
    file: PathBuf,
    /// The pointer to the record written last for the workspace's identity.
    lineage: PathBuf,
}

impl Records {
    /// The records in the cache directory `dir` for scans of the absolute `manifest` with
    /// options whose text is `options` (the manifest's path left out).
    pub fn new(dir: &Path, manifest: &Path, options: &str) -> Records {
        let location = [
            BUILD_ID.as_bytes(),
            manifest.as_os_str().as_encoded_bytes(),
            options.as_bytes(),
        ];
        let identity = identity(manifest);
        let identity = [BUILD_ID.as_bytes(), identity.as_bytes(), options.as_bytes()];
        Records {
            dir: dir.to_path_buf(),
            file: frame::path(dir, "scan", &location),
            lineage: frame::path(dir, "lineage", &identity),
        }
    }

    /// This location's record file.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The previous record: this location's, else the one written last for the workspace's
    /// identity; marked used. `None` when there is none or it is damaged or foreign.
    pub fn load(&self) -> Option<ScanRecord> {
        if let Some(record) = read(&self.file) {
            return Some(record);
        }
        let name = String::from_utf8(frame::read(&self.lineage, LINEAGE)?).ok()?;
        if name.contains('/') || !name.starts_with("scan-") {
            return None;
        }
        read(&self.dir.join(name))
    }

    /// Writes `record` as this location's and the latest of its identity; returns by how many
    /// bytes that grew the directory. Skipped silently when it cannot be written.
    pub fn save(&self, record: &ScanRecord) -> i64 {
        let Ok(payload) = postcard::to_stdvec(record) else {
            return 0;
        };
        let Ok(grown) = frame::write(&self.file, KIND, &payload) else {
            return 0;
        };
        let name = self.file.file_name().unwrap_or_default().as_encoded_bytes();
        grown + frame::write(&self.lineage, LINEAGE, name).unwrap_or(0)
    }
}

/// The record in `file`, marked used.
fn read(file: &Path) -> Option<ScanRecord> {
    let record = postcard::from_bytes(&frame::read(file, KIND)?).ok()?;
    frame::touch(file);
    Some(record)
}

/// What identifies the workspace of `manifest` wherever it lies (see the module docs); empty
/// when the manifest cannot be read as TOML.
fn identity(manifest: &Path) -> String {
    let Some(table) = std::fs::read_to_string(manifest)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
    else {
        return String::new();
    };
    if let Some(name) = table
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(toml::Value::as_str)
    {
        return format!("package {name}");
    }
    let members: Vec<&str> = table
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_str)
        .collect();
    format!("workspace {}", members.join("\0"))
}

/// One record, as `cargo unit-sources cache info` shows it.
#[derive(Debug, Serialize)]
pub struct RecordInfo {
    /// The file's name in the cache directory.
    pub file: String,
    /// The workspace root it was recorded at.
    pub root: String,
    /// How many units it records (`0` without inputs).
    pub units: usize,
    /// How many of them the scan that wrote it walked (it took the others over).
    pub walked: u32,
    /// Whether it holds cargo's answer.
    pub cargo_answer: bool,
    /// When it was last used or written (seconds since the Unix epoch).
    pub last_used: u64,
}

/// The record in `file`, last used at `used`, if this build can read it.
pub(crate) fn describe(file: &Path, used: SystemTime) -> Option<RecordInfo> {
    let record: ScanRecord = postcard::from_bytes(&frame::read_unmarked(file, KIND)?).ok()?;
    Some(RecordInfo {
        file: file.file_name()?.to_str()?.to_string(),
        root: record.root,
        units: record.inputs.as_ref().map_or(0, ScanInputs::unit_count),
        walked: record.walked,
        cargo_answer: record.answer.is_some(),
        last_used: used
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("Cargo.toml");
        let of = |text: &str| {
            std::fs::write(&manifest, text).unwrap();
            identity(&manifest)
        };
        assert_eq!(
            of("[package]\nname = \"app\"\nversion = \"0.1.0\"\n"),
            "package app"
        );
        assert_eq!(
            of("[package]\nname = \"app\"\nversion = \"0.2.0\"\n[workspace]\nmembers = [\"x\"]\n"),
            "package app",
            "a version bump keeps the identity"
        );
        assert_eq!(
            of("[workspace]\nmembers = [\"crates/*\", \"tools/x\"]\n"),
            "workspace crates/*\0tools/x"
        );
        assert_eq!(of("not toml ["), "");
    }

    #[test]
    fn a_new_location_finds_the_latest_record_of_its_identity() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let manifest = |revision: &str, name: &str| {
            let path = dir.path().join(revision).join("Cargo.toml");
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, format!("[package]\nname = \"{name}\"\n")).unwrap();
            path
        };
        let record = |root: &str| ScanRecord {
            root: root.to_string(),
            answer: None,
            inputs: None,
            walked: 7,
        };
        let first = Records::new(&cache, &manifest("a", "app"), "options");
        assert!(first.load().is_none());
        assert!(first.save(&record("/a")) > 0);
        assert_eq!(first.load().unwrap().root, "/a");
        let second = Records::new(&cache, &manifest("b", "app"), "options");
        assert_ne!(second.file(), first.file());
        assert_eq!(second.load().unwrap().root, "/a", "by identity");
        second.save(&record("/b"));
        let third = Records::new(&cache, &manifest("c", "app"), "options");
        assert_eq!(third.load().unwrap().root, "/b", "the latest");
        assert_eq!(first.load().unwrap().root, "/a", "its own location's");
        for other in [
            Records::new(&cache, &manifest("d", "other"), "options"),
            Records::new(&cache, &manifest("e", "app"), "other options"),
        ] {
            assert!(other.load().is_none());
        }
        std::fs::remove_file(second.file()).unwrap();
        assert!(third.load().is_none(), "the latest vanished");
        let info = describe(first.file(), SystemTime::UNIX_EPOCH).unwrap();
        assert_eq!((info.root.as_str(), info.walked, info.units), ("/a", 7, 0));
    }
}
