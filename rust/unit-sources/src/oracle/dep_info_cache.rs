//! The on-disk cache of the oracle (`--mode rustc`, `--mode check`): cargo's fingerprint idea
//! for rustc's dep-info pass, done with sorted lists and hashes.
//!
//! A unit's dep-info is a function of rustc (`rustc -vV`: its version and host), the unit's
//! configuration (what [`rustc_dep_info`](crate::rustc_dep_info) passes: crate name, type,
//! edition, features, root file, `CARGO_*` variables, the `OUT_DIR` files), the environment
//! variables its `env!`s read, and the content of the files rustc read, which the dep-info
//! lists. The cache keys each unit by the blake3 digest of the first two and stores its dep-info
//! with the digest of every listed file and the value of every variable rustc reported reading
//! (those the oracle sets itself are part of the configuration). An entry is used when every
//! listed file still has its digest and every variable its value: then rustc would read the
//! same files (its module tree and includes are decided by their content).
//!
//! Like cargo's own fingerprint it does not see a path rustc probed but did not read (creating
//! `x/mod.rs` beside a listed `x.rs`): dep-info does not list probes. A dep-info whose files
//! changed in the seconds before or while rustc ran is not stored. One file per workspace root
//! holds the entries of the last call's units; damaged or foreign files are ignored
//! ([`crate::cache::frame`]).

use crate::cache::dir::{default_cache_limit, CacheDir, DEFAULT_CACHE_LIMIT};
use crate::cache::frame::{self, Watched};
use crate::fs::observation::file_digest;
use crate::oracle::dep_info::DepInfo;
use crate::RelPath;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::SystemTime;

/// The [`cache_file`] kind of the oracle's cache.
const KIND: &str = "rustc dep-info";

/// One unit's dep-info and what it was computed from.
#[derive(Clone, Serialize, Deserialize)]
struct Entry {
    /// Each listed file and the blake3 digest of its content.
    files: Vec<(RelPath, [u8; 32])>,
    out_dir_files: Vec<String>,
    /// Every variable rustc reported reading.
    env: Vec<String>,
    /// Those the oracle does not set, and their values.
    values: Vec<(String, Option<String>)>,
}

/// The dep-info of the units of one workspace, across calls (see the module docs).
pub(crate) struct DepInfoCache {
    file: Option<PathBuf>,
    stored: HashMap<[u8; 32], Entry>,
    /// The entries of this call's units.
    current: Mutex<HashMap<[u8; 32], Entry>>,
    /// Whether an entry was computed in this call.
    added: AtomicBool,
}

impl DepInfoCache {
    /// The cache of the workspace at `root` in `dir` (`None`: a cache that stores nothing).
    pub fn open(dir: Option<&Path>, root: &Path) -> DepInfoCache {
        let file = dir.map(|dir| frame::path(dir, "rustc", &[root.as_os_str().as_encoded_bytes()]));
        let stored = file
            .as_deref()
            .and_then(|file| frame::read(file, KIND))
            .and_then(|payload| postcard::from_bytes(&payload).ok())
            .unwrap_or_default();
        DepInfoCache {
            file,
            stored,
            current: Mutex::default(),
            added: AtomicBool::new(false),
        }
    }

    /// The dep-info stored under `key` (a unit's configuration digest) for the workspace at
    /// `root`, with the digest of each of its files, if every file it lists and every variable
    /// it read are unchanged.
    pub fn get(&self, key: &[u8; 32], root: &Path) -> Option<(DepInfo, Vec<[u8; 32]>)> {
        let entry = self.stored.get(key)?;
        let files_hold = entry.files.iter().all(|(path, digest)| {
            file_digest(&root.join(path.as_str())).ok().as_ref() == Some(digest)
        });
        let env_holds = entry
            .values
            .iter()
            .all(|(name, value)| std::env::var(name).ok() == *value);
        if !(files_hold && env_holds) {
            return None;
        }
        let info = DepInfo {
            files: entry.files.iter().map(|(path, _)| path.clone()).collect(),
            out_dir_files: entry.out_dir_files.clone(),
            env: entry.env.clone(),
        };
        let digests = entry.files.iter().map(|(_, digest)| *digest).collect();
        self.current
            .lock()
            .expect("cache lock")
            .insert(*key, entry.clone());
        Some((info, digests))
    }

    /// Records `info`, computed by rustc from `started` on for the unit `key`, with the
    /// `digests` of its files (in order) and the variables `set` the oracle set itself; nothing
    /// is recorded when a listed file changed since shortly before `started`.
    pub fn insert(
        &self,
        key: [u8; 32],
        info: &DepInfo,
        digests: &[[u8; 32]],
        root: &Path,
        set: &[&str],
        started: SystemTime,
    ) {
        if self.file.is_none() {
            return;
        }
        let settled = info
            .files
            .iter()
            .all(|path| frame::settled(&root.join(path.as_str()), started, Watched::Content));
        if !settled {
            return;
        }
        let files = info
            .files
            .iter()
            .cloned()
            .zip(digests.iter().copied())
            .collect();
        let values = info
            .env
            .iter()
            .filter(|name| !set.contains(&name.as_str()))
            .map(|name| (name.clone(), std::env::var(name).ok()))
            .collect();
        let entry = Entry {
            files,
            out_dir_files: info.out_dir_files.clone(),
            env: info.env.clone(),
            values,
        };
        self.current.lock().expect("cache lock").insert(key, entry);
        self.added.store(true, Ordering::Relaxed);
    }

    /// Writes the entries of this call's units (replacing the stored ones) unless they are
    /// exactly the stored ones, and counts them against the cache directory's size limit
    /// (`$RUST_UNIT_SOURCES_CACHE_LIMIT` or the default: the scan before the oracle evicts with
    /// its own); skipped silently when the file cannot be written.
    pub fn save(self) {
        let Some(file) = self.file else {
            return;
        };
        let current = self.current.into_inner().expect("cache lock");
        if !self.added.into_inner() && current.len() == self.stored.len() {
            return;
        }
        let Ok(payload) = postcard::to_stdvec(&current) else {
            return;
        };
        if let (Ok(grown), Some(dir)) = (frame::write(&file, KIND, &payload), file.parent()) {
            let limit = default_cache_limit().unwrap_or(DEFAULT_CACHE_LIMIT);
            CacheDir::new(dir, limit).account(grown, Some(&file));
        }
    }
}
