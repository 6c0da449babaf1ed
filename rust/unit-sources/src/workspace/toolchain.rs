//! The `cargo` and `rustc` a scan runs, and the environment they run in: the caller's own
//! toolchain, never one the workspace selects (docs/security.md has the threat model).
//!
//! A workspace can name programs in three places, and each is closed here:
//! - **rustup's toolchain choice.** rustup's proxies (`~/.cargo/bin/cargo`) honour a
//!   `rust-toolchain{,.toml}` found above the directory they run in, whose `path` runs any
//!   program and whose uninstalled channel is downloaded. A proxy is therefore never run:
//!   [`Toolchain::resolve`] follows rustup's precedence itself (`$RUSTUP_TOOLCHAIN`, a
//!   directory override in rustup's `settings.toml`, a toolchain file, the default) and runs
//!   the chosen toolchain's own `bin/cargo` and `bin/rustc`. A toolchain file is honoured only
//!   when it names a channel that is installed; one naming a `path`, an uninstalled channel
//!   or nothing readable is ignored, as if absent.
//! - **cargo's configuration.** Every configuration key that names a program
//!   (`build.rustc`, `build.rustc-wrapper`, `build.rustc-workspace-wrapper`, `build.rustdoc`,
//!   linkers, runners, credential providers), sets the environment of what cargo runs
//!   (`[env]`, e.g. `LD_PRELOAD`) or passes flags to rustc (`rustflags`, e.g. a codegen
//!   backend to load) is out of reach: cargo runs in `/` with a private, empty `CARGO_HOME`
//!   whose only configuration is the data-only part of the workspace's and the caller's
//!   ([`crate::workspace::cargo_config`]), and with `RUSTC` set, wrappers set empty, rustc's info cache
//!   off and the network off.
//! - **Downloads.** cargo runs `--offline`; rustup is not involved, and `RUSTUP_AUTO_INSTALL=0`
//!   is set should anything below call a proxy.
//!
//! With [`ScanOptions::trust_workspace`](crate::ScanOptions::trust_workspace) (the CLI's
//! `--trust-workspace`; never the plugin), cargo runs as the user would run it in the
//! workspace: `$CARGO` or `cargo` from `PATH`, in the manifest's directory, with the
//! workspace's configuration and toolchain file.

use crate::workspace::cargo_config;
use crate::Error;
use std::ffi::{OsStr, OsString};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The host triple this scanner was built for: the suffix of rustup's toolchain names here.
const HOST: &str = env!("RUST_UNIT_SOURCES_HOST");

/// The programs a scan runs and how it runs them.
#[derive(Debug, Clone)]
pub(crate) struct Toolchain {
    /// The `cargo` to run: an absolute path, or `cargo` when none is on `PATH` (running it
    /// then fails with the OS's error).
    cargo: PathBuf,
    /// The `rustc` cargo and the scan run.
    rustc: PathBuf,
    /// The rustup toolchain both come from, when resolved through rustup.
    rustup_toolchain: Option<OsString>,
    /// Run cargo as the workspace configures it ([`crate::ScanOptions::trust_workspace`]).
    trusted: bool,
}

impl Toolchain {
    /// The toolchain for a workspace whose manifest lies in `dir`: the caller's `$CARGO` and
    /// `$RUSTC`, else `cargo` and `rustc` from `PATH`, each resolved past rustup's proxy as
    /// the module docs say. With `trusted`, `$CARGO`/`$RUSTC` or the names on `PATH`, as
    /// they are.
    ///
    /// Errors: the toolchain the caller chose (`$RUSTUP_TOOLCHAIN`, a rustup override,
    /// rustup's default) is not installed, or lacks the program.
    pub fn resolve(dir: &Path, trusted: bool) -> Result<Toolchain, Error> {
        let given = |var: &str, name: &str| {
            std::env::var_os(var)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
                .or_else(|| find_on_path(name))
        };
        let cargo = given("CARGO", "cargo");
        let rustc = given("RUSTC", "rustc");
        if trusted {
            return Ok(Toolchain {
                cargo: cargo.unwrap_or_else(|| "cargo".into()),
                rustc: rustc.unwrap_or_else(|| "rustc".into()),
                rustup_toolchain: None,
                trusted,
            });
        }
        let mut rustup = None;
        let mut through_rustup = |program: Option<PathBuf>, name: &str| match program {
            Some(path) if is_rustup_proxy(&path) => {
                let choice = match &rustup {
                    Some(choice) => choice,
                    None => rustup.insert(RustupChoice::for_dir(dir)?),
                };
                choice.program(name)
            }
            other => Ok(other),
        };
        let cargo = through_rustup(cargo, "cargo")?;
        let rustc = through_rustup(rustc, "rustc")?;
        let rustc = match (rustc, &cargo) {
            (Some(rustc), _) => rustc,
            // No rustc anywhere: cargo's own toolchain may have one beside it.
            (None, Some(cargo)) => cargo.with_file_name("rustc"),
            (None, None) => "rustc".into(),
        };
        Ok(Toolchain {
            cargo: cargo.unwrap_or_else(|| "cargo".into()),
            rustc,
            rustup_toolchain: rustup.map(|choice| choice.name),
            trusted,
        })
    }

    /// The `rustc` to run (`rustc --print cfg`, the oracle).
    pub fn rustc(&self) -> &Path {
        &self.rustc
    }

    /// `cargo <args>` for the workspace whose manifest lies in `dir`, run as the module docs
    /// say; returns its output. `Err` when it cannot be started, or when the configuration
    /// files cannot be read (naming the file).
    pub fn run_cargo(
        &self,
        dir: &Path,
        args: &[OsString],
    ) -> Result<std::process::Output, CargoFailure> {
        self.run_cargo_with(dir, args, &[])
    }

    /// As [`Toolchain::run_cargo`], with the variables `env` set on top (they win over the
    /// module's own settings).
    pub fn run_cargo_with(
        &self,
        dir: &Path,
        args: &[OsString],
        env: &[(&str, &OsStr)],
    ) -> Result<std::process::Output, CargoFailure> {
        let mut command = Command::new(&self.cargo);
        command.args(args);
        if self.trusted {
            return command
                .current_dir(dir)
                .envs(env.iter().copied())
                .output()
                .map_err(CargoFailure::Spawn);
        }
        let home = tempfile::Builder::new()
            .prefix("rust-unit-sources-cargo-home")
            .tempdir()
            .map_err(CargoFailure::Spawn)?;
        let config = cargo_config::data_only(dir).map_err(CargoFailure::Config)?;
        if !config.is_empty() {
            std::fs::write(home.path().join("config.toml"), config).map_err(CargoFailure::Spawn)?;
        }
        command
            .current_dir("/")
            .env("CARGO_HOME", home.path())
            .env("RUSTC", &self.rustc)
            .env("RUSTC_WRAPPER", "")
            .env("RUSTC_WORKSPACE_WRAPPER", "")
            .env("CARGO_CACHE_RUSTC_INFO", "0")
            .env("CARGO_NET_OFFLINE", "true")
            .env("RUSTUP_AUTO_INSTALL", "0");
        if let Some(name) = &self.rustup_toolchain {
            command.env("RUSTUP_TOOLCHAIN", name);
        }
        command
            .envs(env.iter().copied())
            .output()
            .map_err(CargoFailure::Spawn)
    }

    /// The directory cargo's relative paths (its error locations) are relative to, for a
    /// manifest in `dir`.
    pub fn cargo_dir<'a>(&self, dir: &'a Path) -> &'a Path {
        if self.trusted {
            dir
        } else {
            Path::new("/")
        }
    }
}

/// Why `cargo` gave no output.
#[derive(Debug)]
pub(crate) enum CargoFailure {
    /// It could not be started (or its private home not made).
    Spawn(std::io::Error),
    /// A configuration file is unreadable or malformed.
    Config(Error),
}

/// The first `name` on `PATH` that is a file.
pub(crate) fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// Whether `program` is one of rustup's proxies: rustup itself under another name (a link to
/// it, or a hard link beside it).
fn is_rustup_proxy(program: &Path) -> bool {
    let Ok(resolved) = std::fs::canonicalize(program) else {
        return false;
    };
    let is_rustup = |name: &OsStr| name == "rustup" || name == "rustup-init";
    if resolved.file_name().is_some_and(is_rustup) {
        return true;
    }
    let identity = |path: &Path| std::fs::metadata(path).map(|m| (m.dev(), m.ino())).ok();
    let beside = resolved.with_file_name("rustup");
    identity(&beside).is_some_and(|rustup| identity(&resolved) == Some(rustup))
}

/// The rustup toolchain chosen for a directory, by rustup's precedence without what runs or
/// downloads a program (see the module docs).
struct RustupChoice {
    name: OsString,
    dir: PathBuf,
}

impl RustupChoice {
    fn for_dir(dir: &Path) -> Result<RustupChoice, Error> {
        let rustup_home = std::env::var_os("RUSTUP_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| Some(PathBuf::from(std::env::var_os("HOME")?).join(".rustup")))
            .ok_or_else(|| {
                Error::new("cannot find rustup's home: neither RUSTUP_HOME nor HOME is set")
            })?;
        let toolchains = rustup_home.join("toolchains");
        let installed = |name: &str| -> Option<RustupChoice> {
            [name.to_string(), format!("{name}-{HOST}")]
                .into_iter()
                .map(|candidate| (toolchains.join(&candidate), candidate))
                .find(|(dir, _)| dir.is_dir())
                .map(|(dir, name)| RustupChoice {
                    name: name.into(),
                    dir,
                })
        };
        let not_installed = |what: String, name: &str| {
            Error::new(format!(
                "{what} names the rustup toolchain `{name}`, which is not installed (the scan installs nothing: rustup toolchain install {name})"
            ))
        };
        if let Some(name) = std::env::var_os("RUSTUP_TOOLCHAIN").filter(|v| !v.is_empty()) {
            let text = name.to_string_lossy().into_owned();
            if text.contains('/') {
                return Ok(RustupChoice {
                    dir: PathBuf::from(&name),
                    name,
                });
            }
            return installed(&text).ok_or_else(|| not_installed("RUSTUP_TOOLCHAIN".into(), &text));
        }
        let settings_file = rustup_home.join("settings.toml");
        let settings: toml::Table = match std::fs::read_to_string(&settings_file) {
            Ok(text) => text
                .parse()
                .map_err(|e| Error::in_file(&settings_file, format!("malformed: {e}")))?,
            Err(_) => toml::Table::new(),
        };
        let overrides = settings.get("overrides").and_then(toml::Value::as_table);
        for ancestor in dir.ancestors() {
            let overridden = overrides
                .and_then(|o| o.get(ancestor.to_str()?))
                .and_then(toml::Value::as_str);
            if let Some(name) = overridden {
                let what = format!("rustup's override for {}", ancestor.display());
                return installed(name).ok_or_else(|| not_installed(what, name));
            }
            let pinned = ["rust-toolchain", "rust-toolchain.toml"]
                .iter()
                .filter_map(|file| toolchain_file_channel(&ancestor.join(file)))
                .find_map(|channel| installed(&channel));
            if let Some(choice) = pinned {
                return Ok(choice);
            }
        }
        match settings.get("default_toolchain").and_then(toml::Value::as_str) {
            Some(name) => installed(name)
                .ok_or_else(|| not_installed(format!("{}'s default_toolchain", settings_file.display()), name)),
            None => Err(Error::new(
                "rustup has no default toolchain (rustup default stable), and none is chosen for this workspace",
            )),
        }
    }

    /// The toolchain's own `name` (`cargo`, `rustc`).
    fn program(&self, name: &str) -> Result<Option<PathBuf>, Error> {
        let program = self.dir.join("bin").join(name);
        if program.is_file() {
            Ok(Some(program))
        } else {
            Err(Error::new(format!(
                "the rustup toolchain `{}` has no {name} ({} is missing)",
                self.name.to_string_lossy(),
                program.display()
            )))
        }
    }
}

/// The channel a toolchain file names: `[toolchain] channel = "…"` in TOML, or the whole text
/// of a legacy one-line `rust-toolchain`. `None` when the file is absent, unreadable, names a
/// `path` or no channel.
fn toolchain_file_channel(file: &Path) -> Option<String> {
    let text = std::fs::read_to_string(file).ok()?;
    match text.parse::<toml::Table>() {
        Ok(table) => {
            let toolchain = table.get("toolchain")?.as_table()?;
            if toolchain.contains_key("path") {
                return None;
            }
            Some(toolchain.get("channel")?.as_str()?.to_string())
        }
        Err(_) => {
            let line = text.trim();
            let plain = !line.is_empty()
                && line
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            plain.then(|| line.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toolchain_files_name_channels_never_paths() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("rust-toolchain.toml");
        let channel = |text: &str| {
            std::fs::write(&file, text).unwrap();
            toolchain_file_channel(&file)
        };
        assert_eq!(
            channel("[toolchain]\nchannel = \"1.95.0\"\n"),
            Some("1.95.0".into())
        );
        assert_eq!(channel("[toolchain]\npath = \"/evil\"\n"), None);
        assert_eq!(
            channel("[toolchain]\nchannel = \"nightly\"\npath = \"/evil\"\n"),
            None
        );
        assert_eq!(channel("[toolchain]\ncomponents = [\"rustfmt\"]\n"), None);
        assert_eq!(
            channel("nightly-2026-01-01\n"),
            Some("nightly-2026-01-01".into())
        );
        assert_eq!(channel("../../evil dir\n"), None);
        assert_eq!(toolchain_file_channel(&dir.path().join("absent")), None);
    }
}
