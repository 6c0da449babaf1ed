//! The seed proof's measurements and their Markdown report.

use crate::cargo_side;
use crate::nix_side::{Built, Evaluated};
use rust_unit_sources_tests::doc_sections::SEED_PROOF_HEADING;
use rust_unit_sources_tests::unit_graph::Difference;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::Duration;

/// One Nix build: evaluation, then realisation.
pub struct Measured {
    /// The evaluation's wall time and number of derivations.
    pub eval: Result<(Duration, usize), String>,
    /// The realisation.
    pub built: Result<Built, String>,
    /// When the realisation was left out: how many derivations differ from the previous
    /// evaluation's (`built` is then unused).
    pub not_built: Option<usize>,
}

impl Measured {
    /// A build after `evaluated`.
    pub fn new(evaluated: &Evaluated, built: Result<Built, String>) -> Measured {
        Measured {
            eval: Ok((evaluated.time, evaluated.units.len())),
            built,
            not_built: None,
        }
    }

    /// An evaluation only, `changed` of whose derivations differ from the previous
    /// evaluation's.
    pub fn evaluated_only(evaluated: &Evaluated, changed: usize) -> Measured {
        Measured {
            eval: Ok((evaluated.time, evaluated.units.len())),
            built: Err("not built".into()),
            not_built: Some(changed),
        }
    }

    /// An evaluation that failed.
    pub fn failed_evaluation(error: String) -> Measured {
        Measured {
            eval: Err(error),
            built: Err("not evaluated".into()),
            not_built: None,
        }
    }

    fn ok(&self) -> bool {
        self.eval.is_ok() && (self.built.is_ok() || self.not_built.is_some())
    }

    fn rebuilt(&self) -> Option<&BTreeSet<String>> {
        self.built.as_ref().ok().map(|b| &b.rebuilt)
    }

    /// Table cells: derivations, evaluation, build, units.
    fn cells(&self) -> [String; 4] {
        let (eval, drvs) = match &self.eval {
            Ok((time, drvs)) => (seconds(*time), drvs.to_string()),
            Err(_) => ("failed".into(), "—".into()),
        };
        let (build, units) = match (&self.built, self.not_built) {
            (_, Some(changed)) if self.eval.is_ok() => {
                ("not built".into(), format!("({changed} changed)"))
            }
            (Ok(built), _) => (seconds(built.time), built.rebuilt.len().to_string()),
            (Err(_), _) if self.eval.is_ok() => ("failed".into(), "—".into()),
            (Err(_), _) => ("—".into(), "—".into()),
        };
        [drvs, eval, build, units]
    }

    fn failure(&self) -> Option<&str> {
        match (&self.eval, &self.built) {
            (Err(e), _) => Some(e),
            (Ok(_), Err(e)) if self.not_built.is_none() => Some(e),
            _ => None,
        }
    }
}

/// One step of the proof: the first build or an edit.
pub struct Row {
    /// What was done.
    pub what: &'static str,
    /// The file edited.
    pub file: Option<&'static str>,
    /// The per-unit builder.
    pub per_unit: Measured,
    /// The whole-workspace baseline, unless left out.
    pub whole: Option<Measured>,
    /// The per-unit builder with content-addressed derivations, unless left out.
    pub content_addressed: Option<Measured>,
    /// Cargo.
    pub cargo: Result<cargo_side::Built, String>,
    /// Anything else noticed.
    pub notes: Vec<String>,
}

impl Row {
    /// A step and its measurements.
    pub fn new(
        what: &'static str,
        file: Option<&'static str>,
        per_unit: Measured,
        whole: Option<Measured>,
        cargo: Result<cargo_side::Built, String>,
    ) -> Row {
        Row {
            what,
            file,
            per_unit,
            whole,
            content_addressed: None,
            cargo,
            notes: vec![],
        }
    }

    fn ok(&self) -> bool {
        self.per_unit.ok()
            && self.whole.as_ref().is_none_or(Measured::ok)
            && self.content_addressed.as_ref().is_none_or(Measured::ok)
            && self.cargo.is_ok()
            && self.notes.is_empty()
    }

    /// Whether Nix rebuilt exactly what cargo rebuilt (`None` when either failed).
    fn agrees(&self) -> Option<bool> {
        let nix = self.per_unit.rebuilt()?;
        let cargo = &self.cargo.as_ref().ok()?.rebuilt;
        Some(nix == cargo)
    }

    fn label(&self) -> String {
        match self.file {
            Some(file) => format!("{} (`{file}`)", self.what),
            None => self.what.to_string(),
        }
    }

    /// The row of the table with the columns `columns` says are there.
    fn table_line(&self, columns: Columns) -> String {
        let [drvs, eval, build, units] = self.per_unit.cells();
        let other = |measured: &Option<Measured>| match measured {
            Some(m) => {
                let [_, eval, build, units] = m.cells();
                format!(" {eval} | {build} | {units} |")
            }
            None => " — | — | — |".into(),
        };
        let content = match columns.content_addressed {
            true => other(&self.content_addressed),
            false => String::new(),
        };
        let whole = match columns.whole {
            true => other(&self.whole),
            false => String::new(),
        };
        let (cargo_time, cargo_units) = match &self.cargo {
            Ok(built) => (seconds(built.time), built.rebuilt.len().to_string()),
            Err(_) => ("failed".into(), "—".into()),
        };
        let agrees = match self.agrees() {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "—",
        };
        format!(
            "| {} | {drvs} | {eval} | {build} | {units} |{content}{whole} {cargo_time} | {cargo_units} | {agrees} |",
            self.label()
        )
    }

    /// The units rebuilt, by name (not for the first build, which rebuilds everything).
    fn units_line(&self) -> Option<String> {
        let cargo = &self.cargo.as_ref().ok()?.rebuilt;
        let nix = self.per_unit.rebuilt()?;
        let mut line = format!("- {}: cargo {}", self.label(), names(cargo));
        if nix == cargo {
            line.push_str("; Nix the same.");
        } else {
            let nix_only: BTreeSet<String> = nix.difference(cargo).cloned().collect();
            let cargo_only: BTreeSet<String> = cargo.difference(nix).cloned().collect();
            let _ = write!(line, "; Nix {}", names(nix));
            if !nix_only.is_empty() {
                let _ = write!(line, "; **Nix only**: {}", names(&nix_only));
            }
            if !cargo_only.is_empty() {
                let _ = write!(line, "; **cargo only**: {}", names(&cargo_only));
            }
            line.push('.');
        }
        if let Some(content) = self.content_addressed.as_ref().and_then(Measured::rebuilt) {
            let _ = write!(line, " Content-addressed: {}.", names(content));
        }
        Some(line)
    }

    fn failures(&self) -> Vec<String> {
        let mut found = vec![];
        if let Some(e) = self.per_unit.failure() {
            found.push(format!("per-unit: {e}"));
        }
        if let Some(e) = self.whole.as_ref().and_then(Measured::failure) {
            found.push(format!("whole workspace: {e}"));
        }
        if let Some(e) = self.content_addressed.as_ref().and_then(Measured::failure) {
            found.push(format!("content-addressed: {e}"));
        }
        if let Err(e) = &self.cargo {
            found.push(format!("cargo: {e}"));
        }
        found.extend(self.notes.iter().cloned());
        found
    }
}

/// Which optional builders the table shows.
#[derive(Clone, Copy)]
struct Columns {
    content_addressed: bool,
    whole: bool,
}

/// The model's plan of one build against cargo's.
pub struct Plan {
    /// The model's name of the build.
    pub selection: &'static str,
    /// How they differ.
    pub difference: Difference,
}

/// What a derivation costs by itself: the build of every unit with a rustc that does nothing.
pub struct FixedCost {
    /// That build.
    pub measured: Measured,
    /// The builds' `--max-jobs`.
    pub jobs: usize,
}

impl FixedCost {
    /// The cost `measured` shows, built with `jobs` jobs.
    pub fn of(measured: Measured, jobs: usize) -> FixedCost {
        FixedCost { measured, jobs }
    }

    /// The report's sentence on it.
    fn line(&self) -> String {
        match (&self.measured.eval, &self.measured.built) {
            (Ok((_, drvs)), Ok(built)) => {
                let per = built.time.as_secs_f64() / built.rebuilt.len().max(1) as f64;
                format!(
                    "The fixed cost per derivation: with a rustc that compiles nothing (an empty \
                     executable where one is asked for), the {drvs} derivations built in {} \
                     ({} builders ran, `--max-jobs {}`): {:.0} ms of wall time per derivation, \
                     {:.0} ms of a job's time.",
                    seconds(built.time),
                    built.rebuilt.len(),
                    self.jobs,
                    per * 1000.0,
                    per * 1000.0 * self.jobs as f64
                )
            }
            _ => format!(
                "The fixed cost per derivation was not measured: {}",
                first_line(self.measured.failure().unwrap_or("nothing built"))
            ),
        }
    }
}

/// What the built cargo did.
pub struct Smoke {
    /// What `cargo --version` printed.
    pub version: String,
    /// What the hello-world binary it built printed, or the first failure.
    pub hello: Result<String, String>,
}

/// The whole proof.
pub struct Report {
    builder: String,
    jobs: usize,
    eval_command: String,
    cargo_command: String,
    /// The built cargo's test, once the first build is done.
    pub smoke: Option<Smoke>,
    /// The first build.
    pub first: Option<Row>,
    /// The ids of the first evaluation's units (every derivation of the build).
    pub first_units: Option<BTreeSet<String>>,
    /// The edits.
    pub rows: Vec<Row>,
    /// The model's plans against cargo's.
    pub plans: Vec<Plan>,
    /// What a derivation costs by itself.
    pub fixed_cost: Option<FixedCost>,
}

impl Report {
    /// An empty report on the builder described by `builder`.
    pub fn new(
        builder: String,
        jobs: usize,
        eval_command: String,
        cargo_command: String,
    ) -> Report {
        Report {
            builder,
            jobs,
            eval_command,
            cargo_command,
            smoke: None,
            first: None,
            first_units: None,
            rows: vec![],
            plans: vec![],
            fixed_cost: None,
        }
    }

    fn columns(&self) -> Columns {
        let rows = || self.first.iter().chain(&self.rows);
        Columns {
            content_addressed: rows().any(|r| r.content_addressed.is_some()),
            whole: rows().any(|r| r.whole.is_some()),
        }
    }

    /// Whether every step succeeded (Nix and cargo agreeing is reported, not required).
    pub fn complete(&self) -> bool {
        self.first.as_ref().is_some_and(Row::ok)
            && self.rows.iter().all(Row::ok)
            && self.smoke.as_ref().is_some_and(|s| s.hello.is_ok())
    }

    /// Prints the last step's table line and failures to stderr (progress).
    pub fn print_last(&self) {
        if let Some(row) = self.rows.last().or(self.first.as_ref()) {
            eprintln!("{}", row.table_line(self.columns()));
            for failure in row.failures() {
                eprintln!("  {failure}");
            }
        }
    }

    /// The report, starting with its heading ([`SEED_PROOF_HEADING`]); `workspace` says what
    /// the workspace holds.
    pub fn markdown(&self, workspace: &str) -> String {
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let mut text = format!(
            "{SEED_PROOF_HEADING}\n\n\
             Measured by `scripts/seed-proof` on {cores} cores, in one run, with the builder of {}. \
             The workspace: cargo 0.96.0's own, assembled from crates.io alone by \
             `target/release/seed-workspaces assemble` (`rust/seed`): {workspace}.\n\n",
            self.builder,
        );
        text.push_str(&self.plans_table());
        let columns = self.columns();
        let _ = write!(
            text,
            "Nix builds what `cargo build --workspace` builds (the model's `build` selection: its \
             unit graph), one derivation per unit (`--max-jobs {}`), the model from the plugin with \
             `dependencies = true` and `target` the host; every derivation is new to the store \
             (the run's own `PATH` entry), so the first build is cold. *per-unit*: each unit's \
             `unitSrc`;{}{} *cargo*: `cargo build --workspace --offline --locked --target <host>` \
             (its default jobs, an empty target directory first), units compiled \
             (`\"fresh\": false`) or build scripts run. *eval*: `nix-instantiate --eval \
             --read-write-mode` (the plugin's scan, the unit sources copied to the store, the \
             derivations written); *build*: `nix-store --realise`, its builders that ran. Each \
             edit appends one line to the file.\n\n",
            self.jobs,
            if columns.content_addressed {
                " *content-addressed*: the same with `contentAddressed = true` (a unit rebuilt to \
                 the output it had stops the rebuild);"
            } else {
                ""
            },
            if columns.whole {
                " *whole workspace*: the same builder with the whole workspace as every unit's \
                 `src`; *not built (N changed)*: evaluated only, N derivations differing from the \
                 previous evaluation's;"
            } else {
                ""
            },
        );
        let mut header = "| step | derivations | per-unit: eval | build | units |".to_string();
        let mut rule = "|---|--:|--:|--:|--:|".to_string();
        for (shown, name) in [
            (columns.content_addressed, "content-addressed"),
            (columns.whole, "whole workspace"),
        ] {
            if shown {
                let _ = write!(header, " {name}: eval | build | units |");
                rule.push_str("--:|--:|--:|");
            }
        }
        let _ = writeln!(
            text,
            "{header} cargo: time | units | Nix = cargo |\n{rule}--:|--:|:-:|"
        );
        for row in self.first.iter().chain(&self.rows) {
            let _ = writeln!(text, "{}", row.table_line(columns));
        }
        if let Some(cost) = &self.fixed_cost {
            let _ = writeln!(text, "\n{}", cost.line());
        }
        text.push('\n');
        match &self.smoke {
            Some(Smoke {
                version,
                hello: Ok(hello),
                ..
            }) => {
                let _ = writeln!(
                    text,
                    "The built cargo (`cargo/bin/cargo`) prints `{version}`; a hello-world crate it built printed `{hello}`.\n"
                );
            }
            Some(Smoke { hello: Err(e), .. }) => {
                let _ = writeln!(text, "The built cargo failed: {}\n", first_line(e));
            }
            None => text.push_str("Nothing was built, so the built cargo was not tried.\n\n"),
        }
        if let Some(line) = self.first_build_line() {
            let _ = writeln!(text, "{line}\n");
        }
        let units: Vec<String> = self.rows.iter().filter_map(Row::units_line).collect();
        if !units.is_empty() {
            let _ = writeln!(
                text,
                "Units rebuilt, by name (per-unit Nix against cargo):\n\n{}\n",
                units.join("\n")
            );
        }
        let failures: Vec<String> = self
            .first
            .iter()
            .chain(&self.rows)
            .flat_map(|row| {
                row.failures()
                    .into_iter()
                    .map(move |f| format!("- {}: {}", row.what, first_line(&f)))
            })
            .collect();
        if !failures.is_empty() {
            let _ = writeln!(text, "Failures (first lines):\n\n{}\n", failures.join("\n"));
        }
        let _ = writeln!(
            text,
            "To evaluate by hand: `{}`; cargo's side: `{}`.",
            self.eval_command, self.cargo_command
        );
        text
    }

    /// The plans' table (empty without plans).
    fn plans_table(&self) -> String {
        if self.plans.is_empty() {
            return String::new();
        }
        let mut text = String::from(
            "The plans: the model's units of each build against those of `RUSTC_BOOTSTRAP=1 \
             cargo build --unit-graph -Z unstable-options --workspace [--all-targets] --target \
             <host>`, a unit being its package, version, kind, target, features, platform (host \
             or target) and profile, with its dependency edges (`tests/support/unit_graph.rs`, as \
             `tests/tests/unit_graph.rs` compares them):\n\n\
             | build | cargo's units | the model's | only cargo's | only the model's |\n\
             |---|--:|--:|--:|--:|\n",
        );
        for plan in &self.plans {
            let d = &plan.difference;
            let _ = writeln!(
                text,
                "| `{}` | {} | {} | {} | {} |",
                plan.selection,
                d.cargo,
                d.ours,
                d.only_cargo.len(),
                d.only_ours.len()
            );
        }
        text.push('\n');
        text
    }

    /// The first build's units: the derivations of the evaluation against what cargo compiled
    /// or ran from an empty target directory, and how many Nix found in the store already.
    fn first_build_line(&self) -> Option<String> {
        let first = self.first.as_ref()?;
        let all = self.first_units.as_ref()?;
        let cargo = &first.cargo.as_ref().ok()?.rebuilt;
        let mut line = format!(
            "First build: cargo compiled or ran {} units from an empty target directory; Nix \
             evaluated {} derivations",
            cargo.len(),
            all.len()
        );
        match first.per_unit.rebuilt() {
            Some(built) if built.len() < all.len() => {
                let _ = write!(
                    line,
                    " and built {} of them (the others were in the store from an earlier run)",
                    built.len()
                );
            }
            Some(_) => line.push_str(" and built every one"),
            None => {}
        }
        if all == cargo {
            line.push_str("; the units are the same.");
        } else {
            let nix_only: BTreeSet<String> = all.difference(cargo).cloned().collect();
            let cargo_only: BTreeSet<String> = cargo.difference(all).cloned().collect();
            if !nix_only.is_empty() {
                let _ = write!(line, "; **Nix only**: {}", names(&nix_only));
            }
            if !cargo_only.is_empty() {
                let _ = write!(line, "; **cargo only**: {}", names(&cargo_only));
            }
            line.push('.');
        }
        Some(line)
    }
}

/// A duration in seconds, with one decimal.
pub fn seconds(time: Duration) -> String {
    format!("{:.1} s", time.as_secs_f64())
}

/// The names, each in backticks, comma-separated (`nothing` for none).
pub fn names(set: &BTreeSet<String>) -> String {
    if set.is_empty() {
        return "nothing".into();
    }
    set.iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    fn nix(rebuilt: &[&str], derivations: usize) -> Measured {
        Measured {
            eval: Ok((Duration::from_millis(10_250), derivations)),
            built: Ok(Built {
                rebuilt: set(rebuilt),
                time: Duration::from_millis(31_040),
                log: String::new(),
            }),
            not_built: None,
        }
    }

    fn cargo(rebuilt: &[&str]) -> Result<cargo_side::Built, String> {
        Ok(cargo_side::Built {
            rebuilt: set(rebuilt),
            time: Duration::from_millis(12_960),
        })
    }

    #[test]
    fn rows_name_the_units_only_one_side_rebuilt() {
        let same = Row::new(
            "one line",
            Some("src/lib.rs"),
            nix(&["a/lib/a", "a/bin/a"], 3),
            None,
            cargo(&["a/bin/a", "a/lib/a"]),
        );
        assert_eq!(
            same.table_line(Columns {
                content_addressed: false,
                whole: true
            }),
            "| one line (`src/lib.rs`) | 3 | 10.2 s | 31.0 s | 2 | — | — | — | 13.0 s | 2 | yes |"
        );
        assert_eq!(
            same.units_line().unwrap(),
            "- one line (`src/lib.rs`): cargo `a/bin/a`, `a/lib/a`; Nix the same."
        );
        let differ = Row::new(
            "a comment",
            Some("Cargo.toml"),
            nix(&["a/lib/a"], 3),
            Some(nix(&["a/lib/a", "a/bin/a", "b/lib/b"], 3)),
            cargo(&["b/build-script-run/build-script-build"]),
        );
        assert_eq!(
            differ.table_line(Columns { content_addressed: false, whole: true }),
            "| a comment (`Cargo.toml`) | 3 | 10.2 s | 31.0 s | 1 | 10.2 s | 31.0 s | 3 | 13.0 s | 1 | **no** |"
        );
        assert_eq!(
            differ.units_line().unwrap(),
            "- a comment (`Cargo.toml`): cargo `b/build-script-run/build-script-build`; Nix `a/lib/a`; \
             **Nix only**: `a/lib/a`; **cargo only**: `b/build-script-run/build-script-build`."
        );
        let failed = Row::new(
            "x",
            None,
            Measured::failed_evaluation("error: boom\nmore".into()),
            None,
            Err("cargo build failed".into()),
        );
        assert_eq!(failed.units_line(), None);
        assert_eq!(
            failed.failures(),
            ["per-unit: error: boom\nmore", "cargo: cargo build failed"]
        );
        assert!(!failed.ok());
    }

    #[test]
    fn a_baseline_evaluated_only_counts_its_changed_derivations_and_is_no_failure() {
        let evaluated = Evaluated {
            units: ["a/lib/a", "a/bin/a", "b/lib/b"]
                .iter()
                .map(|id| {
                    let unit = crate::nix_side::Unit {
                        package: "a".into(),
                        version: "0.1.0".into(),
                        kind: "lib".into(),
                        target: "a".into(),
                        host: false,
                        features: Vec::new(),
                        drv: format!("/nix/store/{id}.drv"),
                        name: id.replace('/', "-"),
                    };
                    (id.to_string(), unit)
                })
                .collect(),
            time: Duration::from_millis(9_960),
        };
        let row = Row::new(
            "one line",
            Some("src/lib.rs"),
            nix(&["a/lib/a"], 3),
            Some(Measured::evaluated_only(&evaluated, 3)),
            cargo(&["a/lib/a"]),
        );
        assert_eq!(
            row.table_line(Columns { content_addressed: false, whole: true }),
            "| one line (`src/lib.rs`) | 3 | 10.2 s | 31.0 s | 1 | 10.0 s | not built | (3 changed) | 13.0 s | 1 | yes |"
        );
        assert!(row.ok());
        assert!(row.failures().is_empty());
        let failed = Row::new(
            "one line",
            Some("src/lib.rs"),
            nix(&["a/lib/a"], 3),
            Some(Measured::failed_evaluation("error: boom".into())),
            cargo(&["a/lib/a"]),
        );
        assert!(!failed.ok());
        assert_eq!(failed.failures(), ["whole workspace: error: boom"]);
    }

    #[test]
    fn the_first_build_compares_every_derivation_with_cargo_s_cold_build() {
        let mut report = Report::new("b".into(), 2, "eval".into(), "cargo".into());
        report.first = Some(Row::new(
            "first build",
            None,
            nix(&["a/lib/a"], 3),
            None,
            cargo(&["a/lib/a", "a/bin/a", "c/lib/c"]),
        ));
        report.first_units = Some(set(&["a/lib/a", "a/bin/a", "b/lib/b"]));
        assert_eq!(
            report.first_build_line().unwrap(),
            "First build: cargo compiled or ran 3 units from an empty target directory; Nix \
             evaluated 3 derivations and built 1 of them (the others were in the store from an \
             earlier run); **Nix only**: `b/lib/b`; **cargo only**: `c/lib/c`."
        );
        assert!(!report.complete(), "no smoke test yet");
        report.smoke = Some(Smoke {
            version: "cargo 1.95.0".into(),
            hello: Ok("Hello, world!".into()),
        });
        assert!(report.complete());
        report.first_units = Some(set(&["a/lib/a", "a/bin/a", "c/lib/c"]));
        report.first.as_mut().unwrap().per_unit = nix(&["a/lib/a", "a/bin/a", "c/lib/c"], 3);
        assert_eq!(
            report.first_build_line().unwrap(),
            "First build: cargo compiled or ran 3 units from an empty target directory; Nix \
             evaluated 3 derivations and built every one; the units are the same."
        );
        let text = report.markdown("w");
        assert!(text.starts_with(&format!("{SEED_PROOF_HEADING}\n\n")));
        assert!(text.contains(
            "The built cargo (`cargo/bin/cargo`) prints `cargo 1.95.0`; a hello-world crate it built printed `Hello, world!`."
        ));
        assert!(text.ends_with("To evaluate by hand: `eval`; cargo's side: `cargo`.\n"));
    }
}
