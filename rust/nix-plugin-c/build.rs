//! Generates the bindings of Nix's C API (`nix_api_util.h`, `nix_api_value.h`,
//! `nix_api_expr.h`) with bindgen, at build time, into `$OUT_DIR/nix_api.rs`.
//!
//! Which headers, in this order (the first that applies; never a guess):
//! 1. `NIX_C_INCLUDE_DIR`: a directory holding `nix_api_expr.h` (or its `nix/` subdirectory);
//! 2. `pkg-config nix-expr-c` (nixpkgs' `nix.dev`, a Nix built from source): its include
//!    directories, nothing linked;
//! 3. `<workspace>/.deps/nix-c-include`, where `scripts/setup` puts the C API headers of
//!    Nix 2.26.3 (from Debian trixie's source package), with which CI builds the crate.
//!
//! The functions are bound as bindgen's dynamic loading (`NixApi`, one field per function,
//! all resolved together from the running process), so the library links no Nix library and
//! has no undefined Nix symbol: it loads into any Nix, which the plugin checks before it calls
//! anything. The C API's functions have kept their signatures from 2.22 to 2.35, so headers of
//! any of those versions bind the same calls; `NIX_ERR_RECOVERABLE` (2.34 on) is the one name
//! older headers lack: the cfg `nix_err_recoverable` says whether they have it.
//!
//! Bindings are generated, not checked in: they would be text derived from Nix's LGPL-2.1
//! headers in an MIT/Apache repository, and a generated file is only as current as the
//! headers it came from.

use std::env;
use std::path::{Path, PathBuf};
use std::process::exit;

/// The C functions the plugin calls; each must exist in the running Nix (checked at load).
const FUNCTIONS: &[&str] = &[
    "nix_version_get",
    "nix_c_context_create",
    "nix_c_context_free",
    "nix_err_code",
    "nix_err_msg",
    "nix_err_info_msg",
    "nix_err_name",
    "nix_set_err_msg",
    "nix_alloc_primop",
    "nix_register_primop",
    "nix_gc_decref",
    "nix_expr_eval_from_string",
    "nix_value_call",
    "nix_value_force",
    "nix_value_decref",
    "nix_alloc_value",
    "nix_get_type",
    "nix_get_typename",
    "nix_get_bool",
    "nix_get_string",
    "nix_get_path_string",
    "nix_get_list_size",
    "nix_get_list_byidx",
    "nix_get_attrs_size",
    "nix_get_attr_name_byidx",
    "nix_get_attr_byname",
    "nix_string_realise",
    "nix_realised_string_get_buffer_start",
    "nix_realised_string_get_buffer_size",
    "nix_realised_string_free",
    "nix_init_bool",
    "nix_init_string",
    "nix_init_int",
    "nix_init_float",
    "nix_init_null",
    "nix_init_path_string",
    "nix_init_apply",
    "nix_copy_value",
    "nix_make_bindings_builder",
    "nix_bindings_builder_insert",
    "nix_make_attrs",
    "nix_bindings_builder_free",
    "nix_make_list_builder",
    "nix_list_builder_insert",
    "nix_make_list",
    "nix_list_builder_free",
];

fn main() {
    for var in [
        "NIX_C_INCLUDE_DIR",
        "PKG_CONFIG_PATH",
        "PKG_CONFIG_SYSROOT_DIR",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    println!("cargo::rustc-check-cfg=cfg(nix_err_recoverable)");
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir
        .parent()
        .and_then(Path::parent)
        .expect("rust/nix-plugin-c");
    let include_dirs = find_headers(workspace);
    let header = include_dirs
        .iter()
        .map(|dir| dir.join("nix_api_util.h"))
        .find(|h| h.is_file())
        .expect("find_headers checked it");
    println!("cargo:rerun-if-changed={}", header.display());
    if std::fs::read_to_string(&header).is_ok_and(|text| text.contains("NIX_ERR_RECOVERABLE")) {
        println!("cargo:rustc-cfg=nix_err_recoverable");
    }

    let mut builder = bindgen::Builder::default()
        .header_contents(
            "nix_api.h",
            "#include <nix_api_util.h>\n#include <nix_api_value.h>\n#include <nix_api_expr.h>\n",
        )
        // C23: the headers mark deprecated names with [[deprecated]].
        .clang_args(["-x", "c", "-std=c2x"])
        .dynamic_library_name("NixApi")
        .dynamic_link_require_all(true)
        .allowlist_var("NIX_.*")
        .generate_comments(false)
        .layout_tests(false)
        .parse_callbacks(Box::new(bindgen::CargoCallbacks::new()));
    for dir in &include_dirs {
        builder = builder.clang_arg(format!("-I{}", dir.display()));
    }
    for function in FUNCTIONS {
        builder = builder.allowlist_function(function);
    }
    let bindings = builder.generate().unwrap_or_else(|e| {
        fail(&format!(
            "bindgen failed on {} ({e}); it needs libclang (Debian: libclang-dev, which scripts/setup installs)",
            header.display()
        ))
    });
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR")).join("nix_api.rs");
    bindings
        .write_to_file(&out)
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", out.display())));
}

/// The include directories holding `nix_api_util.h` (and what it includes), or one line and
/// exit status 1.
fn find_headers(workspace: &Path) -> Vec<PathBuf> {
    let has_headers = |dir: &Path| dir.join("nix_api_util.h").is_file();
    if let Some(dir) = env::var_os("NIX_C_INCLUDE_DIR") {
        let dir = PathBuf::from(dir);
        return match [dir.clone(), dir.join("nix")]
            .into_iter()
            .find(|d| has_headers(d))
        {
            Some(found) => vec![found],
            None => fail(&format!(
                "NIX_C_INCLUDE_DIR={} holds no nix_api_util.h (nor does its nix/)",
                dir.display()
            )),
        };
    }
    let probed = pkg_config::Config::new()
        .cargo_metadata(false)
        .env_metadata(true)
        .probe("nix-expr-c");
    let pkg_config_error = match probed {
        Ok(library) if library.include_paths.iter().any(|d| has_headers(d)) => {
            return library.include_paths
        }
        Ok(library) => format!(
            "its include paths {:?} hold no nix_api_util.h",
            library.include_paths
        ),
        Err(e) => e.to_string().lines().next().unwrap_or_default().to_string(),
    };
    let deps = workspace.join(".deps/nix-c-include");
    if has_headers(&deps) {
        return vec![deps];
    }
    fail(&format!(
        "Nix's C API headers not found: NIX_C_INCLUDE_DIR is not set, `pkg-config nix-expr-c` failed ({pkg_config_error}), and {} holds no nix_api_util.h (scripts/setup fills it)",
        deps.display()
    ))
}

fn fail(message: &str) -> ! {
    eprintln!("rust-unit-sources-nix-c: {message}");
    exit(1)
}
