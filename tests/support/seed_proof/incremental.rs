//! `seed-proof --incremental`: the incremental mode's benchmark (issue 29) on cargo 0.96.0's
//! workspace, in one run. Three sides build what `cargo build --workspace` builds: the
//! per-unit Nix builder as it is (*pure*), the same builder with `incremental` set to a state
//! directory in the scratch tree (*incremental*), and cargo. After the first builds (the
//! incremental side's fills its state), two edits, each a line appended to a file and built by
//! the three in turn: the seed edit (`src/cargo/lib.rs`) and `crates/cargo-util/src/paths.rs`.
//! The report gives each side's wall time (Nix: evaluation and realisation), the units each
//! rebuilt, how many of the incremental side's rebuilt units reused their state (from the
//! builders' log lines), and each Nix side's time as a multiple of cargo's; it states whether
//! the target (incremental at most 1.5 times cargo on the seed edit) is met, and goes into
//! `docs/rebuilds.md` under [`INCREMENTAL_HEADING`].

use crate::cargo_side::{self, CargoSide};
use crate::nix_side::{Built, NixSide, Setup, Unit, Variant};
use crate::report::{names, seconds};
use crate::{append, say, write_section, Edit};
use rust_unit_sources_tests::doc_sections::INCREMENTAL_HEADING;
use rust_unit_sources_tests::nix_string;
use rust_unit_sources_tests::rebuilds::session_objects;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

/// The target of issue 29: incremental Nix at most this many times cargo's time on the seed
/// edit.
const TARGET: f64 = 1.5;

/// One Nix side's build: the evaluation's and the realisation's wall times, and what it built.
struct NixBuild {
    eval: Duration,
    built: Built,
    /// The units of the evaluation, by id.
    units: BTreeMap<String, Unit>,
}

impl NixBuild {
    fn total(&self) -> Duration {
        self.eval + self.built.time
    }

    /// Of the units rebuilt, how many reused the state of their last build (log lines).
    fn reused(&self) -> usize {
        self.built
            .log
            .lines()
            .filter(|l| {
                l.starts_with("rust-unit-sources: incremental: ")
                    && l.ends_with(": reusing the state of its last build")
            })
            .count()
    }
}

/// One step: the first build or an edit, built by the three sides.
struct Step {
    what: String,
    pure: NixBuild,
    incremental: NixBuild,
    cargo: cargo_side::Built,
    /// Per unit whose state the incremental side reused: the object files of its last
    /// session that rustc kept, and the object files of the new one.
    objects: BTreeMap<String, (usize, usize)>,
}

impl Step {
    fn ratio(nix: &NixBuild, cargo: &cargo_side::Built) -> f64 {
        nix.total().as_secs_f64() / cargo.time.as_secs_f64()
    }

    fn table_line(&self) -> String {
        let side = |b: &NixBuild| {
            format!(
                "{} | {} | {} | {}",
                seconds(b.eval),
                seconds(b.built.time),
                seconds(b.total()),
                b.built.rebuilt.len()
            )
        };
        format!(
            "| {} | {} | {} | {} reused | {} | {} | {:.2}× | {:.2}× |",
            self.what,
            side(&self.pure),
            side(&self.incremental),
            self.incremental.reused(),
            seconds(self.cargo.time),
            self.cargo.rebuilt.len(),
            Step::ratio(&self.pure, &self.cargo),
            Step::ratio(&self.incremental, &self.cargo),
        )
    }

    /// The units rebuilt by name, and whether the three sides agree.
    fn units_line(&self) -> String {
        let (pure, incremental) = (&self.pure.built.rebuilt, &self.incremental.built.rebuilt);
        let cargo = &self.cargo.rebuilt;
        let agreement = if pure == cargo && incremental == cargo {
            "the three the same".to_string()
        } else {
            format!(
                "**they differ**: pure {}, incremental {}",
                names(pure),
                names(incremental)
            )
        };
        let objects: Vec<String> = self
            .objects
            .iter()
            .map(|(id, (kept, all))| format!("`{id}` {kept} of {all}"))
            .collect();
        let objects = match objects.is_empty() {
            true => String::new(),
            false => format!(" Object files rustc kept: {}.", objects.join(", ")),
        };
        format!(
            "- {}: cargo {}; {agreement}.{objects}",
            self.what,
            names(cargo)
        )
    }
}

/// The object files of each unit state's newest session in `state`, by state directory
/// (`<derivation name>-<digest>`).
fn objects(state: &Path) -> BTreeMap<String, BTreeSet<u64>> {
    std::fs::read_dir(state)
        .map(|entries| {
            entries
                .filter_map(|e| {
                    let path = e.ok()?.path();
                    let name = path.file_name()?.to_str()?.to_string();
                    path.is_dir().then(|| (name, session_objects(&path)))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// For each unit of `built` whose state existed `before`: the object files rustc kept of its
/// last session, and the object files it has now.
fn kept(
    built: &NixBuild,
    before: &BTreeMap<String, BTreeSet<u64>>,
    after: &BTreeMap<String, BTreeSet<u64>>,
) -> BTreeMap<String, (usize, usize)> {
    let name = |drv: &str| {
        let file = drv.rsplit('/').next().unwrap_or_default();
        let name = file.split_once('-').map_or(file, |(_, n)| n);
        name.trim_end_matches(".drv")
            .trim_end_matches("-incremental")
            .to_string()
    };
    built
        .built
        .rebuilt
        .iter()
        .filter_map(|id| {
            let unit = name(&built.units.get(id)?.drv);
            let (key, now) = after
                .iter()
                .find(|(key, _)| key.len() == unit.len() + 17 && key.starts_with(&unit))?;
            let old = before.get(key)?;
            Some((id.clone(), (old.intersection(now).count(), now.len())))
        })
        .collect()
}

/// Builds `side` once: evaluation and realisation.
fn build(side: &NixSide, what: &str) -> Result<NixBuild, String> {
    say(&format!("  {what}"));
    let evaluated = side.evaluate()?;
    let built = side.realise(&evaluated)?;
    Ok(NixBuild {
        eval: evaluated.time,
        built,
        units: evaluated.units,
    })
}

/// The three sides on `workspace` (a fresh copy in `scratch`), the first builds, then the two
/// edits; the report (written into `docs/rebuilds.md` unless `no_docs`). Whether it is
/// complete (every build succeeded).
pub fn run(
    setup: &Setup,
    scratch: &Path,
    builder: String,
    run_token: u128,
    no_docs: bool,
) -> Result<bool, String> {
    let state = scratch.join("incremental-state");
    let pure = NixSide::new(setup, &scratch.join("per-unit.nix"), Variant::PerUnit)?;
    let args = format!("{{ incremental = toString {}; }}", nix_string(&state));
    let file = scratch.join("incremental.nix");
    let incremental = NixSide::with_args(setup, &file, Variant::PerUnit, &args)?;
    let cargo = CargoSide::new(
        &setup.workspace,
        &scratch.join("cargo-target"),
        &setup.target,
    )?;
    let mut steps = Vec::new();
    let edits = [
        ("the seed edit", "src/cargo/lib.rs"),
        ("a nested member", "crates/cargo-util/src/paths.rs"),
    ];
    // The first build's line makes every unit the edits rebuild this run's own, so that the
    // incremental side compiles them, filling their state, even when the store holds an
    // earlier run's.
    let first = [("first build", edits[1].1)].into_iter();
    for (n, (what, file)) in first.chain(edits).enumerate() {
        say(&format!("step: {what}"));
        let line = format!("// seed-proof incremental step {n} of {run_token}\n");
        append(&setup.workspace, &Edit { what, file, line })?;
        let pure = build(&pure, "per-unit, pure")?;
        let before = objects(&state);
        let incremental = build(&incremental, "per-unit, incremental")?;
        let objects = kept(&incremental, &before, &objects(&state));
        say("  cargo");
        let cargo = cargo.build(&pure.units)?;
        let label = match n {
            0 => what.to_string(),
            _ => format!("{what} (`{file}`)"),
        };
        let step = Step {
            what: label,
            pure,
            incremental,
            cargo,
            objects,
        };
        eprintln!("{}", step.table_line());
        steps.push(step);
    }
    let text = markdown(&steps, &builder, setup.max_jobs);
    println!("{text}");
    if !no_docs {
        write_section(INCREMENTAL_HEADING, &text)?;
    }
    Ok(true)
}

/// The report, from its heading on.
fn markdown(steps: &[Step], builder: &str, jobs: usize) -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut text = format!(
        "{INCREMENTAL_HEADING}\n\n\
         Measured by `scripts/seed-proof --incremental` on {cores} cores, in one run, with the \
         builder of {builder}, on the seed proof's workspace (cargo 0.96.0's, above). Three sides \
         build what `cargo build --workspace` builds: *pure*, `nix/build-units.nix` as it is; \
         *incremental*, the same with `incremental` set to a fresh directory (its first build \
         fills it); *cargo*, `cargo build --workspace --offline --locked` (the `dev` profile, \
         incremental). Nix: `--max-jobs {jobs}`, *eval* `nix-instantiate --eval \
         --read-write-mode`, *build* `nix-store --realise`, *total* their sum. Each edit appends \
         one line to the file, and so does the first build to `crates/cargo-util/src/paths.rs` \
         (every unit the edits rebuild is then built, and its state filled, in this run); the \
         three build it in turn. *state*: the incremental side's \
         rebuilt units whose builder reused the state of its last build (the object files rustc \
         kept of their last sessions are listed below the table). The last two columns: each \
         Nix side's total time over cargo's.\n\n\
         | step | pure: eval | build | total | units | incremental: eval | build | total | units \
         | state | cargo: time | units | pure ÷ cargo | incremental ÷ cargo |\n\
         |---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n"
    );
    for step in steps {
        let _ = writeln!(text, "{}", step.table_line());
    }
    text.push_str("\nUnits rebuilt, by name:\n\n");
    for step in &steps[1..] {
        let _ = writeln!(text, "{}", step.units_line());
    }
    if let Some(seed) = steps.get(1) {
        let ratio = Step::ratio(&seed.incremental, &seed.cargo);
        let verdict = if ratio <= TARGET {
            "met"
        } else {
            "**not met**"
        };
        let _ = writeln!(
            text,
            "\nTarget (issue 29): on the seed edit, incremental at most {TARGET}× cargo's time: \
             {ratio:.2}×, {verdict}."
        );
    }
    text
}
