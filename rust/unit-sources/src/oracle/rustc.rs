//! The exact oracle: `rustc --emit=dep-info` run on each unit (its `.d` file is read by
//! [`crate::oracle::dep_info`], kept by [`crate::oracle::dep_info_cache`]).
//!
//! rustc writes the dep-info of a crate after expansion even when name resolution fails and no
//! `--extern` is given, so no dependency needs building. The unit gets its edition, crate
//! name and type (`--test` for test harnesses), `--cfg feature="…"` for its assumed features,
//! cargo's `CARGO_*` variables and an `OUT_DIR` holding an empty file for each of the unit's
//! `outDirIncludes` (what its build script would generate).

use crate::fs::observation::file_digest;
use crate::model::unit_hash;
use crate::oracle::dep_info::{parse_dep_info, DepInfo};
use crate::oracle::dep_info_cache::DepInfoCache;
use crate::workspace::toolchain::Toolchain;
use crate::{Error, Model, RelPath, Unit, UnitId, UnitKind};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

/// The variables the oracle sets for rustc, as cargo would.
const SET_VARIABLES: [&str; 9] = [
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_PKG_NAME",
    "CARGO_PKG_VERSION",
    "CARGO_PKG_VERSION_MAJOR",
    "CARGO_PKG_VERSION_MINOR",
    "CARGO_PKG_VERSION_PATCH",
    "CARGO_CRATE_NAME",
    "OUT_DIR",
];

/// Runs rustc's dep-info pass for `unit` of the workspace at `root`, with scratch files in
/// `scratch` (a directory; `OUT_DIR` is created empty below it).
///
/// `rustc` is the compiler to run (a path, or a name looked up on `PATH`).
///
/// Errors when rustc cannot be run or writes no dep-info (its stderr, folded to one line, is
/// in the message), or when a listed file lies outside `root`.
pub fn rustc_dep_info(
    root: &Path,
    id: &str,
    unit: &Unit,
    scratch: &Path,
    rustc: &Path,
) -> Result<DepInfo, Error> {
    dep_info_pass(root, id, unit, scratch, rustc)?
        .map_err(|stderr| Error::new(no_dep_info(id, &stderr)))
}

/// The message of a unit rustc wrote no dep-info for: `<id>: rustc wrote no dep-info: <its
/// stderr>`.
fn no_dep_info(id: &str, stderr: &str) -> String {
    format!("{id}: rustc wrote no dep-info: {stderr}")
}

/// [`rustc_dep_info`], but a unit rustc wrote no dep-info for is `Ok(Err(its stderr))`, trimmed.
fn dep_info_pass(
    root: &Path,
    id: &str,
    unit: &Unit,
    scratch: &Path,
    rustc: &Path,
) -> Result<Result<DepInfo, String>, Error> {
    let name = id.replace(['/', '-'], "_");
    let dep_file = scratch.join(format!("{name}.d"));
    let out_dir = scratch.join(format!("{name}.out"));
    std::fs::create_dir_all(&out_dir).map_err(|e| Error::in_file(&out_dir, e.to_string()))?;
    for generated in unit.out_dir_includes.iter().flatten() {
        let path = out_dir.join(generated);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, ""));
        written.map_err(|e| Error::in_file(&path, e.to_string()))?;
    }
    let _ = std::fs::remove_file(&dep_file);
    let package_dir = root.join(
        Path::new(unit.manifest.as_str())
            .parent()
            .unwrap_or(Path::new("")),
    );
    let mut command = Command::new(rustc);
    command
        .current_dir(root)
        .arg("--crate-name")
        .arg(unit.target.replace('-', "_"))
        .arg("--edition")
        .arg(&unit.edition)
        .arg(format!("--emit=dep-info={}", dep_file.display()))
        .arg("--out-dir")
        .arg(scratch)
        .arg(root.join(unit.root_file.as_str()));
    if unit.kind.is_test_harness() {
        command.arg("--test");
    } else {
        for crate_type in &unit.crate_types {
            command.arg("--crate-type").arg(crate_type);
        }
    }
    for feature in &unit.features {
        command.arg("--cfg").arg(format!("feature=\"{feature}\""));
    }
    let mut version = unit.version.splitn(3, '.');
    let mut version = || OsString::from(version.next().unwrap_or("0"));
    let values: [OsString; 9] = [
        package_dir.clone().into(),
        package_dir.join("Cargo.toml").into(),
        unit.package.clone().into(),
        unit.version.clone().into(),
        version(),
        version(),
        version(),
        unit.target.replace('-', "_").into(),
        out_dir.clone().into(),
    ];
    command.envs(SET_VARIABLES.iter().zip(values));
    let output = command
        .output()
        .map_err(|e| Error::new(format!("{id}: cannot run rustc: {e}")))?;
    match std::fs::read_to_string(&dep_file) {
        Ok(text) => parse_dep_info(&text, root, &out_dir).map(Ok),
        Err(_) => Ok(Err(String::from_utf8_lossy(&output.stderr)
            .trim()
            .to_string())),
    }
}

/// What the oracle answers for a workspace (see [`rustc_oracle`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OracleAnswer {
    /// rustc's model: every unit it wrote dep-info for, and those carrying an `error`.
    pub model: Model,
    /// The units rustc wrote no dep-info for, each with one line, `<id>: rustc wrote no
    /// dep-info: <rustc's stderr, folded>`: units that cannot be expanded without what only a build gives (a
    /// proc-macro, such as `#[cxx::bridge]` consuming an `include!`; files a build script
    /// writes that the scan cannot name). Left out of `model`.
    pub unexpanded: BTreeMap<UnitId, String>,
}

/// The model rustc itself gives: every compiled unit of `native` (a native scan, which
/// supplies the units and their configuration) with `files`, `env` and `outDirIncludes` taken
/// from `rustc --emit=dep-info`, no `unresolved`, and `hash` recomputed. Units run in
/// parallel. `build-script-run` units are left out: running a script is not rustc's business.
/// A unit carrying an `error` (a file it must read is missing or malformed, so rustc would
/// fail on it too) is kept as the native scan gives it.
///
/// With a `cache_dir`, a unit whose configuration, rustc (`rustc -vV`), listed files and read
/// variables are unchanged since the last call takes its dep-info from the cache instead of
/// running rustc (the crate's dep-info cache, keyed by all of those).
///
/// The rustc that runs is the caller's, chosen as for a scan (see
/// [`crate::ScanOptions::trust_workspace`]).
///
/// Errors: the first unit (by id) rustc writes no dep-info for (never a model short of a
/// unit), or as [`rustc_oracle`].
pub fn rustc_model(
    native: &Model,
    cache_dir: Option<&Path>,
    trust_workspace: bool,
) -> Result<Model, Error> {
    let answer = rustc_oracle(native, cache_dir, trust_workspace)?;
    match answer.unexpanded.into_values().next() {
        Some(message) => Err(Error::new(message)),
        None => Ok(answer.model),
    }
}

/// [`rustc_model`], with the units rustc writes no dep-info for set apart instead of failing
/// (`--mode check` reports them as unchecked).
///
/// Errors: rustc cannot be run, a listed file lies outside the root or cannot be read, or
/// `rustc -vV` fails when there is a cache.
pub fn rustc_oracle(
    native: &Model,
    cache_dir: Option<&Path>,
    trust_workspace: bool,
) -> Result<OracleAnswer, Error> {
    let root = Path::new(&native.root);
    let toolchain = Toolchain::resolve(root, trust_workspace)?;
    let scratch = tempfile::tempdir()
        .map_err(|e| Error::new(format!("cannot create a scratch directory: {e}")))?;
    let rustc = match cache_dir {
        Some(_) => rustc_identity(toolchain.rustc())?,
        None => String::new(),
    };
    let cache = DepInfoCache::open(cache_dir, root);
    let run = OracleRun {
        root,
        identity: &rustc,
        rustc: toolchain.rustc(),
        scratch: scratch.path(),
        cache: &cache,
    };
    let answers: Vec<(UnitId, Result<Unit, String>)> = native
        .units
        .par_iter()
        .filter(|(_, unit)| unit.kind != UnitKind::BuildScriptRun)
        .map(|(id, unit)| Ok((id.clone(), run.unit(id, unit)?)))
        .collect::<Result<_, Error>>()?;
    cache.save();
    let mut units = BTreeMap::new();
    let mut unexpanded = BTreeMap::new();
    for (id, answer) in answers {
        match answer {
            Ok(unit) => {
                units.insert(id, unit);
            }
            Err(message) => {
                unexpanded.insert(id, message);
            }
        }
    }
    let model = Model {
        version: native.version,
        root: native.root.clone(),
        units,
    };
    Ok(OracleAnswer { model, unexpanded })
}

/// What one run of the oracle shares between its units.
struct OracleRun<'a> {
    /// The workspace root.
    root: &'a Path,
    /// `rustc -vV` when there is a cache, else empty (see [`rustc_identity`]).
    identity: &'a str,
    /// The compiler to run.
    rustc: &'a Path,
    /// The scratch directory of [`rustc_dep_info`].
    scratch: &'a Path,
    cache: &'a DepInfoCache,
}

impl OracleRun<'_> {
    /// rustc's answer for `unit`: the unit with its files, `env` and `outDirIncludes` from its
    /// dep-info (cached or fresh), as the native scan gives it when it carries an `error`, or
    /// `Err(<its one line>)` when rustc wrote no dep-info for it.
    fn unit(&self, id: &UnitId, unit: &Unit) -> Result<Result<Unit, String>, Error> {
        if unit.error.is_some() {
            return Ok(Ok(unit.clone()));
        }
        let root = self.root;
        let key = unit_key(self.identity, root, id, unit);
        let (info, digests) = match self.cache.get(&key, root) {
            Some(hit) => hit,
            None => {
                let started = SystemTime::now();
                let info = match dep_info_pass(root, id.as_str(), unit, self.scratch, self.rustc)? {
                    Ok(info) => info,
                    Err(stderr) => {
                        let message = Error::new(no_dep_info(id.as_str(), &stderr));
                        return Ok(Err(message.to_string()));
                    }
                };
                let digests = info
                    .files
                    .iter()
                    .map(|path| file_digest(&root.join(path.as_str())))
                    .collect::<Result<Vec<_>, Error>>()?;
                self.cache
                    .insert(key, &info, &digests, root, &SET_VARIABLES, started);
                (info, digests)
            }
        };
        let listed: HashMap<&RelPath, [u8; 32]> = info.files.iter().zip(digests).collect();
        let files: BTreeSet<RelPath> = info.files.iter().cloned().collect();
        let manifests: BTreeSet<RelPath> = unit.manifests.iter().cloned().collect();
        let hash = unit_hash(&files, &manifests, |path| match listed.get(path) {
            Some(digest) => Ok(*digest),
            None => file_digest(&root.join(path.as_str())),
        })?;
        Ok(Ok(Unit {
            files: info.files,
            env: info.env,
            out_dir_includes: Some(info.out_dir_files),
            unresolved: Vec::new(),
            hash,
            ..unit.clone()
        }))
    }
}

/// `rustc -vV` (version, commit, host, LLVM) of the `rustc` the oracle runs.
fn rustc_identity(rustc: &Path) -> Result<String, Error> {
    let output = Command::new(rustc)
        .arg("-vV")
        .output()
        .map_err(|e| Error::new(format!("cannot run rustc -vV: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(Error::new(format!("rustc -vV failed: {}", stderr.trim())));
    }
    Ok(format!(
        "{}\n{}",
        rustc.to_string_lossy(),
        String::from_utf8_lossy(&output.stdout)
    ))
}

/// The digest of what decides a unit's dep-info besides its files and variables: rustc, the
/// workspace root, and everything [`rustc_dep_info`] passes for the unit.
fn unit_key(rustc: &str, root: &Path, id: &UnitId, unit: &Unit) -> [u8; 32] {
    let mut key = blake3::Hasher::new();
    let mut part = |bytes: &[u8]| {
        key.update(&(bytes.len() as u64).to_le_bytes());
        key.update(bytes);
    };
    part(rustc.as_bytes());
    part(root.as_os_str().as_encoded_bytes());
    for text in [
        id.as_str(),
        &unit.package,
        &unit.version,
        &unit.target,
        unit.kind.as_str(),
        &unit.edition,
        unit.root_file.as_str(),
        unit.manifest.as_str(),
    ] {
        part(text.as_bytes());
    }
    let out_dir_includes = unit.out_dir_includes.clone().unwrap_or_default();
    part(&[u8::from(unit.out_dir_includes.is_some())]);
    for list in [&unit.crate_types, &unit.features, &out_dir_includes] {
        part(&(list.len() as u64).to_le_bytes());
        for item in list {
            part(item.as_bytes());
        }
    }
    key.finalize().into()
}
