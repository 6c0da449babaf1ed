//! The Nix side of the seed proof: `nix/build-units.nix` of a builder checkout on the
//! workspace, evaluated once (`nix-instantiate --eval --read-write-mode`, which also writes the
//! derivations and unit sources to the store) and realised (`nix-store --realise`), naming
//! the units whose derivations Nix built.

use rust_unit_sources_tests::{nix_string, NIX_CONFIG};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The baseline's `unitSrc`: the whole workspace (without its build directory `target/`;
/// vendored crates have directories of that name too) for every unit, copied to the store once
/// per evaluation as a Nix build of a workspace does (`builtins.path` with a filter is not
/// memoised: one call per unit would hash the workspace's 570 MB once per unit).
const WHOLE_WORKSPACE_SRC: &str = r#"unitSrc =
      let
        src = builtins.path {
          path = root;
          name = "workspace-source";
          filter = path: type: path != toString root + "/target";
        };
      in
      { root, unit }: src;"#;

/// What the build is for: the host.
pub struct Setup {
    /// The checkout whose `nix/` and plugin (`target/release/librust_unit_sources_nix.so`)
    /// are used.
    pub builder: PathBuf,
    /// The workspace.
    pub workspace: PathBuf,
    /// The real rustc.
    pub rustc: PathBuf,
    /// The host's target triple.
    pub target: String,
    /// More arguments of `build-units.nix`: a Nix attribute set, merged last.
    pub builder_args: String,
    /// `--max-jobs` of the builds.
    pub max_jobs: usize,
}

/// A unit of the build, as the model describes it.
#[derive(Clone, Debug)]
pub struct Unit {
    /// The package name.
    pub package: String,
    /// The package version.
    pub version: String,
    /// The unit's kind.
    pub kind: String,
    /// The target name.
    pub target: String,
    /// Its derivation.
    pub drv: String,
}

/// One evaluation: the units of the build (the members' libraries and binaries and what they
/// need) by id.
pub struct Evaluated {
    /// The units, by id.
    pub units: BTreeMap<String, Unit>,
    /// The evaluation's wall time.
    pub time: Duration,
}

impl Evaluated {
    /// How many of the units' derivations differ from those of `before` (a unit new since
    /// `before` counts; every unit without it).
    pub fn changed(&self, before: Option<&Evaluated>) -> usize {
        self.units
            .iter()
            .filter(|(id, unit)| {
                before
                    .and_then(|b| b.units.get(*id))
                    .is_none_or(|old| old.drv != unit.drv)
            })
            .count()
    }
}

/// One realisation.
pub struct Built {
    /// The ids of the units whose derivations Nix built.
    pub rebuilt: BTreeSet<String>,
    /// The realisation's wall time.
    pub time: Duration,
    /// What `nix-store --realise` printed on stderr (the builders' logs among it).
    pub log: String,
}

/// The builder, per-unit or with the whole workspace as every unit's `src`.
pub struct NixSide<'a> {
    setup: &'a Setup,
    expression: PathBuf,
}

impl<'a> NixSide<'a> {
    /// The expression for `setup`, written to `file`; with `whole_workspace`, every unit gets
    /// the whole workspace as `src` (the baseline).
    pub fn new(
        setup: &'a Setup,
        file: &Path,
        whole_workspace: bool,
    ) -> Result<NixSide<'a>, String> {
        NixSide::with_args(setup, file, whole_workspace, "{ }")
    }

    /// As [`NixSide::new`], with `args` (a Nix attribute set) merged last into the builder's
    /// arguments.
    pub fn with_args(
        setup: &'a Setup,
        file: &Path,
        whole_workspace: bool,
        args: &str,
    ) -> Result<NixSide<'a>, String> {
        let builder = |path: &str| nix_string(&setup.builder.join(path));
        let text = format!(
            r#"let
  root = /. + {root};
  library = import (/. + {library}) {{ }};
  model = library.fromPlugin {{ src = root; features = [ ]; dependencies = true; target = "{target}"; }};
  built = import (/. + {build_units}) ({{
    inherit model root;
    rustc = {rustc};
    target = "{target}";
    {baseline}
  }} // ({builder_args}) // ({args}));
  # What `cargo build --workspace` builds: the members' libraries and binaries, and their
  # dependency closure (build scripts, vendored libraries).
  isMember = unit: builtins.substring 0 7 unit.manifest != "vendor/";
  wanted = id: let unit = model.units.${{id}}; in isMember unit && builtins.elem unit.kind [ "lib" "proc-macro" "bin" ];
  ids = library.depClosure model (builtins.filter wanted (builtins.attrNames model.units));
in
builtins.listToAttrs (map (id: {{
  name = id;
  value = {{ inherit (model.units.${{id}}) package version kind target; drv = built.${{id}}.drvPath; }};
}}) ids)
"#,
            root = nix_string(&setup.workspace),
            library = builder("nix/default.nix"),
            build_units = builder("nix/build-units.nix"),
            rustc = nix_string(&setup.rustc),
            target = setup.target,
            baseline = if whole_workspace {
                WHOLE_WORKSPACE_SRC
            } else {
                ""
            },
            builder_args = if setup.builder_args.is_empty() {
                "{ }"
            } else {
                &setup.builder_args
            },
        );
        std::fs::write(file, text).map_err(|e| format!("{}: {e}", file.display()))?;
        Ok(NixSide {
            setup,
            expression: file.to_path_buf(),
        })
    }

    /// The command evaluating the expression, as a user would type it.
    pub fn eval_command(&self) -> String {
        format!(
            "NIX_CONFIG=$'{}' nix-instantiate --eval --strict --json --read-write-mode --option plugin-files {} {}",
            NIX_CONFIG.replace('\n', "\\n"),
            self.plugin().display(),
            self.expression.display()
        )
    }

    fn plugin(&self) -> PathBuf {
        self.setup
            .builder
            .join("target/release/librust_unit_sources_nix.so")
    }

    /// Evaluates the expression: the units and their derivations (written to the store).
    pub fn evaluate(&self) -> Result<Evaluated, String> {
        let started = Instant::now();
        let output = Command::new("nix-instantiate")
            .args(["--eval", "--strict", "--json", "--read-write-mode"])
            .arg("--option")
            .arg("plugin-files")
            .arg(self.plugin())
            .arg(&self.expression)
            .env("NIX_CONFIG", NIX_CONFIG)
            .output()
            .map_err(|e| format!("cannot run nix-instantiate: {e}"))?;
        let time = started.elapsed();
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(format!(
                "evaluation failed: {}\n{}\n(reproduce: {})",
                first_error(&stderr),
                tail(&stderr, 20),
                self.eval_command()
            ));
        }
        let json: BTreeMap<String, Value> = serde_json::from_slice(&output.stdout)
            .map_err(|e| format!("nix-instantiate printed no JSON: {e}"))?;
        let field = |unit: &Value, key: &str| unit[key].as_str().unwrap_or_default().to_string();
        let units = json
            .into_iter()
            .map(|(id, unit)| {
                let unit = Unit {
                    package: field(&unit, "package"),
                    version: field(&unit, "version"),
                    kind: field(&unit, "kind"),
                    target: field(&unit, "target"),
                    drv: field(&unit, "drv"),
                };
                (id, unit)
            })
            .collect();
        Ok(Evaluated { units, time })
    }

    /// Builds every unit of `evaluated`; the units Nix built (not already in the store).
    pub fn realise(&self, evaluated: &Evaluated) -> Result<Built, String> {
        let by_drv: BTreeMap<&str, &str> = evaluated
            .units
            .iter()
            .map(|(id, unit)| (unit.drv.as_str(), id.as_str()))
            .collect();
        let started = Instant::now();
        let output = Command::new("nix-store")
            .args(["--realise", "--keep-going", "--max-jobs"])
            .arg(self.setup.max_jobs.to_string())
            .args(by_drv.keys())
            .env("NIX_CONFIG", NIX_CONFIG)
            .output()
            .map_err(|e| format!("cannot run nix-store: {e}"))?;
        let time = started.elapsed();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let name = |drv: &str| by_drv.get(drv).map_or(drv.to_string(), |id| id.to_string());
        if !output.status.success() {
            let failed: Vec<&str> = stderr
                .lines()
                .filter_map(|l| l.strip_prefix("error: builder for '")?.split('\'').next())
                .collect();
            let logs: Vec<String> = failed
                .iter()
                .map(|drv| format!("--- {} (nix-store -l {drv}):\n{}", name(drv), log_tail(drv)))
                .collect();
            let names: Vec<String> = failed.iter().map(|drv| name(drv)).collect();
            return Err(format!(
                "{} unit(s) failed to build: {}\n{}",
                names.len(),
                names.join(", "),
                if logs.is_empty() {
                    tail(&stderr, 40)
                } else {
                    logs.join("\n")
                }
            ));
        }
        let rebuilt = stderr
            .lines()
            .filter_map(|l| l.strip_prefix("building '")?.split('\'').next())
            .map(name)
            .collect();
        Ok(Built {
            rebuilt,
            time,
            log: stderr.into_owned(),
        })
    }
}

/// The output path of the derivation `drv` (built).
pub fn output_of(drv: &str) -> Result<PathBuf, String> {
    let output = Command::new("nix-store")
        .args(["--query", "--outputs", drv])
        .env("NIX_CONFIG", NIX_CONFIG)
        .output()
        .map_err(|e| format!("cannot run nix-store: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .next()
        .map(PathBuf::from)
        .filter(|_| output.status.success())
        .ok_or_else(|| {
            format!(
                "nix-store --query --outputs {drv}: {}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
}

/// The first line of `text` saying `error:`, without what precedes it, else its last line.
pub fn first_error(text: &str) -> &str {
    text.lines()
        .find_map(|l| l.find("error:").map(|at| &l[at..]))
        .or_else(|| text.lines().last())
        .unwrap_or_default()
}

/// The last lines of the build log of `drv`, without terminal colours.
fn log_tail(drv: &str) -> String {
    let log = Command::new("nix-store")
        .args(["--read-log", drv])
        .env("NIX_CONFIG", NIX_CONFIG)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let mut plain = String::new();
    let mut chars = log.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            chars.by_ref().find(|c| c.is_ascii_alphabetic());
        } else {
            plain.push(c);
        }
    }
    let lines: Vec<&str> = plain.lines().filter(|l| !l.trim().is_empty()).collect();
    tail(&lines.join("\n"), 12)
}

/// The last `lines` lines of `text`.
pub fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evaluated(units: &[(&str, &str)]) -> Evaluated {
        let unit = |drv: &str| Unit {
            package: "a".into(),
            version: "0.1.0".into(),
            kind: "lib".into(),
            target: "a".into(),
            drv: drv.into(),
        };
        Evaluated {
            units: units
                .iter()
                .map(|(id, drv)| (id.to_string(), unit(drv)))
                .collect(),
            time: Duration::ZERO,
        }
    }

    #[test]
    fn changed_counts_new_units_and_units_with_another_derivation() {
        let before = evaluated(&[
            ("a/lib/a", "1.drv"),
            ("b/lib/b", "2.drv"),
            ("gone", "3.drv"),
        ]);
        let after = evaluated(&[
            ("a/lib/a", "1.drv"),
            ("b/lib/b", "4.drv"),
            ("c/lib/c", "5.drv"),
        ]);
        assert_eq!(after.changed(Some(&before)), 2);
        assert_eq!(after.changed(Some(&after)), 0);
        assert_eq!(after.changed(None), 3);
    }
}
