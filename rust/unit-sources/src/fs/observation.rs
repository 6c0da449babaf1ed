//! One file-system fact at a time, read now and not remembered: what a path is
//! ([`FileKind`]), what a directory lists ([`Listing`]), what a file holds ([`file_digest`]),
//! and the [`Observation`] that records one of those for a later check. The memo of a scan's
//! reads is [`crate::fs::source_cache`]; this module knows nothing of caches, units or Rust.

use crate::error::Error;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::path::Path;

/// What a path is, as `std::fs::metadata` (symlinks followed) says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum FileKind {
    File,
    Dir,
    /// Exists, but neither a regular file nor a directory (a FIFO, a device).
    Other,
    /// A symbolic link that cannot be followed (dangling, or a loop).
    Broken,
    Missing,
}

impl FileKind {
    /// What `path` is now: one `lstat`, and a `stat` only for a symbolic link.
    pub fn of(path: &Path) -> FileKind {
        let meta = match std::fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => match std::fs::metadata(path) {
                Ok(meta) => meta,
                Err(_) => return FileKind::Broken,
            },
            Ok(meta) => meta,
            Err(_) => return FileKind::Missing,
        };
        if meta.is_file() {
            FileKind::File
        } else if meta.is_dir() {
            FileKind::Dir
        } else {
            FileKind::Other
        }
    }
}

/// The entries of a directory, sorted by name: each name, and whether it is a directory
/// itself (not following symbolic links). Unreadable directories and entries are left out.
pub(crate) type Listing = Vec<(OsString, bool)>;

/// The entries of `dir` now, as [`Listing`] describes them.
pub(crate) fn list_dir(dir: &Path) -> Listing {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut listing: Listing = entries
        .flatten()
        .filter_map(|entry| Some((entry.file_name(), entry.file_type().ok()?.is_dir())))
        .collect();
    listing.sort();
    listing
}

/// One file-system input of a scan, as the scan saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Observation {
    /// The blake3 digest of the file's content; `None`: it could not be read.
    Content(Option<[u8; 32]>),
    /// What the path was (`stat`).
    Kind(FileKind),
    /// The blake3 digest of the directory's [`Listing`].
    Listing([u8; 32]),
    /// The blake3 digest of an executable's identity (its resolved path, device, inode, size,
    /// mode and modification time; nothing when it cannot be `stat`ed), not of its content: hashing
    /// a toolchain's binary on every check would cost more than running it.
    Stamp([u8; 32]),
}

impl Observation {
    /// The observation of a directory with these entries.
    pub fn listing(listing: &Listing) -> Observation {
        let mut hasher = blake3::Hasher::new();
        for (name, is_dir) in listing {
            hasher.update(name.as_encoded_bytes());
            hasher.update(&[0, u8::from(*is_dir)]);
        }
        Observation::Listing(hasher.finalize().into())
    }

    /// The content of `path` now.
    pub fn content(path: &Path) -> Observation {
        Observation::Content(file_digest(path).ok())
    }

    /// The kind of `path` now.
    pub fn kind(path: &Path) -> Observation {
        Observation::Kind(FileKind::of(path))
    }

    /// The entries of the directory `path` now.
    pub fn listing_of(path: &Path) -> Observation {
        Observation::listing(&list_dir(path))
    }

    /// The identity of the executable `path` now.
    pub fn stamp(path: &Path) -> Observation {
        use std::os::unix::fs::MetadataExt;
        let mut hasher = blake3::Hasher::new();
        if let (Ok(resolved), Ok(meta)) = (std::fs::canonicalize(path), std::fs::metadata(path)) {
            hasher.update(resolved.as_os_str().as_encoded_bytes());
            for number in [meta.dev(), meta.ino(), meta.size(), u64::from(meta.mode())] {
                hasher.update(&number.to_le_bytes());
            }
            hasher.update(&meta.mtime().to_le_bytes());
            hasher.update(&meta.mtime_nsec().to_le_bytes());
        }
        Observation::Stamp(hasher.finalize().into())
    }

    /// What `path` shows now, observed the same way.
    pub fn now(&self, path: &Path) -> Observation {
        match self {
            Observation::Content(_) => Observation::content(path),
            Observation::Kind(_) => Observation::kind(path),
            Observation::Listing(_) => Observation::listing_of(path),
            Observation::Stamp(_) => Observation::stamp(path),
        }
    }
}

/// The content of `path`. Errors name the file.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::in_file(path, format!("cannot read: {e}")))
}

/// The blake3 digest of the content of `path`, streamed through a buffer on the stack (no
/// allocation per file). Errors name the file.
pub(crate) fn file_digest(path: &Path) -> Result<[u8; 32], Error> {
    let cannot_read = |e: std::io::Error| Error::in_file(path, format!("cannot read: {e}"));
    let file = std::fs::File::open(path).map_err(cannot_read)?;
    let mut hasher = blake3::Hasher::new();
    hasher.update_reader(file).map_err(cannot_read)?;
    Ok(hasher.finalize().into())
}
