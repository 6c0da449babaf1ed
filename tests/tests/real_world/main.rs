//! Real-world recall: the scanner against rustc's own dep-info for popular crates.io crates.
//!
//! `tests/real-world` depends on about fifty popular crates with various features (its
//! `Cargo.lock` pins every version). The test runs `cargo check --message-format json --target
//! <host>` on it into `target/real-world/`; for every lib, proc-macro and build-script unit of
//! every crates.io package cargo compiled, it scans the package's registry directory with the
//! exact features and target of that compilation and asserts that the scan lists everything
//! rustc's `.d` file lists (recall 100%): the package's files in `files`, files of the build
//! script's `OUT_DIR` in `outDirIncludes`, `# env-dep:` names in `env`. It prints each unit's
//! precision (the share of the scan's files that rustc read) and asserts a floor overall. A
//! second test (`vendored_graph.rs`) vendors the graph and scans it with `--dependencies`: no
//! unit carries an error, as cargo builds them all.
//!
//! Needs crates.io (or the crates already in cargo's cache, which `scripts/setup` fetches):
//! without it the test fails, saying so. `RUST_UNIT_SOURCES_WRITE_DOCS=1` writes the table to `docs/real-world.md`;
//! `RUST_UNIT_SOURCES_VERBOSE=1` prints each imprecise unit's extra files and `unresolved`.

mod vendored_graph;

use rust_unit_sources::{parse_dep_info, scan, FeatureSelection, Model, ScanOptions, UnitKind};
use rust_unit_sources_tests::{host_triple, repo_root};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

/// The least share of the scanned files that rustc must have read, over all units (issue 3's
/// target). The scan is told the build passes no `--cfg`, so what is left is code under cfgs
/// that build scripts may set (rustix's `libc`/`linux_raw`, proc-macro2's): see
/// docs/real-world.md.
const MIN_PRECISION: f64 = 0.98;

/// The command that regenerates `docs/real-world.md`.
const REPRODUCE: &str =
    "RUST_UNIT_SOURCES_WRITE_DOCS=1 cargo test --release -p rust-unit-sources-tests --test real_world";

/// One unit cargo compiled for a crates.io package (from `compiler-artifact` messages; a unit
/// compiled twice with the same features, for the host and for the target, is one).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Unit {
    /// `name@version`.
    package: String,
    manifest: PathBuf,
    kind: UnitKind,
    target: String,
    features: Vec<String>,
}

/// What one unit's comparison found.
struct Row {
    package: String,
    unit: String,
    features: Vec<String>,
    rustc: usize,
    scanned: usize,
    extra: Vec<String>,
    out_dir: usize,
    env: usize,
}

/// Runs `cargo check` on `tests/real-world`; returns its JSON messages.
fn cargo_check(target: &str, target_dir: &Path) -> Vec<Value> {
    let project = repo_root().join("tests/real-world");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "check",
            "--locked",
            "--message-format",
            "json",
            "--target",
            target,
        ])
        .arg("--manifest-path")
        .arg(project.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir)
        .current_dir(&project)
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "`cargo check` of {} failed. This test needs crates.io to be reachable (or the crates \
         of its Cargo.lock already in cargo's cache); it does not pass without them.\n{}",
        project.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// rustc's `.d` file for a unit, next to its first output.
fn dep_info_file(kind: UnitKind, output: &Path) -> PathBuf {
    let dir = output.parent().expect("outputs are in a directory");
    if kind == UnitKind::BuildScript {
        // build/<pkg>-<hash>/build-script-build; dep-info build_script_build-<hash>.d.
        let hash = dir
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.rsplit_once('-'))
            .map(|(_, h)| h)
            .expect("build/<pkg>-<hash>");
        return dir.join(format!("build_script_build-{hash}.d"));
    }
    // deps/lib<crate>-<hash>.{rmeta,rlib,so}; dep-info deps/<crate>-<hash>.d.
    let name = output.file_name().and_then(|n| n.to_str()).expect("UTF-8");
    let stem = name.strip_prefix("lib").unwrap_or(name);
    let stem = stem.split_once('.').map_or(stem, |(s, _)| s);
    dir.join(format!("{stem}.d"))
}

/// The crates.io units among cargo's messages with their `.d` files, and every package's
/// `OUT_DIR`s (canonical).
fn units(messages: &[Value]) -> (BTreeMap<Unit, Vec<PathBuf>>, BTreeMap<String, Vec<PathBuf>>) {
    let mut units: BTreeMap<Unit, Vec<PathBuf>> = BTreeMap::new();
    let mut out_dirs: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
    for message in messages {
        let Some((_, package)) = message["package_id"]
            .as_str()
            .and_then(|id| id.strip_prefix("registry+"))
            .and_then(|r| r.rsplit_once('#'))
        else {
            continue;
        };
        let package = package.to_string();
        match message["reason"].as_str() {
            Some("build-script-executed") => {
                let dir = Path::new(message["out_dir"].as_str().expect("out_dir"));
                let dir = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
                out_dirs.entry(package).or_default().push(dir);
            }
            Some("compiler-artifact") => {
                let kind = match message["target"]["kind"][0].as_str() {
                    Some("custom-build") => UnitKind::BuildScript,
                    Some("proc-macro") => UnitKind::ProcMacro,
                    Some(_) => UnitKind::Lib,
                    None => panic!("no target kind: {message}"),
                };
                let output = message["filenames"][0].as_str().expect("an output file");
                let features = message["features"]
                    .as_array()
                    .expect("features")
                    .iter()
                    .map(|s| s.as_str().expect("a feature").to_string())
                    .collect();
                let unit = Unit {
                    package,
                    manifest: message["manifest_path"].as_str().expect("manifest").into(),
                    kind,
                    target: message["target"]["name"].as_str().expect("name").into(),
                    features,
                };
                units
                    .entry(unit)
                    .or_default()
                    .push(dep_info_file(kind, Path::new(output)));
            }
            _ => {}
        }
    }
    (units, out_dirs)
}

type ScanKey = (PathBuf, Vec<String>);

/// Scans each (manifest, features) once, a few at a time (each scan runs `cargo metadata`).
fn scan_all(keys: &BTreeSet<ScanKey>, target: &str) -> BTreeMap<ScanKey, Result<Model, String>> {
    let keys: Vec<_> = keys.iter().collect();
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
    let chunk = keys.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = keys
            .chunks(chunk)
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|(manifest, features)| {
                            let options = ScanOptions {
                                manifest_path: manifest.clone(),
                                features: FeatureSelection {
                                    features: Some(features.clone()),
                                    all_features: false,
                                    no_default_features: true,
                                },
                                target: Some(target.to_string()),
                                // cargo check passes no `--cfg` (no RUSTFLAGS here).
                                cfgs: Some(Vec::new()),
                                ..Default::default()
                            };
                            let model = scan(&options).map_err(|e| e.to_string());
                            ((manifest.clone(), features.clone()), model)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("scan thread"))
            .collect()
    })
}

/// What a unit's dep-info files list.
struct RustcRead {
    /// The files below the workspace's root, relative to it.
    read: BTreeSet<String>,
    /// The files inside a build script's `OUT_DIR`, relative to it.
    generated: BTreeSet<String>,
    /// The environment variables rustc read.
    env: BTreeSet<String>,
}

/// Reads the dep-info files `dep_infos` of the unit `label`; a file neither below `root` nor
/// in one of `out_dirs` is pushed to `missed`.
fn read_dep_infos(
    label: &str,
    dep_infos: &[PathBuf],
    root: &Path,
    out_dirs: &[PathBuf],
    missed: &mut Vec<String>,
) -> RustcRead {
    let mut read = BTreeSet::new();
    let mut generated = BTreeSet::new();
    let mut env = BTreeSet::new();
    for dep_info in dep_infos {
        let text = std::fs::read_to_string(dep_info)
            .unwrap_or_else(|e| panic!("{label}: {}: {e}", dep_info.display()));
        // Paths relative to `/`, so that every file rustc lists parses; classified below.
        let info = parse_dep_info(&text, Path::new("/"), Path::new("/\0none"))
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        env.extend(info.env);
        for file in &info.files {
            let path = Path::new("/").join(file.as_str());
            if let Ok(relative) = path.strip_prefix(root) {
                read.insert(relative.to_str().expect("UTF-8").to_string());
            } else if let Some(inside) = path.canonicalize().ok().and_then(|p| {
                out_dirs
                    .iter()
                    .find_map(|d| p.strip_prefix(d).ok().map(Path::to_path_buf))
            }) {
                generated.insert(inside.to_str().expect("UTF-8").to_string());
            } else {
                missed.push(format!(
                    "{label}: file outside the package: {}",
                    path.display()
                ));
            }
        }
    }
    RustcRead {
        read,
        generated,
        env,
    }
}

/// Compares one unit with rustc's dep-info; pushes what the scan missed to `missed`.
fn compare(
    unit: &Unit,
    dep_infos: &[PathBuf],
    model: &Model,
    out_dirs: &[PathBuf],
    missed: &mut Vec<String>,
) -> Row {
    let label = format!(
        "{} {} {} (features: [{}])",
        unit.package,
        unit.kind.as_str(),
        unit.target,
        unit.features.join(", ")
    );
    let scanned_unit = model
        .units
        .values()
        .find(|u| u.kind == unit.kind && u.target == unit.target)
        .unwrap_or_else(|| panic!("{label}: no such unit in the scan"));
    if let Some(error) = &scanned_unit.error {
        missed.push(format!(
            "{label}: cargo built it, the scan says it cannot be: {error}"
        ));
    }
    let root = Path::new(&model.root);
    let scanned: BTreeSet<&str> = scanned_unit.files.iter().map(|f| f.as_str()).collect();
    let RustcRead {
        read,
        generated,
        env,
    } = read_dep_infos(&label, dep_infos, root, out_dirs, missed);
    for file in read.iter().filter(|f| !scanned.contains(f.as_str())) {
        missed.push(format!("{label}: file {file}"));
    }
    // `None`: the scan does not know what the unit includes from OUT_DIR (anything).
    for file in generated.iter().filter(|f| {
        scanned_unit
            .out_dir_includes
            .as_ref()
            .is_some_and(|includes| !includes.contains(f))
    }) {
        missed.push(format!("{label}: OUT_DIR file {file}"));
    }
    for name in env.iter().filter(|n| !scanned_unit.env.contains(n)) {
        missed.push(format!("{label}: env {name}"));
    }
    let extra: Vec<String> = scanned
        .iter()
        .filter(|f| !read.contains(**f))
        .map(|f| f.to_string())
        .collect();
    if std::env::var_os("RUST_UNIT_SOURCES_VERBOSE").is_some_and(|v| v == "1") && !extra.is_empty()
    {
        eprintln!("{label}: {} extra: {extra:?}", extra.len());
        for u in &scanned_unit.unresolved {
            eprintln!("    unresolved {}:{}: {}", u.file, u.line, u.reason);
        }
    }
    Row {
        package: unit.package.clone(),
        unit: format!("{} {}", unit.kind.as_str(), unit.target),
        features: unit.features.clone(),
        rustc: read.len(),
        scanned: scanned.len(),
        extra,
        out_dir: generated.len(),
        env: env.len(),
    }
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "-".into();
    }
    format!("{:.1}%", 100.0 * part as f64 / whole as f64)
}

/// The summary line, the per-unit table and where the extra files are.
fn report(rows: &[Row], target: &str) -> String {
    let rustc: usize = rows.iter().map(|r| r.rustc).sum();
    let scanned: usize = rows.iter().map(|r| r.scanned).sum();
    let extra: usize = rows.iter().map(|r| r.extra.len()).sum();
    let packages: BTreeSet<&str> = rows.iter().map(|r| r.package.as_str()).collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} units of {} crates.io packages (target {target}): rustc read {rustc} package files; \
         the scan lists {scanned}, {extra} of them not read by rustc. Recall 100%, precision {}.\n",
        rows.len(),
        packages.len(),
        percent(scanned - extra, scanned),
    );
    out.push_str(
        "| package | unit | features | rustc files | scan files | extra | precision | OUT_DIR files | env |\n\
         |---|---|---|--:|--:|--:|--:|--:|--:|\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.package,
            r.unit,
            r.features.join(" "),
            r.rustc,
            r.scanned,
            r.extra.len(),
            percent(r.scanned - r.extra.len(), r.scanned),
            r.out_dir,
            r.env,
        );
    }
    out.push_str("\nThe extra files (listed, not read by rustc):\n\n");
    for r in rows.iter().filter(|r| !r.extra.is_empty()) {
        const SHOWN: usize = 8;
        let mut files: Vec<String> = r
            .extra
            .iter()
            .take(SHOWN)
            .map(|f| format!("`{f}`"))
            .collect();
        if r.extra.len() > SHOWN {
            files.push(format!("and {} more", r.extra.len() - SHOWN));
        }
        let _ = writeln!(out, "- {} {}: {}", r.package, r.unit, files.join(", "));
    }
    out
}

/// Checks every `rerun-if-changed` path cargo recorded in the `output` file of a package's
/// build-script run (below `out_dirs`' parents) against the scan's `build-script-run` unit: a
/// path inside the package must be one of its `files` or lie below one of its `runInputs`.
/// Returns a report line per package: paths recorded, whether `runInputsExact`.
fn check_run_inputs(
    package: &str,
    model: &Model,
    out_dirs: &[PathBuf],
    missed: &mut Vec<String>,
) -> String {
    let run = model
        .units
        .values()
        .find(|u| u.kind == UnitKind::BuildScriptRun)
        .unwrap_or_else(|| panic!("{package}: no build-script-run unit"));
    let root = Path::new(&model.root);
    let inputs = run.run_inputs.as_deref().unwrap_or_default();
    let mut recorded = BTreeSet::new();
    for out_dir in out_dirs {
        let output = out_dir
            .parent()
            .expect("OUT_DIR has a parent")
            .join("output");
        let text = std::fs::read_to_string(&output).unwrap_or_default();
        for line in text.lines() {
            let Some(path) = line
                .strip_prefix("cargo:rerun-if-changed=")
                .or_else(|| line.strip_prefix("cargo::rerun-if-changed="))
            else {
                continue;
            };
            let Ok(relative) = root.join(path).strip_prefix(root).map(Path::to_path_buf) else {
                continue;
            };
            let relative = relative
                .to_str()
                .expect("UTF-8")
                .trim_end_matches('/')
                .to_string();
            let covered = run.files.iter().any(|f| f.as_str() == relative)
                || inputs
                    .iter()
                    .any(|i| relative == i.as_str() || relative.starts_with(&format!("{i}/")));
            if !covered {
                missed.push(format!(
                    "{package}: build-script run: rerun-if-changed={path} not in runInputs"
                ));
            }
            recorded.insert(relative);
        }
    }
    format!(
        "| {package} | {} | {} | {} |",
        recorded.len(),
        run.files.len(),
        if run.run_inputs_exact == Some(true) {
            "yes"
        } else {
            "no"
        }
    )
}

#[test]
fn popular_crates_list_every_file_rustc_reads() {
    let start = Instant::now();
    let target = host_triple();
    let target_dir = repo_root().join("target/real-world");
    let messages = cargo_check(&target, &target_dir);
    let built = start.elapsed();
    let (units, out_dirs) = units(&messages);
    let packages: BTreeSet<&str> = units.keys().map(|u| u.package.as_str()).collect();
    assert!(packages.len() >= 30, "only {} packages", packages.len());

    let keys = units
        .keys()
        .map(|u| (u.manifest.clone(), u.features.clone()))
        .collect();
    let models = scan_all(&keys, &target);
    let mut missed = Vec::new();
    let rows: Vec<Row> = units
        .iter()
        .filter_map(|(unit, dep_infos)| {
            match &models[&(unit.manifest.clone(), unit.features.clone())] {
                Ok(model) => {
                    let dirs = out_dirs.get(&unit.package).map_or(&[][..], Vec::as_slice);
                    Some(compare(unit, dep_infos, model, dirs, &mut missed))
                }
                Err(e) => {
                    missed.push(format!("{}: the scan failed: {e}", unit.package));
                    None
                }
            }
        })
        .collect();
    let run_rows: Vec<String> = units
        .keys()
        .filter(|u| u.kind == UnitKind::BuildScript)
        .filter_map(|u| {
            let model = models[&(u.manifest.clone(), u.features.clone())]
                .as_ref()
                .ok()?;
            let dirs = out_dirs.get(&u.package).map_or(&[][..], Vec::as_slice);
            Some(check_run_inputs(&u.package, model, dirs, &mut missed))
        })
        .collect();
    assert!(
        run_rows.len() >= 10,
        "only {} build scripts",
        run_rows.len()
    );
    // Published packages declaring targets whose files they exclude still scan: those
    // targets carry their error (naming the manifest's entry), every other unit is whole.
    let broken: BTreeSet<String> = models
        .values()
        .filter_map(|model| model.as_ref().ok())
        .flat_map(|model| &model.units)
        .filter(|(_, unit)| unit.error.is_some())
        .map(|(id, _)| id.to_string())
        .collect();
    for example in ["custom_error", "json", "json_iterator"] {
        let id = format!("nom/example/{example}");
        assert!(broken.contains(&id), "{id} carries no error: {broken:?}");
    }
    let nom = models
        .iter()
        .find(|((manifest, _), _)| manifest.to_string_lossy().contains("/nom-7."))
        .and_then(|(_, model)| model.as_ref().ok())
        .expect("nom 7 was scanned");
    let error = nom
        .units
        .iter()
        .find(|(id, _)| id.as_str() == "nom/example/json")
        .and_then(|(_, unit)| unit.error.clone())
        .expect("nom's json example carries an error");
    assert!(
        error.contains("/Cargo.toml:") && error.ends_with("/examples/json.rs does not exist"),
        "{error}"
    );
    let report = format!(
        "{}\n## Build-script runs\n\nFor each package with a build script: the \
         `rerun-if-changed` paths cargo recorded in the run's `output` file (each asserted to \
         be a file of the `build-script-run` unit or below one of its `runInputs`), the files \
         the unit lists, and whether `runInputsExact` (without any `rerun-if-changed`, cargo \
         reruns on any change in the package: the unit lists the whole package).\n\n\
         | package | rerun-if-changed recorded | run unit files | exact |\n|---|--:|--:|---|\n{}\n",
        report(&rows, &target),
        run_rows.join("\n")
    );
    println!("{report}");
    println!(
        "cargo check: {:.1}s; scans and comparison: {:.1}s",
        built.as_secs_f64(),
        (start.elapsed() - built).as_secs_f64()
    );
    assert!(
        missed.is_empty(),
        "the scan missed what rustc read or cargo tracks:\n{}",
        missed.join("\n")
    );
    if std::env::var_os("RUST_UNIT_SOURCES_WRITE_DOCS").is_some_and(|v| v == "1") {
        let doc = format!(
            "# Real-world recall and precision\n\n\
             Generated by `tests/tests/real_world/` (part of `cargo test`); regenerate with\n\n\
             ```sh\n{REPRODUCE}\n```\n\n\
             `tests/real-world` depends on popular crates.io crates with various features (its \
             `Cargo.lock` pins them); `cargo check --target <host>` compiles them, and rustc \
             writes each unit's dep-info (`.d`). For every lib, proc-macro and build-script unit \
             of a crates.io package, the package's registry directory is scanned with the unit's \
             exact features and target. The scan must list every file of the package rustc read \
             (recall, asserted 100%), every file rustc read from the build script's `OUT_DIR` \
             (in `outDirIncludes`) and every `env-dep` name (in `env`). *extra* counts the files \
             the scan lists that rustc did not read; precision is (scan files − extra) / scan \
             files. A unit compiled twice with the same features (for the host and for the \
             target) appears once.\n\n\
             The scan is told what `--cfg` flags the build passes (`cfgs = []`: none, as here), \
             so cfgs that only `RUSTFLAGS` would set (`docsrs`, `tokio_unstable`, \
             `getrandom_backend`, `miri`, …) are false. Nearly every extra file left sits under \
             cfgs a build script may set, which the scan keeps both sides of (rustix's \
             `libc`/`linux_raw` backends, proc-macro2's `wrap_proc_macro`, anyhow's and \
             thiserror's nightly probes, and any cfg of a build script with build \
             dependencies). Two tokio files sit behind a wrapper macro that wraps another \
             (`#[cfg(unix)] cfg_signal_internal! {{ … }}`).\n\n\
             {report}"
        );
        std::fs::write(repo_root().join("docs/real-world.md"), doc).expect("write docs");
    }
    let scanned: usize = rows.iter().map(|r| r.scanned).sum();
    let extra: usize = rows.iter().map(|r| r.extra.len()).sum();
    let precision = (scanned - extra) as f64 / scanned as f64;
    assert!(
        precision >= MIN_PRECISION,
        "overall precision {precision:.4} < {MIN_PRECISION}"
    );
}
