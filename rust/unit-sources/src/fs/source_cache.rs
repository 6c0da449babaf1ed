//! Every file-system read of one scan goes through the [`SourceCache`]: files read and hashed
//! (and, for Rust sources, lexed) once, paths `stat`ed once, directories listed once, however
//! many units and threads ask. What it saw is the scan's complete list of file-system inputs
//! ([`SourceCache::observations`]), which the [`crate::record::inputs`] checks on the next scan.

use crate::cache::parse::ParseCache;
use crate::fs::observation::{file_digest, list_dir, read, FileKind, Listing, Observation};
use crate::syntax::{parse_file, Edition, FileSyntax};
use crate::Error;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// A file read once per scan: its content digest and, for Rust sources, its items.
pub(crate) struct SourceFile {
    pub digest: [u8; 32],
    pub syntax: Option<Arc<FileSyntax>>,
}

type Slot = Arc<OnceLock<Result<Arc<SourceFile>, Error>>>;

/// Every file read during one scan, shared by all units (see the module docs). A Rust file
/// whose content is in the [`ParseCache`] for its edition is not lexed.
pub(crate) struct SourceCache {
    /// Rust files, by path and the edition they are lexed in (units of several editions may
    /// read one file).
    sources: Mutex<HashMap<(PathBuf, Edition), Slot>>,
    data: Mutex<HashMap<PathBuf, Slot>>,
    kinds: Mutex<HashMap<PathBuf, FileKind>>,
    listings: Mutex<HashMap<PathBuf, Arc<Listing>>>,
    parsed: ParseCache,
}

impl SourceCache {
    /// An empty cache for one scan, taking lexed items from and adding them to `parsed`.
    pub fn new(parsed: ParseCache) -> SourceCache {
        SourceCache {
            sources: Mutex::default(),
            data: Mutex::default(),
            kinds: Mutex::default(),
            listings: Mutex::default(),
            parsed,
        }
    }

    /// The parse cache, with what this scan used and added, for saving.
    pub fn into_parse_cache(self) -> ParseCache {
        self.parsed
    }

    /// What `path` is, `stat`ed once per scan (units share module files and their candidates).
    pub fn kind(&self, path: &Path) -> FileKind {
        if let Some(&kind) = self.kinds.lock().expect("cache lock").get(path) {
            return kind;
        }
        let kind = FileKind::of(path);
        self.kinds
            .lock()
            .expect("cache lock")
            .insert(path.to_path_buf(), kind);
        kind
    }

    /// The entries of the directory `dir`, listed once per scan.
    pub fn listing(&self, dir: &Path) -> Arc<Listing> {
        if let Some(listing) = self.listings.lock().expect("cache lock").get(dir) {
            return listing.clone();
        }
        let listing = Arc::new(list_dir(dir));
        self.listings
            .lock()
            .expect("cache lock")
            .insert(dir.to_path_buf(), listing.clone());
        listing
    }

    /// The digest of the Rust file `path` and its items lexed in `edition`.
    pub fn source(&self, path: &Path, edition: Edition) -> Result<Arc<SourceFile>, Error> {
        Self::memo(&self.sources, (path.to_path_buf(), edition), || {
            let bytes = read(path)?;
            let digest = *blake3::hash(&bytes).as_bytes();
            if let Some(syntax) = self.parsed.get(&digest, edition) {
                return Ok(SourceFile {
                    digest,
                    syntax: Some(syntax),
                });
            }
            let text = std::str::from_utf8(&bytes).map_err(|e| {
                let line = bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count() as u32
                    + 1;
                Error::at(path, line, "source file is not valid UTF-8")
            })?;
            let syntax = parse_file(text, edition);
            let syntax = syntax.map_err(|e| Error::at(path, e.line, e.message))?;
            let syntax = Arc::new(syntax);
            self.parsed.insert(digest, edition, syntax.clone());
            Ok(SourceFile {
                digest,
                syntax: Some(syntax),
            })
        })
    }

    /// The digest of `path`, reusing a lexed source's when there is one.
    pub fn digest(&self, path: &Path) -> Result<[u8; 32], Error> {
        let sources = self.sources.lock().expect("cache lock");
        for edition in Edition::ALL {
            let key = (path.to_path_buf(), edition);
            if let Some(Some(Ok(file))) = sources.get(&key).map(|s| s.get()) {
                return Ok(file.digest);
            }
        }
        drop(sources);
        let file = Self::memo(&self.data, path.to_path_buf(), || {
            Ok(SourceFile {
                digest: file_digest(path)?,
                syntax: None,
            })
        })?;
        Ok(file.digest)
    }

    /// The content of `path` as text (`None` when it cannot be read or is not UTF-8), its
    /// digest recorded like [`SourceCache::digest`]'s. Not memoised: for the few files read as
    /// text (manifests, build scripts).
    pub fn text(&self, path: &Path) -> Option<String> {
        let bytes = read(path);
        let _ = Self::memo(&self.data, path.to_path_buf(), || match &bytes {
            Ok(bytes) => Ok(SourceFile {
                digest: *blake3::hash(bytes).as_bytes(),
                syntax: None,
            }),
            Err(e) => Err(e.clone()),
        });
        String::from_utf8(bytes.ok()?).ok()
    }

    /// Every file-system input of the scan so far: each file read (its digest, or that it
    /// could not be read, unless its kind says why), each path `stat`ed whose kind no read
    /// already implies, each directory listed.
    pub fn observations(&self) -> Vec<(PathBuf, Observation)> {
        let mut observed: HashMap<PathBuf, Observation> = HashMap::new();
        let content = |slot: &Slot| {
            let digest = slot.get().and_then(|r| r.as_ref().ok()).map(|f| f.digest);
            Observation::Content(digest)
        };
        for ((path, _), slot) in self.sources.lock().expect("cache lock").iter() {
            observed.insert(path.clone(), content(slot));
        }
        for (path, slot) in self.data.lock().expect("cache lock").iter() {
            observed.insert(path.clone(), content(slot));
        }
        for (path, kind) in self.kinds.lock().expect("cache lock").iter() {
            match observed.get(path) {
                // A file read: its digest says more than its kind.
                Some(Observation::Content(Some(_))) if *kind == FileKind::File => {}
                // Unreadable because it is no file (missing, a dangling link, a directory):
                // the kind tells those apart, which "unreadable" does not.
                Some(Observation::Content(None)) if *kind != FileKind::File => {
                    observed.insert(path.clone(), Observation::Kind(*kind));
                }
                Some(_) => {}
                None => {
                    observed.insert(path.clone(), Observation::Kind(*kind));
                }
            }
        }
        let mut observations: Vec<(PathBuf, Observation)> = observed.into_iter().collect();
        for (dir, listing) in self.listings.lock().expect("cache lock").iter() {
            observations.push((dir.clone(), Observation::listing(listing)));
        }
        observations
    }

    fn memo<K: Eq + std::hash::Hash>(
        map: &Mutex<HashMap<K, Slot>>,
        key: K,
        load: impl FnOnce() -> Result<SourceFile, Error>,
    ) -> Result<Arc<SourceFile>, Error> {
        let slot = map
            .lock()
            .expect("cache lock")
            .entry(key)
            .or_default()
            .clone();
        slot.get_or_init(|| load().map(Arc::new)).clone()
    }
}

/// The paths one unit's walk asked the [`SourceCache`] about, and the path literals of its
/// sources whose meaning depends on where the workspace lies: the scan record takes a unit
/// over at another root only when none of them does ([`crate::fs::relocation`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Touched {
    pub paths: HashSet<PathBuf>,
    /// Absolute paths written in the sources (`#[path = "/…"]`, `include!("/…")`, a build
    /// script's `/…` literals).
    pub absolute_literals: HashSet<PathBuf>,
    /// Relative path literals with a `..` component, joined to the directory they are relative
    /// to (unnormalised): one that climbs above the root names a file outside the tree.
    pub dotted_literals: HashSet<PathBuf>,
}

impl Touched {
    /// Nothing touched.
    pub fn new() -> Touched {
        Touched::default()
    }

    /// These paths touched, no literal.
    pub fn from_paths(paths: impl IntoIterator<Item = PathBuf>) -> Touched {
        Touched {
            paths: paths.into_iter().collect(),
            ..Touched::default()
        }
    }

    /// Adds what `other` touched.
    pub fn extend(&mut self, other: Touched) {
        self.paths.extend(other.paths);
        self.absolute_literals.extend(other.absolute_literals);
        self.dotted_literals.extend(other.dotted_literals);
    }
}

/// One unit's reads through the scan's [`SourceCache`]: the same answers, and the set of paths
/// asked about (`touched`), so that the [`crate::record::inputs`] knows which observations each
/// unit's result depends on.
pub(crate) struct UnitReads<'c> {
    cache: &'c SourceCache,
    touched: RefCell<Touched>,
}

impl<'c> UnitReads<'c> {
    /// Reads through `cache`, with nothing touched yet.
    pub fn new(cache: &'c SourceCache) -> UnitReads<'c> {
        UnitReads {
            cache,
            touched: RefCell::default(),
        }
    }

    fn touch(&self, path: &Path) {
        let mut touched = self.touched.borrow_mut();
        if !touched.paths.contains(path) {
            touched.paths.insert(path.to_path_buf());
        }
    }

    /// `base` joined with `literal`, a path written in a source file (a `#[path]`, an include,
    /// a build script's string), noted in [`Touched`] when it is absolute or has a `..`.
    pub fn join_literal(&self, base: &Path, literal: impl AsRef<Path>) -> PathBuf {
        let literal = literal.as_ref();
        let joined = base.join(literal);
        if literal.is_absolute() {
            let mut touched = self.touched.borrow_mut();
            touched.absolute_literals.insert(literal.to_path_buf());
        } else if literal
            .components()
            .any(|c| c == std::path::Component::ParentDir)
        {
            let mut touched = self.touched.borrow_mut();
            touched.dotted_literals.insert(joined.clone());
        }
        joined
    }

    /// [`SourceCache::kind`].
    pub fn kind(&self, path: &Path) -> FileKind {
        self.touch(path);
        self.cache.kind(path)
    }

    /// [`SourceCache::listing`].
    pub fn listing(&self, dir: &Path) -> Arc<Listing> {
        self.touch(dir);
        self.cache.listing(dir)
    }

    /// [`SourceCache::source`].
    pub fn source(&self, path: &Path, edition: Edition) -> Result<Arc<SourceFile>, Error> {
        self.touch(path);
        self.cache.source(path, edition)
    }

    /// [`SourceCache::digest`].
    pub fn digest(&self, path: &Path) -> Result<[u8; 32], Error> {
        self.touch(path);
        self.cache.digest(path)
    }

    /// [`SourceCache::text`].
    pub fn text(&self, path: &Path) -> Option<String> {
        self.touch(path);
        self.cache.text(path)
    }

    /// Every path asked about.
    pub fn into_touched(self) -> Touched {
        self.touched.into_inner()
    }
}
