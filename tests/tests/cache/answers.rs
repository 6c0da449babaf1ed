//! Warm scans answer from the stored record exactly as uncached scans do, and a cache
//! directory that cannot be used (not a directory, damaged files) changes no answer.

use crate::{fingerprint, scan, Scratch};
use rust_unit_sources_tests::{copy_tree, examples, fixture, fixtures, write_file};
use std::collections::BTreeSet;
use std::path::PathBuf;

#[test]
fn warm_scans_answer_from_the_record_as_uncached_scans_do() {
    for workspace in fixtures().into_iter().chain(examples()) {
        let scratch = Scratch::new(|copy| copy_tree(&workspace, copy));
        let expected = scratch.scan(false, &[]);
        assert_eq!(
            expected.0,
            Some(0),
            "{}: {}",
            workspace.display(),
            expected.2
        );
        assert_eq!(
            scratch.cached_scan(&[]),
            (expected.clone(), true),
            "{}: cold",
            workspace.display()
        );
        let written = fingerprint(&scratch.cache());
        assert_eq!(
            scratch.cached_scan(&[]),
            (expected, false),
            "{}: warm (and cargo did not run)",
            workspace.display()
        );
        assert_eq!(
            fingerprint(&scratch.cache()),
            written,
            "{}: a warm scan rewrote its fingerprint (it did not answer from it)",
            workspace.display()
        );
    }
}

#[test]
fn an_unusable_cache_directory_is_skipped() {
    let workspace = fixture("nested-members");
    let expected = scan(&workspace, None);
    let scratch = tempfile::tempdir().unwrap();
    let not_a_dir = scratch.path().join("file");
    write_file(&not_a_dir, "a file where the cache directory would be\n");
    assert_eq!(scan(&workspace, Some(&not_a_dir.join("cache"))), expected);
    let damaged = scratch.path().join("damaged");
    assert_eq!(scan(&workspace, Some(&damaged)), expected);
    let files: Vec<PathBuf> = std::fs::read_dir(&damaged)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    let kinds: BTreeSet<&str> = files
        .iter()
        .filter_map(|path| path.file_name()?.to_str()?.split('-').next())
        .collect();
    assert!(
        ["lineage", "parse", "scan"]
            .iter()
            .all(|kind| kinds.contains(kind)),
        "the scan wrote every kind of cache file to damage: {kinds:?}"
    );
    for path in files {
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        std::fs::write(&path, bytes).unwrap();
    }
    assert_eq!(
        scan(&workspace, Some(&damaged)),
        expected,
        "damaged cache files"
    );
}
