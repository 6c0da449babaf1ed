//! The packages a `Cargo.lock` pins.

use serde::Deserialize;

/// One `[[package]]` entry.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct Locked {
    /// The package name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Where it comes from; `None` for a path package (a workspace member).
    pub source: Option<String>,
    /// The sha256 of its `.crate` file, for registry packages.
    pub checksum: Option<String>,
}

/// The entries of the lock file `text` (`what` names it in errors).
pub fn packages(text: &str, what: &str) -> Result<Vec<Locked>, String> {
    #[derive(Deserialize)]
    struct Lock {
        #[serde(default)]
        package: Vec<Locked>,
    }
    let lock: Lock = toml::from_str(text).map_err(|e| format!("{what}: {e}"))?;
    Ok(lock.package)
}

/// The sha256 of the crates.io package `name` `version` in `packages`.
pub fn checksum<'a>(packages: &'a [Locked], name: &str, version: &str) -> Option<&'a str> {
    packages
        .iter()
        .find(|p| p.name == name && p.version == version && p.source.is_some())
        .and_then(|p| p.checksum.as_deref())
}
