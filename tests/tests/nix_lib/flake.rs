//! The flake, with a stand-in for nixpkgs (`tests/nix/stand-in-nixpkgs`): evaluated, its
//! checks built, and used from a pure flake.

use crate::{eval_in, files_below, generate_ok, in_store, read};
use rust_unit_sources_tests::{
    copy_tree, fixture, nix_eval, nix_json, nix_path, nix_string, plugin, repo_root, strings,
    NIX_CONFIG,
};
use serde_json::json;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The directory of this machine's Rust toolchain.
pub(crate) fn sysroot() -> PathBuf {
    let output = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .unwrap();
    PathBuf::from(String::from_utf8(output.stdout).unwrap().trim())
}

/// A copy of the stand-in nixpkgs (tests/nix/stand-in-nixpkgs) in `dir`, with the `paths.nix`
/// it reads: this machine's artifacts, and `nix_version` as its `nix`'s version.
pub(crate) fn stand_in(dir: &Path, nix_version: &str) {
    let release = repo_root().join("target/release");
    let nix_instantiate = std::fs::canonicalize("/usr/bin/nix-instantiate").unwrap();
    let paths = format!(
        "{{ cli = {}; plugin = {}; pluginImpl = {}; sysroot = {}; nixInstantiate = {}; nixVersion = \"{nix_version}\"; }}\n",
        nix_string(&release.join("cargo-unit-sources")),
        nix_string(&plugin()),
        nix_string(&plugin().with_file_name("librust_unit_sources_nix_impl.so")),
        nix_string(&sysroot()),
        nix_string(&nix_instantiate),
    );
    copy_tree(&repo_root().join("tests/nix/stand-in-nixpkgs"), dir);
    std::fs::write(dir.join("paths.nix"), paths).unwrap();
}

/// `let outputs = <flake.nix's outputs, with the stand-in as nixpkgs>; in <body>`.
pub(crate) fn flake_expr(stand_in_dir: &Path, body: &str) -> String {
    format!(
        "let flake = import ./flake.nix; \
         nixpkgs = {{ outPath = {dir}; lib = import ({dir} + \"/lib.nix\"); }}; \
         outputs = flake.outputs {{ self = outputs; inherit nixpkgs; }}; \
         system = \"x86_64-linux\"; in {body}",
        dir = nix_path(stand_in_dir)
    )
}

#[test]
fn flake_parses_and_every_file_it_imports_evaluates() {
    for file in [
        "flake.nix",
        "nix/default.nix",
        "nix/overlay.nix",
        "nix/package.nix",
        "nix/shell.nix",
        "nix/checks.nix",
        "nix/tests.nix",
        "nix/lib/internal.nix",
        "nix/lib/model.nix",
        "nix/lib/sources.nix",
        "nix/lib/selection.nix",
        "nix/lib/overrides.nix",
        "nix/lib/tests/fixtures.nix",
        "nix/lib/tests/model.nix",
        "nix/lib/tests/sources.nix",
        "nix/lib/tests/selection.nix",
        "nix/lib/tests/overrides.nix",
    ] {
        let output = Command::new("nix-instantiate")
            .args(["--parse", file])
            .current_dir(repo_root())
            .env("NIX_CONFIG", NIX_CONFIG)
            .output()
            .unwrap();
        assert!(output.status.success(), "{file}: {output:?}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let supported = tmp.path().join("nixpkgs-2.8");
    let unsupported = tmp.path().join("nixpkgs-2.18");
    stand_in(&supported, "2.8.0");
    stand_in(&unsupported, "2.18.1");
    let cargo_toml = read(&repo_root().join("Cargo.toml"));
    let version = cargo_toml
        .lines()
        .skip_while(|l| *l != "[workspace.package]")
        .find_map(|l| l.strip_prefix("version = "))
        .unwrap()
        .trim_matches('"')
        .to_string();

    let v = nix_json(&nix_eval(
        &flake_expr(
            &supported,
            "let p = outputs.packages.${system}; d = p.default; cli = p.cargo-unit-sources; \
             shell = outputs.devShells.${system}.default; in { \
             inherit (d) pname version cargoBuildFlags NIX_VERSION postInstall meta doCheck; \
             sameAsNamed = d.drvPath == p.rust-unit-sources.drvPath; \
             cli = { inherit (cli) pname version cargoBuildFlags postInstall; hasNixVersion = cli ? NIX_VERSION; broken = cli.meta.broken; }; \
             lockFile = toString d.cargoLock.lockFile; \
             shell = { inputsFrom = map (p: p.pname) shell.inputsFrom; packages = map (p: p.pname or p.name) shell.packages; inherit (shell) NIX_VERSION; }; \
             checks = builtins.attrNames outputs.checks.${system}; \
             checkDrvs = builtins.mapAttrs (_: c: c.drvPath) outputs.checks.${system}; \
             systems = builtins.attrNames outputs.packages; \
             libFromFlake = let m = outputs.lib.fromFile ./examples/cargo-like/units.nix; unit = m.units.\"cargo-util/lib/cargo_util\"; in { \
               got = outputs.lib.unitFileset { root = ./examples/cargo-like; inherit unit; }; \
               want = map (f: m.root + \"/\" + f) (outputs.lib.unitFiles unit); }; \
             overlayLib = (import nixpkgs { overlays = [ outputs.overlays.default ]; }).rustUnitSources.unitFiles { files = [ \"b\" \"a\" ]; manifests = [ \"a\" ]; }; \
             }",
        ),
        false,
        &[],
    ));
    assert_eq!(v["pname"], "rust-unit-sources");
    assert_eq!(v["version"], version.as_str());
    assert_eq!(v["sameAsNamed"], true);
    assert_eq!(
        v["cargoBuildFlags"],
        json!([
            "--package",
            "cargo-unit-sources",
            "--package",
            "rust-unit-sources-nix",
            "--package",
            "rust-unit-sources-nix-loader"
        ])
    );
    assert_eq!(v["NIX_VERSION"], "2.8.0");
    assert_eq!(v["doCheck"], false);
    let post_install = v["postInstall"].as_str().unwrap();
    assert!(
        post_install.contains(
            "mkdir -p $out/lib/nix/plugins\nmv $out/lib/librust_unit_sources_nix.so $out/lib/nix/plugins/\n"
        ),
        "{post_install}"
    );
    assert_eq!(v["meta"]["broken"], false);
    assert_eq!(v["meta"]["mainProgram"], "cargo-unit-sources");
    assert_eq!(
        v["meta"]["platforms"],
        json!(["x86_64-linux", "aarch64-linux"])
    );
    assert_eq!(
        v["meta"]["license"],
        json!([{ "spdxId": "MIT" }, { "spdxId": "Apache-2.0" }])
    );
    assert!(v["meta"]["description"].as_str().unwrap().len() > 20);
    assert_eq!(v["cli"]["pname"], "cargo-unit-sources");
    assert_eq!(v["cli"]["version"], version.as_str());
    assert_eq!(
        v["cli"]["cargoBuildFlags"],
        json!(["--package", "cargo-unit-sources"])
    );
    assert_eq!(v["cli"]["hasNixVersion"], false);
    assert_eq!(v["cli"]["broken"], false);
    assert!(!v["cli"]["postInstall"]
        .as_str()
        .unwrap()
        .contains("plugins"));
    assert_eq!(
        v["lockFile"],
        repo_root().join("Cargo.lock").to_str().unwrap()
    );
    assert_eq!(
        v["shell"],
        json!({ "inputsFrom": ["rust-unit-sources"], "packages": ["clippy", "rustfmt", "nix-2.8.0"], "NIX_VERSION": "2.8.0" })
    );
    assert_eq!(
        v["checks"],
        json!([
            "cli",
            "plugin",
            "plugin-latest",
            "plugin-nix_2_28",
            "plugin-round-trip",
            "unit-srcs",
            "units-nix"
        ])
    );
    assert_eq!(v["systems"], json!(["aarch64-linux", "x86_64-linux"]));
    assert_eq!(v["libFromFlake"]["got"], v["libFromFlake"]["want"]);
    assert!(strings(&v["libFromFlake"]["got"]).len() >= 3);
    assert_eq!(v["overlayLib"], json!(["a", "b"]));

    // The package's source: the workspace's manifests, lock file, Rust and C++ sources.
    let store = tmp.path().join("store");
    let src = nix_json(&nix_eval(
        &flake_expr(&supported, "outputs.packages.${system}.default.src"),
        false,
        &["--store", store.to_str().unwrap(), "--read-write-mode"],
    ));
    let root = repo_root();
    let mut expected: BTreeSet<String> = ["Cargo.toml", "Cargo.lock", "tests/Cargo.toml"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    for dir in ["rust", "tests/support"] {
        expected.extend(
            files_below(&root.join(dir))
                .into_iter()
                .map(|f| format!("{dir}/{f}")),
        );
    }
    assert_eq!(files_below(&in_store(&store, &src)), expected);

    // Nix versions the plugin does not support: broken, and no plugin checks.
    let v = nix_json(&nix_eval(
        &flake_expr(
            &unsupported,
            "{ broken = outputs.packages.${system}.default.meta.broken; \
             cli = outputs.packages.${system}.cargo-unit-sources.meta.broken; \
             checks = builtins.attrNames outputs.checks.${system}; }",
        ),
        false,
        &[],
    ));
    assert_eq!(
        v,
        json!({ "broken": true, "cli": false, "checks": ["cli", "unit-srcs", "units-nix"] })
    );
}

/// Builds the flake's checks of the repository copy `repo` with the stand-in, in the private
/// store `store`; returns whether it succeeded, the built paths and the names of the failed
/// derivations.
fn build_checks(
    repo: &Path,
    nixpkgs: &Path,
    store: &Path,
) -> (bool, Vec<String>, BTreeSet<String>) {
    let release = repo_root().join("target/release");
    let sandbox_paths = format!(
        "/bin /usr /lib /lib64 /etc {} {}",
        release.display(),
        sysroot().display()
    );
    let output = Command::new("nix-build")
        .args(["--no-out-link", "--keep-going", "--store"])
        .arg(store)
        .args(["--option", "substituters", ""])
        .args([
            "--option",
            "sandbox",
            "true",
            "--option",
            "sandbox-paths",
            &sandbox_paths,
        ])
        .args(["-E", &flake_expr(nixpkgs, "outputs.checks.${system}")])
        .current_dir(repo)
        .env("NIX_CONFIG", NIX_CONFIG)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let failed = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("error: builder for '/nix/store/"))
        .map(|l| l[33..].split(".drv'").next().unwrap().to_string())
        .collect();
    let built = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l[44..].to_string())
        .collect();
    (output.status.success(), built, failed)
}

#[test]
fn flake_checks_build_and_catch_a_stale_units_nix() {
    // A copy of what the flake reads, so that its units.nix can be made stale.
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    copy_tree(&repo_root().join("nix"), &repo.join("nix"));
    copy_tree(
        &repo_root().join("examples/cargo-like"),
        &repo.join("examples/cargo-like"),
    );
    for file in ["flake.nix", "Cargo.toml", "Cargo.lock"] {
        std::fs::copy(repo_root().join(file), repo.join(file)).unwrap();
    }
    let nixpkgs = tmp.path().join("nixpkgs");
    stand_in(&nixpkgs, "2.8.0");

    let (ok, built, failed) = build_checks(&repo, &nixpkgs, &tmp.path().join("store"));
    assert!(ok && failed.is_empty(), "{failed:?}");
    assert_eq!(
        built,
        [
            "cargo-unit-sources-0.1.0",
            "rust-unit-sources-0.1.0",
            "rust-unit-sources-plugin-latest-check",
            "rust-unit-sources-plugin-nix_2_28-check",
            "rust-unit-sources-plugin-round-trip-check",
            "rust-unit-sources-unit-srcs-check",
            "rust-unit-sources-units-nix-check",
        ]
    );

    // Drop one file of one unit from units.nix: the file is stale and no longer the plugin's
    // model; the sources still hold what it lists.
    let units_nix = repo.join("examples/cargo-like/units.nix");
    let text = read(&units_nix);
    let line = "\n        \"crates/cargo-util/src/paths.rs\"";
    assert!(text.contains(line));
    std::fs::write(&units_nix, text.replacen(line, "", 1)).unwrap();
    let (ok, _, failed) = build_checks(&repo, &nixpkgs, &tmp.path().join("store"));
    assert!(!ok);
    assert_eq!(
        failed,
        BTreeSet::from([
            "rust-unit-sources-plugin-latest-check".to_string(),
            "rust-unit-sources-plugin-nix_2_28-check".to_string(),
            "rust-unit-sources-plugin-round-trip-check".to_string(),
            "rust-unit-sources-units-nix-check".to_string()
        ])
    );
}

#[test]
fn pure_flake_evaluation_reads_units_nix() {
    // A flake of the user's (a copy of nested-members with its units.nix) takes this
    // repository's flake as an input, and nixpkgs (the stand-in) as a path input too; `nix
    // eval` evaluates it in pure mode, without the plugin.
    let tmp = tempfile::tempdir().unwrap();
    let rus = tmp.path().join("rust-unit-sources");
    std::fs::create_dir(&rus).unwrap();
    std::fs::copy(repo_root().join("flake.nix"), rus.join("flake.nix")).unwrap();
    copy_tree(&repo_root().join("nix"), &rus.join("nix"));
    let nixpkgs = tmp.path().join("nixpkgs");
    stand_in(&nixpkgs, "2.8.0");
    let ws = tmp.path().join("ws");
    copy_tree(&fixture("nested-members"), &ws);
    generate_ok(&ws, &[]);
    std::fs::write(
        ws.join("flake.nix"),
        format!(
            "{{\n  inputs.nixpkgs.url = \"path:{}\";\n  inputs.rust-unit-sources.url = \"path:{}\";\n  \
             inputs.rust-unit-sources.inputs.nixpkgs.follows = \"nixpkgs\";\n  \
             outputs = {{ self, nixpkgs, rust-unit-sources }}:\n    let\n      \
             rus = rust-unit-sources.lib;\n      model = rus.fromFile ./units.nix;\n    in {{\n      \
             srcs = rus.sourcesByUnit {{ root = ./.; inherit model; }};\n      \
             model = model;\n    }};\n}}\n",
            nixpkgs.display(),
            rus.display()
        ),
    )
    .unwrap();
    let store = tmp.path().join("store");
    let nix_flake = |attr: &str| {
        let output = Command::new("nix")
            .args([
                "--extra-experimental-features",
                "nix-command flakes",
                "--store",
            ])
            .arg(&store)
            .args(["eval", "--json", "--no-write-lock-file"])
            .arg(format!("path:{}#{attr}", ws.display()))
            .env("NIX_CONFIG", NIX_CONFIG)
            .output()
            .unwrap();
        nix_json(&output)
    };
    let pure_srcs = nix_flake("srcs");
    let pure_model = nix_flake("model");
    std::fs::remove_file(ws.join("flake.nix")).unwrap();
    let impure = eval_in(
        &ws,
        "{ srcs = l.sourcesByUnit { root = ws; model = m; }; model = m; }",
        false,
    );
    // Same sources as outside the flake: the store path depends on the unit's files only.
    assert_eq!(pure_srcs, impure["srcs"]);
    // Same model, but `root` is the flake's copy in the store.
    let root = pure_model["root"].as_str().unwrap().to_string();
    assert!(root.ends_with("-source"), "{root}");
    let mut expected = impure["model"].clone();
    expected["root"] = json!(root);
    assert_eq!(pure_model, expected);
}
