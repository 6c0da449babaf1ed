//! The scan fingerprint: cargo's freshness check, done with sorted lists and hashes, for the
//! whole model.
//!
//! A scan's model is a function of its inputs: the options, this build of the scanner, what
//! `cargo metadata` (and `rustc --print cfg`) answered, and what it read from the file system
//! (every file's content, every path's kind, every directory's entries: the
//! [`SourceCache::observations`](crate::source_cache::SourceCache::observations), through which
//! all its file-system reads go). The fingerprint stores those inputs with the model. The next
//! scan with the same manifest and options runs `cargo metadata`; when the key (cargo's answer
//! and the target's cfgs) matches, it checks every recorded observation (reading and hashing
//! each file, as the floor does, `stat`ing each probed path, listing each directory); when all
//! hold, the stored model is the answer, since a scan would compute it from the same inputs.
//! (Checking while cargo runs gains nothing on two cores: both are CPU-bound and slow each
//! other down.) Any difference, or a damaged or foreign file
//! ([`crate::cache_file`]), means a full scan, which then replaces the record.

use crate::cache_file;
use crate::source_cache::{list_dir, FileKind, Listing};
use crate::Model;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The [`cache_file`] kind of a fingerprint.
const KIND: &str = "scan fingerprint";

/// One file-system input of a scan, as the scan saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Observation {
    /// The blake3 digest of the file's content; `None`: it could not be read.
    Content(Option<[u8; 32]>),
    /// What the path was (`stat`).
    Kind(FileKind),
    /// The blake3 digest of the directory's [`Listing`].
    Listing([u8; 32]),
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

    /// What `path` shows now, observed the same way.
    fn now(&self, path: &Path) -> Observation {
        match self {
            Observation::Content(_) => Observation::Content(content_digest(path)),
            Observation::Kind(_) => Observation::Kind(FileKind::of(path)),
            Observation::Listing(_) => Observation::listing(&list_dir(path)),
        }
    }
}

/// The blake3 digest of the content of `path`, streamed through a buffer on the stack (no
/// allocation per file); `None` when it cannot be read.
fn content_digest(path: &Path) -> Option<[u8; 32]> {
    let file = std::fs::File::open(path).ok()?;
    let mut hasher = blake3::Hasher::new();
    hasher.update_reader(file).ok()?;
    Some(hasher.finalize().into())
}

/// What a fingerprint file holds.
#[derive(Serialize, Deserialize)]
struct Record {
    key: [u8; 32],
    observations: Vec<(String, Observation)>,
    /// The model as JSON (its serde attributes need a self-describing format).
    model: String,
}

/// Where the fingerprint of scans with one manifest and one set of options is stored (see the
/// module docs).
pub(crate) struct Fingerprint {
    file: PathBuf,
}

impl Fingerprint {
    /// The fingerprint stored in `dir` for scans of the (absolute) `manifest` with options
    /// whose text is `options`.
    pub fn new(dir: &Path, manifest: &Path, options: &str) -> Fingerprint {
        let mut name = blake3::Hasher::new();
        name.update(manifest.as_os_str().as_encoded_bytes());
        name.update(&[0]);
        name.update(options.as_bytes());
        let name = name.finalize().to_hex();
        Fingerprint {
            file: dir.join(format!("scan-{}.bin", &name[..32])),
        }
    }

    /// The stored model, when a record with this `key` exists and every observation still
    /// holds.
    pub fn fresh_model(&self, key: &[u8; 32]) -> Option<Model> {
        let payload = cache_file::read(&self.file, KIND)?;
        let record: Record = postcard::from_bytes(&payload).ok()?;
        if record.key != *key {
            return None;
        }
        let fresh = record
            .observations
            .par_iter()
            .all(|(path, seen)| seen.now(Path::new(path)) == *seen);
        fresh.then(|| serde_json::from_str(&record.model).ok())?
    }

    /// Stores `model` with its `key` (every input of the scan other than the file system:
    /// `cargo metadata`'s answer, the target's cfgs) and the `observations` it was computed
    /// from. Skipped silently when a path is not UTF-8 or the file cannot be written: the next
    /// scan is then a full one.
    pub fn save(&self, key: [u8; 32], observations: Vec<(PathBuf, Observation)>, model: &Model) {
        let observations: Option<Vec<(String, Observation)>> = observations
            .into_iter()
            .map(|(path, seen)| Some((path.into_os_string().into_string().ok()?, seen)))
            .collect();
        let observations = observations.map(|mut observations| {
            // In path order: each directory's entries are checked together.
            observations.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            observations
        });
        let (Some(observations), Ok(model)) = (observations, serde_json::to_string(model)) else {
            return;
        };
        let record = Record {
            key,
            observations,
            model,
        };
        if let Ok(payload) = postcard::to_stdvec(&record) {
            let _ = cache_file::write(&self.file, KIND, &payload);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(root: &str) -> Model {
        Model {
            version: crate::MODEL_VERSION,
            root: root.to_string(),
            units: Default::default(),
        }
    }

    #[test]
    fn every_kind_of_observation_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let tree = dir.path().join("tree");
        std::fs::create_dir_all(tree.join("d")).unwrap();
        std::fs::write(tree.join("a.rs"), "mod b;").unwrap();
        let observe = || {
            vec![
                (
                    tree.join("a.rs"),
                    Observation::Content(Some(blake3::hash(b"mod b;").into())),
                ),
                (tree.join("b.rs"), Observation::Kind(FileKind::Missing)),
                (
                    tree.join("d"),
                    Observation::listing(&list_dir(&tree.join("d"))),
                ),
            ]
        };
        let fingerprint = Fingerprint::new(&cache, &tree, "options");
        let fresh = |fingerprint: &Fingerprint| fingerprint.fresh_model(&[1; 32]);
        assert_eq!(fresh(&fingerprint), None);
        fingerprint.save([1; 32], observe(), &model("/x"));
        assert_eq!(fresh(&fingerprint), Some(model("/x")));
        assert_eq!(fingerprint.fresh_model(&[2; 32]), None, "another key");
        let other_options = Fingerprint::new(&cache, &tree, "other");
        assert_eq!(fresh(&other_options), None);

        std::fs::write(tree.join("a.rs"), "mod c;").unwrap();
        assert_eq!(fresh(&fingerprint), None, "edited content");
        std::fs::write(tree.join("a.rs"), "mod b;").unwrap();
        assert_eq!(fresh(&fingerprint), Some(model("/x")), "content back");

        std::fs::write(tree.join("b.rs"), "").unwrap();
        assert_eq!(fresh(&fingerprint), None, "a missing path appeared");
        std::fs::remove_file(tree.join("b.rs")).unwrap();

        std::fs::write(tree.join("d/new.rs"), "").unwrap();
        assert_eq!(fresh(&fingerprint), None, "a directory gained an entry");
        std::fs::remove_file(tree.join("d/new.rs")).unwrap();
        assert_eq!(fresh(&fingerprint), Some(model("/x")));

        std::fs::remove_file(tree.join("a.rs")).unwrap();
        assert_eq!(fresh(&fingerprint), None, "a read file vanished");
    }
}
