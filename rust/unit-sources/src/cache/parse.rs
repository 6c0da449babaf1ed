//! The persistent parse cache: what each Rust file contributes to module resolution
//! ([`FileSyntax`]), keyed by the blake3 digest of the file's content, shared by every
//! workspace in the cache directory, wherever the file lies.
//!
//! A scan still reads and hashes every file it lists (the unit hashes need the digests); a file
//! whose digest is in the cache is not lexed again. Extraction is a pure function of the content
//! and of this build of the scanner, so an entry is valid exactly when both match: each entry is
//! a file of its own, named by the digest and the build identity and framed by
//! [`crate::cache::frame`]. Anything unexpected in an entry (another build, a checksum mismatch, a
//! decoding error, a file that vanished) is a miss: the cache can cost a lexing pass, never a
//! wrong list.
//!
//! A scan writes (atomically) the entries of the files it lexed. Entries are marked used when
//! looked up, and when a scan writes its record, every entry of the files the record lists: so
//! the least recently used entries the [`crate::cache::dir`] evicts are those no recent record
//! refers to.

use crate::cache::frame;
use crate::syntax::FileSyntax;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The [`cache_file`] kind of a parse cache entry.
const KIND: &str = "parse entry";

pub(crate) type Digest = [u8; 32];

/// The parse cache of a cache directory for the duration of one scan (see the module docs).
pub(crate) struct ParseCache {
    /// The cache directory; `None` when disabled.
    dir: Option<PathBuf>,
    /// Entries this scan lexed.
    added: Mutex<Vec<(Digest, Arc<FileSyntax>)>>,
}

impl ParseCache {
    /// A cache that stores nothing: every file is lexed.
    pub fn disabled() -> ParseCache {
        ParseCache {
            dir: None,
            added: Mutex::default(),
        }
    }

    /// The parse cache in the cache directory `dir`. Never fails: see the module docs.
    pub fn open(dir: &Path) -> ParseCache {
        ParseCache {
            dir: Some(dir.to_path_buf()),
            ..ParseCache::disabled()
        }
    }

    /// The items of a file whose content has `digest`, if cached (and decodable).
    pub fn get(&self, digest: &Digest) -> Option<Arc<FileSyntax>> {
        let file = entry_path(self.dir.as_deref()?, digest);
        let payload = frame::read(&file, KIND)?;
        let syntax: FileSyntax = postcard::from_bytes(&payload).ok()?;
        frame::touch(&file);
        Some(Arc::new(syntax))
    }

    /// Records the items just extracted from a file whose content has `digest`.
    pub fn insert(&self, digest: Digest, syntax: Arc<FileSyntax>) {
        if self.dir.is_some() {
            self.added
                .lock()
                .expect("cache lock")
                .push((digest, syntax));
        }
    }

    /// Writes the entries this scan lexed (once per content: files with the same content are
    /// each lexed, their entry written once) and returns by how many bytes they grew the cache
    /// directory. An entry that cannot be written is skipped silently: the next scan lexes
    /// that file again.
    pub fn save(self) -> i64 {
        let Some(dir) = &self.dir else {
            return 0;
        };
        let mut added = self.added.into_inner().expect("cache lock");
        added.sort_unstable_by_key(|a| a.0);
        added.dedup_by(|a, b| a.0 == b.0);
        added
            .par_iter()
            .map(|(digest, syntax)| {
                let payload = postcard::to_stdvec(&**syntax).expect("items serialise");
                frame::write(&entry_path(dir, digest), KIND, &payload).unwrap_or(0)
            })
            .sum()
    }
}

/// Marks the entries in `dir` of files with these digests as used now (those that exist).
pub(crate) fn touch<'d>(dir: &Path, digests: impl ParallelIterator<Item = &'d Digest>) {
    digests.for_each(|digest| frame::touch(&entry_path(dir, digest)));
}

/// Where the entry of a file with `digest` is stored in `dir`, for this build.
fn entry_path(dir: &Path, digest: &Digest) -> PathBuf {
    frame::path(dir, "parse", &[frame::BUILD_ID.as_bytes(), digest])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_file;

    fn digest(text: &str) -> Digest {
        *blake3::hash(text.as_bytes()).as_bytes()
    }

    #[test]
    fn round_trip_keeps_items_wherever_the_file_lies() {
        let dir = tempfile::tempdir().unwrap();
        let text = "#[cfg(feature = \"x\")] #[path = \"y.rs\"] mod a;\n\
                    macro_rules! m { ($n:ident) => { mod $n; } }\n\
                    m!(b); include!(concat!(env!(\"OUT_DIR\"), \"/gen.rs\"));";
        let syntax = Arc::new(parse_file(text).unwrap());
        let cache = ParseCache::open(dir.path());
        assert!(cache.get(&digest(text)).is_none());
        cache.insert(digest(text), syntax.clone());
        cache.insert(digest(text), syntax.clone());
        let grown = cache.save();
        let entry = std::fs::metadata(entry_path(dir.path(), &digest(text))).unwrap();
        assert_eq!(
            grown,
            frame::disk_size(&entry) as i64,
            "one entry written for two files with the same content"
        );
        let cache = ParseCache::open(dir.path());
        assert_eq!(cache.get(&digest(text)).as_deref(), Some(&*syntax));
        assert!(cache.get(&digest("other")).is_none());
        assert_eq!(cache.save(), 0, "nothing lexed, nothing written");
        let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(entries.len(), 1);
    }

    #[test]
    fn damaged_or_vanished_entries_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ParseCache::open(dir.path());
        cache.insert(digest("mod a;"), Arc::new(parse_file("mod a;").unwrap()));
        cache.save();
        let file = entry_path(dir.path(), &digest("mod a;"));
        let mut bytes = std::fs::read(&file).unwrap();
        *bytes.last_mut().unwrap() ^= 1;
        std::fs::write(&file, bytes).unwrap();
        assert!(ParseCache::open(dir.path())
            .get(&digest("mod a;"))
            .is_none());
        std::fs::remove_file(&file).unwrap();
        assert!(ParseCache::open(dir.path())
            .get(&digest("mod a;"))
            .is_none());
        assert!(ParseCache::disabled().get(&digest("mod a;")).is_none());
    }
}
