//! Compiles the plugin's C++ half (`src/primop.cc`, `include/*.hh`) against one Nix's headers
//! and links it against that Nix's libraries.
//!
//! Which Nix, in this order (the first that applies; never a guess):
//! 1. `NIX_INCLUDE_DIR`: a directory of Nix's headers (its `nix/` subdirectory is searched too,
//!    because Nix 2.8's headers include each other by bare name). The version comes from
//!    `NIX_VERSION`, else from `PACKAGE_VERSION` in the headers' `config.h`; the libraries
//!    from `NIX_LIB_DIR`, else Debian's `/usr/lib/nix`.
//! 2. `pkg-config nix-expr` (nixpkgs' `nix.dev`, a Nix built from source, `scripts/with-nix`),
//!    else `pkg-config lix-expr` (Lix): headers, libraries and version from the `.pc` file
//!    (`NIX_VERSION` overrides the version).
//! 3. `<workspace>/.deps/nix-include`, where `scripts/setup` puts the headers of Debian's
//!    `nix-bin`, as in 1.
//!
//! The version picks the API generation (`RUS_NIX_GENERATION`, see `include/nix_compat.hh`)
//! and the C++ standard (Lix, recognised by its `lix/libexpr/eval.hh`, has generations of its
//! own, and `RUS_NIX_LIX` defined); it is also compiled in as `RUS_NIX_VERSION`, which the loader
//! (`rust/nix-plugin-loader`) compares with the running Nix's before it loads this plugin. A version outside the known generations stops the build
//! with one line naming them.
//!
//! Nix's headers (and those they include: Boost, nlohmann-json, Boehm GC) are passed as
//! `-isystem`, so our own C++ compiles with warnings on, as errors, while Nix's does not warn.
//! The plugin links against `libnixexpr`, `libnixstore` and `libnixutil` (and Boehm GC's
//! `libgc` when Nix uses it) with `--no-undefined`: a header/library mismatch fails the build, not the `dlopen`. No rpath is
//! set: the Nix process that loads the plugin has these libraries loaded already.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::exit;

/// The C++ sources, compiled in this order.
const SOURCES: &[&str] = &["src/primop.cc"];
/// The headers they include (rebuild triggers only; they are found through the include path).
const HEADERS: &[&str] = &[
    "include/nix_compat.hh",
    "include/nix_compat_2_8.hh",
    "include/nix_compat_2_21.hh",
    "include/nix_compat_lix.hh",
];

/// A Nix version's `(major, minor)`.
type Version = (u32, u32);

/// The API generations the shim has a branch for: (first, last) version, inclusive. The last
/// ends at 2.35, the newest release whose headers the branch was written from: Nix's master
/// after 2.35 passes primops a `CallSite` instead of a `PosIdx` (NixOS/nix#16213), so a later
/// version needs a branch of its own and stops the build until it has one.
const GENERATIONS: &[(Version, Version)] = &[
    ((2, 8), (2, 8)),
    ((2, 21), (2, 27)),
    ((2, 28), (2, 33)),
    ((2, 34), (2, 35)),
];

/// Lix's API generations, likewise: 2.95 registers primops through `PluginPrimOps::add`, which
/// takes no position argument; 2.93 and 2.94 have no branch.
const LIX_GENERATIONS: &[(Version, Version)] = &[((2, 95), (2, 95))];

fn main() {
    declare_inputs();
    let manifest_dir =
        PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir
        .parent()
        .and_then(Path::parent)
        .expect("rust/nix-plugin");
    let nix = Nix::find(workspace);
    let lix = nix.is_lix();
    let generation = supported_generation(&nix, lix);

    let mut build = cxx_build::bridge("src/lib.rs");
    build
        .files(SOURCES)
        .std(cxx_standard(lix, nix.version))
        .define("RUS_NIX_VERSION_MAJOR", nix.version.0.to_string().as_str())
        .define("RUS_NIX_VERSION_MINOR", nix.version.1.to_string().as_str())
        .define(
            "RUS_NIX_GENERATION_MAJOR",
            generation.0.to_string().as_str(),
        )
        .define(
            "RUS_NIX_GENERATION_MINOR",
            generation.1.to_string().as_str(),
        )
        .define(
            "RUS_NIX_VERSION",
            format!("\"{}\"", nix.version_text).as_str(),
        )
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true);
    if lix {
        build.define("RUS_NIX_LIX", "1");
    }
    for dir in &nix.include_dirs {
        build
            .flag("-isystem")
            .flag(dir.to_str().expect("UTF-8 path"));
    }
    // Nothing in Rust calls into primop.o: only its static initialiser (the primop's
    // registration) and its marker matter, so the whole archive must be linked or the linker
    // drops it.
    build.link_lib_modifier("+whole-archive");
    build.compile("rust_unit_sources_nix_cpp");

    for dir in &nix.lib_dirs {
        println!("cargo:rustc-link-search=native={}", dir.display());
    }
    for lib in &nix.libs {
        println!("cargo:rustc-link-lib=dylib={lib}");
    }
    // Every Nix symbol the C++ code uses must be found now, not at dlopen time.
    println!("cargo:rustc-cdylib-link-arg=-Wl,--no-undefined");
}

/// Tells cargo what the build depends on: the variables that choose the Nix, and the sources.
fn declare_inputs() {
    for var in [
        "NIX_INCLUDE_DIR",
        "NIX_VERSION",
        "NIX_LIB_DIR",
        "PKG_CONFIG_PATH",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }
    println!("cargo:rerun-if-changed=src/lib.rs");
    for file in SOURCES.iter().chain(HEADERS) {
        println!("cargo:rerun-if-changed={file}");
    }
}

/// The API generation of `nix` (Lix's when `lix`); stops the build with one line when the shim
/// has no branch for it (a version outside [`GENERATIONS`], or [`LIX_GENERATIONS`] for Lix).
fn supported_generation(nix: &Nix, lix: bool) -> Version {
    let (name, generations) = if lix {
        ("Lix", LIX_GENERATIONS)
    } else {
        ("Nix", GENERATIONS)
    };
    let Some(generation) = generation(generations, nix.version) else {
        fail(&format!(
            "{name} {} ({}) is not supported: the plugin has branches for Nix {} and Lix {}",
            nix.version_text,
            nix.source,
            known_generations(GENERATIONS),
            known_generations(LIX_GENERATIONS)
        ));
    };
    generation
}

/// The Nix to compile against.
struct Nix {
    /// Where it was found, for messages.
    source: String,
    version: Version,
    /// The full version, as `nixVersion` says it at run time (e.g. `2.26.3`).
    version_text: String,
    include_dirs: Vec<PathBuf>,
    lib_dirs: Vec<PathBuf>,
    libs: Vec<String>,
}

impl Nix {
    /// Whether the headers are Lix's (`lix/libexpr/eval.hh`), not Nix's.
    fn is_lix(&self) -> bool {
        self.include_dirs
            .iter()
            .any(|dir| dir.join("lix/libexpr/eval.hh").is_file())
    }

    fn find(workspace: &Path) -> Nix {
        if let Some(dir) = env::var_os("NIX_INCLUDE_DIR") {
            return Nix::from_include_dir(PathBuf::from(dir), "NIX_INCLUDE_DIR");
        }
        let pkg_config_error = match pkg_config::Config::new()
            .cargo_metadata(false)
            .probe("nix-expr")
        {
            Ok(lib) => return Nix::from_pkg_config(lib, "nix-expr"),
            Err(e) => e,
        };
        if let Ok(lib) = pkg_config::Config::new()
            .cargo_metadata(false)
            .probe("lix-expr")
        {
            return Nix::from_pkg_config(lib, "lix-expr");
        }
        let deps = workspace.join(".deps/nix-include");
        if deps.is_dir() {
            return Nix::from_include_dir(deps, ".deps/nix-include (scripts/setup)");
        }
        let pkg_config_error = pkg_config_error.to_string();
        fail(&format!(
            "Nix's headers not found: NIX_INCLUDE_DIR is not set, `pkg-config nix-expr` failed \
             ({}), and {} does not exist (scripts/setup fills it)",
            pkg_config_error.lines().next().unwrap_or_default().trim(),
            deps.display()
        ))
    }

    fn from_include_dir(dir: PathBuf, source: &str) -> Nix {
        println!("cargo:rerun-if-changed={}", dir.display());
        let flat = dir.join("nix");
        let config = [flat.join("config.h"), dir.join("config.h")]
            .into_iter()
            .find_map(|p| fs::read_to_string(p).ok())
            .unwrap_or_default();
        let text = env::var("NIX_VERSION").ok().or_else(|| {
            config.lines().find_map(|line| {
                let rest = line.trim().strip_prefix("#define PACKAGE_VERSION")?;
                Some(rest.trim().trim_matches('"').to_string())
            })
        });
        let Some(text) = text else {
            fail(&format!(
                "{source} ({}): no config.h with PACKAGE_VERSION; set NIX_VERSION",
                dir.display()
            ));
        };
        let debian = PathBuf::from("/usr/lib/nix");
        let lib_dir = env::var_os("NIX_LIB_DIR")
            .map(PathBuf::from)
            .unwrap_or(debian);
        let mut include_dirs = vec![dir.clone()];
        if flat.is_dir() {
            include_dirs.push(flat);
        }
        let mut libs: Vec<String> = ["nixexpr", "nixstore", "nixutil"]
            .map(String::from)
            .to_vec();
        // EvalState::allocValue, inline, allocates through Boehm GC's own API when Nix uses it
        // (a .pc file names the library itself).
        if config
            .lines()
            .any(|line| line.trim() == "#define HAVE_BOEHMGC 1")
        {
            libs.push("gc".to_string());
        }
        Nix {
            source: format!("{source}: {}", dir.display()),
            version: parse_version(&text),
            version_text: text,
            include_dirs,
            lib_dirs: vec![lib_dir],
            libs,
        }
    }

    fn from_pkg_config(lib: pkg_config::Library, module: &str) -> Nix {
        let text = env::var("NIX_VERSION").unwrap_or(lib.version);
        Nix {
            source: format!("pkg-config {module}"),
            version: parse_version(&text),
            version_text: text,
            // The pkg-config crate keeps the compiler's own directories (it sets
            // PKG_CONFIG_ALLOW_SYSTEM_CFLAGS); as -isystem they would reorder them and break
            // libstdc++'s #include_next.
            include_dirs: lib
                .include_paths
                .into_iter()
                .filter(|dir| !is_compiler_default(dir))
                .collect(),
            lib_dirs: lib.link_paths,
            libs: lib.libs,
        }
    }
}

/// Whether `dir` is one of the C compiler's default include directories on Linux.
fn is_compiler_default(dir: &Path) -> bool {
    let text = dir.to_string_lossy();
    let text = text.trim_end_matches('/');
    text == "/usr/include"
        || text == "/usr/local/include"
        || text
            .strip_prefix("/usr/include/")
            .is_some_and(|rest| !rest.contains('/') && rest.contains("-linux-"))
}

/// `(major, minor)` of a version such as `2.26.3`, `2.28.0pre20250101_abc` or `2.8.0-1`.
fn parse_version(text: &str) -> Version {
    let mut parts = text.trim().split(|c: char| !c.is_ascii_digit());
    match (parts.next().map(str::parse), parts.next().map(str::parse)) {
        (Some(Ok(major)), Some(Ok(minor))) => (major, minor),
        _ => fail(&format!("cannot read the Nix version {text:?}")),
    }
}

/// The first version of the generation of `generations` that `version` belongs to.
fn generation(generations: &[(Version, Version)], version: Version) -> Option<Version> {
    generations
        .iter()
        .find(|(first, last)| (*first..=*last).contains(&version))
        .map(|(first, _)| *first)
}

/// "2.8, 2.21–2.27, 2.28–2.33, 2.34–2.35".
fn known_generations(generations: &[(Version, Version)]) -> String {
    generations
        .iter()
        .map(|((a, b), (c, d))| {
            if (a, b) == (c, d) {
                format!("{a}.{b}")
            } else {
                format!("{a}.{b}–{c}.{d}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The C++ standard Nix's headers need: C++17 up to 2.8, C++20 from 2.21, C++23 from 2.31;
/// Lix's, C++23.
fn cxx_standard(lix: bool, version: Version) -> &'static str {
    if lix || version >= (2, 31) {
        "c++23"
    } else if version >= (2, 21) {
        "c++20"
    } else {
        "c++17"
    }
}

/// Stops the build with one line on stderr (cargo shows it under the build script's output).
fn fail(message: &str) -> ! {
    eprintln!("rust-unit-sources-nix: {message}");
    exit(1)
}
