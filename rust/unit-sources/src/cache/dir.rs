//! The cache directory as a whole: its size limit and least-recently-used eviction, and what
//! `cargo unit-sources cache gc` does (`cache info` is [`crate::cache_info`], which knows
//! every kind of file in it).
//!
//! Every file in the directory counts (scan records, parse entries, dep-info, and the files of
//! other builds of the scanner or of older layouts), by the space it occupies on disk
//! ([`frame::disk_size`]). A scan that wrote files adds what they grew the directory by to
//! the running total kept in the file `usage`, under an exclusive lock on that file; when the
//! total exceeds the limit it counts the directory again and removes files, least recently used
//! first (by access time: scans mark the records and parse entries they use,
//! [`frame::touch`]), sparing the record it just wrote, until the total is within the
//! limit. So the directory exceeds its limit by at most that one record. The total is counted
//! afresh, too, when `usage` is missing, damaged or a day old, so that a scan interrupted
//! between writing and counting cannot leave it short for long.
//!
//! Eviction is safe at any time, even while other scans run: cache files are replaced by rename
//! and read whole, a vanished one is a miss, and temporary files of writes in progress (less
//! than an hour old) are left alone.

use crate::cache::frame;
use crate::Error;
use serde::Serialize;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The size limit of a cache directory unless told otherwise: 1 GiB.
pub const DEFAULT_CACHE_LIMIT: u64 = 1 << 30;

/// The environment variable that sets the size limit ([`parse_size`]'s syntax).
pub const CACHE_LIMIT_VAR: &str = "RUST_UNIT_SOURCES_CACHE_LIMIT";

/// The file holding the running total (and the lock).
const USAGE: &str = "usage";

/// How old the running total may grow before it is counted afresh.
const RECOUNT_AFTER: Duration = Duration::from_secs(24 * 3600);

/// How old a temporary file must be to count as left over by an interrupted write.
const STALE_TEMPORARY: Duration = Duration::from_secs(3600);

/// A size: a number of bytes, optionally followed by `K`, `M`, `G` or `T` (powers of 1024;
/// `KB`, `KiB`, … and lower case too): `500M`, `2G`, `1048576`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits);
    let invalid =
        || format!("`{text}` is not a size (a number of bytes, or with K, M, G or T: 500M, 2G)");
    let number: u64 = number.parse().map_err(|_| invalid())?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit
        .strip_suffix("ib")
        .or_else(|| unit.strip_suffix('b'))
        .unwrap_or(&unit);
    let shift = match unit {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => return Err(invalid()),
    };
    number.checked_mul(1 << shift).ok_or_else(invalid)
}

/// The size limit callers use unless told otherwise: `$RUST_UNIT_SOURCES_CACHE_LIMIT` when set
/// and not empty, else [`DEFAULT_CACHE_LIMIT`]. Errors name the variable when its value is not
/// a size.
pub fn default_cache_limit() -> Result<u64, Error> {
    match std::env::var(CACHE_LIMIT_VAR) {
        Ok(text) if !text.is_empty() => {
            parse_size(&text).map_err(|e| Error::new(format!("{CACHE_LIMIT_VAR}: {e}")))
        }
        _ => Ok(DEFAULT_CACHE_LIMIT),
    }
}

/// A cache directory and its size limit (see the module docs).
pub(crate) struct CacheDir {
    dir: PathBuf,
    limit: u64,
}

impl CacheDir {
    /// The cache directory `dir`, limited to `limit` bytes.
    pub fn new(dir: &Path, limit: u64) -> CacheDir {
        CacheDir {
            dir: dir.to_path_buf(),
            limit,
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Counts `grown` bytes just written to the directory and, when the total exceeds the
    /// limit, evicts files least recently used first, never `keep`. Skipped silently when the
    /// directory cannot be locked (it is then unusable anyway).
    pub fn account(&self, grown: i64, keep: Option<&Path>) {
        let Some(mut usage) = Usage::lock(&self.dir) else {
            return;
        };
        let now = SystemTime::now();
        let (mut total, mut counted) = match usage.read() {
            Some((total, counted))
                if now.duration_since(counted).unwrap_or_default() < RECOUNT_AFTER =>
            {
                (total.saturating_add_signed(grown), counted)
            }
            _ => (Totals::of(&files(&self.dir)).bytes, now),
        };
        if total > self.limit {
            total = evict(&self.dir, self.limit, keep).bytes;
            counted = now;
        }
        usage.write(total, counted);
    }
}

/// The running total in `usage`, locked for this process while the value lives.
struct Usage {
    file: std::fs::File,
}

impl Usage {
    fn lock(dir: &Path) -> Option<Usage> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(USAGE))
            .ok()?;
        rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive).ok()?;
        Some(Usage { file })
    }

    /// The total and when it was counted from the directory, if the file holds them.
    fn read(&mut self) -> Option<(u64, SystemTime)> {
        let mut text = String::new();
        self.file.read_to_string(&mut text).ok()?;
        let mut words = text
            .strip_prefix("rust-unit-sources usage\n")?
            .split_whitespace();
        let total = words.next()?.parse().ok()?;
        let counted = words.next()?.parse().ok()?;
        Some((total, SystemTime::UNIX_EPOCH + Duration::from_secs(counted)))
    }

    fn write(&mut self, total: u64, counted: SystemTime) {
        let counted = counted
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let text = format!("rust-unit-sources usage\n{total} {counted}\n");
        let _ = self
            .file
            .set_len(0)
            .and_then(|()| self.file.rewind())
            .and_then(|()| self.file.write_all(text.as_bytes()));
    }
}

/// One file of a cache directory.
pub(crate) struct CacheFile {
    pub path: PathBuf,
    pub name: String,
    pub size: u64,
    /// When it was last used or written.
    pub used: SystemTime,
}

/// Every file of the directory that counts: all but `usage`, directories and temporary files
/// of writes in progress (those left over by interrupted writes count, as least recently used).
pub(crate) fn files(dir: &Path) -> Vec<CacheFile> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let now = SystemTime::now();
    entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let meta = entry.metadata().ok()?;
            if name == USAGE || !meta.is_file() {
                return None;
            }
            let modified = meta.modified().ok()?;
            let accessed = meta.accessed().unwrap_or(modified);
            let temporary = name.starts_with(".tmp");
            let in_progress = now.duration_since(modified).unwrap_or_default() < STALE_TEMPORARY;
            if temporary && in_progress {
                return None;
            }
            Some(CacheFile {
                path: entry.path(),
                size: frame::disk_size(&meta),
                used: if temporary {
                    SystemTime::UNIX_EPOCH
                } else {
                    modified.max(accessed)
                },
                name,
            })
        })
        .collect()
}

/// Removes files of `dir`, least recently used first, sparing `keep`, until they occupy at
/// most `limit` bytes; returns what is left.
fn evict(dir: &Path, limit: u64, keep: Option<&Path>) -> Totals {
    let mut files = files(dir);
    files.sort_by(|a, b| (a.used, &a.name).cmp(&(b.used, &b.name)));
    let mut left = Totals::of(&files);
    for file in &files {
        if left.bytes <= limit {
            break;
        }
        if Some(file.path.as_path()) == keep {
            continue;
        }
        match std::fs::remove_file(&file.path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {}
            _ => {
                left.bytes -= file.size;
                left.files -= 1;
            }
        }
    }
    left
}

/// A number of files and the bytes they occupy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// How many files.
    pub files: u64,
    /// The space they occupy on disk.
    pub bytes: u64,
}

impl Totals {
    fn of(files: &[CacheFile]) -> Totals {
        Totals {
            files: files.len() as u64,
            bytes: files.iter().map(|f| f.size).sum(),
        }
    }
}

/// What `cargo unit-sources cache gc` did: what it removed and what is left.
#[derive(Debug, Serialize)]
pub struct GcOutcome {
    /// The files removed.
    pub removed: Totals,
    /// The files left.
    pub left: Totals,
    /// The size limit trimmed to.
    pub limit: u64,
}

/// Evicts files of the cache directory `dir`, least recently used first, until they occupy at
/// most `limit` bytes (with `0`, all of them); nothing for a directory that does not exist.
/// Errors when the directory cannot be locked (not writable).
pub fn cache_gc(dir: &Path, limit: u64) -> Result<GcOutcome, Error> {
    if !dir.exists() {
        let (removed, left) = (Totals::default(), Totals::default());
        return Ok(GcOutcome {
            removed,
            left,
            limit,
        });
    }
    let mut usage = Usage::lock(dir).ok_or_else(|| {
        Error::in_file(
            dir,
            "cannot lock the cache directory (does it exist and is it writable?)",
        )
    })?;
    let before = Totals::of(&files(dir));
    let left = evict(dir, limit, None);
    usage.write(left.bytes, SystemTime::now());
    Ok(GcOutcome {
        removed: Totals {
            files: before.files.saturating_sub(left.files),
            bytes: before.bytes.saturating_sub(left.bytes),
        },
        left,
        limit,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("500M"), Ok(500 << 20));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert_eq!(parse_size(" 3 KiB "), Ok(3 << 10));
        assert_eq!(parse_size("1TB"), Ok(1 << 40));
        assert_eq!(parse_size("0"), Ok(0));
        for bad in ["", "M", "1.5G", "-1", "12 apples", "99999999999999999999T"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    /// A cache file `name` in `dir` of `len` bytes, last used `age` seconds ago.
    pub(crate) fn file(dir: &Path, name: &str, len: usize, age: u64) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, vec![b'x'; len]).unwrap();
        let when = SystemTime::now() - Duration::from_secs(age);
        let times = std::fs::FileTimes::new()
            .set_accessed(when)
            .set_modified(when);
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_times(times)
            .unwrap();
        path
    }

    /// The names of the files of `dir` that count, sorted.
    pub(crate) fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = files(dir).into_iter().map(|f| f.name).collect();
        names.sort();
        names
    }

    #[test]
    fn the_least_recently_used_files_go_first_and_the_kept_one_stays() {
        let dir = tempfile::tempdir().unwrap();
        let size = |path: &Path| frame::disk_size(&std::fs::metadata(path).unwrap());
        let old = file(dir.path(), "scan-old.bin", 10_000, 300);
        file(dir.path(), "parse-a.bin", 10_000, 200);
        file(dir.path(), "parse-b.bin", 10_000, 100);
        let fresh_temporary = file(dir.path(), ".tmpABC", 10_000, 0);
        file(dir.path(), ".tmpOLD", 10_000, 7200);
        let one = size(&old);
        let cache = CacheDir::new(dir.path(), 2 * one);
        cache.account(0, None);
        assert_eq!(
            names(dir.path()),
            ["parse-a.bin", "parse-b.bin"],
            "the stale temporary file and the oldest record go; the write in progress stays"
        );
        assert!(fresh_temporary.exists());
        let usage = std::fs::read_to_string(dir.path().join(USAGE)).unwrap();
        assert!(usage.starts_with(&format!("rust-unit-sources usage\n{} ", 2 * one)));

        // Used since: parse-a becomes the most recent.
        frame::touch(&dir.path().join("parse-a.bin"));
        let new = file(dir.path(), "scan-new.bin", 10_000, 0);
        let cache = CacheDir::new(dir.path(), 0);
        cache.account(one as i64, Some(&new));
        assert_eq!(names(dir.path()), ["scan-new.bin"], "only the kept record");
    }

    #[test]
    fn the_running_total_is_counted_afresh_when_missing_or_damaged() {
        let dir = tempfile::tempdir().unwrap();
        let a = file(dir.path(), "parse-a.bin", 10_000, 10);
        let one = frame::disk_size(&std::fs::metadata(&a).unwrap());
        // A wrong total: `grown` is ignored when the file is counted afresh.
        std::fs::write(dir.path().join(USAGE), "garbage").unwrap();
        CacheDir::new(dir.path(), u64::MAX).account(12345, None);
        let usage = std::fs::read_to_string(dir.path().join(USAGE)).unwrap();
        assert!(
            usage.starts_with(&format!("rust-unit-sources usage\n{one} ")),
            "{usage}"
        );
        // A valid total grows by what was written.
        CacheDir::new(dir.path(), u64::MAX).account(100, None);
        let usage = std::fs::read_to_string(dir.path().join(USAGE)).unwrap();
        assert!(
            usage.starts_with(&format!("rust-unit-sources usage\n{} ", one + 100)),
            "{usage}"
        );
        // Over the limit by the running total: counted afresh, nothing to evict.
        CacheDir::new(dir.path(), one).account(0, None);
        assert_eq!(names(dir.path()), ["parse-a.bin"]);
        let usage = std::fs::read_to_string(dir.path().join(USAGE)).unwrap();
        assert!(
            usage.starts_with(&format!("rust-unit-sources usage\n{one} ")),
            "{usage}"
        );
    }
}
