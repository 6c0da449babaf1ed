//! The persistent parse cache: what each Rust file contributes to module resolution
//! ([`FileSyntax`]), keyed by the blake3 digest of the file's content and the edition it was
//! lexed in (editions lex some tokens differently), shared by every workspace in the cache
//! directory, wherever the file lies.
//!
//! A scan still reads and hashes every file it lists (the unit hashes need the digests); a file
//! whose digest is in the cache for its edition is not lexed again. Extraction is a pure
//! function of the content, the edition and this build of the scanner, so an entry is valid
//! exactly when all three match: each entry is a file of its own, named by the digest, the
//! edition and the build identity and framed by
//! [`crate::cache::frame`]. Anything unexpected in an entry (another build, a checksum mismatch, a
//! decoding error, a file that vanished) is a miss: the cache can cost a lexing pass, never a
//! wrong list.
//!
//! A scan writes (atomically) the entries of the files it lexed. Entries are marked used when
//! looked up, and when a scan writes its record, every entry of the files the record lists: so
//! the least recently used entries the [`crate::cache::dir`] evicts are those no recent record
//! refers to.

use crate::cache::frame;
use crate::syntax::{Edition, FileSyntax};
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
    added: Mutex<Vec<(Digest, Edition, Arc<FileSyntax>)>>,
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

    /// The items of a file whose content has `digest`, lexed in `edition`, if cached (and
    /// decodable).
    pub fn get(&self, digest: &Digest, edition: Edition) -> Option<Arc<FileSyntax>> {
        let file = entry_path(self.dir.as_deref()?, digest, edition);
        let payload = frame::read(&file, KIND)?;
        let syntax: FileSyntax = postcard::from_bytes(&payload).ok()?;
        frame::touch(&file);
        Some(Arc::new(syntax))
    }

    /// Records the items just extracted from a file whose content has `digest`, lexed in
    /// `edition`.
    pub fn insert(&self, digest: Digest, edition: Edition, syntax: Arc<FileSyntax>) {
        if self.dir.is_some() {
            self.added
                .lock()
                .expect("cache lock")
                .push((digest, edition, syntax));
        }
    }

    /// Writes the entries this scan lexed (once per content and edition: files with the same
    /// content are each lexed, their entry written once) and returns by how many bytes they grew the cache
    /// directory. An entry that cannot be written is skipped silently: the next scan lexes
    /// that file again.
    pub fn save(self) -> i64 {
        let Some(dir) = &self.dir else {
            return 0;
        };
        let mut added = self.added.into_inner().expect("cache lock");
        added.sort_unstable_by_key(|a| (a.0, a.1));
        added.dedup_by(|a, b| (a.0, a.1) == (b.0, b.1));
        added
            .par_iter()
            .map(|(digest, edition, syntax)| {
                let payload = postcard::to_stdvec(&**syntax).expect("items serialise");
                frame::write(&entry_path(dir, digest, *edition), KIND, &payload).unwrap_or(0)
            })
            .sum()
    }
}

/// Marks the entries in `dir` of files with these digests as used now, in every edition (those
/// that exist: a record keeps no file's edition, and few files are lexed in more than one).
pub(crate) fn touch<'d>(dir: &Path, digests: impl ParallelIterator<Item = &'d Digest>) {
    digests.for_each(|digest| {
        for edition in Edition::ALL {
            frame::touch(&entry_path(dir, digest, edition));
        }
    });
}

/// Where the entry of a file with `digest` lexed in `edition` is stored in `dir`, for this
/// build.
fn entry_path(dir: &Path, digest: &Digest, edition: Edition) -> PathBuf {
    let edition = edition.as_str().as_bytes();
    frame::path(dir, "parse", &[frame::BUILD_ID.as_bytes(), digest, edition])
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
        let syntax = Arc::new(parse_file(text, Edition::E2021).unwrap());
        let cache = ParseCache::open(dir.path());
        assert!(cache.get(&digest(text), Edition::E2021).is_none());
        cache.insert(digest(text), Edition::E2021, syntax.clone());
        cache.insert(digest(text), Edition::E2021, syntax.clone());
        let grown = cache.save();
        let entry = std::fs::metadata(entry_path(dir.path(), &digest(text), Edition::E2021));
        let entry = entry.unwrap();
        assert_eq!(
            grown,
            frame::disk_size(&entry) as i64,
            "one entry written for two files with the same content"
        );
        let cache = ParseCache::open(dir.path());
        assert_eq!(
            cache.get(&digest(text), Edition::E2021).as_deref(),
            Some(&*syntax)
        );
        assert!(cache.get(&digest("other"), Edition::E2021).is_none());
        assert!(
            cache.get(&digest(text), Edition::E2018).is_none(),
            "another edition may lex the same text otherwise"
        );
        assert_eq!(cache.save(), 0, "nothing lexed, nothing written");
        let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(entries.len(), 1);
    }

    #[test]
    fn damaged_or_vanished_entries_are_misses() {
        let dir = tempfile::tempdir().unwrap();
        let cache = ParseCache::open(dir.path());
        let syntax = parse_file("mod a;", Edition::E2015).unwrap();
        cache.insert(digest("mod a;"), Edition::E2015, Arc::new(syntax));
        cache.save();
        let file = entry_path(dir.path(), &digest("mod a;"), Edition::E2015);
        let mut bytes = std::fs::read(&file).unwrap();
        *bytes.last_mut().unwrap() ^= 1;
        std::fs::write(&file, bytes).unwrap();
        assert!(ParseCache::open(dir.path())
            .get(&digest("mod a;"), Edition::E2015)
            .is_none());
        std::fs::remove_file(&file).unwrap();
        assert!(ParseCache::open(dir.path())
            .get(&digest("mod a;"), Edition::E2015)
            .is_none());
        assert!(ParseCache::disabled()
            .get(&digest("mod a;"), Edition::E2015)
            .is_none());
    }
}
