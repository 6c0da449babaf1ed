//! A scan's inputs: cargo's freshness check, done with sorted lists and hashes, for the
//! whole model.
//!
//! A scan's model is a function of its inputs: the options, this build of the scanner, what
//! `cargo metadata` (and `rustc --print cfg`) answered, and what it read from the file system
//! (every file's content, every path's kind, every directory's entries: the
//! [`SourceCache::observations`](crate::fs::source_cache::SourceCache::observations), through which
//! all its file-system reads go). The record stores those inputs with the model, and for
//! each unit the observations its walk made (a walk is a function of its unit, which the key
//! and the planning's observations fix, and of the answers to its reads). The next scan with
//! the same options gets cargo's answer; when the key (cargo's answer with its root left out,
//! the target's cfgs) matches, it checks every recorded observation (reading and hashing each
//! file, as the floor does, `stat`ing each probed path, listing each directory). When all hold,
//! the stored model is the answer, since a scan would compute it from the same inputs. When
//! only some units' observations changed (an edit), the other units' results are taken over and
//! only those units are walked again. (Checking while cargo runs gains nothing on two cores:
//! both are CPU-bound and slow each other down.) Any difference, or a damaged or foreign file
//! ([`crate::cache::frame`]), means a full scan, which then replaces the record.
//!
//! Observations are stored relative to the workspace root ([`crate::fs::relocation`]), and a unit's
//! result holds only paths relative to it, so the same tree at another root (a flake's next
//! store path, a copy) can take the record over: every observation is checked at the new
//! root. What a walk found through something that names a place rather than a path in the tree
//! is not taken over there: a unit whose sources name an absolute path below either root, or a
//! relative one climbing above the root, or whose stored result spells out the old root (an
//! `unresolved` reason naming a missing file), is walked again; an observation outside the
//! tree counts as changed when it lies below the new root.

use crate::fs::observation::Observation;
use crate::fs::relocation;
use crate::fs::source_cache::Touched;
use crate::{Unit, UnitId};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// What ties a unit's walk to where the workspace lies (see the module docs): the absolute
/// paths its sources name, and whether a relative one climbs above the root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Anchors {
    absolute: Vec<String>,
    climbs: bool,
}

impl Anchors {
    /// The anchors of a walk that touched `touched` in the tree at `root`.
    pub fn of(touched: &Touched, root: &Path) -> Anchors {
        let mut absolute: Vec<String> = touched
            .absolute_literals
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        absolute.sort_unstable();
        let climbs = touched
            .dotted_literals
            .iter()
            .any(|path| match path.strip_prefix(root) {
                Ok(rest) => relocation::climbs(rest),
                Err(_) => true,
            });
        Anchors { absolute, climbs }
    }

    /// Whether a walk with these anchors in the tree at `stored_root` found what it would at
    /// `root`.
    fn hold(&self, stored_root: &Path, root: &Path) -> bool {
        stored_root == root
            || !(self.climbs
                || self.absolute.iter().any(|p| {
                    let p = Path::new(p);
                    p.starts_with(stored_root) || p.starts_with(root)
                }))
    }
}

/// The inputs of a scan, as its record ([`crate::record::store`]) stores it.
#[derive(Serialize, Deserialize)]
pub(crate) struct ScanInputs {
    key: [u8; 32],
    /// Stored by [`relocation::store`]; sorted (a directory may have both a kind and a listing).
    observations: Vec<(String, Observation)>,
    /// The observations every unit depends on (planning the units, the cfgs build scripts may
    /// set), by index, and what ties them to the root.
    global: Vec<u32>,
    global_anchors: Anchors,
    units: Vec<UnitRecord>,
}

/// One unit's result and the observations it depends on.
#[derive(Serialize, Deserialize)]
struct UnitRecord {
    id: UnitId,
    /// Its [`Unit`] as JSON (their serde attributes need a self-describing format).
    sources: String,
    /// Indices into [`ScanInputs::observations`].
    touched: Vec<u32>,
    anchors: Anchors,
}

/// What the previous scan left, checked against the file system now.
pub(crate) enum Previous {
    /// Every observation holds: the previous units are the answer.
    Unchanged(BTreeMap<UnitId, Unit>),
    /// Some observations changed, none of those every unit depends on: the units whose own
    /// observations all hold, with those observations, can be taken over.
    Partly(HashMap<UnitId, StoredUnit>),
}

/// A unit of the previous scan whose every observation still holds.
pub(crate) struct StoredUnit {
    pub sources: Unit,
    /// `sources` as stored (JSON).
    pub json: String,
    /// At the current root.
    pub observations: Vec<(PathBuf, Observation)>,
    pub anchors: Anchors,
}

/// What one unit's result was computed from, for [`ScanInputs::new`].
pub(crate) struct UnitInputs {
    /// The paths its walk asked about.
    pub touched: Touched,
    /// Its sources as stored, when taken over from the previous scan (not serialised again).
    pub stored: Option<String>,
    /// What ties it to the root, when taken over (for a walked unit, from `touched`).
    pub anchors: Option<Anchors>,
}

impl ScanInputs {
    /// The previous scan's result for the tree it recorded at `stored_root`, as far as it still
    /// holds for the tree at `root`, when its key equals `key` (every input of a scan other
    /// than the file system: `cargo metadata`'s answer with the root left out, the target's
    /// cfgs); `None` when the key differs, or an observation every unit depends on changed.
    pub fn previous(&self, key: &[u8; 32], stored_root: &Path, root: &Path) -> Option<Previous> {
        if self.key != *key {
            return None;
        }
        let at_root: Vec<Option<PathBuf>> = self
            .observations
            .iter()
            .map(|(path, _)| relocation::locate(path, stored_root, root))
            .collect();
        let changed: Vec<bool> = self
            .observations
            .par_iter()
            .zip(&at_root)
            .map(|((_, seen), path)| path.as_ref().is_none_or(|p| seen.now(p) != *seen))
            .collect();
        let changed = |index: &u32| changed.get(*index as usize).copied().unwrap_or(true);
        if self.global.iter().any(changed) || !self.global_anchors.hold(stored_root, root) {
            return None;
        }
        let old_root = stored_root.to_string_lossy();
        let holds = |unit: &UnitRecord| {
            !unit.touched.iter().any(changed)
                && unit.anchors.hold(stored_root, root)
                && (stored_root == root || !unit.sources.contains(&*old_root))
        };
        if self.units.iter().all(holds) {
            return self
                .units
                .iter()
                .map(|unit| Some((unit.id.clone(), serde_json::from_str(&unit.sources).ok()?)))
                .collect::<Option<_>>()
                .map(Previous::Unchanged);
        }
        let mut units = HashMap::new();
        for unit in self.units.iter().filter(|unit| holds(unit)) {
            let observations = unit
                .touched
                .iter()
                .filter_map(|&i| {
                    let path = at_root[i as usize].clone()?;
                    Some((path, self.observations[i as usize].1.clone()))
                })
                .collect();
            let stored = StoredUnit {
                sources: serde_json::from_str(&unit.sources).ok()?,
                json: unit.sources.clone(),
                observations,
                anchors: unit.anchors.clone(),
            };
            units.insert(unit.id.clone(), stored);
        }
        Some(Previous::Partly(units))
    }

    /// The inputs of a scan of the tree at `root` with `key` that answered `units`, with
    /// what it was computed from: the `observations` (each path's, in any order, duplicates
    /// allowed), each unit's [`UnitInputs`] (by unit id), and the `global` paths every unit
    /// depends on (besides those no unit touched). `None` when a path is not UTF-8, a unit has
    /// no inputs, or a touched path has no observation (its dependency could not be recorded):
    /// the next scan is then a full one.
    pub fn new(
        key: [u8; 32],
        root: &Path,
        units: &BTreeMap<UnitId, Unit>,
        observations: Vec<(PathBuf, Observation)>,
        inputs: &HashMap<UnitId, UnitInputs>,
        global: &Touched,
    ) -> Option<ScanInputs> {
        let mut observations: Vec<(PathBuf, String, Observation)> = observations
            .into_iter()
            .map(|(path, seen)| Some((relocation::store(&path, root)?, seen, path)))
            .map(|o| o.map(|(stored, seen, path)| (path, stored, seen)))
            .collect::<Option<_>>()?;
        observations.sort_unstable_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
        observations.dedup_by(|a, b| a.1 == b.1 && a.2 == b.2);
        // By `Path`, as the source cache's maps are: `a/./b` and `a/b` are one path there.
        let mut indices: HashMap<&Path, Vec<u32>> = HashMap::new();
        for (i, (path, _, _)) in observations.iter().enumerate() {
            indices.entry(path.as_path()).or_default().push(i as u32);
        }
        let index = |paths: &mut dyn Iterator<Item = &PathBuf>| -> Option<Vec<u32>> {
            let mut list = Vec::new();
            for path in paths {
                list.extend(indices.get(path.as_path())?);
            }
            list.sort_unstable();
            list.dedup();
            Some(list)
        };
        let mut records = Vec::with_capacity(units.len());
        let mut attributed = vec![false; observations.len()];
        for (id, sources) in units {
            let inputs = inputs.get(id)?;
            let touched = index(&mut inputs.touched.paths.iter())?;
            for &i in &touched {
                attributed[i as usize] = true;
            }
            let sources = match &inputs.stored {
                Some(json) => json.clone(),
                None => serde_json::to_string(sources).ok()?,
            };
            let anchors = match &inputs.anchors {
                Some(anchors) => anchors.clone(),
                None => Anchors::of(&inputs.touched, root),
            };
            records.push(UnitRecord {
                id: id.clone(),
                sources,
                touched,
                anchors,
            });
        }
        let mut global_indices = index(&mut global.paths.iter())?;
        global_indices.extend((0..observations.len() as u32).filter(|&i| !attributed[i as usize]));
        global_indices.sort_unstable();
        global_indices.dedup();
        Some(ScanInputs {
            key,
            observations: observations
                .into_iter()
                .map(|(_, stored, seen)| (stored, seen))
                .collect(),
            global: global_indices,
            global_anchors: Anchors::of(global, root),
            units: records,
        })
    }

    /// The content digests of the files the inputs record.
    pub fn digests(&self) -> impl Iterator<Item = &[u8; 32]> {
        self.observations.iter().filter_map(|(_, seen)| match seen {
            Observation::Content(Some(digest)) => Some(digest),
            _ => None,
        })
    }

    /// How many units it records.
    pub fn unit_count(&self) -> usize {
        self.units.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::observation::{list_dir, FileKind};

    fn content(text: &str) -> Observation {
        Observation::Content(Some(blake3::hash(text.as_bytes()).into()))
    }

    /// The previous units if every observation holds at `root`.
    fn unchanged(
        inputs: &ScanInputs,
        key: [u8; 32],
        stored_root: &Path,
        root: &Path,
    ) -> Option<BTreeMap<UnitId, Unit>> {
        match inputs.previous(&key, stored_root, root)? {
            Previous::Unchanged(units) => Some(units),
            Previous::Partly(_) => None,
        }
    }

    #[test]
    fn every_kind_of_observation_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        std::fs::create_dir_all(tree.join("d")).unwrap();
        std::fs::write(tree.join("a.rs"), "mod b;").unwrap();
        let observations = vec![
            (tree.join("a.rs"), content("mod b;")),
            (tree.join("b.rs"), Observation::Kind(FileKind::Missing)),
            (
                tree.join("d"),
                Observation::listing(&list_dir(&tree.join("d"))),
            ),
        ];
        let global = Touched::from_paths(observations.iter().map(|(path, _)| path.clone()));
        let none = BTreeMap::new();
        let inputs = ScanInputs::new(
            [1; 32],
            &tree,
            &none,
            observations,
            &HashMap::new(),
            &global,
        )
        .unwrap();
        let fresh = || unchanged(&inputs, [1; 32], &tree, &tree);
        assert_eq!(fresh(), Some(BTreeMap::new()));
        assert!(
            inputs.previous(&[2; 32], &tree, &tree).is_none(),
            "another key"
        );

        std::fs::write(tree.join("a.rs"), "mod c;").unwrap();
        assert!(fresh().is_none(), "edited content");
        std::fs::write(tree.join("a.rs"), "mod b;").unwrap();
        assert_eq!(fresh(), Some(BTreeMap::new()), "content back");

        std::fs::write(tree.join("b.rs"), "").unwrap();
        assert!(fresh().is_none(), "a missing path appeared");
        std::fs::remove_file(tree.join("b.rs")).unwrap();

        std::fs::write(tree.join("d/new.rs"), "").unwrap();
        assert!(fresh().is_none(), "a directory gained an entry");
        std::fs::remove_file(tree.join("d/new.rs")).unwrap();
        assert_eq!(fresh(), Some(BTreeMap::new()));

        std::fs::remove_file(tree.join("a.rs")).unwrap();
        assert!(fresh().is_none(), "a read file vanished");
    }

    /// Two library units `a` and `b` reading `a.rs` and `b.rs` in `tree`, and a `Cargo.toml`
    /// observed as missing that no unit touched; `b`'s sources name `extra` (an absolute path)
    /// and its stored result the text `b_text`.
    fn two_units(
        tree: &Path,
        b_literal: Option<&str>,
        b_text: &str,
    ) -> (ScanInputs, BTreeMap<UnitId, Unit>) {
        std::fs::create_dir_all(tree).unwrap();
        let mut observations = Vec::new();
        let mut inputs = HashMap::new();
        let mut units = BTreeMap::new();
        for name in ["a", "b"] {
            let path = tree.join(format!("{name}.rs"));
            std::fs::write(&path, name).unwrap();
            observations.push((path.clone(), content(name)));
            let id = UnitId::new(name, crate::UnitKind::Lib, name);
            let reason = if name == "b" { b_text } else { "" };
            let sources: Unit = serde_json::from_value(serde_json::json!({
                "package": name, "version": "0.1.0", "target": name, "kind": "lib",
                "crateTypes": ["lib"], "edition": "2021", "rootFile": format!("{name}.rs"),
                "manifest": "Cargo.toml", "features": [], "files": [format!("{name}.rs")],
                "manifests": [], "deps": [], "externs": {}, "env": [], "outDirIncludes": [],
                "unresolved": [{ "file": format!("{name}.rs"), "line": 1, "reason": reason }],
                "hash": name
            }))
            .unwrap();
            units.insert(id.clone(), sources);
            let mut touched = Touched::from_paths([path]);
            if let (Some(literal), "b") = (b_literal, name) {
                touched.absolute_literals.insert(PathBuf::from(literal));
            }
            let (stored, anchors) = (None, None);
            inputs.insert(
                id,
                UnitInputs {
                    touched,
                    stored,
                    anchors,
                },
            );
        }
        observations.push((
            tree.join("Cargo.toml"),
            Observation::Kind(FileKind::Missing),
        ));
        let inputs = ScanInputs::new(
            [1; 32],
            tree,
            &units,
            observations,
            &inputs,
            &Touched::new(),
        )
        .unwrap();
        (inputs, units)
    }

    #[test]
    fn an_edit_leaves_the_other_units_reusable() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        let (inputs, units) = two_units(&tree, None, "");
        assert_eq!(
            unchanged(&inputs, [1; 32], &tree, &tree),
            Some(units.clone())
        );

        std::fs::write(tree.join("a.rs"), "edited").unwrap();
        let Some(Previous::Partly(reusable)) = inputs.previous(&[1; 32], &tree, &tree) else {
            panic!("b's observations still hold");
        };
        let b = UnitId::new("b", crate::UnitKind::Lib, "b");
        assert_eq!(reusable.keys().collect::<Vec<_>>(), [&b]);
        assert_eq!(reusable[&b].sources, units[&b]);
        assert_eq!(
            reusable[&b].observations,
            [(tree.join("b.rs"), content("b"))]
        );

        std::fs::write(tree.join("Cargo.toml"), "").unwrap();
        assert!(
            inputs.previous(&[1; 32], &tree, &tree).is_none(),
            "an observation no unit touched is one every unit depends on"
        );
    }

    #[test]
    fn the_same_tree_elsewhere_takes_the_fingerprint_over() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (dir.path().join("old"), dir.path().join("new"));
        let b = UnitId::new("b", crate::UnitKind::Lib, "b");
        let (inputs, units) = two_units(&old, None, "");
        std::fs::create_dir_all(&new).unwrap();
        for name in ["a.rs", "b.rs"] {
            std::fs::copy(old.join(name), new.join(name)).unwrap();
        }
        assert_eq!(unchanged(&inputs, [1; 32], &old, &new), Some(units.clone()));
        std::fs::write(new.join("a.rs"), "edited").unwrap();
        let Some(Previous::Partly(reusable)) = inputs.previous(&[1; 32], &old, &new) else {
            panic!("b holds at the new root");
        };
        assert_eq!(
            reusable[&b].observations,
            [(new.join("b.rs"), content("b"))]
        );
        std::fs::write(new.join("a.rs"), "a").unwrap();
        std::fs::write(new.join("Cargo.toml"), "").unwrap();
        assert!(
            inputs.previous(&[1; 32], &old, &new).is_none(),
            "observed at the new root"
        );
        std::fs::remove_file(new.join("Cargo.toml")).unwrap();

        // What names the old root, or a path below either root, is walked again elsewhere.
        let old_text = format!("{}/b.rs does not exist", old.display());
        let new_literal = new.join("b.rs").display().to_string();
        let old_literal = old.join("b.rs").display().to_string();
        for (literal, text) in [
            (None, old_text.as_str()),
            (Some(new_literal.as_str()), ""),
            (Some(old_literal.as_str()), ""),
        ] {
            let (inputs, _) = two_units(&old, literal, text);
            assert!(
                unchanged(&inputs, [1; 32], &old, &old).is_some(),
                "{literal:?} {text}: holds where it was observed"
            );
            let Some(Previous::Partly(reusable)) = inputs.previous(&[1; 32], &old, &new) else {
                panic!("{literal:?} {text}: a holds");
            };
            assert!(!reusable.contains_key(&b), "{literal:?} {text}");
            assert_eq!(reusable.len(), 1, "{literal:?} {text}");
        }
        let (inputs, _) = two_units(&old, Some("/usr/include"), "");
        assert!(
            unchanged(&inputs, [1; 32], &old, &new).is_some(),
            "an absolute path outside both roots"
        );
    }

    #[test]
    fn paths_climbing_out_of_the_tree_are_not_taken_over_elsewhere() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (dir.path().join("old"), dir.path().join("new"));
        std::fs::create_dir_all(old.join("src")).unwrap();
        std::fs::create_dir_all(new.join("src")).unwrap();
        let climbing = old.join("src/../../old/x.rs");
        std::fs::write(old.join("x.rs"), "x").unwrap();
        let observations = vec![(climbing.clone(), content("x"))];
        let global = Touched::from_paths([climbing.clone()]);
        let none = BTreeMap::new();
        let inputs =
            ScanInputs::new([1; 32], &old, &none, observations, &HashMap::new(), &global).unwrap();
        assert!(unchanged(&inputs, [1; 32], &old, &old).is_some());
        assert!(inputs.previous(&[1; 32], &old, &new).is_none());

        let mut literal = Touched::new();
        literal.dotted_literals.insert(climbing);
        assert!(Anchors::of(&literal, &old).climbs);
        let mut inside = Touched::new();
        inside.dotted_literals.insert(old.join("src/../x.rs"));
        assert!(!Anchors::of(&inside, &old).climbs);
    }
}
