//! Eviction: a cache directory under a small limit, with concurrent scans and `cache gc`.

use crate::{append, Scratch};
use rust_unit_sources_tests::{cli_with_env, copy_tree, fixture};
use std::time::Duration;

#[test]
fn eviction_under_a_small_limit_with_concurrent_scans() {
    // Four workspaces edited and scanned at once with one cache directory whose limit holds a
    // few records, while `cache gc` trims it too: every answer is the uncached one, and at rest
    // the directory exceeds its limit by at most one record.
    let limit = 96 * 1024;
    let scratch = Scratch::new(|ws| {
        for (i, name) in ["nested-members", "macro-mods", "includes", "path-attrs"]
            .iter()
            .enumerate()
        {
            copy_tree(&fixture(name), &ws.join(i.to_string()));
        }
    });
    let limit_flag = limit.to_string();
    let flags = ["--cache-limit", limit_flag.as_str()];
    std::thread::scope(|s| {
        for i in 0..4 {
            let (scratch, flags) = (&scratch, &flags);
            s.spawn(move || {
                let ws = scratch.workspace().join(i.to_string());
                for round in 0..6 {
                    if round > 0 {
                        let lib = std::fs::read_dir(ws.join("src"))
                            .unwrap()
                            .map(|e| e.unwrap().path())
                            .find(|p| p.extension().is_some_and(|e| e == "rs"))
                            .unwrap();
                        append(&lib, &format!("\n// round {round}\n"));
                    }
                    let cached = scratch.scan_at(&ws, true, flags, &[]);
                    let uncached = scratch.scan_at(&ws, false, &[], &[]);
                    assert_eq!(cached, uncached, "workspace {i}, round {round}");
                    assert_eq!(cached.0, Some(0), "{}", cached.2);
                }
            });
        }
        let (scratch, limit_flag) = (&scratch, &limit_flag);
        s.spawn(move || {
            let cache = scratch.cache();
            for _ in 0..10 {
                let args = ["cache", "gc", "--cache-dir", cache.to_str().unwrap()];
                let output =
                    cli_with_env(&[&args[..], &["--cache-limit", limit_flag]].concat(), &[]);
                assert!(
                    output.status.success(),
                    "{}",
                    String::from_utf8_lossy(&output.stderr)
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        });
    });
    let info = scratch.info();
    let largest_record = std::fs::read_dir(scratch.cache())
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().starts_with("scan-"))
        .map(|e| {
            use std::os::unix::fs::MetadataExt;
            e.metadata().unwrap().blocks() * 512
        })
        .max()
        .unwrap_or(0);
    let total = info["total"]["bytes"].as_u64().unwrap();
    assert!(
        total <= limit + largest_record,
        "{total} bytes in the cache, limit {limit}, largest record {largest_record}: {info:#}"
    );
    assert!(
        info["record_list"].as_array().unwrap().len() < 4 * 6,
        "evicted"
    );
    // What is left still answers as an uncached scan; `gc` to 0 empties the directory.
    for i in 0..4 {
        let ws = scratch.workspace().join(i.to_string());
        assert_eq!(
            scratch.scan_at(&ws, true, &flags, &[]),
            scratch.scan_at(&ws, false, &[], &[])
        );
    }
    let cache = scratch.cache();
    let gc = [
        "cache",
        "gc",
        "--cache-limit",
        "0",
        "--cache-dir",
        cache.to_str().unwrap(),
    ];
    assert!(cli_with_env(&gc, &[]).status.success());
    assert_eq!(scratch.info()["total"]["files"], 0);
}
