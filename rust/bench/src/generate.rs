//! Generated workspaces for the scaling measurement: `n` packages, each a library with a deep
//! module tree (both `x.rs` + `x/` and `x/mod.rs` layouts, `cfg(feature)` and `cfg(test)`
//! modules, an `include_str!`, an `env!`), an integration test, and a path dependency on the
//! previous package.

use std::fmt::Write as _;
use std::path::Path;

/// How deep each package's module tree goes below `lib.rs`.
pub const DEPTH: u32 = 4;
/// How many submodules each module declares.
pub const FANOUT: u32 = 2;

/// Writes a workspace of `packages` packages into the empty directory `dir`; returns how many
/// files it wrote.
pub fn generate(dir: &Path, packages: usize) -> std::io::Result<usize> {
    let members: Vec<String> = (0..packages).map(package_name).collect();
    let mut root = String::from("[workspace]\nresolver = \"2\"\nmembers = [\n");
    for member in &members {
        let _ = writeln!(root, "    \"crates/{member}\",");
    }
    root.push_str("]\n");
    write(&dir.join("Cargo.toml"), &root)?;
    let mut files = 1;
    for (i, name) in members.iter().enumerate() {
        files += generate_package(&dir.join("crates").join(name), i)?;
    }
    Ok(files)
}

fn package_name(index: usize) -> String {
    format!("pkg-{index:04}")
}

fn generate_package(dir: &Path, index: usize) -> std::io::Result<usize> {
    let name = package_name(index);
    let mut manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n\
         [features]\ndefault = [\"extra\"]\nextra = []\n\n[dependencies]\n"
    );
    if index > 0 {
        let previous = package_name(index - 1);
        let _ = writeln!(manifest, "{previous} = {{ path = \"../{previous}\" }}");
    }
    write(&dir.join("Cargo.toml"), &manifest)?;
    write(
        &dir.join("data/blob.txt"),
        &format!("data of {name}\n").repeat(20),
    )?;
    let crate_name = name.replace('-', "_");
    write(
        &dir.join("tests/it.rs"),
        &format!(
            "//! Integration test of {name}.\n\n#[test]\nfn blob_is_there() {{\n    \
             assert!(!{crate_name}::BLOB.is_empty());\n}}\n"
        ),
    )?;
    let mut lib = module_source("crate root", 0);
    lib.push_str(
        "\n/// The bundled data.\npub const BLOB: &str = include_str!(\"../data/blob.txt\");\n\
         /// The package name.\npub const NAME: &str = env!(\"CARGO_PKG_NAME\");\n",
    );
    let src = dir.join("src");
    let mut files = 4;
    lib.push_str(&declarations(0));
    write(&src.join("lib.rs"), &lib)?;
    files += module_tree(&src, 1)?;
    Ok(files)
}

/// Writes the submodules of a module whose children live in `dir`, at `level` (1 = children
/// of the crate root); returns the number of files written.
fn module_tree(dir: &Path, level: u32) -> std::io::Result<usize> {
    if level > DEPTH {
        return Ok(0);
    }
    let mut files = 0;
    for child in 0..FANOUT {
        let name = format!("m{level}_{child}");
        let mut source = module_source(&name, level);
        source.push_str(&declarations(level));
        // Even children: `name.rs` with its children in `name/`; odd ones: `name/mod.rs`.
        let file = if child % 2 == 0 {
            dir.join(format!("{name}.rs"))
        } else {
            dir.join(&name).join("mod.rs")
        };
        write(&file, &source)?;
        files += 1 + module_tree(&dir.join(&name), level + 1)?;
    }
    Ok(files)
}

/// The `mod` declarations of a module at `level`: its last child only with feature `extra`.
fn declarations(level: u32) -> String {
    if level >= DEPTH {
        return String::new();
    }
    let mut text = String::from("\n");
    for child in 0..FANOUT {
        if child + 1 == FANOUT {
            text.push_str("#[cfg(feature = \"extra\")]\n");
        }
        let _ = writeln!(text, "pub mod m{}_{child};", level + 1);
    }
    text
}

/// About forty lines of ordinary Rust: items, a function body, literals and comments that
/// mention `mod` without declaring one, and an inline `cfg(test)` module.
fn module_source(name: &str, level: u32) -> String {
    format!(
        r##"//! Module {name} (level {level}), generated for the benchmark.

use std::collections::BTreeMap;
use std::fmt;

/* A block comment that mentions mod hidden; and include!("nothing.rs"). */

/// A value of this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {{
    /// Its name.
    pub name: String,
    /// Its weight.
    pub weight: u64,
}}

impl fmt::Display for Value {{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {{
        write!(f, "{{}} ({{}})", self.name, self.weight)
    }}
}}

/// Builds a few values and indexes them by name.
pub fn values() -> BTreeMap<String, Value> {{
    let raw = r#"mod not_a_module; "quoted""#;
    let mut map = BTreeMap::new();
    for (i, word) in raw.split_whitespace().enumerate() {{
        let weight = match i {{
            0 => 1,
            n if n % 2 == 0 => n as u64 * 3,
            _ => 7,
        }};
        map.insert(word.to_string(), Value {{ name: word.into(), weight }});
    }}
    map
}}

#[cfg(test)]
mod tests {{
    #[test]
    fn values_are_indexed() {{
        assert!(!super::values().is_empty());
    }}
}}
"##
    )
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_package_has_its_module_tree_and_extras() {
        let dir = tempfile::tempdir().unwrap();
        let files = generate(dir.path(), 2).unwrap();
        // Root manifest, then per package: manifest, blob, test, lib.rs and the module tree.
        let tree: usize = (1..=DEPTH).map(|l| FANOUT.pow(l) as usize).sum();
        assert_eq!(files, 1 + 2 * (4 + tree));
        let pkg = dir.path().join("crates/pkg-0001");
        assert!(pkg.join("src/m1_0.rs").is_file());
        assert!(pkg.join("src/m1_1/mod.rs").is_file());
        assert!(pkg.join("src/m1_0/m2_1/mod.rs").is_file());
        let manifest = std::fs::read_to_string(pkg.join("Cargo.toml")).unwrap();
        assert!(manifest.contains("pkg-0000 = { path = \"../pkg-0000\" }"));
    }
}
