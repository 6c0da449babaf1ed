//! The cargo side of the seed proof: `cargo build --workspace --target <host>` (every library,
//! binary and build script of the members, and what they need, planned as the builder plans
//! them: for the target and for the host apart) offline from the vendored sources, naming the
//! units cargo compiled (`"fresh": false` in `--message-format json`) or whose build script it
//! ran, as the model names them.

use crate::nix_side::{first_error, tail, Unit};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant, SystemTime};

/// One cargo build.
pub struct Built {
    /// The units cargo compiled or whose build script it ran.
    pub rebuilt: BTreeSet<String>,
    /// Its wall time.
    pub time: Duration,
}

/// Cargo on the workspace, with its target directory outside it.
pub struct CargoSide {
    workspace: PathBuf,
    target_dir: PathBuf,
    /// The host's triple (`--target`).
    target: String,
    /// Package id → (name, version).
    packages: BTreeMap<String, (String, String)>,
}

impl CargoSide {
    /// Cargo on `workspace`, building into `target_dir` for `target`.
    pub fn new(workspace: &Path, target_dir: &Path, target: &str) -> Result<CargoSide, String> {
        let metadata = rust_unit_sources_tests::locked_metadata(workspace)?;
        let packages = rust_unit_sources_tests::unit_graph::package_ids(&metadata);
        Ok(CargoSide {
            workspace: workspace.to_path_buf(),
            target_dir: target_dir.to_path_buf(),
            target: target.to_string(),
            packages,
        })
    }

    /// The build command, as a user would type it.
    pub fn command_line(&self) -> String {
        format!(
            "cd {} && CARGO_TARGET_DIR={} cargo build --workspace --offline --locked --target {} --message-format json",
            self.workspace.display(),
            self.target_dir.display(),
            self.target
        )
    }

    /// Builds; names the units as `units` (the model's, by id) does, and others as
    /// `<package>@<version>/<kind>/<target>`.
    pub fn build(&self, units: &BTreeMap<String, Unit>) -> Result<Built, String> {
        let started_at = SystemTime::now();
        let started = Instant::now();
        let output = Command::new("cargo")
            .args([
                "build",
                "--workspace",
                "--offline",
                "--locked",
                "--message-format",
                "json",
            ])
            .args(["--target", &self.target])
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .current_dir(&self.workspace)
            .output()
            .map_err(|e| format!("cannot run cargo: {e}"))?;
        let time = started.elapsed();
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(format!(
                "cargo build failed: {}\n{}\n(reproduce: {})",
                first_error(&stderr),
                tail(&stderr, 30),
                self.command_line()
            ));
        }
        let mut rebuilt = BTreeSet::new();
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let message: Value =
                serde_json::from_str(line).map_err(|e| format!("cargo printed {line:?}: {e}"))?;
            rebuilt.extend(self.unit_of(&message, started_at, units));
        }
        Ok(Built { rebuilt, time })
    }

    /// The unit a message of cargo's reports compiled (not fresh) or run at `since` or later,
    /// named as `units` (the model's, by id) names it, else `<package>@<version>/<kind>/<target>`;
    /// `None` for any other message.
    fn unit_of(
        &self,
        message: &Value,
        since: SystemTime,
        units: &BTreeMap<String, Unit>,
    ) -> Option<String> {
        let (name, version) = message["package_id"]
            .as_str()
            .and_then(|id| self.packages.get(id))?;
        // With `--target`, what cargo builds for the target lies below `<target dir>/<triple>/`.
        let for_target = format!("/{}/", self.target);
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let (kind, target, host, features) = match message["reason"].as_str() {
            Some("compiler-artifact") if message["fresh"] == false => {
                let target = &message["target"];
                let kind = match target["kind"][0].as_str().unwrap_or_default() {
                    "lib" | "rlib" | "dylib" | "cdylib" | "staticlib" => "lib",
                    "custom-build" => "build-script",
                    other => other,
                };
                let file = text(&message["filenames"][0]);
                let features: Vec<String> = message["features"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(text)
                    .collect();
                (
                    kind,
                    Some(text(&target["name"])),
                    !file.contains(&for_target),
                    Some(features),
                )
            }
            Some("build-script-executed") if ran_since(message, since) => {
                let host = !text(&message["out_dir"]).contains(&for_target);
                ("build-script-run", None, host, None)
            }
            _ => return None,
        };
        let found: Vec<&String> = units
            .iter()
            .filter(|(_, u)| {
                u.package == *name
                    && u.version == *version
                    && u.kind == kind
                    && target.as_ref().is_none_or(|t| &u.target == t)
                    && u.host == host
                    && features.as_ref().is_none_or(|f| &u.features == f)
            })
            .map(|(id, _)| id)
            .collect();
        Some(match found.as_slice() {
            [id] => id.to_string(),
            _ => format!("{name}@{version}/{kind}/{}", target.unwrap_or_default()),
        })
    }
}

/// Whether the build script of a `build-script-executed` message ran at `since` or later (its
/// `output` file, beside `OUT_DIR`, was written then).
fn ran_since(message: &Value, since: SystemTime) -> bool {
    let Some(out_dir) = message["out_dir"].as_str() else {
        return false;
    };
    let output = Path::new(out_dir).with_file_name("output");
    std::fs::metadata(output)
        .and_then(|m| m.modified())
        .is_ok_and(|ran| ran >= since)
}
