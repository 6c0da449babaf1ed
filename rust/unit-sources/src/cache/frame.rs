//! The on-disk frame shared by the persistent caches ([`crate::cache::parse`],
//! [`crate::record::store`], [`crate::oracle::dep_info_cache`]): what they hold is valid only for the
//! build of the scanner that wrote it, and must never be read half-written or damaged.
//!
//! A file is the line `rust-unit-sources <kind>`, the build identity (`build.rs`: the
//! crate's sources, version and locked dependencies) on a line of its own, the blake3 digest of
//! the payload, then the payload. It is replaced atomically: written to a temporary file in the
//! same directory, then renamed over the old one, so concurrent scans and interrupted writes
//! leave either the old or the new file. A file may vanish at any time (the
//! [`crate::cache::dir`]'s eviction, a user emptying the directory): reading it is then a miss.

use std::io::Write;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The build this cache belongs to (see `build.rs`).
pub(crate) const BUILD_ID: &str = env!("RUST_UNIT_SOURCES_BUILD_ID");

fn header(kind: &str) -> String {
    format!("rust-unit-sources {kind}\n{BUILD_ID}\n")
}

/// The cache file in `dir` for what `key` names (its parts hashed with blake3, each followed
/// by a NUL byte): `<prefix>-<32 hex digits>.bin`.
pub(crate) fn path(dir: &Path, prefix: &str, key: &[&[u8]]) -> PathBuf {
    let mut name = blake3::Hasher::new();
    for part in key {
        name.update(part);
        name.update(&[0]);
    }
    let name = name.finalize().to_hex();
    dir.join(format!("{prefix}-{}.bin", &name[..32]))
}

/// The payload of the `kind` cache file at `path`, if it exists, was written by this build and
/// is intact; `None` for anything else.
pub(crate) fn read(path: &Path, kind: &str) -> Option<Vec<u8>> {
    unframe(std::fs::read(path).ok()?, kind)
}

/// [`read`], without marking the file accessed (`O_NOATIME`, where the file system allows it):
/// for looking at files without making them recently used.
pub(crate) fn read_unmarked(path: &Path, kind: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let noatime = rustix::fs::OFlags::NOATIME.bits() as i32;
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(noatime)
        .open(path)
        .or_else(|_| std::fs::File::open(path))
        .ok()?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).ok()?;
    unframe(bytes, kind)
}

/// The payload of `bytes`, read from a `kind` cache file, if it is intact and of this build.
fn unframe(bytes: Vec<u8>, kind: &str) -> Option<Vec<u8>> {
    let rest = bytes.strip_prefix(header(kind).as_bytes())?;
    let (checksum, payload) = rest.split_at_checked(32)?;
    (blake3::hash(payload).as_bytes() == checksum).then(|| payload.to_vec())
}

/// Replaces the `kind` cache file at `path` (creating its directory) with `payload`,
/// atomically. Returns by how many bytes the directory's [`disk_size`] grew (negative when the
/// replaced file was larger), for the [`crate::cache::dir`]'s accounting.
pub(crate) fn write(path: &Path, kind: &str, payload: &[u8]) -> std::io::Result<i64> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut temporary = tempfile::NamedTempFile::new_in(dir)?;
    temporary.write_all(header(kind).as_bytes())?;
    temporary.write_all(blake3::hash(payload).as_bytes())?;
    temporary.write_all(payload)?;
    let replaced = std::fs::metadata(path).map_or(0, |meta| disk_size(&meta));
    let file = temporary.persist(path)?;
    let written = file.metadata().map_or(0, |meta| disk_size(&meta));
    Ok(written as i64 - replaced as i64)
}

/// What a file occupies on disk, as `du` counts it (allocated blocks, not its length): the
/// unit of the cache directory's size limit.
pub(crate) fn disk_size(meta: &std::fs::Metadata) -> u64 {
    meta.blocks() * 512
}

/// Marks the cache file at `path` as used now (its access time; its modification time, which
/// says when it was written, stays), for least-recently-used eviction. A file that vanished
/// meanwhile is left alone.
pub(crate) fn touch(path: &Path) {
    use rustix::fs::{Timespec, Timestamps, UTIME_NOW, UTIME_OMIT};
    let times = Timestamps {
        last_access: Timespec {
            tv_sec: 0,
            tv_nsec: UTIME_NOW,
        },
        last_modification: Timespec {
            tv_sec: 0,
            tv_nsec: UTIME_OMIT,
        },
    };
    let _ = rustix::fs::utimensat(rustix::fs::CWD, path, &times, rustix::fs::AtFlags::empty());
}

/// How long before a computation started a change to one of its inputs must have happened
/// for its result to be stored: file systems with coarse timestamps round them.
const SETTLED: Duration = Duration::from_secs(2);

/// What of a path an observation depends on, for [`settled`].
#[derive(Clone, Copy)]
pub(crate) enum Watched {
    /// Its content (a file's bytes, a directory's entries): its modification time.
    Content,
    /// Only whether it exists and what it is: the modification time of its directory, which
    /// changes when an entry is created, removed or renamed, and not when a file is edited in
    /// place.
    Existence,
}

/// Whether `path` changed as `watched` says well before `started` (see [`SETTLED`]), so that
/// what is observed of it now is what a computation started then saw. A path (or, for
/// existence, a directory) that cannot be `stat`ed counts as settled.
pub(crate) fn settled(path: &Path, started: SystemTime, watched: Watched) -> bool {
    let threshold = started
        .checked_sub(SETTLED)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    let witness = match watched {
        Watched::Content => Some(path),
        Watched::Existence => path.parent(),
    };
    witness
        .and_then(|p| std::fs::metadata(p).and_then(|meta| meta.modified()).ok())
        .is_none_or(|changed| changed < threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_or_foreign_files_read_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/cache.bin");
        write(&path, "test", b"payload").unwrap();
        assert_eq!(read(&path, "test").as_deref(), Some(&b"payload"[..]));
        assert_eq!(read(&path, "other"), None);
        let good = std::fs::read(&path).unwrap();
        let mut flipped = good.clone();
        *flipped.last_mut().unwrap() ^= 1;
        let mut other_build = good.clone();
        other_build[header("test").len() - 2] ^= 1;
        for bad in [
            flipped,
            other_build,
            good[..good.len() - 1].to_vec(),
            Vec::new(),
        ] {
            std::fs::write(&path, bad).unwrap();
            assert_eq!(read(&path, "test"), None);
        }
        assert_eq!(read(&dir.path().join("missing"), "test"), None);
    }
}
