//! The seed proof's measurements and their Markdown report.

use crate::cargo_side;
use crate::fixed_cost::FixedCost;
use crate::nix_side::{Built, Evaluated};
use crate::plans::{plans_table, Plan};
use rust_unit_sources_tests::doc_sections::SEED_PROOF_HEADING;
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

    pub fn failure(&self) -> Option<&str> {
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
        text.push_str(&plans_table(&self.plans));
        let columns = self.columns();
        self.method(&mut text, columns);
        self.timing_table(&mut text, columns);
        self.outcome(&mut text);
        text
    }

    /// The method: what each side builds and how each column is measured.
    fn method(&self, text: &mut String, columns: Columns) {
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
    }

    /// The table of wall times and rebuilt units, one line per step, and the fixed cost per
    /// derivation under it.
    fn timing_table(&self, text: &mut String, columns: Columns) {
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
    }

    /// What came of the builds: the built cargo's smoke test, the first build's units, the
    /// units each edit rebuilt by name, the failures, and how to reproduce.
    fn outcome(&self, text: &mut String) {
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

pub fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
