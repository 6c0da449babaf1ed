//! Compiles the C++ half of the plugin (`cpp/*.cc` at the workspace root) against Nix's headers.
//!
//! Inputs (all optional):
//! - `NIX_INCLUDE_DIR`: directory of Nix's headers. Default: `<workspace>/.deps/nix-include`
//!   (what `scripts/setup` extracts for Debian's nix-bin); its `nix/` subdirectory is added
//!   too, because Nix 2.8 headers include each other by bare name. When that directory does
//!   not exist, `pkg-config --cflags nix-expr` is used instead (the nixpkgs case).
//! - `NIX_VERSION`: the Nix version to compile for (`MAJOR.MINOR[.PATCH]`). Default: from
//!   `PACKAGE_VERSION` in the headers' `config.h`, else `pkg-config --modversion nix-expr`,
//!   else `nix-instantiate --version`. Passed to C++ as `RUS_NIX_VERSION_MAJOR`/`_MINOR`.
//! - `NIX_LIB_DIR`: directory of `libnixexpr.so`, `libnixstore.so` and `libnixutil.so`.
//!   Default: `/usr/lib/nix` (Debian) when it holds them, else `pkg-config --libs nix-expr`.
//!   The plugin links against them with `--no-undefined`, so a header/library mismatch fails
//!   the build rather than the `dlopen`; no rpath is set, as the Nix process that loads the
//!   plugin has these libraries loaded already (the loader matches them by soname). With no
//!   library found, nothing is linked and the symbols resolve at load time.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir.join("../..");
    let cpp_dir = workspace.join("cpp");

    for var in [
        "NIX_INCLUDE_DIR",
        "NIX_VERSION",
        "NIX_LIB_DIR",
        "PKG_CONFIG_PATH",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    println!("cargo:rerun-if-changed=src/lib.rs");
    println!("cargo:rerun-if-changed={}", cpp_dir.display());

    let mut sources: Vec<PathBuf> = Vec::new();
    for entry in
        fs::read_dir(&cpp_dir).unwrap_or_else(|e| panic!("reading {}: {e}", cpp_dir.display()))
    {
        let path = entry.expect("reading cpp/").path();
        let ext = path.extension().and_then(|e| e.to_str());
        if matches!(ext, Some("cc" | "hh")) {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        if ext == Some("cc") {
            sources.push(path);
        }
    }
    sources.sort();

    let headers = NixHeaders::find(&workspace);
    let (major, minor) = nix_version(&headers);

    let mut build = cxx_build::bridge("src/lib.rs");
    build
        .files(&sources)
        .include(&cpp_dir)
        // Nix 2.18+ headers need C++20; 2.8 is built with C++17.
        .std(if (major, minor) >= (2, 18) {
            "c++2a"
        } else {
            "c++17"
        })
        .define("RUS_NIX_VERSION_MAJOR", major.to_string().as_str())
        .define("RUS_NIX_VERSION_MINOR", minor.to_string().as_str())
        .flag_if_supported("-Wno-deprecated-declarations")
        .flag_if_supported("-Wno-unused-parameter")
        // Nix's own style: designated initialisers that leave fields to their defaults.
        .flag_if_supported("-Wno-missing-field-initializers");
    for dir in &headers.include_dirs {
        build.include(dir);
    }
    for flag in &headers.extra_flags {
        build.flag(flag);
    }
    if let Some(config_h) = &headers.config_h {
        // Nix's own build force-includes config.h: it decides e.g. HAVE_BOEHMGC, which changes
        // the layout of EvalState. Getting it wrong is an ABI mismatch, not a compile error.
        build
            .flag("-include")
            .flag(config_h.to_str().expect("UTF-8 path"));
    }
    // Nothing in Rust calls into primop.o: only its static initialiser (the primop's
    // registration) matters, so the whole archive must be linked or the linker drops it.
    build.link_lib_modifier("+whole-archive");
    build.compile("rust_unit_sources_nix_cpp");

    link_nix_libraries();
}

/// Where Nix's headers are and how to compile against them.
struct NixHeaders {
    include_dirs: Vec<PathBuf>,
    extra_flags: Vec<String>,
    /// The `config.h` to force-include (`None` when pkg-config's flags take care of it).
    config_h: Option<PathBuf>,
}

impl NixHeaders {
    fn find(workspace: &Path) -> Self {
        let dir = env::var_os("NIX_INCLUDE_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| workspace.join(".deps/nix-include"));
        if dir.is_dir() {
            println!("cargo:rerun-if-changed={}", dir.display());
            let flat = dir.join("nix");
            let config_h = [flat.join("config.h"), dir.join("config.h")]
                .into_iter()
                .find(|p| p.is_file());
            let mut include_dirs = vec![dir];
            if flat.is_dir() {
                include_dirs.push(flat);
            }
            return NixHeaders {
                include_dirs,
                extra_flags: Vec::new(),
                config_h,
            };
        }
        let cflags = pkg_config(&["--cflags", "nix-expr"]).unwrap_or_else(|| {
            panic!(
                "Nix headers not found: {} does not exist (run scripts/setup, or set NIX_INCLUDE_DIR) \
                 and `pkg-config --cflags nix-expr` failed",
                dir.display()
            )
        });
        let mut include_dirs = Vec::new();
        let mut extra_flags = Vec::new();
        for flag in cflags.split_whitespace() {
            if let Some(inc) = flag.strip_prefix("-I") {
                include_dirs.push(PathBuf::from(inc));
            } else if !flag.starts_with("-std=") {
                // cxx-build sets the standard itself; keep the rest (e.g. `-include config.h`).
                extra_flags.push(flag.to_string());
            }
        }
        // Nix < 2.20 does not put `-include config.h` in its .pc files; it ships the file.
        let forced = extra_flags.iter().any(|f| f == "-include");
        let config_h = if forced {
            None
        } else {
            include_dirs
                .iter()
                .map(|d| d.join("config.h"))
                .find(|p| p.is_file())
        };
        NixHeaders {
            include_dirs,
            extra_flags,
            config_h,
        }
    }
}

/// The (major, minor) version of the Nix to compile for.
fn nix_version(headers: &NixHeaders) -> (u32, u32) {
    let text = env::var("NIX_VERSION")
        .ok()
        .or_else(|| {
            let config = fs::read_to_string(headers.config_h.as_ref()?).ok()?;
            config.lines().find_map(|line| {
                let rest = line.trim().strip_prefix("#define PACKAGE_VERSION")?;
                Some(rest.trim().trim_matches('"').to_string())
            })
        })
        .or_else(|| pkg_config(&["--modversion", "nix-expr"]))
        .or_else(|| {
            let out = Command::new("nix-instantiate")
                .arg("--version")
                .output()
                .ok()?;
            let text = String::from_utf8(out.stdout).ok()?;
            Some(text.split_whitespace().last()?.to_string())
        })
        .expect("cannot determine the Nix version: set NIX_VERSION (e.g. 2.8.0)");
    let mut parts = text
        .trim()
        .split(['.', 'p', 'r', '-'])
        .map(|p| p.parse::<u32>());
    match (parts.next(), parts.next()) {
        (Some(Ok(major)), Some(Ok(minor))) => (major, minor),
        _ => panic!("cannot parse the Nix version {text:?}"),
    }
}

/// Links against Nix's libraries when they can be found (see the module docs).
fn link_nix_libraries() {
    let debian = PathBuf::from("/usr/lib/nix");
    let dir = env::var_os("NIX_LIB_DIR")
        .map(PathBuf::from)
        .or_else(|| debian.join("libnixexpr.so").exists().then_some(debian));
    if let Some(dir) = dir {
        println!("cargo:rustc-link-search=native={}", dir.display());
        for lib in ["nixexpr", "nixstore", "nixutil"] {
            println!("cargo:rustc-link-lib=dylib={lib}");
        }
    } else if let Some(libs) = pkg_config(&["--libs", "nix-expr"]) {
        for flag in libs.split_whitespace() {
            if let Some(dir) = flag.strip_prefix("-L") {
                println!("cargo:rustc-link-search=native={dir}");
            } else if let Some(lib) = flag.strip_prefix("-l") {
                println!("cargo:rustc-link-lib=dylib={lib}");
            }
        }
    } else {
        println!(
            "cargo:warning=Nix libraries not found: symbols resolve when Nix loads the plugin"
        );
        return;
    }
    // Every Nix symbol the C++ code uses must be found now, not at dlopen time.
    println!("cargo:rustc-cdylib-link-arg=-Wl,--no-undefined");
}

/// The trimmed output of `pkg-config ARGS`, or `None` when it fails.
fn pkg_config(args: &[&str]) -> Option<String> {
    let out = Command::new("pkg-config").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
}
