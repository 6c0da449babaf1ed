//! The entry point: workspace → units → scanned files → model.

use crate::cache::dir::{default_cache_limit, CacheDir};
use crate::cache::parse::{self, ParseCache};
use crate::cfg::{KnownCfgs, TargetCfg};
use crate::fs::observation::Observation;
use crate::fs::source_cache::{SourceCache, Touched, UnitReads};
use crate::record::inputs::{Previous, ScanInputs, StoredUnit, UnitInputs};
use crate::record::store::{Records, ScanRecord};
use crate::walk::build_script::settable_cfgs;
use crate::walk::resolver::ModuleResolver;
use crate::workspace::build_plan::{assign_profiles, build_info};
use crate::workspace::graph_units::plan_from_graphs;
use crate::workspace::metadata::{manifest_path, metadata_args, Workspace};
use crate::workspace::metadata_cache::{MetadataCache, StoredAnswer};
use crate::workspace::profile::Profiles;
use crate::workspace::toolchain::Toolchain;
use crate::workspace::unit_graph::PlanGraphs;
use crate::workspace::units::{plan_units, PlannedUnit};
use crate::{Error, FeatureSelection, Model, Unit, UnitId, UnitKind, MODEL_VERSION};
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
    /// A directory for the persistent caches: the scan's record (cargo's answer, and the
    /// inputs: when cargo's answer and every file, path and directory the previous scan
    /// with these options read are unchanged, its model is returned without scanning; the
    /// same tree at another path takes it over) and the parse cache (a file whose content was
    /// lexed before by this build is not lexed again). `None`: no cache. The caches never
    /// change the model; damaged or unwritable ones are ignored.
    pub cache_dir: Option<PathBuf>,
    /// The size limit of [`ScanOptions::cache_dir`] in bytes: a scan that wrote to it evicts
    /// least recently used files beyond it. `None`: [`crate::default_cache_limit`].
    pub cache_limit: Option<u64>,
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
/// workspace root; `$RUST_UNIT_SOURCES_CACHE_LIMIT` is not a size.
pub fn scan(options: &ScanOptions) -> Result<Model, Error> {
    let manifest = manifest_path(&options.manifest_path)?;
    let cache = open_cache(options, &manifest)?;
    let mut previous = cache.as_ref().and_then(|(_, records)| records.load());
    let dependencies = options.dependencies.then_some(&options.features);
    let manifest_dir = manifest.parent().unwrap_or(Path::new("/"));
    let toolchain = Toolchain::resolve(manifest_dir, options.trust_workspace)?;
    let args = metadata_args(dependencies, options.target.as_deref());
    let mut answers = (cache.is_some() && dependencies.is_none()).then(|| {
        let stored = previous.as_mut().and_then(|record| record.answer.take());
        MetadataCache::new(&manifest, &args, &toolchain, stored)
    });
    let workspace = Workspace::load(&manifest, &args, answers.as_mut(), &toolchain)?;
    let graphs = dependencies
        .map(|features| {
            let profile = options.profile.as_deref().unwrap_or("dev");
            check_profile(&workspace.root, profile)?;
            let build = (profile, options.target.as_deref());
            PlanGraphs::load(&workspace, &manifest, features, build, &toolchain)
        })
        .transpose()?;
    // With dependencies there is no answer to store, as before.
    let (answer, answer_kept) = answers.map_or((None, true), MetadataCache::into_stored);
    let planned = PlannedWorkspace {
        workspace: &workspace,
        graphs: graphs.as_ref(),
    };
    let Some((cache_dir, records)) = cache else {
        return scan_workspace(&planned, options, &toolchain, None, None).map(|s| s.model);
    };
    let stored = previous.and_then(|record| Some((record.inputs?, PathBuf::from(record.root))));
    let scanned = scan_workspace(
        &planned,
        options,
        &toolchain,
        stored.as_ref().map(|(f, root)| (f, root.as_path())),
        Some(cache_dir.dir()),
    );
    let answer = StoredAnswerState {
        answer,
        kept: answer_kept,
    };
    let (result, record, parsed) = match next_record(scanned, stored, answer, &workspace.root) {
        NextRecord::Unchanged(model) => return Ok(model),
        NextRecord::Failed(error) => return Err(error),
        NextRecord::Write {
            result,
            record,
            parsed,
        } => (result, *record, parsed),
    };
    let grown = parsed + records.save(&record);
    if let Some(inputs) = &record.inputs {
        // Once per content (generated and vendored trees hold many copies of some files).
        let digests: HashSet<&[u8; 32]> = inputs.digests().collect();
        parse::touch(cache_dir.dir(), digests.into_par_iter());
    }
    cache_dir.account(grown, Some(records.file()));
    result
}

/// The cache directory of `options` under its size limit, and the records of scans of
/// `manifest` with these options in it; `None` without a cache directory.
fn open_cache(
    options: &ScanOptions,
    manifest: &Path,
) -> Result<Option<(CacheDir, Records)>, Error> {
    let Some(dir) = &options.cache_dir else {
        return Ok(None);
    };
    let limit = options.cache_limit.map_or_else(default_cache_limit, Ok)?;
    let cache_dir = CacheDir::new(dir, limit);
    // The options that decide the model, with the cache's own left out.
    let options = ScanOptions {
        manifest_path: PathBuf::new(),
        cache_dir: None,
        cache_limit: None,
        ..options.clone()
    };
    let records = Records::new(cache_dir.dir(), manifest, &format!("{options:?}"));
    Ok(Some((cache_dir, records)))
}

/// Errors when the root manifest of the workspace at `root` defines no profile `name` (or
/// cannot be read), naming the manifest, before cargo is asked to plan with it.
fn check_profile(root: &Path, name: &str) -> Result<(), Error> {
    let manifest = root.join("Cargo.toml");
    let text =
        std::fs::read_to_string(&manifest).map_err(|e| Error::in_file(&manifest, e.to_string()))?;
    match Profiles::parse(&manifest, &text)?.defines(name) {
        true => Ok(()),
        false => Err(Error::in_file(
            &manifest,
            format!("profile `{name}` is not defined"),
        )),
    }
}

/// cargo's answer for the next record, and whether the stored one is still it.
struct StoredAnswerState {
    answer: Option<StoredAnswer>,
    /// The record already holds this answer (or, with dependencies, there is none to store).
    kept: bool,
}

/// What a scan with a cache leaves in its record.
enum NextRecord {
    /// The stored record holds: nothing to write.
    Unchanged(Model),
    /// The scan failed and left nothing new to keep.
    Failed(Error),
    /// Write `record`; the parse cache grew by `parsed` bytes.
    Write {
        result: Result<Model, Error>,
        record: Box<ScanRecord>,
        parsed: i64,
    },
}

/// The record to leave after `scanned`, given the `stored` inputs (with the root they were
/// recorded at) and cargo's `answer`, for the workspace at `root`.
fn next_record(
    scanned: Result<Scanned, Error>,
    stored: Option<(ScanInputs, PathBuf)>,
    answer: StoredAnswerState,
    root: &Path,
) -> NextRecord {
    let shown_root = root.to_string_lossy().into_owned();
    let record = |answer, inputs, walked| ScanRecord {
        root: shown_root,
        answer,
        inputs,
        walked,
    };
    match scanned {
        // The stored inputs held entirely: rewritten only for another root or answer.
        Ok(Scanned { model, fresh: None }) => {
            let moved = stored.as_ref().is_some_and(|(_, r)| r != root);
            if answer.kept && !moved {
                return NextRecord::Unchanged(model);
            }
            let inputs = stored.map(|(inputs, _)| inputs);
            NextRecord::Write {
                result: Ok(model),
                record: Box::new(record(answer.answer, inputs, 0)),
                parsed: 0,
            }
        }
        Ok(Scanned {
            model,
            fresh: Some(fresh),
        }) => NextRecord::Write {
            result: Ok(model),
            record: Box::new(record(answer.answer, fresh.inputs, fresh.walked)),
            parsed: fresh.parsed,
        },
        // cargo's new answer is kept, with the inputs it leaves valid, for the next scan.
        Err(error) => {
            let inputs = stored.filter(|(_, r)| r == root).map(|(inputs, _)| inputs);
            match answer.answer.filter(|_| !answer.kept) {
                Some(answer) => NextRecord::Write {
                    result: Err(error),
                    record: Box::new(record(Some(answer), inputs, 0)),
                    parsed: 0,
                },
                None => NextRecord::Failed(error),
            }
        }
    }
}

/// What [`scan_workspace`] found.
struct Scanned {
    model: Model,
    /// With a cache, unless the previous inputs held entirely: what to store.
    fresh: Option<Fresh>,
}

/// What a scan that walked units leaves for the record.
struct Fresh {
    /// `None` when its dependencies could not all be recorded.
    inputs: Option<ScanInputs>,
    /// How many units it walked.
    walked: u32,
    /// By how many bytes the parse cache grew.
    parsed: i64,
}

/// A workspace as cargo describes it, and, with dependencies, cargo's plan of its builds.
struct PlannedWorkspace<'w> {
    workspace: &'w Workspace,
    graphs: Option<&'w PlanGraphs>,
}

/// Scans the units of `planned` with `toolchain`'s rustc, taking over those of the `previous`
/// inputs (recorded at the root it comes with) that still hold, with the parse cache of
/// `cache_dir`.
fn scan_workspace(
    planned: &PlannedWorkspace<'_>,
    options: &ScanOptions,
    toolchain: &Toolchain,
    previous: Option<(&ScanInputs, &Path)>,
    cache_dir: Option<&Path>,
) -> Result<Scanned, Error> {
    let target_cfg = options
        .target
        .as_deref()
        .map(|triple| TargetCfg::query(triple, toolchain.rustc()))
        .transpose()?;
    let workspace = planned.workspace;
    let key = inputs_key(planned, target_cfg.as_ref());
    let previous = previous.and_then(|(inputs, root)| inputs.previous(&key, root, &workspace.root));
    let root = workspace.root.to_string_lossy().into_owned();
    let reusable = match previous {
        Some(Previous::Unchanged(units)) => {
            let model = Model {
                version: MODEL_VERSION,
                root,
                units,
            };
            return Ok(Scanned { model, fresh: None });
        }
        Some(Previous::Partly(units)) => units,
        None => HashMap::new(),
    };
    let parsed = match cache_dir {
        Some(dir) => ParseCache::open(dir),
        None => ParseCache::disabled(),
    };
    let cache = SourceCache::new(parsed);
    let mut units = plan(planned, options, &cache)?;
    let resolver = ModuleResolver::new(workspace, &units, target_cfg.as_ref(), &cache);
    let global = match &options.cfgs {
        Some(flags) => know_cfgs(&mut units, &resolver, &workspace.root, flags)?,
        None => Touched::new(),
    };
    let (mut results, walked_count) = walk_or_take_over(&units, &resolver, reusable)?;
    drop(resolver);
    if options.dependencies {
        results.add_build_info(&units);
    }
    let inputs = cache_dir.map(|_| {
        let mut observations = results.observations;
        observations.extend(cache.observations());
        ScanInputs::new(
            key,
            &workspace.root,
            &results.sources,
            observations,
            &results.inputs,
            &global,
        )
    });
    let parsed = cache.into_parse_cache().save();
    let model = Model {
        version: MODEL_VERSION,
        root,
        units: results.sources,
    };
    let fresh = inputs.map(|inputs| Fresh {
        inputs,
        walked: walked_count,
        parsed,
    });
    Ok(Scanned { model, fresh })
}

/// The answers of `units`: those `reusable` from the previous scan taken over, the others
/// walked with `resolver` in parallel; and how many were walked.
fn walk_or_take_over(
    units: &[PlannedUnit],
    resolver: &ModuleResolver<'_>,
    mut reusable: HashMap<UnitId, StoredUnit>,
) -> Result<(UnitResults, u32), Error> {
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
    let walked_count = walked.len() as u32;
    Ok((UnitResults::of(reused, walked), walked_count))
}

/// The units of `planned` with `options`' features (cargo's plan with `--dependencies`), and
/// then the profile each one builds with.
fn plan(
    planned: &PlannedWorkspace<'_>,
    options: &ScanOptions,
    cache: &SourceCache,
) -> Result<Vec<PlannedUnit>, Error> {
    let workspace = planned.workspace;
    let Some(graphs) = planned.graphs else {
        return plan_units(workspace, &options.features, cache);
    };
    let target_given = options.target.is_some();
    let mut units = plan_from_graphs(workspace, graphs, target_given, cache)?;
    let manifest = workspace.root.join("Cargo.toml");
    let text = cache
        .text(&manifest)
        .ok_or_else(|| Error::in_file(&manifest, "cannot read as UTF-8 text"))?;
    let profiles = Profiles::parse(&manifest, &text)?;
    let profile = options.profile.as_deref().unwrap_or("dev");
    assign_profiles(&mut units, &profiles, profile, &manifest, !target_given)?;
    Ok(units)
}

/// Every unit's answer, taken over from the previous scan or walked now, with what each was
/// computed from.
struct UnitResults {
    sources: BTreeMap<UnitId, Unit>,
    inputs: HashMap<UnitId, UnitInputs>,
    /// The observations of the units taken over (a walked unit's are in the scan's memo).
    observations: Vec<(PathBuf, Observation)>,
}

impl UnitResults {
    /// The results of the `reused` units and of the `walked` ones.
    fn of(reused: Vec<(UnitId, StoredUnit)>, walked: Vec<(UnitId, Unit, Touched)>) -> UnitResults {
        let mut results = UnitResults {
            sources: BTreeMap::new(),
            inputs: HashMap::new(),
            observations: Vec::new(),
        };
        for (id, unit) in reused {
            let touched = Touched::from_paths(unit.observations.iter().map(|o| o.0.clone()));
            let (stored, anchors) = (Some(unit.json), Some(unit.anchors));
            let inputs = UnitInputs {
                touched,
                stored,
                anchors,
            };
            results.inputs.insert(id.clone(), inputs);
            results.observations.extend(unit.observations);
            results.sources.insert(id, unit.sources);
        }
        for (id, sources, touched) in walked {
            let (stored, anchors) = (None, None);
            let inputs = UnitInputs {
                touched,
                stored,
                anchors,
            };
            results.inputs.insert(id.clone(), inputs);
            results.sources.insert(id, sources);
        }
        results
    }

    /// Sets each unit's `build` (`--dependencies`): it depends on what the other `units` read,
    /// so a unit taken over whose `build` changed loses its stored form.
    fn add_build_info(&mut self, units: &[PlannedUnit]) {
        for (id, info) in build_info(units, &self.sources) {
            let sources = self
                .sources
                .get_mut(&id)
                .expect("every planned unit is scanned");
            if sources.build.as_ref() != Some(&info) {
                sources.build = Some(info);
                // What other units read changed it: the stored form is stale.
                if let Some(inputs) = self.inputs.get_mut(&id) {
                    inputs.stored = None;
                }
            }
        }
    }
}

/// Every input of a scan other than the options, the root and the file system: `cargo
/// metadata`'s answer and cargo's plan with the root left out, the target's cfgs, and the
/// model's version.
fn inputs_key(planned: &PlannedWorkspace<'_>, target_cfg: Option<&TargetCfg>) -> [u8; 32] {
    let mut key = blake3::Hasher::new();
    key.update(&MODEL_VERSION.to_le_bytes());
    key.update(&planned.workspace.metadata_digest);
    if let Some(graphs) = planned.graphs {
        key.update(&graphs.digest);
    }
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
                let settable = settable_cfgs(&files.collect(), unit.lexing_edition(), &reads);
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
