//! The example built through Nix, one derivation per unit (or with the whole workspace as every
//! unit's `src`, the baseline), and what each build rebuilt.

use super::SELECTION;
use crate::{copy_tree, host_triple, nix_string, plugin, real_rustc, repo_root, NIX_CONFIG};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The baseline's `unitSrc`: the whole workspace (without `target/`) for every unit.
const WHOLE_WORKSPACE_SRC: &str = r#"
    unitSrc = { root, unit }: builtins.path {
      path = root;
      name = "workspace-source";
      filter = path: type: path != toString root + "/target";
    };"#;

/// How `build-units.nix` builds the units, beyond its defaults.
enum Mode<'a> {
    /// Input-addressed derivations, each unit compiled from nothing.
    Pure,
    /// Content-addressed derivations (`contentAddressed = true`).
    ContentAddressed,
    /// More arguments of `build-units.nix` (Nix text, such as `incremental = "/var/x";`).
    Args(&'a str),
}

/// A copy of the example built through Nix.
pub struct NixSide {
    /// The copy of the workspace.
    pub workspace: PathBuf,
    expression: PathBuf,
    /// Whether the units are content-addressed derivations (`contentAddressed = true`).
    content_addressed: bool,
    /// Nix's configuration (`NIX_CONFIG`).
    nix_config: String,
}

impl NixSide {
    /// A copy of the example in `dir`/ws and the expression building it; with
    /// `whole_workspace`, every unit gets the whole workspace as `src` (the baseline).
    pub fn new(dir: &Path, whole_workspace: bool) -> NixSide {
        let example = repo_root().join("examples/cargo-like");
        NixSide::of(&example, dir, whole_workspace, "dev")
    }

    /// A copy of the workspace `source` in `dir`/ws and the expression building it with the
    /// cargo profile `profile`, with the machine's C compiler and pkg-config on `PATH` (as
    /// the builder's `path`); with `whole_workspace`, every unit gets the whole workspace as
    /// `src`.
    pub fn of(source: &Path, dir: &Path, whole_workspace: bool, profile: &str) -> NixSide {
        NixSide::with_model(source, dir, whole_workspace, profile, "model: model")
    }

    /// As [`NixSide::of`], building the model `transform` (a Nix function) makes of the
    /// plugin's.
    pub fn with_model(
        source: &Path,
        dir: &Path,
        whole_workspace: bool,
        profile: &str,
        transform: &str,
    ) -> NixSide {
        NixSide::with_options(source, dir, whole_workspace, profile, transform, Mode::Pure)
    }

    /// A copy of the workspace `source` in `dir`/ws built from the plugin's model (dev
    /// profile) as content-addressed derivations (`contentAddressed = true`).
    pub fn content_addressed(source: &Path, dir: &Path) -> NixSide {
        let mode = Mode::ContentAddressed;
        NixSide::with_options(source, dir, false, "dev", "model: model", mode)
    }

    /// A copy of the workspace `source` in `dir`/ws built from the plugin's model (cargo
    /// profile `profile`) in the incremental mode, with its state in `state` and the builder's
    /// arguments `extra` (Nix text) added.
    pub fn incremental(
        source: &Path,
        dir: &Path,
        state: &Path,
        profile: &str,
        extra: &str,
    ) -> NixSide {
        let args = format!("incremental = toString {}; {extra}", nix_string(state));
        NixSide::with_args(source, dir, profile, &args)
    }

    /// A copy of the workspace `source` in `dir`/ws built from the plugin's model (cargo
    /// profile `profile`) with the builder's arguments `args` (Nix text) added.
    pub fn with_args(source: &Path, dir: &Path, profile: &str, args: &str) -> NixSide {
        NixSide::with_options(
            source,
            dir,
            false,
            profile,
            "model: model",
            Mode::Args(args),
        )
    }

    fn with_options(
        source: &Path,
        dir: &Path,
        whole_workspace: bool,
        profile: &str,
        transform: &str,
        mode: Mode,
    ) -> NixSide {
        let workspace = dir.join("ws");
        copy_tree(source, &workspace);
        let expression = dir.join("build.nix");
        let text = format!(
            r#"let
  root = /. + {root};
  library = import (/. + {nix}) {{ }};
  model = ({transform}) (library.fromPlugin {{ src = root; features = [ ]; dependencies = true; target = {target}; profile = "{profile}"; }});
  units = import (/. + {build_units}) {{ inherit model root; rustc = {rustc}; target = {target};{baseline}{ca} }};
in
# What `cargo build --workspace --all-targets` builds.
builtins.listToAttrs (map (id: {{ name = id; value = units.${{id}}; }}) (library.selectUnits model {{ selection = "{selection}"; }}))
"#,
            selection = SELECTION,
            root = nix_string(&workspace),
            nix = nix_string(&repo_root().join("nix/default.nix")),
            build_units = nix_string(&repo_root().join("nix/build-units.nix")),
            target = format!("\"{}\"", host_triple()),
            rustc = nix_string(&real_rustc()),
            baseline = if whole_workspace {
                WHOLE_WORKSPACE_SRC
            } else {
                ""
            },
            ca = match mode {
                Mode::Pure => String::new(),
                Mode::ContentAddressed => " contentAddressed = true;".to_string(),
                Mode::Args(args) => format!(" {args}"),
            },
        );
        std::fs::write(&expression, text).unwrap();
        NixSide {
            workspace,
            expression,
            content_addressed: matches!(mode, Mode::ContentAddressed),
            nix_config: NIX_CONFIG.to_string(),
        }
    }

    /// The ids of every unit the expression builds.
    pub fn units(&self) -> BTreeSet<String> {
        let names = self.eval_on_units("builtins.attrNames");
        serde_json::from_value(names).unwrap()
    }

    /// The Nix expression of the attribute set of units.
    pub fn units_expr(&self) -> String {
        format!("import {}", nix_string(&self.expression))
    }

    /// `function` applied to the attribute set of units, evaluated strictly, as JSON.
    pub fn eval_on_units(&self, function: &str) -> serde_json::Value {
        let output = self.try_eval_on_units(function);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// `nix-instantiate --eval --strict --json` of `function` applied to the attribute set of
    /// units, whether it succeeds or not.
    pub fn try_eval_on_units(&self, function: &str) -> std::process::Output {
        self.nix("nix-instantiate")
            .args(["--eval", "--strict", "--json", "-E"])
            .arg(format!("({function}) ({})", self.units_expr()))
            .output()
            .unwrap()
    }

    /// The same side with `config` as Nix's configuration (`NIX_CONFIG`) instead of
    /// [`NIX_CONFIG`].
    pub fn with_nix_config(mut self, config: &str) -> NixSide {
        self.nix_config = config.to_string();
        self
    }

    fn nix(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        command
            .arg("--option")
            .arg("plugin-files")
            .arg(plugin())
            .env("NIX_CONFIG", &self.nix_config);
        if self.content_addressed {
            command.args(["--extra-experimental-features", "ca-derivations"]);
        }
        command
    }

    /// Builds every unit; returns the ids of the units whose builders ran ("building '…'" in
    /// Nix's log). A content-addressed derivation runs as its resolved derivation (another
    /// path, the same name), and not at all when that one's output is known: units are named
    /// by their derivations' names, unique in a build.
    pub fn build(&self) -> BTreeSet<String> {
        self.build_logged().0
    }

    /// As [`NixSide::build`], with Nix's stderr (the builders' logs among it).
    pub fn build_logged(&self) -> (BTreeSet<String>, String) {
        let names = self.eval_on_units("builtins.mapAttrs (id: unit: unit.name)");
        let by_name: BTreeMap<String, String> =
            serde_json::from_value::<BTreeMap<String, String>>(names)
                .unwrap()
                .into_iter()
                .map(|(id, name)| (name, id))
                .collect();
        let output = self
            .nix("nix-build")
            .args(["--no-out-link", "-E"])
            .arg(format!("builtins.attrValues ({})", self.units_expr()))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "nix-build failed:\n{stderr}");
        let built = stderr
            .lines()
            .filter_map(|l| l.strip_prefix("building '")?.split('\'').next())
            .filter_map(|drv| drv.strip_suffix(".drv")?.split_once('-'))
            .map(|(_, name)| name)
            // The target's cfgs for build scripts: one derivation per build, not a unit.
            .filter(|name| !name.starts_with("rust-target-info-"))
            .map(|name| {
                by_name
                    .get(name)
                    .unwrap_or_else(|| panic!("built {name}, not a unit"))
                    .clone()
            })
            .collect();
        (built, stderr.into_owned())
    }

    /// Rebuilds every unit with `nix-build --check`: whether each output came out
    /// byte-identical, and Nix's stderr ("may not be deterministic" for one that did not).
    pub fn check(&self) -> (bool, String) {
        self.build_every_unit(&["--check"])
    }

    /// `nix-build` of every unit, to spawn.
    pub fn build_command(&self) -> Command {
        let mut command = self.nix("nix-build");
        command
            .args(["--no-out-link", "-E"])
            .arg(format!("builtins.attrValues ({})", self.units_expr()));
        command
    }

    /// Builds every unit it can (`--keep-going`): whether all built, and Nix's stderr.
    pub fn build_keep_going(&self) -> (bool, String) {
        self.build_every_unit(&[])
    }

    /// `nix-build --keep-going` of every unit with `flags` added: whether all built, and
    /// Nix's stderr.
    fn build_every_unit(&self, flags: &[&str]) -> (bool, String) {
        let output = self
            .nix("nix-build")
            .args(["--no-out-link", "--keep-going"])
            .args(flags)
            .arg("-E")
            .arg(format!("builtins.attrValues ({})", self.units_expr()))
            .output()
            .unwrap();
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Every unit's output path, by id.
    pub fn out_paths(&self) -> BTreeMap<String, PathBuf> {
        let outs = self.eval_on_units("builtins.mapAttrs (id: unit: unit.outPath)");
        serde_json::from_value(outs).unwrap()
    }

    /// The ids of the units whose outputs are in the store (built now or before).
    pub fn units_in_store(&self) -> BTreeSet<String> {
        self.out_paths()
            .into_iter()
            .filter(|(_, out)| out.exists())
            .map(|(id, _)| id)
            .collect()
    }

    /// Runs `examples/cargo-like`'s built binary (`nix` must build that example) and checks
    /// what it prints: the build script's generated code and the nested members linked.
    pub fn assert_cargo_like_runs(&self) {
        let binary = self
            .output("cargo-like/bin/cargo-like")
            .join("bin/cargo-like");
        let ran = Command::new(&binary).args(["a", "b"]).output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ran.stdout),
            "    compiling 2 unit(s) for unix\n"
        );
    }

    /// The path of a unit's output.
    pub fn output(&self, id: &str) -> PathBuf {
        let out = self
            .nix("nix-build")
            .args(["--no-out-link", "-E"])
            .arg(format!("({}).\"{id}\"", self.units_expr()))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    }
}
