//! Per-unit derivations built on a remote builder, end to end: an `sshd` on 127.0.0.1 only
//! (Debian's openssh-server, started and stopped by the test, with its own host key,
//! configuration and port, and a user key made for it) whose `authorized_keys` entry forces
//! `nix-daemon --stdio` on a private store (an empty directory bound over `/nix` in a mount
//! namespace of its own). The local Nix, on another empty private store, builds every unit of
//! `tests/fixtures/nested-members` (a build script and a proc-macro) with `--max-jobs 0` and
//! `--builders 'ssh-ng://…'`: each derivation goes to the remote (Nix's "building '…' on
//! 'ssh-ng://…'"), its output lands in the remote's store and is copied back, and the built
//! binaries run.

use rust_unit_sources_tests::fixture;
use rust_unit_sources_tests::rebuilds::NixSide;
use rust_unit_sources_tests::sshd::Sshd;
use rust_unit_sources_tests::stores::{
    current_system, ensure_lock_file, on_path, BuildLog, Store, Units,
};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

#[test]
fn every_unit_is_built_on_the_remote_builder_and_copied_back() {
    let scratch = tempfile::tempdir().unwrap();
    let scratch = scratch.path();
    let side = NixSide::of(
        &fixture("nested-members"),
        &scratch.join("ws"),
        false,
        "dev",
    );
    ensure_lock_file(&side.workspace);
    let expr = side.units_expr();
    let remote_dir = scratch.join("remote");
    let remote = Store::private(&remote_dir);
    let sshd = Sshd::start(&scratch.join("ssh"), &remote_dir, &on_path("nix-daemon"));
    let local = Store::private(&scratch.join("local"));
    let units = local.units(&expr);

    let builders = sshd.builders(&current_system());
    let log = local.build_with_env(
        &expr,
        &["--max-jobs", "0", "--builders", &builders],
        &[("NIX_SSHOPTS", &sshd.ssh_options())],
    );
    assert_built_remotely(&log, &units, &sshd);
    for out in units.outs(&units.ids()) {
        let path = Path::new(&out);
        assert!(
            remote.real_path(path).exists(),
            "built in the remote's store: {out}"
        );
        assert!(local.real_path(path).exists(), "copied back: {out}");
    }
    assert_binaries_run(&local, &units);
}

/// Every unit of `units` (and the target's cfgs) went to `sshd`'s builder, and its output came
/// back from there, according to the local Nix's `log`.
fn assert_built_remotely(log: &BuildLog, units: &Units, sshd: &Sshd) {
    let sent: BTreeSet<String> = log.built_on.keys().cloned().collect();
    let target_info: BTreeSet<String> = sent
        .iter()
        .filter(|drv| drv.contains("-rust-target-info-"))
        .cloned()
        .collect();
    assert_eq!(target_info.len(), 1, "the target's cfgs too:\n{}", log.log);
    let sent_units: BTreeSet<String> = sent.difference(&target_info).cloned().collect();
    assert_eq!(
        units.named(&sent_units),
        units.ids(),
        "every unit sent:\n{}",
        log.log
    );
    assert!(
        log.built_on.values().all(|machine| *machine == sshd.url()),
        "{:?}",
        log.built_on
    );
    // The "building '…'" lines are the remote's, forwarded: the same derivations.
    assert_eq!(log.built, sent, "{}\nsshd:\n{}", log.log, sshd.log());
    let copied_back = log.copied_from(&sshd.url());
    let outs = units.outs(&units.ids());
    assert_eq!(
        copied_back.len(),
        outs.len() + 1,
        "every unit's output and the target's cfgs:\n{}",
        log.log
    );
    assert!(copied_back.is_superset(&outs), "{}", log.log);
}

/// The binaries built remotely run from `local`'s store: the package's binary (which prints
/// nothing), and its library's and integration test's harnesses.
fn assert_binaries_run(local: &Store, units: &Units) {
    let binary = |id: &str, name: &str| {
        local
            .real_path(Path::new(&units.0[id].1))
            .join("bin")
            .join(name)
    };
    let app = Command::new(binary("app/bin/app", "app")).output().unwrap();
    assert!(app.status.success() && app.stdout.is_empty(), "{app:?}");
    for (id, name, test) in [
        ("app/lib-test/app", "app", "test tests::works ... ok"),
        ("app/test/e2e", "e2e", "test end_to_end ... ok"),
    ] {
        let ran = Command::new(binary(id, name)).output().unwrap();
        let stdout = String::from_utf8_lossy(&ran.stdout);
        assert!(ran.status.success(), "{id}: {stdout}");
        assert!(stdout.lines().any(|line| line == test), "{id}: {stdout}");
    }
}
