//! Nix beyond one store: private stores (an empty directory bound over `/nix` in a mount
//! namespace of their own, so their paths are real `/nix/store` paths and builds run
//! unsandboxed), a signed `file://` binary cache, an `sshd` on the loopback address serving a
//! private store as a remote builder (`crate::sshd`), and what Nix's output says it built,
//! fetched and copied. Shared by `tests/tests/binary_cache.rs`, `remote_builder.rs` and
//! `drv_identity.rs`.

use crate::{plugin, NIX_CONFIG};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// No options for [`Store::build`] and [`Store::dry_run`].
pub const NO_OPTIONS: &[&str] = &[];

/// A Nix store: the machine's, or a private one.
pub enum Store {
    /// The store of the Nix on `PATH`, as every other test uses it.
    Machine,
    /// A directory that is `/nix` for the commands run in it: each runs in a mount namespace
    /// of its own (`unshare --mount`, private where it can be) with the directory bound over
    /// `/nix` (it starts empty: Nix makes its store and database there).
    Private(PathBuf),
}

impl Store {
    /// A private store in `dir` (created).
    pub fn private(dir: &Path) -> Store {
        std::fs::create_dir_all(dir).unwrap();
        Store::Private(dir.to_path_buf())
    }

    /// `program` run against this store.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        match self {
            Store::Machine => Command::new(program),
            Store::Private(dir) => {
                let mut command = Command::new("unshare");
                command
                    .args(["--mount", "--propagation", propagation(), "--"])
                    .args(["sh", "-c", r#"mount --bind "$0" /nix && exec "$@""#])
                    .arg(dir)
                    .arg(program);
                command
            }
        }
    }

    /// Where the store path `path` lies on this machine's file system, seen from outside the
    /// store's namespace.
    pub fn real_path(&self, path: &Path) -> PathBuf {
        match self {
            Store::Machine => path.to_path_buf(),
            Store::Private(dir) => dir.join(path.strip_prefix("/nix").unwrap()),
        }
    }

    /// `program` (a Nix command) with the plugin loaded and [`NIX_CONFIG`]: what every
    /// evaluation and build here runs.
    pub fn nix(&self, program: &str) -> Command {
        let mut command = self.command(program);
        command
            .arg("--option")
            .arg("plugin-files")
            .arg(plugin())
            .env("NIX_CONFIG", NIX_CONFIG);
        command
    }

    /// `function` applied to `expr`, evaluated strictly in this store, as JSON; `env` is set
    /// for the evaluation.
    pub fn eval(&self, function: &str, expr: &str, env: &[(&str, &Path)]) -> Value {
        let output = self
            .nix("nix-instantiate")
            .args(["--eval", "--strict", "--json", "-E"])
            .arg(format!("({function}) ({expr})"))
            .envs(env.iter().copied())
            .output()
            .unwrap();
        serde_json::from_slice(&succeeded(&output, "nix-instantiate").stdout).unwrap()
    }

    /// The units of the attribute set `expr` evaluated in this store: id -> derivation path
    /// and output path.
    pub fn units(&self, expr: &str) -> Units {
        self.units_with_env(expr, &[])
    }

    /// As [`Store::units`], with the environment variables `env` set for the evaluation.
    pub fn units_with_env(&self, expr: &str, env: &[(&str, &Path)]) -> Units {
        let paths = self.eval(
            "builtins.mapAttrs (id: unit: { drv = unit.drvPath; out = unit.outPath; })",
            expr,
            env,
        );
        let paths: BTreeMap<String, BTreeMap<String, String>> =
            serde_json::from_value(paths).unwrap();
        Units(
            paths
                .into_iter()
                .map(|(id, p)| (id, (p["drv"].clone(), p["out"].clone())))
                .collect(),
        )
    }

    /// `nix-build --no-out-link` of every unit of `expr` with `options`; fails the test unless
    /// it succeeds. Returns what Nix's log says it did.
    pub fn build<S: AsRef<OsStr>>(&self, expr: &str, options: &[S]) -> BuildLog {
        self.build_with_env(expr, options, &[])
    }

    /// As [`Store::build`], with the environment variables `env` set.
    pub fn build_with_env<S: AsRef<OsStr>>(
        &self,
        expr: &str,
        options: &[S],
        env: &[(&str, &str)],
    ) -> BuildLog {
        BuildLog::of(&self.build_output(expr, &["--no-out-link"], options, env))
    }

    /// `nix-build --dry-run` of every unit of `expr` with `options`: what Nix would build and
    /// fetch.
    pub fn dry_run<S: AsRef<OsStr>>(&self, expr: &str, options: &[S]) -> DryRun {
        let output = self.build_output(expr, &["--no-out-link", "--dry-run"], options, &[]);
        DryRun::of(&String::from_utf8_lossy(&output.stderr))
    }

    fn build_output<S: AsRef<OsStr>>(
        &self,
        expr: &str,
        flags: &[&str],
        options: &[S],
        env: &[(&str, &str)],
    ) -> Output {
        let output = self
            .nix("nix-build")
            .args(flags)
            .args(options)
            .envs(env.iter().copied())
            .arg("-E")
            .arg(format!("builtins.attrValues ({expr})"))
            .output()
            .unwrap();
        succeeded(&output, "nix-build");
        output
    }
}

/// The mount propagation of a private store's namespace: `private` (no mount made in it is
/// seen outside, whatever the machine's mounts propagate), except in a chroot (the root is no
/// mount point, so unshare cannot change its propagation), such as the one `scripts/with-nix`
/// runs tests in: there the namespace's mounts stay as they are, which the chroot's namespace
/// made private (no mount of it may be shared, else the test stops here).
fn propagation() -> &'static str {
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    // Each line: id, parent id, device, root, mount point, options, optional fields, `-`, …
    let root_is_a_mount = mounts
        .lines()
        .any(|line| line.split(' ').nth(4) == Some("/"));
    if root_is_a_mount {
        return "private";
    }
    let shared: Vec<&str> = mounts
        .lines()
        .filter(|line| {
            let fields = line.split(" - ").next().unwrap_or_default();
            fields.split(' ').skip(6).any(|f| f.starts_with("shared:"))
        })
        .collect();
    assert!(
        shared.is_empty(),
        "a chroot with shared mounts: a bind over /nix would reach the machine's:\n{}",
        shared.join("\n")
    );
    "unchanged"
}

/// `output`, after checking that `what` succeeded (failing the test with its stderr).
pub(crate) fn succeeded<'a>(output: &'a Output, what: &str) -> &'a Output {
    assert!(
        output.status.success(),
        "{what} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Every unit of a build: id -> (derivation path, output path).
#[derive(Debug, PartialEq, Eq)]
pub struct Units(pub BTreeMap<String, (String, String)>);

impl Units {
    /// The derivation paths of the units `ids`.
    pub fn drvs<'a>(&self, ids: impl IntoIterator<Item = &'a String>) -> BTreeSet<String> {
        ids.into_iter().map(|id| self.0[id].0.clone()).collect()
    }

    /// The output paths of the units `ids`.
    pub fn outs<'a>(&self, ids: impl IntoIterator<Item = &'a String>) -> BTreeSet<String> {
        ids.into_iter().map(|id| self.0[id].1.clone()).collect()
    }

    /// Every unit id.
    pub fn ids(&self) -> BTreeSet<String> {
        self.0.keys().cloned().collect()
    }

    /// The ids of the units whose derivation is in `drvs`, failing the test on a derivation
    /// that is no unit's.
    pub fn named(&self, drvs: &BTreeSet<String>) -> BTreeSet<String> {
        let by_drv: BTreeMap<&String, &String> =
            self.0.iter().map(|(id, (drv, _))| (drv, id)).collect();
        drvs.iter()
            .map(|drv| {
                (*by_drv
                    .get(drv)
                    .unwrap_or_else(|| panic!("{drv} is no unit's derivation")))
                .clone()
            })
            .collect()
    }
}

/// What a `nix-build` did, from its log (stderr).
#[derive(Debug, Default)]
pub struct BuildLog {
    /// Derivations built here: `building '<drv>'...`.
    pub built: BTreeSet<String>,
    /// Derivations handed to a remote builder: `building '<drv>' on '<machine>'...`, with
    /// the machine.
    pub built_on: BTreeMap<String, String>,
    /// Store paths copied in from elsewhere (a substituter, a remote builder): `copying path
    /// '<path>' from '<source>'...`, with the source.
    pub copied_from: BTreeMap<String, String>,
    /// Store paths copied from here to elsewhere (a remote builder's inputs): `copying path
    /// '<path>' to '<destination>'...`, with the destination.
    pub copied_to: BTreeMap<String, String>,
    /// The whole log, for messages.
    pub log: String,
}

impl BuildLog {
    /// The log of `output`.
    pub fn of(output: &Output) -> BuildLog {
        let log = String::from_utf8_lossy(&output.stderr).into_owned();
        let mut read = BuildLog::default();
        for line in log.lines() {
            if let Some(rest) = line.strip_prefix("building '") {
                match rest.strip_suffix("'...").map(|r| r.split_once("' on '")) {
                    Some(Some((drv, machine))) => {
                        read.built_on.insert(drv.to_string(), machine.to_string());
                    }
                    Some(None) => {
                        read.built
                            .insert(rest.strip_suffix("'...").unwrap().to_string());
                    }
                    None => panic!("unexpected line: {line}"),
                }
            } else if let Some(rest) = line.strip_prefix("copying path '") {
                let rest = rest
                    .strip_suffix("'...")
                    .unwrap_or_else(|| panic!("unexpected line: {line}"));
                if let Some((path, source)) = rest.split_once("' from '") {
                    read.copied_from
                        .insert(path.to_string(), source.to_string());
                } else if let Some((path, destination)) = rest.split_once("' to '") {
                    read.copied_to
                        .insert(path.to_string(), destination.to_string());
                } else {
                    panic!("unexpected line: {line}");
                }
            }
        }
        read.log = log;
        read
    }

    /// The paths copied from `source`.
    pub fn copied_from(&self, source: &str) -> BTreeSet<String> {
        self.copied_from
            .iter()
            .filter(|(_, from)| from.as_str() == source)
            .map(|(path, _)| path.clone())
            .collect()
    }
}

/// What `nix-build --dry-run` says it would do.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DryRun {
    /// The derivations listed under "… will be built:".
    pub built: BTreeSet<String>,
    /// The paths listed under "… will be fetched (…):".
    pub fetched: BTreeSet<String>,
}

impl DryRun {
    /// Reads Nix's stderr of a `--dry-run`.
    pub fn of(log: &str) -> DryRun {
        let mut read = DryRun::default();
        let mut list: Option<Listed> = None;
        for line in log.lines() {
            if let Some(path) = line.strip_prefix("  ") {
                let list: &mut BTreeSet<String> = list
                    .unwrap_or_else(|| panic!("a path outside a list: {line}\n{log}"))
                    .pick(&mut read);
                list.insert(path.to_string());
            } else if line.ends_with(" will be built:") {
                list = Some(Listed::Built);
            } else if line.contains(" will be fetched (") {
                list = Some(Listed::Fetched);
            } else {
                list = None;
            }
        }
        read
    }
}

#[derive(Clone, Copy)]
enum Listed {
    Built,
    Fetched,
}

impl Listed {
    fn pick(self, dry_run: &mut DryRun) -> &mut BTreeSet<String> {
        match self {
            Listed::Built => &mut dry_run.built,
            Listed::Fetched => &mut dry_run.fetched,
        }
    }
}

/// A `file://` binary cache in a directory, with a signing key made for it.
pub struct BinaryCache {
    dir: PathBuf,
    secret_key: PathBuf,
    /// The public key, `name:base64`, as `trusted-public-keys` takes it.
    pub public_key: String,
}

impl BinaryCache {
    /// A new cache in `dir`/cache, with a key pair named `name` in `dir`.
    pub fn new(dir: &Path, name: &str) -> BinaryCache {
        std::fs::create_dir_all(dir).unwrap();
        let (secret_key, public) = (dir.join("cache-key.sec"), dir.join("cache-key.pub"));
        let made = Command::new("nix-store")
            .args(["--generate-binary-cache-key", name])
            .args([&secret_key, &public])
            .env("NIX_CONFIG", NIX_CONFIG)
            .output()
            .unwrap();
        succeeded(&made, "nix-store --generate-binary-cache-key");
        BinaryCache {
            dir: dir.join("cache"),
            secret_key,
            public_key: std::fs::read_to_string(public).unwrap().trim().to_string(),
        }
    }

    /// The cache's URL, as a substituter.
    pub fn url(&self) -> String {
        format!("file://{}", self.dir.display())
    }

    /// Copies `paths` (and their closures) from `store` to the cache, signed with its key and
    /// compressed with zstd (`nix copy --to 'file://…?secret-key=…&compression=zstd'`: the
    /// default, xz, takes seconds per unit's output of a few megabytes).
    pub fn push(&self, store: &Store, paths: &BTreeSet<String>) {
        let output = store
            .command("nix")
            .args([
                "--extra-experimental-features",
                "nix-command",
                "copy",
                "--to",
            ])
            .arg(format!(
                "{}?secret-key={}&compression=zstd",
                self.url(),
                self.secret_key.display()
            ))
            .args(paths)
            .env("NIX_CONFIG", NIX_CONFIG)
            .output()
            .unwrap();
        succeeded(&output, "nix copy");
    }

    /// The options making it a store's only substituter, its key trusted.
    pub fn substituter_options(&self) -> Vec<String> {
        [
            "--option",
            "substituters",
            &self.url(),
            "--option",
            "trusted-public-keys",
            &self.public_key,
        ]
        .map(String::from)
        .to_vec()
    }
}

/// The system Nix builds for here (`builtins.currentSystem`).
pub fn current_system() -> String {
    let output = Command::new("nix-instantiate")
        .args(["--eval", "--json", "-E", "builtins.currentSystem"])
        .env("NIX_CONFIG", NIX_CONFIG)
        .output()
        .unwrap();
    serde_json::from_slice(&succeeded(&output, "nix-instantiate").stdout).unwrap()
}

/// The absolute path of the program `name` on `PATH` (for a command run with another `PATH`,
/// as sshd's forced command is).
pub fn on_path(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").expect("PATH is set");
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("{name} is not on PATH"))
}

/// Writes a `Cargo.lock` into `workspace` when it has none (`cargo generate-lockfile
/// --offline`): a scan with dependencies reads it (`--locked`), and fixtures without
/// registry dependencies ship none.
pub fn ensure_lock_file(workspace: &Path) {
    if workspace.join("Cargo.lock").exists() {
        return;
    }
    let output = Command::new("cargo")
        .args(["generate-lockfile", "--offline"])
        .current_dir(workspace)
        .output()
        .unwrap();
    succeeded(&output, "cargo generate-lockfile");
}
