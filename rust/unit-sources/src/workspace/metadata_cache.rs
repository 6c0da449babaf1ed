//! cargo's answer to `cargo metadata --no-deps`, stored in the scan's record
//! ([`crate::record::store`]): cargo's freshness check applied to cargo itself.
//!
//! Without dependencies, what `cargo metadata` answers is a function of the command (manifest
//! and flags), the environment cargo reads (variables named `CARGO*`, `RUST*` and `__CARGO*`,
//! `PATH`, `HOME`: with the resolved programs and the flags, the answer's key) and the files
//! [`crate::workspace::metadata_inputs`] lists, which the stored answer observes
//! ([`Observation`]s, checked as the [`crate::record::inputs`] checks its own).
//!
//! When every observation holds, the stored answer is cargo's answer. A workspace whose inputs
//! that list may not cover is never stored: a glob with a wildcard below its first wildcard
//! component (or `**`), a configuration that `include`s other files, a `cargo` not found on
//! `PATH`, a path that is not UTF-8. Nor is an answer any of whose inputs changed while cargo
//! ran or shortly before, since the observations, taken after cargo answered, could then show
//! a later state than cargo read. That is judged by modification times: of the path, or of its
//! directory where only its existence is observed (`src/main.rs`: editing it does not count,
//! creating or removing it does). A file observed by content that is created while cargo runs
//! (a `.cargo/config.toml`, a `Cargo.toml` above the workspace) is not caught; the
//! [`crate::record::inputs`] has the same window. With dependencies (`Cargo.lock`, vendored
//! sources, source replacement) cargo always runs.
//!
//! **The same tree at another root** (a flake's next store path, a copy) takes the answer over
//! when cargo would answer the same there with the root replaced ([`crate::fs::relocation`]):
//! - the inputs are stored by where they lie: those below the root relative to it (checked
//!   below the new root), the fixed ones (cargo's home, rustup, the `cargo` program) as they
//!   are, and of the files cargo looks for in the root's ancestors those that exist (at the new
//!   root, exactly the same files must exist in its ancestors, with the same content; and none
//!   may be a `Cargo.toml`, whose members are paths relative to it);
//! - the answer is moved only when nothing cargo read names the old root: no manifest or
//!   configuration below the root holds a string that is an absolute path, climbs above the
//!   root, or contains the root, no variable of the key and no resolved program contains it,
//!   no fixed input lies below it, and the root is plain. Otherwise the stored answer serves
//!   its own root only.

use crate::cache::frame::{self, Watched};
use crate::fs::observation::Observation;
use crate::fs::relocation;
use crate::workspace::metadata_inputs::{inputs, present_ancestors, Input, Place, Seen};
use crate::workspace::toolchain::Toolchain;
use cargo_metadata::Metadata;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// cargo's answer as a scan record stores it (see the module docs).
#[derive(Serialize, Deserialize)]
pub(crate) struct StoredAnswer {
    key: [u8; 32],
    /// The root cargo answered for.
    root: String,
    /// The manifest cargo ran on, relative to the root.
    manifest: String,
    /// Inputs below the root, relative to it ([`relocation::store`]).
    tree: Vec<(String, Observation)>,
    /// Inputs that do not depend on where the workspace lies, absolute.
    fixed: Vec<(String, Observation)>,
    /// The [`ANCESTOR_FILES`](crate::workspace::metadata_inputs::ANCESTOR_FILES) of the root's ancestors that exist (and are not fixed inputs),
    /// absolute, sorted.
    ancestors: Vec<(String, Observation)>,
    /// cargo's JSON line, as a [`relocation::template`] when the answer may move, else as it is.
    answer: String,
    relocatable: bool,
}

/// cargo's answer for one scan: the stored one, when it holds, and the one to store.
pub(crate) struct MetadataCache {
    /// The absolute manifest cargo runs on.
    manifest: PathBuf,
    /// The key's inputs other than the manifest's place below the root.
    base_key: blake3::Hasher,
    /// The text of the key's variables and resolved programs (no root may occur in it for the
    /// answer to move).
    environment: String,
    stored: Option<StoredAnswer>,
    /// The answer to store after this scan: the stored one when it held, or cargo's new one.
    result: Option<StoredAnswer>,
    /// Whether the stored answer held.
    kept: bool,
}

impl MetadataCache {
    /// The answer for `cargo <args> --manifest-path <manifest>` (`manifest` absolute) as
    /// `toolchain` runs it, in this process's environment, with the answer a previous scan
    /// stored, if any.
    pub fn new(
        manifest: &Path,
        args: &[OsString],
        toolchain: &Toolchain,
        stored: Option<StoredAnswer>,
    ) -> MetadataCache {
        let mut key = blake3::Hasher::new();
        let programs = format!("{toolchain:?}");
        key.update(programs.as_bytes());
        for arg in args {
            key.update(&[0]).update(arg.as_encoded_bytes());
        }
        let mut environment: Vec<(OsString, OsString)> = std::env::vars_os()
            .filter(|(name, _)| {
                let name = name.as_encoded_bytes();
                [&b"CARGO"[..], b"RUST", b"__CARGO"]
                    .iter()
                    .any(|prefix| name.starts_with(prefix))
                    || name == b"PATH"
                    || name == b"HOME"
            })
            .collect();
        environment.sort();
        let mut text = programs;
        for (name, value) in &environment {
            key.update(&[0]).update(name.as_encoded_bytes());
            key.update(&[1]).update(value.as_encoded_bytes());
            text.push('\0');
            text.push_str(&value.to_string_lossy());
        }
        MetadataCache {
            manifest: manifest.to_path_buf(),
            base_key: key,
            environment: text,
            stored,
            result: None,
            kept: false,
        }
    }

    /// The key of the answer for the manifest at `relative` below the root.
    fn key(&self, relative: &str) -> [u8; 32] {
        let mut key = self.base_key.clone();
        key.update(&[2]).update(relative.as_bytes());
        key.finalize().into()
    }

    /// The stored answer, for the tree the manifest lies in now, when it was stored for this
    /// command and environment and every observation holds there (see the module docs); `None`
    /// otherwise.
    pub fn answer(&mut self) -> Option<String> {
        let stored = self.stored.as_ref()?;
        let relative = Path::new(&stored.manifest);
        if !self.manifest.ends_with(relative) || self.key(&stored.manifest) != stored.key {
            return None;
        }
        let root = self
            .manifest
            .ancestors()
            .nth(relative.components().count())?;
        let stored_root = Path::new(&stored.root);
        let moved = root != stored_root;
        if moved && !(stored.relocatable && relocation::is_plain(root)) {
            return None;
        }
        let holds = |(path, seen): &(String, Observation)| {
            relocation::locate(path, stored_root, root).is_some_and(|p| seen.now(&p) == *seen)
        };
        if !(stored.tree.par_iter().all(holds) && stored.fixed.par_iter().all(holds)) {
            return None;
        }
        let fixed: BTreeSet<&str> = stored.fixed.iter().map(|(p, _)| p.as_str()).collect();
        if present_ancestors(root, &fixed)? != stored.ancestors {
            return None;
        }
        if moved
            && stored
                .ancestors
                .iter()
                .any(|(p, _)| p.ends_with("/Cargo.toml"))
        {
            return None;
        }
        let answer = match stored.relocatable {
            true => relocation::instantiate(&stored.answer, root)?,
            false => stored.answer.clone(),
        };
        self.result = self.stored.take();
        self.kept = true;
        Some(answer)
    }

    /// Keeps `answer` (cargo's JSON line, parsed as `metadata`), which cargo gave from
    /// `started` on, to store with what it observes now; nothing is kept when the inputs cannot
    /// all be observed or changed since shortly before `started` (see the module docs).
    pub fn save(&mut self, answer: &str, metadata: &Metadata, started: SystemTime) {
        self.result = self.observe(answer, metadata, started);
    }

    fn observe(
        &self,
        answer: &str,
        metadata: &Metadata,
        started: SystemTime,
    ) -> Option<StoredAnswer> {
        let root = metadata.workspace_root.as_std_path();
        let manifest = self.manifest.strip_prefix(root).ok()?.to_str()?.to_string();
        let observed: Vec<(PathBuf, Place, Observation)> = inputs(&self.manifest, metadata)?
            .into_par_iter()
            .map(|Input { path, seen, place }| {
                let observation = seen.observe(&path);
                let watched = match seen {
                    Seen::Kind => Watched::Existence,
                    _ => Watched::Content,
                };
                frame::settled(&path, started, watched).then_some(())?;
                path.to_str()?;
                Some((path, place, observation))
            })
            .collect::<Option<_>>()?;
        let mut stored = StoredAnswer {
            key: self.key(&manifest),
            root: root.to_str()?.to_string(),
            manifest,
            tree: Vec::new(),
            fixed: Vec::new(),
            ancestors: Vec::new(),
            answer: String::new(),
            relocatable: relocation::is_plain(root) && !self.environment.contains(root.to_str()?),
        };
        for (path, place, observation) in observed {
            let text = relocation::store(&path, root)?;
            match place {
                Place::Tree => {
                    stored.relocatable &= path.starts_with(root)
                        && !relocation::climbs(Path::new(&text))
                        && !names_a_place(&path, root, &observation);
                    stored.tree.push((text, observation));
                }
                Place::Fixed => {
                    stored.relocatable &= !path.starts_with(root);
                    stored.fixed.push((text, observation));
                }
            }
        }
        let fixed: BTreeSet<&str> = stored.fixed.iter().map(|(p, _)| p.as_str()).collect();
        stored.ancestors = present_ancestors(root, &fixed)?;
        stored.answer = match relocation::template(answer, root) {
            Some(template) if stored.relocatable => template,
            _ => {
                stored.relocatable = false;
                answer.to_string()
            }
        };
        Some(stored)
    }

    /// The answer the scan's record should hold now (cargo's new one, or the stored one that
    /// held; `None` when neither), and whether it is the stored one.
    pub fn into_stored(self) -> (Option<StoredAnswer>, bool) {
        (self.result, self.kept)
    }
}

/// Whether the manifest or configuration file `path` below `root`, observed as `seen`, holds a
/// string (a key or a value) that names a place rather than a path in the tree: an absolute
/// path, one climbing above the root from the directory its paths are relative to, or one
/// containing the root. Any other input counts as naming none; a manifest that cannot be read
/// as TOML as naming one.
fn names_a_place(path: &Path, root: &Path, seen: &Observation) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let base = match name {
        "Cargo.toml" => path.parent(),
        "config" | "config.toml" => path.parent().and_then(Path::parent),
        _ => return false,
    };
    if !matches!(seen, Observation::Content(Some(_))) {
        return false;
    }
    let (Some(base), Some(root_text)) = (base, root.to_str()) else {
        return true;
    };
    let Ok(base) = base.strip_prefix(root) else {
        return true;
    };
    let Some(table) = std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
    else {
        return true;
    };
    let names_place = |text: &str| {
        let as_path = Path::new(text);
        text.contains(root_text)
            || as_path.is_absolute()
            || (as_path
                .components()
                .any(|c| c == std::path::Component::ParentDir)
                && relocation::climbs(&base.join(as_path)))
    };
    fn any_string(value: &toml::Value, check: &dyn Fn(&str) -> bool) -> bool {
        match value {
            toml::Value::String(text) => check(text),
            toml::Value::Array(values) => values.iter().any(|v| any_string(v, check)),
            toml::Value::Table(table) => table
                .iter()
                .any(|(key, value)| check(key) || any_string(value, check)),
            _ => false,
        }
    }
    any_string(&toml::Value::Table(table), &names_place)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_naming_places_keep_the_answer_at_its_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("ws");
        std::fs::create_dir_all(root.join("crates/a/.cargo")).unwrap();
        let manifest = root.join("crates/a/Cargo.toml");
        let config = root.join("crates/a/.cargo/config.toml");
        let names = |path: &Path, text: &str| {
            std::fs::write(path, text).unwrap();
            names_a_place(path, &root, &Observation::content(path))
        };
        let dependency = |path: &str| format!("[dependencies]\nb = {{ path = \"{path}\" }}\n");
        assert!(!names(&manifest, &dependency("../b")));
        assert!(!names(&manifest, &dependency("../../crates/b")));
        assert!(
            names(&manifest, &dependency("../../../ws/crates/b")),
            "out and back in"
        );
        assert!(names(
            &manifest,
            &dependency(&root.join("crates/b").display().to_string())
        ));
        assert!(names(&manifest, &dependency("/elsewhere/b")));
        let described = format!("[package]\ndescription = \"built in {}\"\n", root.display());
        assert!(names(&manifest, &described));
        assert!(names(&manifest, "not toml ["));
        assert!(!names(&config, "[paths]\nx = [\"../b\"]\n"));
        assert!(names(&config, "[paths]\nx = [\"../../../b\"]\n"));
        let other = root.join("crates/a/notes.txt");
        assert!(!names(&other, "/anything"), "not a manifest");
    }
}
