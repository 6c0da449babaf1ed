//! The seed proof's report: its lines and tables from made-up measurements.

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
