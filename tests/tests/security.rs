//! Evaluating a workspace never runs a program the workspace chooses (docs/security.md).
//!
//! Each hostile setting names programs that record that they ran (shell scripts, and a shared
//! object for `LD_PRELOAD` and rustc's codegen backend, built with `cc`). The workspace is
//! scanned through the CLI and through `builtins.rustUnitSources`, without and with
//! dependencies, with rustup's proxies first on `PATH` and no `$CARGO`/`$RUSTC` (the usual
//! install); every scan must give the model of the same workspace without the setting, and
//! nothing may have run. `--trust-workspace` proves each fixture hostile: with it, the
//! workspace's programs do run. A scan with dependencies plans with `cargo build --unit-graph`
//! and runs no build script (which `cargo build` does run).

use rust_unit_sources_tests::{
    copy_tree, nix_json, nix_string, plugin, repo_root, write_file, NIX_CONFIG,
};
use serde_json::Value;
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch directory with the recording programs and a clean workspace `parent/ws`.
struct Hostile {
    dir: tempfile::TempDir,
}

impl Hostile {
    fn new() -> Hostile {
        let dir = tempfile::tempdir().unwrap();
        let hostile = Hostile { dir };
        let evil = hostile.evil();
        write_file(
            &evil,
            format!(
                "#!/bin/sh\necho \"$0 $*\" >> '{}'\nexit 1\n",
                hostile.ran_file().display()
            ),
        );
        std::fs::set_permissions(&evil, std::fs::Permissions::from_mode(0o755)).unwrap();
        for program in ["cargo", "rustc"] {
            let copy = hostile.path_toolchain().join("bin").join(program);
            std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
            std::fs::copy(&evil, &copy).unwrap();
        }
        let source = hostile.dir.path().join("evil.c");
        write_file(
            &source,
            format!(
                "#include <stdio.h>\n__attribute__((constructor)) static void ran(void) {{\n  \
                 FILE *f = fopen(\"{}\", \"a\");\n  if (f) {{ fputs(\"evil.so loaded\\n\", f); fclose(f); }}\n}}\n",
                hostile.ran_file().display()
            ),
        );
        let built = Command::new("cc")
            .args(["-shared", "-fPIC", "-o"])
            .arg(hostile.evil_so())
            .arg(&source)
            .status()
            .expect("cc runs");
        assert!(built.success(), "cc failed to build evil.so");
        let ws = hostile.workspace();
        write_file(
            &ws.join("Cargo.toml"),
            "[package]\nname = \"victim\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
        );
        write_file(
            &ws.join("Cargo.lock"),
            "version = 4\n\n[[package]]\nname = \"victim\"\nversion = \"0.1.0\"\n",
        );
        write_file(&ws.join("src/lib.rs"), "pub mod a;\n");
        write_file(&ws.join("src/a.rs"), "pub fn a() {}\n");
        write_file(&ws.join("src/main.rs"), "fn main() { victim::a::a() }\n");
        hostile
    }

    /// The recording program.
    fn evil(&self) -> PathBuf {
        self.dir.path().join("evil")
    }

    /// The recording shared object.
    fn evil_so(&self) -> PathBuf {
        self.dir.path().join("evil.so")
    }

    /// A rustup `path` toolchain whose `cargo` and `rustc` record.
    fn path_toolchain(&self) -> PathBuf {
        self.dir.path().join("toolchain")
    }

    /// Where the recorders write.
    fn ran_file(&self) -> PathBuf {
        self.dir.path().join("ran")
    }

    fn workspace(&self) -> PathBuf {
        self.dir.path().join("parent/ws")
    }

    /// What ran so far (empty: nothing).
    fn ran(&self) -> String {
        std::fs::read_to_string(self.ran_file()).unwrap_or_default()
    }

    /// A cargo configuration naming the recorders everywhere cargo takes a program, an
    /// environment for what it runs, or flags for rustc.
    fn cargo_config(&self) -> String {
        let evil = self.evil();
        let evil = evil.display();
        let so = self.evil_so();
        let so = so.display();
        format!(
            r#"[build]
rustc = "{evil}"
rustc-wrapper = "{evil}"
rustc-workspace-wrapper = "{evil}"
rustdoc = "{evil}"
rustflags = ["-Zcodegen-backend={so}"]

[env]
LD_PRELOAD = {{ value = "{so}", force = true }}
RUSTC_BOOTSTRAP = {{ value = "1", force = true }}

[target.x86_64-unknown-linux-gnu]
linker = "{evil}"
runner = "{evil}"

[host]
linker = "{evil}"

[registry]
global-credential-providers = ["{evil}"]

[registries.private]
index = "sparse+https://example.invalid/index/"
credential-provider = "{evil}"

[net]
git-fetch-with-cli = true
"#
        )
    }

    /// The environment of every scan: rustup's proxies first on `PATH`, no cache, and the
    /// variables `cargo test` sets for tests (`CARGO`, `RUSTC`, …) removed.
    fn command(&self, program: &Path, extra: &[(&str, OsString)]) -> Command {
        let proxies = tool_home("CARGO_HOME", ".cargo").join("bin");
        assert!(
            is_rustup_proxy(&proxies.join("cargo")),
            "{}/cargo is not rustup's proxy: this test needs the usual rustup install",
            proxies.display()
        );
        let mut command = Command::new(program);
        command.env_clear();
        for name in ["HOME", "USER", "TMPDIR", "RUSTUP_HOME", "CARGO_HOME"] {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
        let path = std::env::join_paths([proxies, "/usr/bin".into(), "/bin".into()]).unwrap();
        command
            .env("PATH", path)
            .env("RUST_UNIT_SOURCES_CACHE_DIR", "")
            .env("NIX_CONFIG", NIX_CONFIG)
            .envs(extra.iter().map(|(k, v)| (k, v)));
        command
    }

    /// The CLI's model (stdout, stderr, status) for the workspace.
    fn cli(&self, dependencies: bool, extra_flags: &[&str], env: &[(&str, OsString)]) -> Output {
        let mut command = self.command(&repo_root().join("target/release/cargo-unit-sources"), env);
        command
            .args(["scan", "--manifest-path"])
            .arg(self.workspace())
            .args(extra_flags);
        if dependencies {
            command.arg("--dependencies");
        }
        command.output().expect("cargo-unit-sources runs")
    }

    /// `builtins.rustUnitSources` of the workspace, as JSON.
    fn plugin(&self, dependencies: bool, env: &[(&str, OsString)]) -> Output {
        let expr = format!(
            "builtins.rustUnitSources {{ src = /. + {}; dependencies = {dependencies}; }}",
            nix_string(&self.workspace())
        );
        self.command(&on_path("nix-instantiate"), env)
            .args(["--eval", "--strict", "--json", "--option", "plugin-files"])
            .arg(plugin())
            .args(["-E", &expr])
            .output()
            .expect("nix-instantiate runs")
    }
}

/// `name` as the test's own `PATH` finds it (the scans run with a `PATH` of their own).
fn on_path(name: &str) -> PathBuf {
    std::env::split_paths(&std::env::var_os("PATH").expect("PATH is set"))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("{name} is not on PATH"))
}

/// `$variable`, else `$HOME/below_home`: where rustup and cargo keep their files
/// (`RUSTUP_HOME`, `CARGO_HOME`), as they find it.
fn tool_home(variable: &str, below_home: &str) -> PathBuf {
    std::env::var_os(variable)
        .filter(|value| !value.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(&std::env::var_os("HOME").expect("HOME is set")).join(below_home)
        })
}

fn is_rustup_proxy(program: &Path) -> bool {
    std::fs::canonicalize(program)
        .is_ok_and(|resolved| resolved.file_name().is_some_and(|name| name == "rustup"))
}

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON")
}

/// Scans `hostile` in every way with the setting `install` in place (and the environment
/// `env`), and checks each answer equals the clean workspace's and that nothing ran.
fn assert_harmless(hostile: &Hostile, env: &[(&str, OsString)], install: impl FnOnce(&Hostile)) {
    let clean: Vec<Value> = [false, true]
        .map(|dependencies| json(&hostile.cli(dependencies, &[], &[])))
        .to_vec();
    assert_eq!(hostile.ran(), "", "a clean scan ran a recorder");
    install(hostile);
    for (dependencies, clean) in [false, true].into_iter().zip(&clean) {
        let cli = json(&hostile.cli(dependencies, &[], env));
        assert_eq!(&cli, clean, "CLI, dependencies = {dependencies}");
        let nix = nix_json(&hostile.plugin(dependencies, env));
        assert_eq!(&nix, clean, "plugin, dependencies = {dependencies}");
        assert_eq!(
            hostile.ran(),
            "",
            "dependencies = {dependencies}: a workspace program ran"
        );
    }
}

#[test]
fn a_rust_toolchain_path_never_runs() {
    let hostile = Hostile::new();
    let toolchain = hostile.path_toolchain();
    assert_harmless(&hostile, &[], |h| {
        write_file(
            &h.workspace().join("rust-toolchain.toml"),
            format!("[toolchain]\npath = \"{}\"\n", toolchain.display()),
        )
    });
    // The fixture is hostile: cargo as the workspace configures it runs the path's cargo.
    let trusted = hostile.cli(false, &["--trust-workspace"], &[]);
    assert_eq!(trusted.status.code(), Some(2));
    assert!(
        hostile
            .ran()
            .starts_with(&format!("{}/bin/cargo metadata", toolchain.display())),
        "{}",
        hostile.ran()
    );
}

#[test]
fn an_uninstalled_channel_is_ignored_and_nothing_is_downloaded() {
    let hostile = Hostile::new();
    let toolchains = tool_home("RUSTUP_HOME", ".rustup").join("toolchains");
    let before = listing(&toolchains);
    assert_harmless(&hostile, &[], |h| {
        write_file(
            &h.workspace().join("rust-toolchain.toml"),
            "[toolchain]\nchannel = \"nightly-2001-02-03\"\ncomponents = [\"miri\"]\n",
        )
    });
    assert_eq!(listing(&toolchains), before, "a toolchain was installed");
}

#[test]
fn an_installed_channel_is_honoured() {
    // The workspace pins a channel the user has installed: cargo runs from that toolchain.
    let hostile = Hostile::new();
    let toolchains = tool_home("RUSTUP_HOME", ".rustup").join("toolchains");
    let installed = listing(&toolchains);
    let pinned = installed
        .iter()
        .find(|name| name.starts_with("1."))
        .or(installed.first())
        .expect("an installed toolchain")
        .clone();
    let counter = hostile.dir.path().join("counted");
    let real = toolchains.join(&pinned).join("bin/cargo");
    let wrapped = hostile.dir.path().join("counted-cargo");
    write_file(
        &wrapped,
        format!(
            "#!/bin/sh\necho ran >> '{}'\nexec '{}' \"$@\"\n",
            counter.display(),
            real.display()
        ),
    );
    std::fs::set_permissions(&wrapped, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A copy of the toolchain whose cargo counts its runs, installed under a channel name.
    let rustup_home = hostile.dir.path().join("rustup");
    let channel = "1.0.0-counted";
    let copy = rustup_home.join("toolchains").join(channel);
    std::fs::create_dir_all(copy.join("bin")).unwrap();
    std::fs::copy(&wrapped, copy.join("bin/cargo")).unwrap();
    std::os::unix::fs::symlink(
        toolchains.join(&pinned).join("bin/rustc"),
        copy.join("bin/rustc"),
    )
    .unwrap();
    std::os::unix::fs::symlink(toolchains.join(&pinned).join("lib"), copy.join("lib")).unwrap();
    write_file(
        &rustup_home.join("settings.toml"),
        format!("version = \"12\"\ndefault_toolchain = \"{pinned}\"\n"),
    );
    std::os::unix::fs::symlink(
        toolchains.join(&pinned),
        rustup_home.join("toolchains").join(&pinned),
    )
    .unwrap();
    let env = [("RUSTUP_HOME", rustup_home.into_os_string())];
    let clean = json(&hostile.cli(false, &[], &env));
    assert!(
        !counter.exists(),
        "the default toolchain is not the counted one"
    );
    write_file(
        &hostile.workspace().join("rust-toolchain.toml"),
        format!("[toolchain]\nchannel = \"{channel}\"\n"),
    );
    assert_eq!(json(&hostile.cli(false, &[], &env)), clean);
    assert_eq!(std::fs::read_to_string(&counter).unwrap(), "ran\n");
}

#[test]
fn cargo_configuration_never_names_a_program_that_runs() {
    let hostile = Hostile::new();
    let config = hostile.cargo_config();
    assert_harmless(&hostile, &[], |h| {
        write_file(&h.workspace().join(".cargo/config.toml"), &config)
    });
    // The fixture is hostile: with dependencies, cargo as configured runs the wrapper.
    let trusted = hostile.cli(true, &["--trust-workspace"], &[]);
    assert_eq!(trusted.status.code(), Some(2));
    assert!(!hostile.ran().is_empty());
}

#[test]
fn cargo_configuration_in_a_parent_directory_never_names_a_program_that_runs() {
    let hostile = Hostile::new();
    let config = hostile.cargo_config();
    assert_harmless(&hostile, &[], |h| {
        let parent = h.workspace().parent().unwrap().to_path_buf();
        write_file(&parent.join(".cargo/config"), &config)
    });
    let trusted = hostile.cli(true, &["--trust-workspace"], &[]);
    assert_eq!(trusted.status.code(), Some(2));
    assert!(!hostile.ran().is_empty());
}

#[test]
fn a_cargo_home_inside_the_workspace_never_names_a_program_that_runs() {
    let hostile = Hostile::new();
    let config = hostile.cargo_config();
    let home = hostile.workspace().join(".cargo-home");
    let env = [("CARGO_HOME", home.clone().into_os_string())];
    assert_harmless(&hostile, &env, |_| {
        write_file(&home.join("config.toml"), &config)
    });
    // Included configuration is read (for its data) and never runs anything either.
    write_file(&home.join("config.toml"), "include = [\"more.toml\"]\n");
    write_file(&home.join("more.toml"), &config);
    let cli = hostile.cli(true, &[], &env);
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    assert_eq!(hostile.ran(), "");
}

#[test]
fn vendored_sources_still_resolve_through_the_data_only_configuration() {
    // examples/cargo-like vendors its registry dependencies (`.cargo/config.toml`'s source
    // replacement, relative paths): the scan with dependencies still finds them, with the
    // hostile keys beside them.
    let hostile = Hostile::new();
    let ws = hostile.workspace();
    std::fs::remove_dir_all(&ws).unwrap();
    copy_tree(&repo_root().join("examples/cargo-like"), &ws);
    let clean = json(&hostile.cli(true, &[], &[]));
    let config = std::fs::read_to_string(ws.join(".cargo/config.toml")).unwrap();
    write_file(
        &ws.join(".cargo/config.toml"),
        format!("{config}\n{}", hostile.cargo_config()),
    );
    let cli = json(&hostile.cli(true, &[], &[]));
    assert_eq!(cli, clean);
    assert_eq!(nix_json(&hostile.plugin(true, &[])), clean);
    assert!(
        clean["units"]
            .as_object()
            .unwrap()
            .keys()
            .any(|id| id.starts_with("itoa/")),
        "the vendored crates are units"
    );
    assert_eq!(hostile.ran(), "");
}

#[test]
fn a_pure_flake_calling_the_plugin_on_self_runs_nothing() {
    let hostile = Hostile::new();
    let ws = hostile.workspace();
    let clean = json(&hostile.cli(true, &[], &[]));
    write_file(&ws.join(".cargo/config.toml"), hostile.cargo_config());
    write_file(
        &ws.join("rust-toolchain.toml"),
        format!(
            "[toolchain]\npath = \"{}\"\n",
            hostile.path_toolchain().display()
        ),
    );
    write_file(
        &ws.join("flake.nix"),
        "{ outputs = { self }: { model = builtins.rustUnitSources { src = self; dependencies = true; }; }; }\n",
    );
    let output = hostile
        .command(&on_path("nix"), &[])
        .args(["--extra-experimental-features", "nix-command flakes"])
        .args(["--option", "plugin-files"])
        .arg(plugin())
        .args(["eval", "--json", "--no-write-lock-file"])
        .arg(format!("path:{}#model", ws.display()))
        .output()
        .expect("nix runs");
    let model = nix_json(&output);
    assert_eq!(hostile.ran(), "", "pure evaluation ran a workspace program");
    let root = model["root"].as_str().unwrap().to_string();
    assert!(
        root.starts_with("/nix/store/") && root.ends_with("-source"),
        "{root}"
    );
    let mut expected = clean;
    expected["root"] = Value::String(root);
    assert_eq!(model, expected);
}

#[test]
fn planning_with_dependencies_runs_no_build_script() {
    // A scan with dependencies asks cargo for its plan (`cargo build --unit-graph`), which
    // stops before compiling: the workspace's build script, which records that it ran when
    // `cargo build` runs it, never runs.
    let hostile = Hostile::new();
    let ws = hostile.workspace();
    write_file(
        &ws.join("build.rs"),
        format!(
            "fn main() {{ std::fs::write({:?}, \"the build script ran\\n\").unwrap(); }}\n",
            hostile.ran_file().display().to_string()
        ),
    );
    let model = json(&hostile.cli(true, &[], &[]));
    assert!(
        model["units"]
            .as_object()
            .unwrap()
            .contains_key("victim/build-script-run/build-script-build"),
        "the build script is planned"
    );
    nix_json(&hostile.plugin(true, &[]));
    assert_eq!(hostile.ran(), "", "planning ran the build script");
    let target = tempfile::tempdir().unwrap();
    let built = Command::new("cargo")
        .args(["build", "--offline"])
        .env("CARGO_TARGET_DIR", target.path())
        .current_dir(&ws)
        .status()
        .expect("cargo runs");
    assert!(built.success());
    assert_eq!(
        hostile.ran(),
        "the build script ran\n",
        "cargo build runs it"
    );
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
