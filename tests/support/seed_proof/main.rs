//! `seed-proof`: the seed proof of issue 15, a benchmark command (`scripts/seed-proof`).
//!
//! On cargo 0.96.0's own workspace, assembled from crates.io (`rust-unit-sources-seed`), it
//! first compares the model's plan of both builds (`cargo build --workspace` and
//! `--all-targets`) with `cargo build --unit-graph`'s, then builds what `cargo build
//! --workspace` builds with `nix/build-units.nix` (one derivation per unit; the model from the
//! plugin with `dependencies = true`), input-addressed and content-addressed, from cold, runs
//! the built `cargo --version` and builds a hello-world crate with that cargo, and measures
//! what a derivation costs by itself (the same build with a rustc that compiles nothing).
//! Then, one at a time, it makes each edit of [`edits`] and reports the units Nix rebuilt
//! against the units cargo rebuilt (by name), and the wall time of the per-unit builder (both
//! ways), optionally of the same builder with the whole workspace as every unit's `src`, and of
//! cargo, with the evaluation time and the number of derivations. With every step done it
//! writes its section of `docs/rebuilds.md`.
//!
//! Each edit appends a line naming this run, so that no earlier run's outputs are in the
//! store already.
//!
//! With `--incremental`, the incremental mode's benchmark instead (`incremental.rs`): the
//! per-unit builder pure and with its `incremental` state, and cargo, on two edits.

mod cargo_side;
mod fixed_cost;
mod incremental;
mod nix_side;
mod plan_cost;
mod plans;
mod report;

use cargo_side::CargoSide;
use clap::Parser;
use fixed_cost::FixedCost;
use nix_side::{Evaluated, NixSide, Setup, Variant};
use report::{Measured, Report, Row, Smoke};
use rust_unit_sources_seed::{cargo_workspace, process, Cache};
use rust_unit_sources_tests::{host_triple, real_rustc, repo_root};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

#[derive(Parser)]
#[command(
    name = "seed-proof",
    about = "The seed proof: cargo 0.96.0's workspace, per-unit Nix builds vs cargo"
)]
struct Args {
    /// The checkout whose `nix/` and `target/release/librust_unit_sources_nix.so` are used
    /// (default: this repository).
    #[arg(long)]
    builder: Option<PathBuf>,
    /// What the report calls the builder (default: this repository's commit).
    #[arg(long)]
    builder_label: Option<String>,
    /// More arguments of `build-units.nix`, as a Nix attribute set (merged last).
    #[arg(long, default_value = "")]
    builder_args: String,
    /// The assembled workspace to copy (default: assembled, or reused, in the seed cache).
    #[arg(long)]
    workspace: Option<PathBuf>,
    /// Where the copy is built (emptied first; default: `<seed cache>/seed-proof`).
    #[arg(long)]
    scratch: Option<PathBuf>,
    /// Leave out the whole-workspace baseline (it rebuilds every unit for every edit).
    #[arg(long)]
    no_baseline: bool,
    /// Leave out the content-addressed builder.
    #[arg(long)]
    no_content_addressed: bool,
    /// Build the baseline for the first build and these edits only (numbered from 1, in the
    /// order of the report; comma-separated); for the other edits, only evaluate it and count
    /// the derivations that changed (each edit changes every unit's `src`, so building it
    /// costs what a cold build costs). Default: every edit.
    #[arg(long, value_name = "EDITS", value_delimiter = ',')]
    baseline_edits: Option<Vec<usize>>,
    /// Do not write docs/rebuilds.md.
    #[arg(long)]
    no_docs: bool,
    /// Only build the workspace once with the per-unit builder and print every failure in full
    /// (any workspace: `--workspace DIR`); no cargo, no edits, no report.
    #[arg(long)]
    build_only: bool,
    /// The incremental mode's benchmark instead (issue 29): the per-unit builder pure and with
    /// `incremental`, and cargo, on the seed edit and a nested member's (default scratch:
    /// `<seed cache>/seed-proof-incremental`; its section of docs/rebuilds.md).
    #[arg(long)]
    incremental: bool,
    /// Only measure what asking cargo for its plan costs a scan (`cargo metadata`, each `cargo
    /// build --unit-graph`, the whole scan; the median of 5 runs each) and write its section
    /// of `docs/rebuilds.md`; no build.
    #[arg(long)]
    plan_cost: bool,
}

/// An edit of the proof: a line appended to a file of the workspace.
pub struct Edit {
    /// What is edited, in words.
    pub what: &'static str,
    /// The file, relative to the workspace.
    pub file: &'static str,
    /// The line appended.
    pub line: String,
}

/// The edits, one at a time, with lines naming `run`.
fn edits(run: u128) -> Vec<Edit> {
    let edit = |what, file, comment| Edit {
        what,
        file,
        line: format!("{comment} seed-proof edit {run}\n"),
    };
    vec![
        edit("one line in the root library", "src/cargo/lib.rs", "//"),
        edit("a comment in the root manifest", "Cargo.toml", "#"),
        edit("a comment in the lock file", "Cargo.lock", "#"),
        edit(
            "one line in a nested member",
            "crates/cargo-util/src/paths.rs",
            "//",
        ),
    ]
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("seed-proof: {message}");
            ExitCode::from(2)
        }
    }
}

/// Runs the proof; whether every step succeeded.
fn run(args: Args) -> Result<bool, String> {
    let cache = Cache::from_env()?;
    let default_scratch = match args.incremental {
        true => "seed-proof-incremental",
        false => "seed-proof",
    };
    let scratch = args
        .scratch
        .unwrap_or_else(|| cache.dir().join(default_scratch));
    let (source, workspace) = fresh_copy(args.workspace, &cache, &scratch)?;
    if args.plan_cost {
        return plan_cost_only(&workspace, args.no_docs);
    }
    let builder = args.builder.unwrap_or_else(repo_root);
    let token = rust_unit_sources_tests::rebuilds::run_token();
    let setup = Setup {
        builder_args: args.builder_args,
        builder: builder.clone(),
        workspace: workspace.clone(),
        rustc: real_rustc(),
        target: host_triple(),
        max_jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
        salt: token.to_string(),
    };
    if args.incremental {
        let label = args.builder_label.unwrap_or_else(|| describe(&builder));
        return incremental::run(&setup, &scratch, label, token, args.no_docs);
    }
    let per_unit = NixSide::new(&setup, &scratch.join("per-unit.nix"), Variant::PerUnit)?;
    if args.build_only {
        return build_only(&per_unit);
    }
    let sides = Sides::new(&setup, per_unit, &scratch, !args.no_content_addressed)?;
    let mut report = Report::new(
        args.builder_label.unwrap_or_else(|| describe(&builder)),
        setup.max_jobs,
        sides.per_unit.eval_command(),
        sides.cargo.command_line(),
    );
    say("the plans: the model's units against cargo build --unit-graph's");
    report.plans = plans::plans(&workspace, &setup.target);

    let workspace_summary = summary(&source);
    // The report so far, rewritten after every step: what survives an interrupted run.
    let so_far = scratch.join("report.md");
    let write_so_far = |report: &Report| {
        report.print_last();
        if let Err(e) = std::fs::write(&so_far, report.markdown(&workspace_summary)) {
            say(&format!("{}: {e}", so_far.display()));
        }
    };

    let mut whole_before = None;
    let mut units = first_build(
        &sides,
        args.no_baseline,
        &scratch,
        &mut report,
        &mut whole_before,
    );
    write_so_far(&report);

    for (done, edit) in edits(token).into_iter().enumerate() {
        say(&format!("edit: {} ({})", edit.what, edit.file));
        append(&workspace, &edit)?;
        let evaluate_only = args
            .baseline_edits
            .as_ref()
            .is_some_and(|built| !built.contains(&(done + 1)));
        let baseline = (args.no_baseline, evaluate_only);
        let mut row = edit_row(&sides, &edit, baseline, &mut units, &mut whole_before);
        note_a_lost_edit(&mut row, &workspace, &edit);
        report.rows.push(row);
        write_so_far(&report);
    }
    publish(&report, &workspace_summary, &scratch, args.no_docs)
}

/// Builds the workspace as `edit` left it on every side: the edit's row. `units` becomes the
/// per-unit side's evaluation when it succeeds; `baseline` is (leave the whole-workspace
/// baseline out, only evaluate it), `whole_before` its previous evaluation.
fn edit_row(
    sides: &Sides,
    edit: &Edit,
    (no_baseline, evaluate_only): (bool, bool),
    units: &mut Option<Evaluated>,
    whole_before: &mut Option<Evaluated>,
) -> Row {
    let (per, evaluated) = measure_nix(&sides.per_unit);
    if evaluated.is_some() {
        *units = evaluated;
    }
    let content_measured = sides.content.as_ref().map(|side| measure_nix(side).0);
    let whole_measured = measure_whole(&sides.whole, no_baseline, evaluate_only, whole_before);
    let by_cargo = sides.cargo.build(
        units
            .as_ref()
            .map(|e| &e.units)
            .unwrap_or(&Default::default()),
    );
    let mut row = Row::new(edit.what, Some(edit.file), per, whole_measured, by_cargo);
    row.content_addressed = content_measured;
    row
}

/// What each edit is built with: the per-unit builder, content-addressed (unless left out),
/// with the whole workspace as every unit's `src`, with a rustc that compiles nothing, and
/// cargo.
struct Sides<'a> {
    per_unit: NixSide<'a>,
    content: Option<NixSide<'a>>,
    whole: NixSide<'a>,
    no_op: NixSide<'a>,
    cargo: CargoSide,
    /// Nix's `--max-jobs`, for the fixed cost per derivation.
    max_jobs: usize,
}

impl<'a> Sides<'a> {
    /// The sides of `setup`, their Nix files written into `scratch`; the content-addressed
    /// one only when `content_addressed`.
    fn new(
        setup: &'a Setup,
        per_unit: NixSide<'a>,
        scratch: &Path,
        content_addressed: bool,
    ) -> Result<Self, String> {
        let content = NixSide::new(
            setup,
            &scratch.join("content-addressed.nix"),
            Variant::ContentAddressed,
        )?;
        Ok(Sides {
            per_unit,
            content: content_addressed.then_some(content),
            whole: NixSide::new(
                setup,
                &scratch.join("whole-workspace.nix"),
                Variant::WholeWorkspace,
            )?,
            no_op: NixSide::new(setup, &scratch.join("no-op.nix"), Variant::NoOp)?,
            cargo: CargoSide::new(
                &setup.workspace,
                &scratch.join("cargo-target"),
                &setup.target,
            )?,
            max_jobs: setup.max_jobs,
        })
    }
}

/// Measures what cargo's plan costs a scan of `workspace` and, unless `no_docs`, writes its
/// section of docs/rebuilds.md.
fn plan_cost_only(workspace: &Path, no_docs: bool) -> Result<bool, String> {
    say("measuring what cargo's plan costs a scan");
    let text = plan_cost::measure(workspace, &host_triple(), 5)?;
    println!("{text}");
    if !no_docs {
        write_section(
            rust_unit_sources_tests::doc_sections::PLAN_COST_HEADING,
            &text,
        )?;
    }
    Ok(true)
}

/// The first build of each side (per unit, content-addressed, the no-op rustc, the whole
/// workspace unless `no_baseline`, cargo) into `report`, with the smoke test of the per-unit
/// build's `cargo` binary; the per-unit side's units, when its evaluation succeeded.
/// `whole_before` becomes the baseline's evaluation.
fn first_build(
    sides: &Sides,
    no_baseline: bool,
    scratch: &Path,
    report: &mut Report,
    whole_before: &mut Option<Evaluated>,
) -> Option<Evaluated> {
    say("first build: per-unit");
    let (first, units) = measure_nix(&sides.per_unit);
    say("first build: content-addressed");
    let first_content = sides.content.as_ref().map(|side| measure_nix(side).0);
    say("what a derivation costs: the same build with a rustc that compiles nothing");
    report.fixed_cost = Some(FixedCost::of(measure_nix(&sides.no_op).0, sides.max_jobs));
    report.first_units = units.as_ref().map(|e| e.units.keys().cloned().collect());
    report.smoke = first
        .built
        .as_ref()
        .ok()
        .map(|_| smoke(units.as_ref(), scratch));
    let first_whole = measure_whole(&sides.whole, no_baseline, false, whole_before);
    say("first build: cargo");
    let first_cargo = sides.cargo.build(
        units
            .as_ref()
            .map(|e| &e.units)
            .unwrap_or(&Default::default()),
    );
    let mut first_row = Row::new("first build", None, first, first_whole, first_cargo);
    first_row.content_addressed = first_content;
    report.first = Some(first_row);
    units
}

/// An empty `scratch` holding a copy (`scratch/ws`) of `workspace`, else of cargo's workspace
/// assembled in (or reused from) the seed cache: (the workspace copied, its copy).
fn fresh_copy(
    workspace: Option<PathBuf>,
    cache: &Cache,
    scratch: &Path,
) -> Result<(PathBuf, PathBuf), String> {
    if scratch.exists() {
        std::fs::remove_dir_all(scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    }
    let source = match workspace {
        Some(dir) => dir,
        None => {
            say("assembling cargo's workspace (or reusing it)");
            let root = cache
                .dir()
                .join(format!("workspaces/cargo-{}", cargo_workspace::VERSION));
            cargo_workspace::assemble(&root, cache)?.root
        }
    };
    let workspace = scratch.join("ws");
    say(&format!(
        "copying {} to {}",
        source.display(),
        workspace.display()
    ));
    rust_unit_sources_seed::copy_workspace(&source, &workspace)?;
    Ok((source, workspace))
}

/// Notes in `row` when the edited file no longer ends with the edit's line after the builds.
fn note_a_lost_edit(row: &mut Row, workspace: &Path, edit: &Edit) {
    let kept =
        std::fs::read_to_string(workspace.join(edit.file)).is_ok_and(|t| t.ends_with(&edit.line));
    if !kept {
        row.notes.push(format!(
            "`{}` lost the edit during the builds (rewritten)",
            edit.file
        ));
    }
}

/// Prints the report; when every step succeeded (and `no_docs` is false), writes it into
/// docs/rebuilds.md's seed-proof section. Whether every step succeeded.
fn publish(
    report: &Report,
    workspace_summary: &str,
    scratch: &Path,
    no_docs: bool,
) -> Result<bool, String> {
    let text = report.markdown(workspace_summary);
    println!("{text}");
    let complete = report.complete();
    if complete && !no_docs {
        write_section(
            rust_unit_sources_tests::doc_sections::SEED_PROOF_HEADING,
            &text,
        )?;
    } else if !complete {
        say(&format!(
            "incomplete: docs/rebuilds.md left alone; the scratch tree is {}",
            scratch.display()
        ));
    }
    Ok(complete)
}

/// Replaces the section under `heading` of `docs/rebuilds.md` by `text`.
fn write_section(heading: &str, text: &str) -> Result<(), String> {
    let path = repo_root().join("docs/rebuilds.md");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    let new = rust_unit_sources_tests::doc_sections::with_section(&old, heading, text);
    std::fs::write(&path, new).map_err(|e| format!("{}: {e}", path.display()))?;
    say(&format!("wrote {}", path.display()));
    Ok(())
}

/// Evaluates and realises `side`; the measurement and the evaluation (if it succeeded).
fn measure_nix(side: &NixSide) -> (Measured, Option<Evaluated>) {
    match side.evaluate() {
        Err(error) => (Measured::failed_evaluation(error), None),
        Ok(evaluated) => {
            let built = side.realise(&evaluated);
            (Measured::new(&evaluated, built), Some(evaluated))
        }
    }
}

/// The baseline, unless left out; with `evaluate_only`, evaluated and compared with `before`
/// (the previous evaluation, replaced by this one) but not built.
fn measure_whole(
    side: &NixSide,
    skip: bool,
    evaluate_only: bool,
    before: &mut Option<Evaluated>,
) -> Option<Measured> {
    if skip {
        return None;
    }
    if !evaluate_only {
        say("  the whole workspace as every unit's src");
        let (measured, evaluated) = measure_nix(side);
        *before = evaluated;
        return Some(measured);
    }
    say("  the whole workspace as every unit's src (evaluated, not built)");
    Some(match side.evaluate() {
        Err(error) => Measured::failed_evaluation(error),
        Ok(evaluated) => {
            let measured = Measured::evaluated_only(&evaluated, evaluated.changed(before.as_ref()));
            *before = Some(evaluated);
            measured
        }
    })
}

/// Builds once; whether every unit built (what failed goes to stderr in full).
fn build_only(side: &NixSide) -> Result<bool, String> {
    say("building every unit once");
    let evaluated = match side.evaluate() {
        Ok(evaluated) => evaluated,
        Err(error) => {
            eprintln!("{error}");
            return Ok(false);
        }
    };
    say(&format!(
        "evaluated in {:.1} s: {} derivations",
        evaluated.time.as_secs_f64(),
        evaluated.units.len()
    ));
    match side.realise(&evaluated) {
        Ok(built) => {
            say(&format!(
                "built {} units in {:.1} s",
                built.rebuilt.len(),
                built.time.as_secs_f64()
            ));
            Ok(true)
        }
        Err(error) => {
            eprintln!("{error}");
            Ok(false)
        }
    }
}

/// Runs the built `cargo --version`, then builds and runs a hello-world crate with it.
fn smoke(units: Option<&Evaluated>, scratch: &Path) -> Smoke {
    let attempt = || -> Result<Smoke, String> {
        let units = units.ok_or("no evaluation")?;
        let (_, unit) = units
            .units
            .iter()
            .find(|(_, u)| u.package == "cargo" && u.kind == "bin" && u.target == "cargo")
            .ok_or("the model has no cargo binary")?;
        let cargo = nix_side::output_of(&unit.drv)?.join("bin/cargo");
        let home = scratch.join("hello-cargo-home");
        // The built cargo, with its own CARGO_HOME, in `dir`; what it printed.
        let built_cargo = |args: &[&str], dir: &Path| {
            let output = process::run(
                Command::new(&cargo)
                    .args(args)
                    .current_dir(dir)
                    .env("CARGO_HOME", &home)
                    .env_remove("CARGO_TARGET_DIR"),
            )?;
            Ok::<String, String>(String::from_utf8_lossy(&output).into_owned())
        };
        let version = built_cargo(&["--version"], scratch)?;
        built_cargo(&["new", "--vcs", "none", "--bin", "hello"], scratch)?;
        built_cargo(&["build", "--offline"], &scratch.join("hello"))?;
        let hello = process::run(&mut Command::new(scratch.join("hello/target/debug/hello")))?;
        let hello = String::from_utf8_lossy(&hello);
        Ok(Smoke {
            version: version.trim().to_string(),
            hello: Ok(hello.trim().to_string()),
        })
    };
    attempt().unwrap_or_else(|error| Smoke {
        version: String::new(),
        hello: Err(error),
    })
}

/// Appends the edit's line to its file.
fn append(workspace: &Path, edit: &Edit) -> Result<(), String> {
    let path = workspace.join(edit.file);
    let mut text =
        std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&edit.line);
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The builder checkout's commit (`git describe`), or its path.
fn describe(builder: &Path) -> String {
    let output = Command::new("git")
        .args(["log", "-1", "--format=%h %s"])
        .current_dir(builder)
        .output();
    match output {
        Ok(o) if o.status.success() => format!(
            "`{}` at {}",
            builder.display(),
            String::from_utf8_lossy(&o.stdout).trim()
        ),
        _ => format!("`{}`", builder.display()),
    }
}

/// What the assembled workspace at `root` holds, in words.
fn summary(root: &Path) -> String {
    let Some(workspace) = rust_unit_sources_seed::recorded(root) else {
        return format!("`{}` (not assembled by seed-workspaces)", root.display());
    };
    let dropped: Vec<String> = workspace
        .dropped_members
        .iter()
        .map(|d| format!("`{d}`"))
        .collect();
    format!(
        "{} packages (the root package `cargo` and its nested members), {} vendored crates; \
         dropped from `workspace.members` (not published): {}",
        workspace.members.len(),
        workspace.vendored,
        if dropped.is_empty() {
            "none".to_string()
        } else {
            dropped.join(", ")
        }
    )
}

fn say(message: &str) {
    eprintln!("seed-proof: {message}");
}
