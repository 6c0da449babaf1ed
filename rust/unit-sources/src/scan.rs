//! The entry point: workspace → units → scanned files → model.

use crate::build_plan::{assign_profiles, build_info};
use crate::build_script::settable_cfgs;
use crate::cfg::{KnownCfgs, TargetCfg};
use crate::fingerprint::{Fingerprint, Observation, Previous, StoredUnit, UnitInputs};
use crate::parse_cache::ParseCache;
use crate::profile::Profiles;
use crate::resolver::ModuleResolver;
use crate::source_cache::{SourceCache, Touched, UnitReads};
use crate::toolchain::Toolchain;
use crate::unit::{plan_units, PlannedUnit};
use crate::workspace::{manifest_path, Workspace};
use crate::{Error, FeatureSelection, Model, UnitId, UnitKind, MODEL_VERSION};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What to scan and under which assumptions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanOptions {
    /// A `Cargo.toml` (of the workspace root or of a member) or a directory holding one.
    pub manifest_path: PathBuf,
    /// The features to assume (default: the superset over all features).
    pub features: FeatureSelection,
    /// A target triple: target `cfg`s are then evaluated exactly (from `rustc --print cfg`);
    /// without it, both branches of every target `cfg` are kept.
    pub target: Option<String>,
    /// The `--cfg` flags the build passes (`RUSTFLAGS`: `name` or `name="value"`), when
    /// known. Then a custom cfg that neither these flags, nor the package's build script
    /// (`cargo:rustc-cfg=` lines found statically), nor the compiler can set is false;
    /// without it, every custom cfg is unknown and both sides are kept.
    pub cfgs: Option<Vec<String>>,
    /// Also scan the dependencies: cargo resolves the graph offline (from `Cargo.lock` and the
    /// configured sources, e.g. a `cargo vendor` directory below the root), every package of
    /// it gets its library and build-script units, features are cargo's resolution, and
    /// `externs` name registry libraries too. Every dependency must lie below the root.
    pub dependencies: bool,
    /// With `dependencies`: the cargo profile the build uses (`dev` when `None`, `release`,
    /// or one the root manifest defines), which decides each unit's `build` flags.
    pub profile: Option<String>,
    /// A directory for the persistent caches: the scan's fingerprint (when `cargo metadata`
    /// answers as before and every file, path and directory the previous scan with these
    /// options read is unchanged, its model is returned without scanning) and the parse cache
    /// (a file whose content was lexed before by this build is not lexed again). `None`: no
    /// cache. The caches never change the model; damaged or unwritable ones are ignored.
    pub cache_dir: Option<PathBuf>,
    /// Run cargo as the workspace configures it: rustup's choice of toolchain for the
    /// workspace (a `rust-toolchain.toml` `path` included), the workspace's cargo
    /// configuration (wrappers, `[env]`, …). Off (the default, and always for the plugin):
    /// only the caller's own `cargo` and `rustc` run, with the data-only part of the
    /// configuration (see docs/security.md).
    pub trust_workspace: bool,
}

/// Where callers keep the caches unless told otherwise: `$RUST_UNIT_SOURCES_CACHE_DIR`
/// (set and empty: no cache), else `$XDG_CACHE_HOME/rust-unit-sources`, else
/// `$HOME/.cache/rust-unit-sources`; `None` when none of them is set.
pub fn default_cache_dir() -> Option<PathBuf> {
    let var = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = std::env::var_os("RUST_UNIT_SOURCES_CACHE_DIR") {
        return (!dir.is_empty()).then(|| PathBuf::from(dir));
    }
    var("XDG_CACHE_HOME")
        .or_else(|| var("HOME").map(|home| home.join(".cache")))
        .map(|cache| cache.join("rust-unit-sources"))
}

/// Scans the workspace of `options.manifest_path`: every unit of every member package, with the
/// files rustc reads for it.
///
/// Runs `cargo metadata` once (and `rustc --print cfg` once when a target is given), only the
/// caller's own cargo and rustc, offline (see [`ScanOptions::trust_workspace`]); reads and
/// lexes each source file once, whatever the number of units sharing it; scans units in parallel.
/// With a [`ScanOptions::cache_dir`], a scan whose inputs are unchanged since the last one reads
/// and hashes every input but returns the stored model, and only files not lexed before are.
///
/// Errors (one line, naming the file and line at fault): the manifest is missing or malformed,
/// `cargo` cannot be run, a requested feature does not exist, a source file cannot be read or
/// lexed (invalid UTF-8, unbalanced delimiters), or a module or include path leaves the
/// workspace root.
pub fn scan(options: &ScanOptions) -> Result<Model, Error> {
    let manifest = manifest_path(&options.manifest_path)?;
    let fingerprint = options.cache_dir.as_deref().map(|dir| {
        let options = ScanOptions {
            cache_dir: None,
            ..options.clone()
        };
        Fingerprint::new(dir, &manifest, &format!("{options:?}"))
    });
    let dependencies = options.dependencies.then_some(&options.features);
    let manifest_dir = manifest.parent().unwrap_or(Path::new("/"));
    let toolchain = Toolchain::resolve(manifest_dir, options.trust_workspace)?;
    let workspace = Workspace::load(
        &manifest,
        dependencies,
        options.target.as_deref(),
        options.cache_dir.as_deref(),
        &toolchain,
    )?;
    let target_cfg = options
        .target
        .as_deref()
        .map(|triple| TargetCfg::query(triple, toolchain.rustc()))
        .transpose()?;
    let key = fingerprint_key(&workspace, target_cfg.as_ref());
    let mut reusable = match fingerprint.as_ref().and_then(|f| f.previous(&key)) {
        Some(Previous::Unchanged(model)) => return Ok(model),
        Some(Previous::Partly(units)) => units,
        None => HashMap::new(),
    };
    let parsed = match &options.cache_dir {
        Some(dir) => ParseCache::open(dir, &workspace.root),
        None => ParseCache::disabled(),
    };
    let cache = SourceCache::new(parsed);
    let mut units = plan_units(&workspace, &options.features, &cache)?;
    if options.dependencies {
        let manifest = workspace.root.join("Cargo.toml");
        let text = cache
            .text(&manifest)
            .ok_or_else(|| Error::in_file(&manifest, "cannot read as UTF-8 text"))?;
        let profiles = Profiles::parse(&manifest, &text)?;
        let profile = options.profile.as_deref().unwrap_or("dev");
        assign_profiles(&mut units, &profiles, profile, &manifest)?;
    }
    let resolver = ModuleResolver::new(&workspace, &units, target_cfg.as_ref(), &cache);
    let global = match &options.cfgs {
        Some(flags) => know_cfgs(&mut units, &resolver, &workspace.root, flags)?,
        None => Touched::new(),
    };
    let reused: Vec<(UnitId, StoredUnit)> = units
        .iter()
        .filter_map(|unit| Some((unit.id.clone(), reusable.remove(&unit.id)?)))
        .collect();
    let taken_over: HashSet<&UnitId> = reused.iter().map(|(id, _)| id).collect();
    let walked = units
        .par_iter()
        .filter(|unit| !taken_over.contains(&unit.id))
        .map(|unit| {
            resolver
                .scan_unit(unit)
                .map(|(sources, touched)| (unit.id.clone(), sources, touched))
        })
        .collect::<Result<Vec<_>, Error>>()?;
    drop((resolver, taken_over));
    let mut observations = Vec::new();
    let mut inputs = HashMap::new();
    let mut scanned = BTreeMap::new();
    for (id, unit) in reused {
        let touched = unit.observations.iter().map(|o| o.0.clone()).collect();
        let stored = Some(unit.json);
        inputs.insert(id.clone(), UnitInputs { touched, stored });
        observations.extend(unit.observations);
        scanned.insert(id, unit.sources);
    }
    for (id, sources, touched) in walked {
        let stored = None;
        inputs.insert(id.clone(), UnitInputs { touched, stored });
        scanned.insert(id, sources);
    }
    if options.dependencies {
        for (id, info) in build_info(&units, &scanned) {
            let sources = scanned.get_mut(&id).expect("every planned unit is scanned");
            if sources.build.as_ref() != Some(&info) {
                sources.build = Some(info);
                // What other units read changed it: the stored form is stale.
                if let Some(inputs) = inputs.get_mut(&id) {
                    inputs.stored = None;
                }
            }
        }
    }
    let model = Model {
        version: MODEL_VERSION,
        root: workspace.root.to_string_lossy().into_owned(),
        units: scanned,
    };
    let live: HashSet<[u8; 32]> = observations
        .iter()
        .filter_map(|(_, seen)| match seen {
            Observation::Content(digest) => *digest,
            _ => None,
        })
        .collect();
    if let Some(fingerprint) = fingerprint {
        observations.extend(cache.observations());
        fingerprint.save(key, &model, observations, &inputs, &global);
    }
    cache.into_parse_cache().save(&live);
    Ok(model)
}

/// Every input of a scan other than the options and the file system: `cargo metadata`'s
/// answer, the target's cfgs, and the model's version.
fn fingerprint_key(workspace: &Workspace, target_cfg: Option<&TargetCfg>) -> [u8; 32] {
    let mut key = blake3::Hasher::new();
    key.update(&MODEL_VERSION.to_le_bytes());
    key.update(&workspace.metadata_digest);
    if let Some(target_cfg) = target_cfg {
        key.update(&target_cfg.digest());
    }
    key.finalize().into()
}

/// Fills in each unit's [`KnownCfgs`]: the build's `--cfg` flags, and the names its package's
/// build script may set (found in the script's sources; any name when the package has build
/// dependencies or the script computes one). Returns the paths read to find them (every unit
/// of the package depends on them).
fn know_cfgs(
    units: &mut [PlannedUnit],
    resolver: &ModuleResolver<'_>,
    root: &Path,
    flags: &[String],
) -> Result<Touched, Error> {
    let mut read = Touched::new();
    let given = KnownCfgs::given(flags);
    let mut by_package: HashMap<PathBuf, Arc<KnownCfgs>> = HashMap::new();
    for unit in units.iter().filter(|u| u.kind == UnitKind::BuildScript) {
        let settable = if unit.build_dependencies {
            None
        } else {
            let (sources, touched) = resolver.scan_unit(unit)?;
            read.extend(touched);
            // A script whose sources cannot all be read may set any name.
            if sources.error.is_some() {
                None
            } else {
                let reads = UnitReads::new(resolver.cache());
                let files = sources.files.iter().map(|f| root.join(f.as_str()));
                let settable = settable_cfgs(&files.collect(), &reads);
                read.extend(reads.into_touched());
                settable
            }
        };
        by_package.insert(
            unit.package_dir.clone(),
            Arc::new(KnownCfgs {
                given: given.clone(),
                settable,
            }),
        );
    }
    let without_script = Arc::new(KnownCfgs {
        given,
        settable: Some(Default::default()),
    });
    for unit in units.iter_mut() {
        let known = by_package.get(&unit.package_dir).unwrap_or(&without_script);
        unit.known_cfgs = Some(Arc::clone(known));
    }
    Ok(read)
}
