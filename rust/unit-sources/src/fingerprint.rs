//! The scan fingerprint: cargo's freshness check, done with sorted lists and hashes, for the
//! whole model.
//!
//! A scan's model is a function of its inputs: the options, this build of the scanner, what
//! `cargo metadata` (and `rustc --print cfg`) answered, and what it read from the file system
//! (every file's content, every path's kind, every directory's entries: the
//! [`SourceCache::observations`](crate::source_cache::SourceCache::observations), through which
//! all its file-system reads go). The fingerprint stores those inputs with the model, and for
//! each unit the observations its walk made (a walk is a function of its unit, which the key
//! and the planning's observations fix, and of the answers to its reads). The next scan with
//! the same manifest and options runs `cargo metadata`; when the key (cargo's answer and the
//! target's cfgs) matches, it checks every recorded observation (reading and hashing each file,
//! as the floor does, `stat`ing each probed path, listing each directory). When all hold, the
//! stored model is the answer, since a scan would compute it from the same inputs. When only
//! some units' observations changed (an edit), the other units' results are taken over and only
//! those units are walked again. (Checking while cargo runs gains nothing on two cores: both are
//! CPU-bound and slow each other down.) Any difference, or a damaged or foreign file
//! ([`crate::cache_file`]), means a full scan, which then replaces the record.

use crate::cache_file;
use crate::source_cache::{file_digest, list_dir, FileKind, Listing, Touched};
use crate::{Model, UnitId, UnitSources, MODEL_VERSION};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
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

/// What a fingerprint file holds.
#[derive(Serialize, Deserialize)]
struct Record {
    key: [u8; 32],
    /// The model's `root`.
    root: String,
    /// Sorted by path (a directory may have both a kind and a listing).
    observations: Vec<(String, Observation)>,
    /// The observations every unit depends on (planning the units, the cfgs build scripts may
    /// set), by index.
    global: Vec<u32>,
    units: Vec<UnitRecord>,
}

/// One unit's result and the observations it depends on.
#[derive(Serialize, Deserialize)]
struct UnitRecord {
    id: UnitId,
    /// Its [`UnitSources`] as JSON (their serde attributes need a self-describing format).
    sources: String,
    /// Indices into [`Record::observations`].
    touched: Vec<u32>,
}

/// Where the fingerprint of scans with one manifest and one set of options is stored (see the
/// module docs).
pub(crate) struct Fingerprint {
    file: PathBuf,
}

/// What the previous scan with the same key left, checked against the file system now.
pub(crate) enum Previous {
    /// Every observation holds: the previous model is the answer.
    Unchanged(Model),
    /// Some observations changed, none of those every unit depends on: the units whose own
    /// observations all hold, with those observations, can be taken over.
    Partly(HashMap<UnitId, StoredUnit>),
}

/// A unit of the previous scan whose every observation still holds.
pub(crate) struct StoredUnit {
    pub sources: UnitSources,
    /// `sources` as stored (JSON).
    pub json: String,
    pub observations: Vec<(PathBuf, Observation)>,
}

/// What one unit's result was computed from, for [`Fingerprint::save`].
pub(crate) struct UnitInputs {
    /// The paths its walk asked about.
    pub touched: Touched,
    /// Its sources as stored, when taken over from the previous scan (not serialised again).
    pub stored: Option<String>,
}

impl Fingerprint {
    /// The fingerprint stored in `dir` for scans of the (absolute) `manifest` with options
    /// whose text is `options`.
    pub fn new(dir: &Path, manifest: &Path, options: &str) -> Fingerprint {
        let key = [manifest.as_os_str().as_encoded_bytes(), options.as_bytes()];
        Fingerprint {
            file: cache_file::path(dir, "scan", &key),
        }
    }

    /// The previous scan's result as far as it still holds, when a record with this `key`
    /// (every input of a scan other than the file system: `cargo metadata`'s answer, the
    /// target's cfgs) exists; `None` when there is none, it is damaged, or an observation
    /// every unit depends on changed.
    pub fn previous(&self, key: &[u8; 32]) -> Option<Previous> {
        let payload = cache_file::read(&self.file, KIND)?;
        let record: Record = postcard::from_bytes(&payload).ok()?;
        if record.key != *key {
            return None;
        }
        let changed: Vec<bool> = record
            .observations
            .par_iter()
            .map(|(path, seen)| seen.now(Path::new(path)) != *seen)
            .collect();
        let all_hold = !changed.contains(&true);
        let changed = |index: &u32| changed.get(*index as usize).copied().unwrap_or(true);
        if record.global.iter().any(changed) {
            return None;
        }
        if all_hold {
            let units = record
                .units
                .into_iter()
                .map(|unit| Some((unit.id, serde_json::from_str(&unit.sources).ok()?)))
                .collect::<Option<_>>()?;
            return Some(Previous::Unchanged(Model {
                version: MODEL_VERSION,
                root: record.root,
                units,
            }));
        }
        let mut units = HashMap::new();
        for unit in record.units {
            if unit.touched.iter().any(changed) {
                continue;
            }
            let observations = unit
                .touched
                .iter()
                .map(|&i| {
                    let (path, seen) = &record.observations[i as usize];
                    (PathBuf::from(path), seen.clone())
                })
                .collect();
            let stored = StoredUnit {
                sources: serde_json::from_str(&unit.sources).ok()?,
                json: unit.sources,
                observations,
            };
            units.insert(unit.id, stored);
        }
        Some(Previous::Partly(units))
    }

    /// Stores `model` with its `key` and what it was computed from: the `observations` (each
    /// path's, in any order, duplicates allowed), each unit's [`UnitInputs`] (by unit id), and
    /// the `global` paths every unit depends on (besides those no unit touched). Skipped
    /// silently when a path is not UTF-8, a touched path has no observation (its dependency
    /// could not be recorded), or the file cannot be written: the next scan is then a full one.
    pub fn save(
        &self,
        key: [u8; 32],
        model: &Model,
        observations: Vec<(PathBuf, Observation)>,
        inputs: &HashMap<UnitId, UnitInputs>,
        global: &Touched,
    ) {
        let observations: Option<Vec<(String, Observation)>> = observations
            .into_iter()
            .map(|(path, seen)| Some((path.into_os_string().into_string().ok()?, seen)))
            .collect();
        let Some(mut observations) = observations else {
            return;
        };
        observations.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        observations.dedup();
        // By `Path`, as the source cache's maps are: `a/./b` and `a/b` are one path there.
        let mut indices: HashMap<&Path, Vec<u32>> = HashMap::new();
        for (i, (path, _)) in observations.iter().enumerate() {
            indices.entry(Path::new(path)).or_default().push(i as u32);
        }
        let index = |paths: &mut dyn Iterator<Item = &PathBuf>| -> Option<Vec<u32>> {
            let mut list = Vec::new();
            for path in paths {
                list.extend(indices.get(path.as_path())?);
            }
            list.sort_unstable();
            Some(list)
        };
        let mut units = Vec::with_capacity(model.units.len());
        let mut attributed = vec![false; observations.len()];
        for (id, sources) in &model.units {
            let Some(inputs) = inputs.get(id) else {
                return;
            };
            let Some(touched) = index(&mut inputs.touched.iter()) else {
                return;
            };
            for &i in &touched {
                attributed[i as usize] = true;
            }
            let sources = match &inputs.stored {
                Some(json) => json.clone(),
                None => match serde_json::to_string(sources) {
                    Ok(json) => json,
                    Err(_) => return,
                },
            };
            units.push(UnitRecord {
                id: id.clone(),
                sources,
                touched,
            });
        }
        let Some(mut global) = index(&mut global.iter()) else {
            return;
        };
        global.extend((0..observations.len() as u32).filter(|&i| !attributed[i as usize]));
        global.sort_unstable();
        global.dedup();
        let record = Record {
            key,
            root: model.root.clone(),
            observations,
            global,
            units,
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

    /// The previous model if every observation holds.
    fn unchanged(fingerprint: &Fingerprint, key: [u8; 32]) -> Option<Model> {
        match fingerprint.previous(&key)? {
            Previous::Unchanged(model) => Some(model),
            Previous::Partly(_) => None,
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
        let fresh = |fingerprint: &Fingerprint| unchanged(fingerprint, [1; 32]);
        let save = |fingerprint: &Fingerprint| {
            let global = observe().into_iter().map(|(path, _)| path).collect();
            fingerprint.save([1; 32], &model("/x"), observe(), &HashMap::new(), &global)
        };
        assert_eq!(fresh(&fingerprint), None);
        save(&fingerprint);
        assert_eq!(fresh(&fingerprint), Some(model("/x")));
        assert!(fingerprint.previous(&[2; 32]).is_none(), "another key");
        let other_options = Fingerprint::new(&cache, &tree, "other");
        assert_eq!(fresh(&other_options), None);

        std::fs::write(tree.join("a.rs"), "mod c;").unwrap();
        assert!(fingerprint.previous(&[1; 32]).is_none(), "edited content");
        std::fs::write(tree.join("a.rs"), "mod b;").unwrap();
        assert_eq!(fresh(&fingerprint), Some(model("/x")), "content back");

        std::fs::write(tree.join("b.rs"), "").unwrap();
        assert!(
            fingerprint.previous(&[1; 32]).is_none(),
            "a missing path appeared"
        );
        std::fs::remove_file(tree.join("b.rs")).unwrap();

        std::fs::write(tree.join("d/new.rs"), "").unwrap();
        assert!(
            fingerprint.previous(&[1; 32]).is_none(),
            "a directory gained an entry"
        );
        std::fs::remove_file(tree.join("d/new.rs")).unwrap();
        assert_eq!(fresh(&fingerprint), Some(model("/x")));

        std::fs::remove_file(tree.join("a.rs")).unwrap();
        assert!(
            fingerprint.previous(&[1; 32]).is_none(),
            "a read file vanished"
        );
    }

    #[test]
    fn an_edit_leaves_the_other_units_reusable() {
        let dir = tempfile::tempdir().unwrap();
        let (cache, tree) = (dir.path().join("cache"), dir.path().join("tree"));
        std::fs::create_dir_all(&tree).unwrap();
        let content = |text: &str| Observation::Content(Some(blake3::hash(text.as_bytes()).into()));
        let mut observations = Vec::new();
        let mut inputs = HashMap::new();
        let mut model = model("/x");
        for name in ["a", "b"] {
            let path = tree.join(format!("{name}.rs"));
            std::fs::write(&path, name).unwrap();
            observations.push((path.clone(), content(name)));
            let id = UnitId::new(name, crate::UnitKind::Lib, name);
            let sources: UnitSources = serde_json::from_value(serde_json::json!({
                "package": name, "version": "0.1.0", "target": name, "kind": "lib",
                "crateTypes": ["lib"], "edition": "2021", "rootFile": format!("{name}.rs"),
                "manifest": "Cargo.toml", "features": [], "files": [format!("{name}.rs")],
                "manifests": [], "deps": [], "externs": {}, "env": [], "outDirIncludes": [],
                "unresolved": [], "hash": name
            }))
            .unwrap();
            model.units.insert(id.clone(), sources);
            let touched = Touched::from([path]);
            inputs.insert(
                id,
                UnitInputs {
                    touched,
                    stored: None,
                },
            );
        }
        let plan = tree.join("Cargo.toml");
        observations.push((plan.clone(), Observation::Kind(FileKind::Missing)));
        let fingerprint = Fingerprint::new(&cache, &tree, "options");
        fingerprint.save([1; 32], &model, observations, &inputs, &Touched::new());
        assert_eq!(unchanged(&fingerprint, [1; 32]), Some(model.clone()));

        std::fs::write(tree.join("a.rs"), "edited").unwrap();
        let Some(Previous::Partly(units)) = fingerprint.previous(&[1; 32]) else {
            panic!("b's observations still hold");
        };
        let b = UnitId::new("b", crate::UnitKind::Lib, "b");
        assert_eq!(units.keys().collect::<Vec<_>>(), [&b]);
        assert_eq!(units[&b].sources, model.units[&b]);
        assert_eq!(units[&b].observations, [(tree.join("b.rs"), content("b"))]);

        std::fs::write(&plan, "").unwrap();
        assert!(
            fingerprint.previous(&[1; 32]).is_none(),
            "an observation no unit touched is one every unit depends on"
        );
    }
}
