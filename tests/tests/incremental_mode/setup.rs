//! The per-unit lock, the one-line checks of what cannot work, and the mode under Nix's
//! sandbox.

use crate::{keys, notes};
use rust_unit_sources_tests::rebuilds::{apply, make_unique, run_token, Case, Edit, NixSide};
use rust_unit_sources_tests::{fixture, nix_error, real_rustc, NIX_CONFIG};
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The fixture built in the incremental mode in `dir`, with its state in `state` and the
/// builder's arguments `extra`, made unique to this run.
fn side(dir: &Path, state: &Path, extra: &str) -> NixSide {
    let side = NixSide::incremental(&fixture("script-and-macro"), dir, state, "dev", extra);
    make_unique(&[side.workspace.as_path()], run_token());
    side
}

/// An edit of the fixture's library (`n` makes it unique).
fn library_edit(n: u32) -> Case {
    Case {
        what: "app's library",
        edits: vec![Edit {
            file: "app/src/lib.rs",
            from: "/// One line describing",
            to: format!("// edit {n}\n/// One line describing"),
        }],
        expected: BTreeSet::new(),
    }
}

/// The next line of `lines` containing `wanted`, waiting at most `limit`; the lines before it
/// are appended to `seen`.
fn wait_for(lines: &mpsc::Receiver<String>, wanted: &str, limit: Duration, seen: &mut String) {
    let until = Instant::now() + limit;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        let line = lines
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no line with {wanted:?} in time:\n{seen}"));
        seen.push_str(&line);
        seen.push('\n');
        if line.contains(wanted) {
            return;
        }
    }
}

#[test]
fn a_build_waits_while_another_holds_the_units_lock() {
    let scratch = tempfile::tempdir().unwrap();
    let state = scratch.path().join("state");
    let side = side(&scratch.path().join("nix"), &state, "");
    side.build();
    let key = keys(&side)["app/lib/app"].clone();
    let mut holder = Command::new("flock")
        .arg(state.join(format!("{key}.lock")))
        .args(["sh", "-c", "echo locked; cat"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut locked = String::new();
    BufReader::new(holder.stdout.take().unwrap())
        .read_line(&mut locked)
        .unwrap();
    assert_eq!(locked, "locked\n");

    apply(&[side.workspace.as_path()], &library_edit(1));
    let mut build = side
        .build_command()
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (send, lines) = mpsc::channel();
    let stderr = BufReader::new(build.stderr.take().unwrap());
    std::thread::spawn(move || stderr.lines().for_each(|l| drop(send.send(l.unwrap()))));
    let mut log = String::new();
    let library_drv = "-app-lib-app-incremental.drv'";
    wait_for(&lines, library_drv, Duration::from_secs(600), &mut log);
    std::thread::sleep(Duration::from_secs(3));
    while let Ok(line) = lines.try_recv() {
        log.push_str(&line);
        log.push('\n');
    }
    assert!(
        build.try_wait().unwrap().is_none(),
        "the build ended:\n{log}"
    );
    assert!(
        !log.contains(&format!("{key}:")),
        "it went on under the lock:\n{log}"
    );

    drop(holder.stdin.take());
    holder.wait().unwrap();
    let status = build.wait().unwrap();
    lines.iter().for_each(|l| log.push_str(&format!("{l}\n")));
    assert!(status.success(), "{log}");
    assert!(
        log.contains(&format!("{key}: reusing the state of its last build")),
        "{log}"
    );
}

/// The exact line a failed build printed that starts with `prefix`.
fn line_of(stderr: &str, prefix: &str) -> String {
    stderr
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?}:\n{stderr}"))
        .to_string()
}

#[test]
fn a_directory_that_cannot_be_created_is_named_in_one_line() {
    let scratch = tempfile::tempdir().unwrap();
    std::fs::write(scratch.path().join("file"), "").unwrap();
    let state = scratch.path().join("file/state");
    let side = side(&scratch.path().join("nix"), &state, "");
    let (built, stderr) = side.build_keep_going();
    assert!(!built);
    assert_eq!(
        line_of(&stderr, "rust-unit-sources: incremental:"),
        format!(
            "rust-unit-sources: incremental: {} is missing in the build: create it, writable by \
             the build users (group nixbld, mode 2770), and with the sandbox on add it to \
             extra-sandbox-paths",
            state.display()
        )
    );
}

#[test]
fn flock_missing_is_named_in_one_line() {
    let scratch = tempfile::tempdir().unwrap();
    // The machine's tools but flock.
    let tools = scratch.path().join("tools");
    std::fs::create_dir(&tools).unwrap();
    for entry in std::fs::read_dir("/usr/bin").unwrap() {
        let name = entry.unwrap().file_name();
        if name != "flock" {
            std::os::unix::fs::symlink(Path::new("/usr/bin").join(&name), tools.join(&name))
                .unwrap();
        }
    }
    let path = format!("path = \"{}\";", tools.display());
    let side = side(
        &scratch.path().join("nix"),
        &scratch.path().join("state"),
        &path,
    );
    let (built, stderr) = side.build_keep_going();
    assert!(!built);
    assert_eq!(
        line_of(&stderr, "rust-unit-sources: incremental:"),
        "rust-unit-sources: incremental: flock is not on PATH (util-linux): add it to \
         nativeBuildInputs or path"
    );
}

#[test]
fn a_directory_nix_cannot_keep_outside_the_store_is_an_evaluation_error() {
    let scratch = tempfile::tempdir().unwrap();
    let source = fixture("script-and-macro");
    let cases = [
        (
            "incremental = \"relative/state\";",
            "`incremental` must be an absolute directory, not `relative/state`",
        ),
        (
            "incremental = builtins.storeDir + \"/state\";",
            "`incremental` must lie outside the Nix store, not `/nix/store/state`",
        ),
        (
            "incremental = \"/var/cache/state\"; contentAddressed = true;",
            "`incremental` and `contentAddressed` cannot be combined: an incremental output is \
             not reproducible",
        ),
    ];
    for (n, (args, error)) in cases.into_iter().enumerate() {
        let side = NixSide::with_args(&source, &scratch.path().join(n.to_string()), "dev", args);
        let output = side.try_eval_on_units("units: units.\"app/lib/app\".drvPath");
        assert_eq!(
            nix_error(&output),
            format!("error: rust-unit-sources: build-units.nix: {error}"),
            "{args}"
        );
    }
}

/// Nix's configuration with the sandbox on: the machine's tools and the toolchain visible in
/// it (and `extra`).
fn sandboxed(extra: &Path) -> String {
    let toolchain = real_rustc()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .to_path_buf();
    let paths: Vec<String> = ["/bin", "/usr", "/lib", "/lib64", "/etc/alternatives"]
        .into_iter()
        .filter(|p| Path::new(p).exists())
        .map(String::from)
        .chain([toolchain.display().to_string(), extra.display().to_string()])
        .collect();
    let unsandboxed = NIX_CONFIG.replace("sandbox = false", "sandbox = true");
    format!("{unsandboxed}\nsandbox-paths = {}", paths.join(" "))
}

#[test]
fn in_the_sandbox_the_directory_must_be_in_the_sandbox_paths() {
    let scratch = tempfile::tempdir().unwrap();
    let state = scratch.path().join("state");
    std::fs::create_dir(&state).unwrap();
    let elsewhere = scratch.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let hidden =
        side(&scratch.path().join("nix"), &state, "").with_nix_config(&sandboxed(&elsewhere));
    let (built, stderr) = hidden.build_keep_going();
    assert!(!built);
    assert_eq!(
        line_of(&stderr, "rust-unit-sources: incremental:"),
        format!(
            "rust-unit-sources: incremental: {} is missing in the build: create it, writable by \
             the build users (group nixbld, mode 2770), and with the sandbox on add it to \
             extra-sandbox-paths",
            state.display()
        )
    );
    let visible = hidden.with_nix_config(&sandboxed(&state));
    visible.build();
    apply(&[visible.workspace.as_path()], &library_edit(2));
    let (_, log) = visible.build_logged();
    assert_eq!(
        notes(&visible, &log)["app/lib/app"],
        ["reusing the state of its last build"],
        "{log}"
    );
    let mut printed = String::new();
    Command::new(visible.output("app/bin/app").join("bin/app"))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
        .stdout
        .unwrap()
        .read_to_string(&mut printed)
        .unwrap();
    assert!(printed.starts_with("hello from greet-macro"), "{printed}");
}
