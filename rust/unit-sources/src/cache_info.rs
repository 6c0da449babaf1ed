//! What a cache directory holds, by kind of file, for `cargo unit-sources cache info`. It
//! sits above every cache ([`crate::cache`]'s parse entries, [`crate::record`]'s scan records,
//! [`crate::oracle`]'s dep-info) because it tells their files apart and describes each record;
//! none of them knows about it.

use crate::cache::dir::{files, Totals};
use crate::record::store::{describe, RecordInfo};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What a cache directory holds (`cargo unit-sources cache info`).
#[derive(Debug, Serialize)]
pub struct CacheInfo {
    /// The cache directory.
    pub dir: PathBuf,
    /// Its size limit in bytes.
    pub limit: u64,
    /// Everything that counts towards the limit.
    pub total: Totals,
    /// Scan records (one per workspace location and set of options).
    pub records: Totals,
    /// Parse entries (one per Rust file content).
    pub parse_entries: Totals,
    /// The oracle's dep-info (`--mode rustc`), one per workspace root.
    pub dep_info: Totals,
    /// Anything else: lineage pointers, files of older layouts, left-over temporary files.
    pub other: Totals,
    /// Each record this build of the scanner can read, most recently used first.
    pub record_list: Vec<RecordInfo>,
}

/// What the cache directory `dir`, whose size limit is `limit`, holds (see [`CacheInfo`]).
pub fn cache_info(dir: &Path, limit: u64) -> CacheInfo {
    let mut files = files(dir);
    files.sort_by(|a, b| (b.used, &b.name).cmp(&(a.used, &a.name)));
    let mut info = CacheInfo {
        dir: dir.to_path_buf(),
        limit,
        total: Totals::default(),
        records: Totals::default(),
        parse_entries: Totals::default(),
        dep_info: Totals::default(),
        other: Totals::default(),
        record_list: Vec::new(),
    };
    for file in &files {
        let kind = if file.name.starts_with("scan-") {
            if let Some(record) = describe(&file.path, file.used) {
                info.record_list.push(record);
            }
            &mut info.records
        } else if file.name.starts_with("parse-") {
            &mut info.parse_entries
        } else if file.name.starts_with("rustc-") {
            &mut info.dep_info
        } else {
            &mut info.other
        };
        for totals in [kind, &mut info.total] {
            totals.files += 1;
            totals.bytes += file.size;
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::dir::cache_gc;
    use crate::cache::dir::tests::{file, names};

    #[test]
    fn gc_and_info() {
        let dir = tempfile::tempdir().unwrap();
        file(dir.path(), "scan-x.bin", 100, 30);
        file(dir.path(), "parse-a.bin", 100, 20);
        file(dir.path(), "rustc-r.bin", 100, 10);
        file(dir.path(), "metadata-old.bin", 100, 40);
        let info = cache_info(dir.path(), 7);
        assert_eq!(info.total.files, 4);
        for totals in [info.records, info.parse_entries, info.dep_info, info.other] {
            assert_eq!(totals.files, 1);
        }
        assert!(info.record_list.is_empty(), "not a record of this build");
        let outcome = cache_gc(dir.path(), info.total.bytes / 2).unwrap();
        assert_eq!(outcome.removed.files, 2);
        assert_eq!(names(dir.path()), ["parse-a.bin", "rustc-r.bin"]);
        let outcome = cache_gc(dir.path(), 0).unwrap();
        assert_eq!(
            (outcome.removed.files, outcome.left),
            (2, Totals::default())
        );
        let missing = cache_gc(&dir.path().join("missing/dir"), 0).unwrap();
        assert_eq!(
            (missing.removed, missing.left),
            (Totals::default(), Totals::default())
        );
        let not_a_dir = file(dir.path(), "a-file", 1, 0);
        assert!(cache_gc(&not_a_dir, 0).is_err());
    }
}
