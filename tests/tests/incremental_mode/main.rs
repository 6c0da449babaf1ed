//! The builder's incremental mode (`nix/build-units.nix`'s `incremental`: rustc's
//! `-C incremental` state kept in a directory outside the store across builds), with real
//! `nix-build`, rustc and cargo.
//!
//! Each workspace is built three times, edit after edit: by Nix purely, by Nix in the
//! incremental mode, and by cargo. After each edit the incremental side rebuilds exactly the
//! units cargo recompiles (and the pure side), and every binary, test and bench it built
//! prints what the pure side's prints (tests run, their timings cut). On `examples/cargo-like`
//! (the rebuild proof's edits) and on `tests/fixtures/script-and-macro` (a build script
//! rerunning on every edit of its package, so its OUT_DIR moves, and a proc-macro):
//! `rebuilds.rs`, which also checks that rustc reused the state (object files of the last
//! session kept) and that the mode's derivations never share a store path with pure ones.
//!
//! `fallbacks.rs`: a state removed (`rm -rf` of the directory), damaged, foreign, left by an
//! interrupted build, or failing rustc in a way no check could foresee: each build still
//! succeeds, from scratch, saying why in one line, and behaves as the pure build; an ordinary
//! compile error keeps the state.
//!
//! `setup.rs`: the per-unit lock (a build waits while another holds it); what cannot work,
//! each named in one line (a directory that cannot be created, `flock` missing, a relative or
//! store path, `contentAddressed` too); with Nix's sandbox on, the directory missing from
//! `extra-sandbox-paths` is named, and with it the state is reused.

mod fallbacks;
mod rebuilds;
mod setup;

use rust_unit_sources_tests::rebuilds::{apply, make_unique, CargoSide, Case, NixSide};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One workspace copied three times: built by Nix purely, by Nix in the incremental mode (its
/// state in `state`), and by cargo.
pub(crate) struct Sides {
    pub pure: NixSide,
    pub incremental: NixSide,
    pub cargo: CargoSide,
    pub state: PathBuf,
}

impl Sides {
    /// The three copies of `source` in `scratch`, made unique to `run`, built once.
    pub fn new(source: &Path, scratch: &Path, run: u128) -> Sides {
        let state = scratch.join("state");
        let sides = Sides {
            pure: NixSide::of(source, &scratch.join("pure"), false, "dev"),
            incremental: NixSide::incremental(
                source,
                &scratch.join("incremental"),
                &state,
                "dev",
                "",
            ),
            cargo: CargoSide::copy(source, &scratch.join("cargo")),
            state,
        };
        make_unique(&sides.copies(), run);
        sides.pure.build();
        // The units built the same way in both modes (vendored crates) are the pure side's.
        let (first, log) = sides.incremental.build_logged();
        let own: BTreeSet<String> = sides
            .incremental
            .out_paths()
            .into_iter()
            .filter(|(_, out)| out.to_string_lossy().ends_with("-incremental"))
            .map(|(id, _)| id)
            .collect();
        assert_eq!(
            first, own,
            "the first build compiles every unit of the mode"
        );
        let stateful = keys(&sides.incremental);
        let expected: BTreeMap<String, Vec<String>> = stateful
            .keys()
            .map(|id| {
                (
                    id.clone(),
                    vec!["no state yet: compiling from scratch".into()],
                )
            })
            .chain([(
                String::new(),
                vec![format!("created {}", sides.state.display())],
            )])
            .collect();
        assert_eq!(notes(&sides.incremental, &log), expected);
        assert_eq!(sides.cargo.build(), sides.incremental.units(), "cargo");
        sides
    }

    /// The three workspaces.
    pub fn copies(&self) -> [&Path; 3] {
        [
            self.pure.workspace.as_path(),
            self.incremental.workspace.as_path(),
            self.cargo.workspace.as_path(),
        ]
    }

    /// Makes the edits of `case` in the three copies and rebuilds them: the incremental side
    /// must rebuild what cargo and the pure side rebuilt, and `case.expected`. Its log's notes
    /// (`rust-unit-sources: incremental:` lines) by unit id, the directory's own under "".
    pub fn rebuild(&self, case: &Case) -> BTreeMap<String, Vec<String>> {
        apply(&self.copies(), case);
        let by_pure = self.pure.build();
        let (by_incremental, log) = self.incremental.build_logged();
        let by_cargo = self.cargo.build();
        assert_eq!(by_incremental, by_cargo, "{}: against cargo", case.what);
        assert_eq!(by_incremental, by_pure, "{}: against pure", case.what);
        assert_eq!(by_incremental, case.expected, "{}", case.what);
        notes(&self.incremental, &log)
    }

    /// Every binary, test and bench of the incremental side prints what the pure side's does.
    pub fn assert_same_behaviour(&self, what: &str) {
        let pure = behaviour(&self.pure);
        assert!(!pure.is_empty());
        assert_eq!(behaviour(&self.incremental), pure, "{what}");
    }

    /// The state directory of unit `id` on the incremental side.
    pub fn unit_state(&self, id: &str) -> PathBuf {
        let key = &keys(&self.incremental)[id];
        self.state.join(key)
    }
}

/// The state key (`incrementalKey`) of every unit that keeps state, by id.
pub(crate) fn keys(side: &NixSide) -> BTreeMap<String, String> {
    let keys = side.eval_on_units("builtins.mapAttrs (id: unit: unit.incrementalKey or null)");
    serde_json::from_value::<BTreeMap<String, Option<String>>>(keys)
        .unwrap()
        .into_iter()
        .filter_map(|(id, key)| Some((id, key?)))
        .collect()
}

/// The builders' `rust-unit-sources: incremental: <key>: <note>` lines of `log`, by unit id
/// (notes about the directory, whichever unit printed them, under "").
pub(crate) fn notes(side: &NixSide, log: &str) -> BTreeMap<String, Vec<String>> {
    let ids: BTreeMap<String, String> = keys(side).into_iter().map(|(i, k)| (k, i)).collect();
    let mut notes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in log.lines() {
        let Some(rest) = line.strip_prefix("rust-unit-sources: incremental: ") else {
            continue;
        };
        let (id, note) = match rest.split_once(": ") {
            Some((key, note)) if ids.contains_key(key) && !note.starts_with("created ") => {
                (ids[key].clone(), note)
            }
            Some((_, note)) if note.starts_with("created ") => (String::new(), note),
            _ => (String::new(), rest),
        };
        notes.entry(id).or_default().push(note.to_string());
    }
    notes
}

/// What every executable unit (binaries, tests, benches) of `side` prints, by id: binaries
/// and benches run without arguments, tests one at a time (`--test-threads 1`), their timings
/// and the ids of panicking threads cut.
pub(crate) fn behaviour(side: &NixSide) -> BTreeMap<String, String> {
    let executable = ["bin", "lib-test", "bin-test", "test", "bench"];
    side.out_paths()
        .into_iter()
        .filter_map(|(id, out)| {
            let mut parts = id.split('/');
            let (kind, target) = (parts.nth(1)?, parts.next()?);
            if !executable.contains(&kind) {
                return None;
            }
            let mut command = Command::new(out.join("bin").join(target));
            if kind.ends_with("test") {
                command.args(["--test-threads", "1"]);
            }
            let ran = command
                .current_dir(&side.workspace)
                .env("RUST_BACKTRACE", "0")
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&ran.stdout);
            let printed = stdout.lines().map(steady).collect::<Vec<_>>().join("\n");
            Some((id, format!("{}\n{printed}", ran.status)))
        })
        .collect()
}

/// A line of a test's output without what changes from run to run: the time after `; finished
/// in ` and a panicking thread's id (`thread 'name' (id) panicked`).
fn steady(line: &str) -> String {
    let line = match line.find("; finished in ") {
        Some(at) => &line[..at],
        None => line,
    };
    match (line.find("' ("), line.find(") panicked at ")) {
        (Some(open), Some(close)) if line.starts_with("thread '") && open < close => {
            format!("{}'{}", &line[..open], &line[close + 1..])
        }
        _ => line.to_string(),
    }
}

/// A set of unit ids.
pub(crate) fn ids(list: &[&str]) -> BTreeSet<String> {
    list.iter().map(|s| s.to_string()).collect()
}
