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
    /// Unique to the run: in every derivation's `PATH` (a directory that does not exist), so
    /// that the first build is cold.
    pub salt: String,
}

/// Which builder a [`NixSide`] runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Each unit's `unitSrc`, input-addressed derivations.
    PerUnit,
    /// Each unit's `unitSrc`, content-addressed derivations (`contentAddressed = true`).
    ContentAddressed,
    /// The whole workspace as every unit's `src`.
    WholeWorkspace,
    /// Each unit's `unitSrc`, with a rustc that compiles nothing (it writes an empty
    /// executable where asked for one): what a derivation costs by itself.
    NoOp,
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
    /// Whether it is compiled (run) for the host.
    pub host: bool,
    /// Its features.
    pub features: Vec<String>,
    /// Its derivation.
    pub drv: String,
    /// Its derivation's name, unique in the build (a content-addressed derivation is built
    /// as its resolved derivation: another path, the same name).
    pub name: String,
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

/// A rustc that compiles nothing: an empty executable where `-o` asks for one.
const NO_OP_RUSTC: &str = r#"#!/bin/sh
while [ $# -gt 0 ]; do
  if [ "$1" = -o ]; then printf '#!/bin/sh\n' > "$2"; chmod +x "$2"; fi
  shift
done
"#;

/// The builder, per-unit or with the whole workspace as every unit's `src`.
pub struct NixSide<'a> {
    setup: &'a Setup,
    expression: PathBuf,
    variant: Variant,
}

impl<'a> NixSide<'a> {
    /// The expression for `setup` with the builder `variant`, written to `file`.
    pub fn new(setup: &'a Setup, file: &Path, variant: Variant) -> Result<NixSide<'a>, String> {
        NixSide::with_args(setup, file, variant, "{ }")
    }

    /// As [`NixSide::new`], with `args` (a Nix attribute set) merged last into the builder's
    /// arguments.
    pub fn with_args(
        setup: &'a Setup,
        file: &Path,
        variant: Variant,
        args: &str,
    ) -> Result<NixSide<'a>, String> {
        let builder = |path: &str| nix_string(&setup.builder.join(path));
        let rustc = match variant {
            Variant::NoOp => {
                let script = file.with_extension("rustc");
                std::fs::write(&script, NO_OP_RUSTC)
                    .and_then(|()| {
                        use std::os::unix::fs::PermissionsExt;
                        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755))
                    })
                    .map_err(|e| format!("{}: {e}", script.display()))?;
                script
            }
            _ => setup.rustc.clone(),
        };
        let variant_args = match variant {
            Variant::WholeWorkspace => WHOLE_WORKSPACE_SRC,
            Variant::ContentAddressed => "contentAddressed = true;",
            _ => "",
        };
        let text = format!(
            r#"let
  root = /. + {root};
  library = import (/. + {library}) {{ }};
  model = library.fromPlugin {{ src = root; features = [ ]; dependencies = true; target = "{target}"; }};
  built = import (/. + {build_units}) ({{
    inherit model root;
    rustc = {rustc};
    target = "{target}";
    path = "/usr/bin:/bin:/nonexistent/seed-proof-{salt}";
    {variant_args}
  }} // ({builder_args}) // ({args}));
  # What `cargo build --workspace` builds (its unit graph, the model's `build` selection).
  ids = library.selectUnits model {{ selection = "build"; }};
in
builtins.listToAttrs (map (id: {{
  name = id;
  value = {{
    inherit (model.units.${{id}}) package version kind target features;
    host = model.units.${{id}}.host or false;
    drv = built.${{id}}.drvPath;
    name = built.${{id}}.name;
  }};
}}) ids)
"#,
            root = nix_string(&setup.workspace),
            library = builder("nix/default.nix"),
            build_units = builder("nix/build-units.nix"),
            rustc = nix_string(&rustc),
            target = setup.target,
            salt = setup.salt,
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
            variant,
        })
    }

    /// The command evaluating the expression, as a user would type it.
    pub fn eval_command(&self) -> String {
        format!(
            "NIX_CONFIG=$'{}' nix-instantiate --eval --strict --json --read-write-mode{} --option plugin-files {} {}",
            NIX_CONFIG.replace('\n', "\\n"),
            match self.variant {
                Variant::ContentAddressed => " --extra-experimental-features ca-derivations",
                _ => "",
            },
            self.plugin().display(),
            self.expression.display()
        )
    }

    /// A Nix command with the builds' configuration (and `ca-derivations` where needed).
    fn nix(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command.env("NIX_CONFIG", NIX_CONFIG);
        if self.variant == Variant::ContentAddressed {
            command.args(["--extra-experimental-features", "ca-derivations"]);
        }
        command
    }

    fn plugin(&self) -> PathBuf {
        self.setup
            .builder
            .join("target/release/librust_unit_sources_nix.so")
    }

    /// Evaluates the expression: the units and their derivations (written to the store).
    pub fn evaluate(&self) -> Result<Evaluated, String> {
        let started = Instant::now();
        let output = self
            .nix("nix-instantiate")
            .args(["--eval", "--strict", "--json", "--read-write-mode"])
            .arg("--option")
            .arg("plugin-files")
            .arg(self.plugin())
            .arg(&self.expression)
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
                let features = unit["features"].as_array().into_iter().flatten();
                let unit = Unit {
                    package: field(&unit, "package"),
                    version: field(&unit, "version"),
                    kind: field(&unit, "kind"),
                    target: field(&unit, "target"),
                    host: unit["host"] == true,
                    features: features
                        .filter_map(|f| f.as_str().map(String::from))
                        .collect(),
                    drv: field(&unit, "drv"),
                    name: field(&unit, "name"),
                };
                (id, unit)
            })
            .collect();
        Ok(Evaluated { units, time })
    }

    /// Builds every unit of `evaluated`; the units whose builders ran (named by their
    /// derivations' names, which content-addressed units keep when resolved).
    pub fn realise(&self, evaluated: &Evaluated) -> Result<Built, String> {
        let by_name: BTreeMap<&str, &str> = evaluated
            .units
            .iter()
            .map(|(id, unit)| (unit.name.as_str(), id.as_str()))
            .collect();
        let started = Instant::now();
        let output = self
            .nix("nix-store")
            .args(["--realise", "--keep-going", "--max-jobs"])
            .arg(self.setup.max_jobs.to_string())
            .args(evaluated.units.values().map(|u| &u.drv))
            .output()
            .map_err(|e| format!("cannot run nix-store: {e}"))?;
        let time = started.elapsed();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let name = |drv: &str| {
            let stem = drv.strip_suffix(".drv").unwrap_or(drv);
            let named = stem.rsplit('/').next().and_then(|f| f.split_once('-'));
            match named.and_then(|(_, name)| by_name.get(name)) {
                Some(id) => id.to_string(),
                None => drv.to_string(),
            }
        };
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
            .filter(|drv| !drv.contains("-rust-target-info-"))
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
            host: false,
            features: Vec::new(),
            drv: drv.into(),
            name: "a-lib-a".into(),
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
