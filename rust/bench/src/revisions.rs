//! A flake's revisions, as the scan sees them: the same tree at a new path for every revision
//! (`/nix/store/<hash>-source`), each one file edited since the previous one. The `scan` worker
//! times the scan of each new revision with the cache the previous ones filled ("new path + one
//! edit"), measures what each one adds to the cache directory, and runs revisions under a small
//! size limit to see how far the directory ever exceeds it (issue 19).

use crate::crates_io::copy_tree;
use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Copies of a workspace at new paths: each revision is the previous one, copied, with a comment
/// appended to one file.
pub struct Revisions {
    /// Where the copies lie (siblings, as store paths are).
    dir: tempfile::TempDir,
    /// The latest revision's root (at first the original workspace, which is never removed).
    latest: PathBuf,
    /// The edited file, relative to the root.
    edited: PathBuf,
    /// How many revisions were made.
    count: usize,
}

impl Revisions {
    /// The revisions of the workspace at `root`, each editing `edited` (relative to it).
    pub fn new(root: &Path, edited: &Path) -> Result<Revisions, String> {
        Ok(Revisions {
            dir: tempfile::Builder::new()
                .prefix("revisions")
                .tempdir()
                .map_err(|e| format!("revisions directory: {e}"))?,
            latest: root.to_path_buf(),
            edited: edited.to_path_buf(),
            count: 0,
        })
    }

    /// Makes the next revision and returns its root; the previous copy is removed (its records
    /// stay in the cache, as an old store path's do).
    pub fn next(&mut self) -> Result<PathBuf, String> {
        self.count += 1;
        let root = self.dir.path().join(format!("rev-{}", self.count));
        copy_tree(&self.latest, &root, &|_, _| true)?;
        let edited = root.join(&self.edited);
        let mut content =
            std::fs::read(&edited).map_err(|e| format!("{}: {e}", edited.display()))?;
        content.extend_from_slice(format!("\n// revision {}\n", self.count).as_bytes());
        std::fs::write(&edited, content).map_err(|e| format!("{}: {e}", edited.display()))?;
        if self.count > 1 {
            std::fs::remove_dir_all(&self.latest)
                .map_err(|e| format!("{}: {e}", self.latest.display()))?;
        }
        self.latest = root.clone();
        Ok(root)
    }
}

/// The files of a cache directory that count towards its limit (all but `usage` and temporary
/// files), by name, with the space each occupies on disk (as the cache directory counts it).
pub fn cache_files(dir: &Path) -> BTreeMap<String, u64> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let meta = entry.metadata().ok()?;
            let counts = meta.is_file() && name != "usage" && !name.starts_with(".tmp");
            counts.then(|| (name, meta.blocks() * 512))
        })
        .collect()
}

/// The kind of a cache file, by its name's prefix: `scan` (a record), `parse` (a parse entry),
/// `lineage` (a pointer to a record), `rustc` (dep-info), or `other`.
fn kind(name: &str) -> &'static str {
    ["scan", "parse", "lineage", "rustc"]
        .into_iter()
        .find(|kind| name.starts_with(&format!("{kind}-")))
        .unwrap_or("other")
}

/// What one revision's scan added to the cache directory.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Growth {
    /// Files that were not there before, by [`kind`]: (files, bytes).
    pub added: BTreeMap<String, (u64, u64)>,
    /// Files that are gone.
    pub removed: u64,
    /// By how many bytes the directory grew in all (added files, and those replaced by larger
    /// or smaller ones).
    pub bytes: i64,
}

impl Growth {
    /// The growth from the files `before` to the files `after`.
    pub fn between(before: &BTreeMap<String, u64>, after: &BTreeMap<String, u64>) -> Growth {
        let mut growth = Growth::default();
        for (name, size) in after {
            if !before.contains_key(name) {
                let entry = growth.added.entry(kind(name).to_string()).or_default();
                entry.0 += 1;
                entry.1 += size;
            }
        }
        growth.removed = before.keys().filter(|n| !after.contains_key(*n)).count() as u64;
        let total = |files: &BTreeMap<String, u64>| files.values().sum::<u64>() as i64;
        growth.bytes = total(after) - total(before);
        growth
    }

    /// The (files, bytes) added of `kind`.
    pub fn added(&self, kind: &str) -> (u64, u64) {
        self.added.get(kind).copied().unwrap_or_default()
    }

    /// Whether it is within issue 19's bound for a revision that changed `changed` files: at
    /// most one new record, at most one new parse entry per changed file, no other new file,
    /// and no more bytes than those new files occupy.
    pub fn within_bound(&self, changed: u64) -> bool {
        let (records, record_bytes) = self.added("scan");
        let (entries, entry_bytes) = self.added("parse");
        let others = self
            .added
            .iter()
            .filter(|(kind, _)| !matches!(kind.as_str(), "scan" | "parse"))
            .map(|(_, (files, _))| files)
            .sum::<u64>();
        records <= 1
            && entries <= changed
            && others == 0
            && self.bytes <= (record_bytes + entry_bytes) as i64
    }
}

/// Revisions scanned with a cache directory whose size limit is small.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Limited {
    /// The limit in bytes: what the directory held after the first revision's scan, plus room
    /// for two more records.
    pub limit: u64,
    /// Revisions scanned under it.
    pub revisions: usize,
    /// After how many of those scans files had been evicted.
    pub evicting: usize,
    /// The largest total after a scan, in bytes.
    pub largest_total: u64,
    /// The largest excess over the limit after a scan (0 when never over it).
    pub largest_excess: i64,
    /// The largest record seen in the directory, in bytes.
    pub largest_record: u64,
    /// Wall seconds of each scan.
    pub wall: Vec<f64>,
}

impl Limited {
    /// Notes the directory's `files` after a scan.
    pub fn observe(&mut self, files: &BTreeMap<String, u64>) {
        let total: u64 = files.values().sum();
        self.largest_total = self.largest_total.max(total);
        self.largest_excess = self.largest_excess.max(total as i64 - self.limit as i64);
        let records = files.iter().filter(|(name, _)| kind(name) == "scan");
        let largest = records.map(|(_, size)| *size).max().unwrap_or(0);
        self.largest_record = self.largest_record.max(largest);
    }

    /// Whether the directory never exceeded the limit by more than one record.
    pub fn within_limit(&self) -> bool {
        self.largest_excess <= self.largest_record as i64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, u64)]) -> BTreeMap<String, u64> {
        list.iter().map(|(n, s)| (n.to_string(), *s)).collect()
    }

    #[test]
    fn growth_against_the_bound() {
        let before = files(&[
            ("scan-a.bin", 4096),
            ("parse-x.bin", 4096),
            ("lineage-l.bin", 4096),
        ]);
        let one_revision = files(&[
            ("scan-a.bin", 4096),
            ("scan-b.bin", 8192),
            ("parse-x.bin", 4096),
            ("parse-y.bin", 4096),
            ("lineage-l.bin", 4096),
        ]);
        let growth = Growth::between(&before, &one_revision);
        assert_eq!(growth.added("scan"), (1, 8192));
        assert_eq!(growth.added("parse"), (1, 4096));
        assert_eq!((growth.bytes, growth.removed), (12288, 0));
        assert!(growth.within_bound(1));
        assert!(!growth.within_bound(0), "a parse entry for no changed file");
        let mut more = one_revision.clone();
        more.insert("metadata-m.bin".into(), 4096);
        assert!(
            !Growth::between(&before, &more).within_bound(1),
            "another kind"
        );
        let mut larger = one_revision.clone();
        larger.insert("scan-a.bin".into(), 8192);
        assert!(
            !Growth::between(&before, &larger).within_bound(1),
            "an old record grew"
        );
    }

    #[test]
    fn excess_over_the_limit() {
        let mut limited = Limited {
            limit: 10_000,
            ..Limited::default()
        };
        limited.observe(&files(&[("scan-a.bin", 4096), ("parse-x.bin", 4096)]));
        assert_eq!(limited.largest_excess, 0);
        assert!(limited.within_limit());
        limited.observe(&files(&[("scan-a.bin", 4096), ("parse-x.bin", 12288)]));
        assert_eq!(
            (limited.largest_excess, limited.largest_record),
            (6384, 4096)
        );
        assert!(!limited.within_limit());
    }
}
