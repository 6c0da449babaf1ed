//! The persistent parse cache: what each Rust file contributes to module resolution
//! ([`FileSyntax`]), keyed by the blake3 digest of the file's content, kept between scans in
//! one file per workspace under a cache directory.
//!
//! A scan still reads and hashes every file it lists (the unit hashes need the digests); a file
//! whose digest is in the cache is not lexed again. Extraction is a pure function of the content
//! and of this build of the scanner, so an entry is valid exactly when both match: the digest
//! is the key, and the file is framed by [`crate::cache_file`] with the build's fingerprint.
//! Anything unexpected in the file (another build, a checksum mismatch, a decoding error, an
//! unreadable file) makes the cache start empty: the cache can cost a lexing pass, never a
//! wrong list.
//!
//! A scan writes (atomically) only when it lexed a file the cache lacked or when unused entries
//! (earlier versions of edited files) outnumber used ones, which it then drops. Entries of files
//! a scan takes over from the fingerprint count as used.

use crate::cache_file;
use crate::syntax::FileSyntax;
use std::collections::{HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The [`cache_file`] kind of a parse cache.
const KIND: &str = "parse cache";

pub(crate) type Digest = [u8; 32];

/// The parse cache of one workspace for the duration of one scan (see the module docs).
///
/// The stored file is read whole but only indexed; an entry's items are decoded when a scan
/// looks it up, so that a scan that lexes little also decodes little.
pub(crate) struct ParseCache {
    /// Where it is stored; `None` when disabled.
    file: Option<PathBuf>,
    /// The stored payload.
    payload: Vec<u8>,
    /// Where each stored entry's encoded items lie in `payload`.
    loaded: HashMap<Digest, Range<usize>>,
    /// Entries this scan looked up (`None`: stored, kept as encoded) or added.
    used: Mutex<HashMap<Digest, Option<Arc<FileSyntax>>>>,
    added: AtomicBool,
}

impl ParseCache {
    /// A cache that stores nothing: every file is lexed.
    pub fn disabled() -> ParseCache {
        ParseCache {
            file: None,
            payload: Vec::new(),
            loaded: HashMap::new(),
            used: Mutex::default(),
            added: AtomicBool::new(false),
        }
    }

    /// The cache of the workspace at `root`, stored in `dir`, loaded if a valid one exists
    /// (otherwise empty). Never fails: see the module docs.
    pub fn open(dir: &Path, root: &Path) -> ParseCache {
        let file = cache_file::path(dir, "parse", &[root.as_os_str().as_encoded_bytes()]);
        let payload = cache_file::read(&file, KIND).unwrap_or_default();
        let loaded = index(&payload).unwrap_or_default();
        ParseCache {
            file: Some(file),
            payload,
            loaded,
            ..ParseCache::disabled()
        }
    }

    /// The items of a file whose content has `digest`, if cached (and decodable).
    pub fn get(&self, digest: &Digest) -> Option<Arc<FileSyntax>> {
        let range = self.loaded.get(digest)?.clone();
        let syntax: FileSyntax = postcard::from_bytes(&self.payload[range]).ok()?;
        self.used.lock().expect("cache lock").insert(*digest, None);
        Some(Arc::new(syntax))
    }

    /// Records the items just extracted from a file whose content has `digest`.
    pub fn insert(&self, digest: Digest, syntax: Arc<FileSyntax>) {
        if self.file.is_some() {
            self.used
                .lock()
                .expect("cache lock")
                .insert(digest, Some(syntax));
            self.added.store(true, Ordering::Relaxed);
        }
    }

    /// Writes the cache back when it changed (see the module docs). Entries count as used when
    /// this scan looked them up or added them, or when their digest is in `live` (files the
    /// scan's result depends on without reading them again: units taken over from the
    /// fingerprint). A cache that cannot be written is skipped silently: the next scan lexes
    /// again.
    pub fn save(self, live: &HashSet<Digest>) {
        let Some(file) = &self.file else {
            return;
        };
        let used = self.used.into_inner().expect("cache lock");
        let mut entries: Vec<(Digest, Vec<u8>)> = Vec::with_capacity(self.loaded.len());
        for (digest, syntax) in &used {
            let encoded = match syntax {
                Some(syntax) => postcard::to_stdvec(&**syntax).expect("items serialise"),
                None => self.payload[self.loaded[digest].clone()].to_vec(),
            };
            entries.push((*digest, encoded));
        }
        let stored = |(digest, range): (&Digest, &Range<usize>)| {
            (*digest, self.payload[range.clone()].to_vec())
        };
        let (live, unused): (Vec<_>, Vec<_>) = self
            .loaded
            .iter()
            .filter(|(digest, _)| !used.contains_key(*digest))
            .partition(|(digest, _)| live.contains(*digest));
        entries.extend(live.into_iter().map(stored));
        let keep_unused = unused.len() <= entries.len();
        if !self.added.into_inner() && keep_unused {
            return;
        }
        if keep_unused {
            entries.extend(unused.into_iter().map(stored));
        }
        let payload = postcard::to_stdvec(&entries).expect("entries serialise");
        let _ = cache_file::write(file, KIND, &payload);
    }
}

/// Where each entry of a payload (postcard: a sequence of (digest, encoded items) pairs) lies.
fn index(payload: &[u8]) -> Option<HashMap<Digest, Range<usize>>> {
    let entries: Vec<(Digest, &[u8])> = postcard::from_bytes(payload).ok()?;
    let base = payload.as_ptr() as usize;
    Some(
        entries
            .into_iter()
            .map(|(digest, items)| {
                let start = items.as_ptr() as usize - base;
                (digest, start..start + items.len())
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse_file;

    fn digest(text: &str) -> Digest {
        *blake3::hash(text.as_bytes()).as_bytes()
    }

    #[test]
    fn round_trip_keeps_items() {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new("/some/workspace");
        let text = "#[cfg(feature = \"x\")] #[path = \"y.rs\"] mod a;\n\
                    macro_rules! m { ($n:ident) => { mod $n; } }\n\
                    m!(b); include!(concat!(env!(\"OUT_DIR\"), \"/gen.rs\"));";
        let syntax = Arc::new(parse_file(text).unwrap());
        let cache = ParseCache::open(dir.path(), root);
        assert!(cache.get(&digest(text)).is_none());
        cache.insert(digest(text), syntax.clone());
        cache.save(&HashSet::new());
        let cache = ParseCache::open(dir.path(), root);
        assert_eq!(cache.get(&digest(text)).as_deref(), Some(&*syntax));
        assert!(ParseCache::open(dir.path(), Path::new("/other"))
            .get(&digest(text))
            .is_none());
    }

    #[test]
    fn unused_entries_are_dropped_once_they_outnumber_used_and_live_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new("/w");
        let texts = ["mod a;", "mod b;", "mod c;", "mod d;"];
        let cache = ParseCache::open(dir.path(), root);
        for text in texts {
            cache.insert(digest(text), Arc::new(parse_file(text).unwrap()));
        }
        cache.save(&HashSet::new());
        let kept = |texts: &[&str]| {
            let cache = ParseCache::open(dir.path(), root);
            texts
                .iter()
                .map(|t| cache.get(&digest(t)).is_some())
                .collect::<Vec<_>>()
        };
        // One used, one live: two unused do not outnumber them; nothing new, nothing written.
        let cache = ParseCache::open(dir.path(), root);
        cache.get(&digest(texts[0])).unwrap();
        cache.save(&HashSet::from([digest(texts[1])]));
        assert_eq!(kept(&texts), [true; 4]);
        // One used, none live: three unused outnumber it and are dropped.
        let cache = ParseCache::open(dir.path(), root);
        cache.get(&digest(texts[0])).unwrap();
        cache.save(&HashSet::new());
        assert_eq!(kept(&texts), [true, false, false, false]);
    }
}
