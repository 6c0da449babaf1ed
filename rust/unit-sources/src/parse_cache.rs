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
//! (earlier versions of edited files) outnumber used ones, which it then drops.

use crate::cache_file;
use crate::syntax::FileSyntax;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The [`cache_file`] kind of a parse cache.
const KIND: &str = "parse cache";

type Digest = [u8; 32];

/// The parse cache of one workspace for the duration of one scan (see the module docs).
pub(crate) struct ParseCache {
    /// Where it is stored; `None` when disabled.
    file: Option<PathBuf>,
    loaded: HashMap<Digest, Arc<FileSyntax>>,
    used: Mutex<HashMap<Digest, Arc<FileSyntax>>>,
    added: AtomicBool,
}

impl ParseCache {
    /// A cache that stores nothing: every file is lexed.
    pub fn disabled() -> ParseCache {
        ParseCache {
            file: None,
            loaded: HashMap::new(),
            used: Mutex::default(),
            added: AtomicBool::new(false),
        }
    }

    /// The cache of the workspace at `root`, stored in `dir`, loaded if a valid one exists
    /// (otherwise empty). Never fails: see the module docs.
    pub fn open(dir: &Path, root: &Path) -> ParseCache {
        let key = blake3::hash(root.as_os_str().as_encoded_bytes()).to_hex();
        let file = dir.join(format!("parse-{}.bin", &key[..32]));
        let loaded = cache_file::read(&file, KIND)
            .and_then(|payload| decode(&payload))
            .unwrap_or_default();
        ParseCache {
            file: Some(file),
            loaded,
            ..ParseCache::disabled()
        }
    }

    /// The items of a file whose content has `digest`, if cached.
    pub fn get(&self, digest: &Digest) -> Option<Arc<FileSyntax>> {
        let syntax = self.loaded.get(digest)?.clone();
        self.used
            .lock()
            .expect("cache lock")
            .insert(*digest, syntax.clone());
        Some(syntax)
    }

    /// Records the items just extracted from a file whose content has `digest`.
    pub fn insert(&self, digest: Digest, syntax: Arc<FileSyntax>) {
        if self.file.is_some() {
            self.used.lock().expect("cache lock").insert(digest, syntax);
            self.added.store(true, Ordering::Relaxed);
        }
    }

    /// Writes the cache back when it changed (see the module docs). A cache that cannot be
    /// written is skipped silently: the next scan lexes again.
    pub fn save(self) {
        let Some(file) = self.file else {
            return;
        };
        let mut entries = self.used.into_inner().expect("cache lock");
        let unused = self
            .loaded
            .keys()
            .filter(|digest| !entries.contains_key(*digest))
            .count();
        let keep_unused = unused <= entries.len();
        if !self.added.into_inner() && keep_unused {
            return;
        }
        if keep_unused {
            for (digest, syntax) in self.loaded {
                entries.entry(digest).or_insert(syntax);
            }
        }
        let _ = cache_file::write(&file, KIND, &encode(&entries));
    }
}

/// The payload: postcard, a sequence of (digest, items) pairs.
fn encode(entries: &HashMap<Digest, Arc<FileSyntax>>) -> Vec<u8> {
    let pairs: Vec<(&Digest, &FileSyntax)> = entries.iter().map(|(d, s)| (d, &**s)).collect();
    postcard::to_stdvec(&pairs).expect("items serialise")
}

fn decode(payload: &[u8]) -> Option<HashMap<Digest, Arc<FileSyntax>>> {
    let pairs: Vec<(Digest, FileSyntax)> = postcard::from_bytes(payload).ok()?;
    Some(pairs.into_iter().map(|(d, s)| (d, Arc::new(s))).collect())
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
        cache.save();
        let cache = ParseCache::open(dir.path(), root);
        assert_eq!(cache.get(&digest(text)).as_deref(), Some(&*syntax));
        assert!(ParseCache::open(dir.path(), Path::new("/other"))
            .get(&digest(text))
            .is_none());
    }

    #[test]
    fn unused_entries_are_dropped_once_they_outnumber_used_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = Path::new("/w");
        let texts = ["mod a;", "mod b;", "mod c;"];
        let cache = ParseCache::open(dir.path(), root);
        for text in texts {
            cache.insert(digest(text), Arc::new(parse_file(text).unwrap()));
        }
        cache.save();
        let cache = ParseCache::open(dir.path(), root);
        cache.get(&digest(texts[0])).unwrap();
        cache.save();
        let cache = ParseCache::open(dir.path(), root);
        assert!(cache.get(&digest(texts[0])).is_some());
        assert!(cache.get(&digest(texts[1])).is_none());
        assert!(cache.get(&digest(texts[2])).is_none());
    }
}
