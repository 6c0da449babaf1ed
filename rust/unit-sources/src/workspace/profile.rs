//! Cargo's build profiles: the `[profile.*]` tables of the workspace's root manifest, resolved
//! for one unit as cargo resolves them, and the rustc flags cargo derives from the result.
//!
//! Precedence, as cargo's (first wins): `[profile.<p>.package.<name>]`, then
//! `[profile.<p>.package."*"]` (not for workspace members), then `[profile.<p>.build-override]`
//! (build scripts, proc-macros and what only they link), then `[profile.<p>]`, following
//! `inherits` chains, then the built-in defaults of `dev` and `release`. Not read: profiles in
//! `.cargo/config.toml` and `CARGO_PROFILE_*` variables.

use crate::{Error, ProfileInfo};
use std::collections::BTreeMap;
use std::path::Path;

/// The profiles a workspace's root manifest defines.
#[derive(Debug, Clone, Default)]
pub(crate) struct Profiles {
    /// `[profile.<name>]`, by name.
    tables: BTreeMap<String, toml::Table>,
}

/// Whether a unit is compiled for the build itself (build scripts, proc-macros and what only
/// they link: `build-override` applies) or for the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProfileFor {
    Host,
    Target,
}

/// The `debug` setting: `-C debuginfo=…` (`None`: no debug information).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DebugInfo {
    /// The rustc value (`1`, `2`, `line-tables-only`, `line-directives-only`), `None` for `0`.
    pub level: Option<String>,
    /// Whether no table set it for a host unit: cargo then turns it off for units only the
    /// build links.
    pub deferred: bool,
}

/// One unit's resolved profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Profile {
    /// The profile's name (`dev`, `release`, or one the manifest defines).
    pub name: String,
    /// `release` for `release`, `bench` and profiles inheriting from `release`, else `debug`
    /// (the build scripts' `PROFILE`).
    pub root: &'static str,
    pub opt_level: String,
    pub debuginfo: DebugInfo,
    pub debug_assertions: bool,
    pub overflow_checks: bool,
    pub codegen_units: Option<u32>,
    /// `unwind`, `abort` or `immediate-abort`.
    pub panic: String,
    /// `false` (cargo's default), `true`, `off` or a named mode (`thin`, `fat`).
    pub lto: String,
    /// `None`: not set (cargo strips debug information when no debug information is built).
    pub strip: Option<String>,
    pub rpath: bool,
    pub split_debuginfo: Option<String>,
    /// Whether cargo compiles the unit incrementally, as its unit graph says (set by
    /// `build_plan::assign_profiles`; cargo's rule: the profile's `incremental`, for path
    /// packages only). Not read from the manifest.
    pub incremental: bool,
}

impl Profile {
    fn default_dev() -> Profile {
        Profile {
            name: "dev".into(),
            root: "debug",
            opt_level: "0".into(),
            debuginfo: DebugInfo {
                level: Some("2".into()),
                deferred: false,
            },
            debug_assertions: true,
            overflow_checks: true,
            codegen_units: None,
            panic: "unwind".into(),
            lto: "false".into(),
            strip: None,
            rpath: false,
            split_debuginfo: None,
            incremental: false,
        }
    }

    fn default_release() -> Profile {
        Profile {
            root: "release",
            opt_level: "3".into(),
            debuginfo: DebugInfo {
                level: None,
                deferred: false,
            },
            debug_assertions: false,
            overflow_checks: false,
            ..Profile::default_dev()
        }
    }

    /// Whether debug information is built (the build scripts' `DEBUG`).
    pub fn debug(&self) -> bool {
        self.debuginfo.level.is_some()
    }

    /// The profile of running a build script for a unit of this profile, as cargo's
    /// (`get_profile_run_custom_build`): its name, opt-level, debug information and debug
    /// assertions, cargo's defaults otherwise.
    pub fn for_run(&self) -> Profile {
        Profile {
            name: self.name.clone(),
            root: self.root,
            opt_level: self.opt_level.clone(),
            debuginfo: self.debuginfo.clone(),
            debug_assertions: self.debug_assertions,
            overflow_checks: false,
            codegen_units: None,
            panic: "unwind".into(),
            lto: "false".into(),
            strip: None,
            rpath: false,
            split_debuginfo: None,
            incremental: false,
        }
    }

    /// The profile as the model states it (`build.profile`).
    pub fn info(&self) -> ProfileInfo {
        ProfileInfo {
            name: self.name.clone(),
            opt_level: self.opt_level.clone(),
            debuginfo: self.debuginfo.level.clone().unwrap_or_else(|| "0".into()),
            debug_assertions: self.debug_assertions,
            overflow_checks: self.overflow_checks,
            codegen_units: self.codegen_units,
            panic: self.panic.clone(),
            lto: self.lto.clone(),
            strip: self.strip.clone(),
            rpath: self.rpath,
            split_debuginfo: self.split_debuginfo.clone(),
            incremental: self.incremental,
        }
    }
}

/// What a unit is, as far as its profile flags are concerned.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FlagsFor {
    /// Compiled for the build (build scripts, proc-macros): cargo never applies `lto` there.
    pub host: bool,
    /// A final artifact rustc links (a binary, a test, a `cdylib` or `staticlib`), where `lto`
    /// runs.
    pub links_final: bool,
}

impl Profile {
    /// The flags cargo passes for this profile (`build_base_args`, `lto_args`) before the
    /// features, in cargo's order, with the package's `[lints]` flags (`lints`) where cargo puts
    /// them; [`Profile::trailing_flags`] come after `-C metadata`.
    pub fn rustc_flags(&self, unit: FlagsFor, lints: &[String]) -> Vec<String> {
        let mut flags = Vec::new();
        let mut codegen = |flag: String| flags.extend(["-C".to_string(), flag]);
        if self.opt_level != "0" {
            codegen(format!("opt-level={}", self.opt_level));
        }
        if self.panic != "unwind" {
            codegen(format!("panic={}", self.panic));
        }
        match self.lto.as_str() {
            _ if unit.host => codegen("embed-bitcode=no".into()),
            "false" => codegen("embed-bitcode=no".into()),
            "off" => {
                codegen("lto=off".into());
                codegen("embed-bitcode=no".into());
            }
            "true" if unit.links_final => codegen("lto".into()),
            named if unit.links_final => codegen(format!("lto={named}")),
            // A library of an LTO build keeps object code and bitcode (rustc's default).
            _ => {}
        }
        if let Some(n) = self.codegen_units {
            codegen(format!("codegen-units={n}"));
        }
        if let Some(level) = &self.debuginfo.level {
            codegen(format!("debuginfo={level}"));
            if let Some(split) = &self.split_debuginfo {
                codegen(format!("split-debuginfo={split}"));
            }
        }
        flags.extend(lints.iter().cloned());
        let mut codegen = |flag: String| flags.extend(["-C".to_string(), flag]);
        if self.opt_level != "0" {
            if self.debug_assertions {
                codegen("debug-assertions=on".into());
                if !self.overflow_checks {
                    codegen("overflow-checks=off".into());
                }
            } else if self.overflow_checks {
                codegen("overflow-checks=on".into());
            }
        } else if !self.debug_assertions {
            codegen("debug-assertions=off".into());
            if self.overflow_checks {
                codegen("overflow-checks=on".into());
            }
        } else if !self.overflow_checks {
            codegen("overflow-checks=off".into());
        }
        flags
    }

    /// The flags cargo passes for this profile after `-C metadata` (`rpath`, `strip`).
    pub fn trailing_flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        if self.rpath {
            flags.extend(["-C".to_string(), "rpath".to_string()]);
        }
        if let Some(strip) = self.strip.as_deref().filter(|s| *s != "none") {
            flags.extend(["-C".to_string(), format!("strip={strip}")]);
        }
        flags
    }
}

/// A package as profile overrides see it.
pub(crate) struct ProfilePackage<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub member: bool,
}

impl Profiles {
    /// The `[profile]` table of `manifest` (the workspace root's `Cargo.toml`, whose text is
    /// `text`). Errors name the manifest when a profile has a value cargo would not accept.
    pub fn parse(manifest: &Path, text: &str) -> Result<Profiles, Error> {
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| Error::in_file(manifest, e.message().to_string()))?;
        let mut tables = BTreeMap::new();
        if let Some(profiles) = table.get("profile") {
            let profiles = profiles
                .as_table()
                .ok_or_else(|| Error::in_file(manifest, "`profile` is not a table"))?;
            for (name, value) in profiles {
                let value = value.as_table().ok_or_else(|| {
                    Error::in_file(manifest, format!("`profile.{name}` is not a table"))
                })?;
                tables.insert(name.clone(), value.clone());
            }
        }
        let profiles = Profiles { tables };
        for name in profiles.tables.keys() {
            for for_ in [ProfileFor::Target, ProfileFor::Host] {
                let package = ProfilePackage {
                    name: "",
                    version: "0.0.0",
                    member: true,
                };
                profiles
                    .resolve(name, &package, for_)
                    .map_err(|e| Error::in_file(manifest, e))?;
            }
        }
        Ok(profiles)
    }

    /// Whether `name` is a profile: `dev`, `release`, `test`, `bench`, or one the manifest
    /// defines.
    pub fn defines(&self, name: &str) -> bool {
        matches!(name, "dev" | "release" | "test" | "bench") || self.tables.contains_key(name)
    }

    /// The profile `name` for a unit of `package` compiled `for_`. Errors (as text): an
    /// undefined profile or `inherits` target, a cycle, a value cargo rejects.
    pub fn resolve(
        &self,
        name: &str,
        package: &ProfilePackage<'_>,
        for_: ProfileFor,
    ) -> Result<Profile, String> {
        let chain = self.chain(name)?;
        let mut profile = match chain.first().map(String::as_str) {
            Some("release") => Profile::default_release(),
            _ => Profile::default_dev(),
        };
        profile.name = name.to_string();
        for table in chain.iter().filter_map(|n| self.tables.get(n)) {
            merge(&mut profile, table)?;
        }
        if for_ == ProfileFor::Host {
            profile.opt_level = "0".into();
            profile.codegen_units = None;
            profile.debuginfo.deferred = true;
        }
        for table in chain.iter().filter_map(|n| self.tables.get(n)) {
            if for_ == ProfileFor::Host {
                if let Some(build_override) = table.get("build-override") {
                    merge(&mut profile, sub_table(build_override, "build-override")?)?;
                }
            }
            if let Some(overrides) = table.get("package") {
                let overrides = sub_table(overrides, "package")?;
                if !package.member {
                    if let Some(all) = overrides.get("*") {
                        merge(&mut profile, sub_table(all, "package.\"*\"")?)?;
                    }
                }
                for (spec, table) in overrides {
                    if spec != "*" && spec_matches(spec, package) {
                        merge(&mut profile, sub_table(table, spec)?)?;
                    }
                }
            }
        }
        Ok(profile)
    }

    /// `name` and the profiles it inherits from, base first (`dev` or `release`).
    fn chain(&self, name: &str) -> Result<Vec<String>, String> {
        let mut chain = vec![name.to_string()];
        loop {
            let current = chain.last().expect("never empty").clone();
            if current == "dev" || current == "release" {
                break;
            }
            let inherits = match self.tables.get(&current).and_then(|t| t.get("inherits")) {
                Some(value) => value
                    .as_str()
                    .ok_or_else(|| format!("`profile.{current}.inherits` is not a string"))?
                    .to_string(),
                None => match current.as_str() {
                    "test" | "doc" => "dev".to_string(),
                    "bench" => "release".to_string(),
                    _ if self.tables.contains_key(&current) => {
                        return Err(format!(
                            "profile `{current}` is missing an `inherits` directive"
                        ))
                    }
                    _ => return Err(format!("profile `{current}` is not defined")),
                },
            };
            if chain.contains(&inherits) {
                return Err(format!("profile `{current}` inherits from itself"));
            }
            chain.push(inherits);
        }
        chain.reverse();
        Ok(chain)
    }
}

fn sub_table<'t>(value: &'t toml::Value, what: &str) -> Result<&'t toml::Table, String> {
    value
        .as_table()
        .ok_or_else(|| format!("profile `{what}` is not a table"))
}

/// Whether the package spec of a `[profile.*.package.<spec>]` table (`name`, `name@version`,
/// `name:version`, a partial version matching its prefix) names `package`.
fn spec_matches(spec: &str, package: &ProfilePackage<'_>) -> bool {
    let (name, version) = match spec.split_once(['@', ':']) {
        Some((name, version)) => (name, Some(version)),
        None => (spec, None),
    };
    name == package.name
        && version.is_none_or(|v| {
            let given: Vec<&str> = v.split('.').collect();
            let actual: Vec<&str> = package.version.split(['.', '-', '+']).collect();
            actual.len() >= given.len() && given.iter().zip(&actual).all(|(g, a)| g == a)
        })
}

/// Applies the settings of one profile table to `profile`, as cargo's `merge_profile`.
fn merge(profile: &mut Profile, table: &toml::Table) -> Result<(), String> {
    use toml::Value;
    let invalid = |key: &str, value: &Value| format!("invalid profile value `{key} = {value}`");
    for (key, value) in table {
        match (key.as_str(), value) {
            ("opt-level", Value::Integer(n @ 0..=3)) => profile.opt_level = n.to_string(),
            ("opt-level", Value::String(s))
                if matches!(s.as_str(), "0" | "1" | "2" | "3" | "s" | "z") =>
            {
                profile.opt_level = s.clone()
            }
            ("debug", value) => {
                let level = match value {
                    Value::Boolean(false) | Value::Integer(0) => None,
                    Value::Boolean(true) | Value::Integer(2) => Some("2"),
                    Value::Integer(1) => Some("1"),
                    Value::String(s) => match s.as_str() {
                        "none" => None,
                        "limited" => Some("1"),
                        "full" => Some("2"),
                        "line-tables-only" => Some("line-tables-only"),
                        "line-directives-only" => Some("line-directives-only"),
                        _ => return Err(invalid(key, value)),
                    },
                    _ => return Err(invalid(key, value)),
                };
                profile.debuginfo = DebugInfo {
                    level: level.map(str::to_string),
                    deferred: false,
                };
            }
            ("debug-assertions", Value::Boolean(b)) => profile.debug_assertions = *b,
            ("overflow-checks", Value::Boolean(b)) => profile.overflow_checks = *b,
            ("codegen-units", Value::Integer(n @ 1..)) => {
                profile.codegen_units = Some(u32::try_from(*n).map_err(|_| invalid(key, value))?)
            }
            ("panic", Value::String(s))
                if matches!(s.as_str(), "unwind" | "abort" | "immediate-abort") =>
            {
                profile.panic = s.clone()
            }
            ("lto", Value::Boolean(b)) => profile.lto = b.to_string(),
            ("lto", Value::String(s)) => {
                profile.lto = match s.as_str() {
                    "off" | "n" | "no" => "off".to_string(),
                    _ => s.clone(),
                }
            }
            ("strip", Value::Boolean(b)) => {
                profile.strip = Some(if *b { "symbols" } else { "none" }.to_string())
            }
            ("strip", Value::String(s)) => profile.strip = Some(s.clone()),
            ("rpath", Value::Boolean(b)) => profile.rpath = *b,
            ("split-debuginfo", Value::String(s)) => profile.split_debuginfo = Some(s.clone()),
            (
                "inherits" | "package" | "build-override" | "incremental" | "trim-paths"
                | "codegen-backend" | "rustflags" | "hint-mostly-unused",
                _,
            ) => {}
            _ => return Err(invalid(key, value)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profiles(text: &str) -> Profiles {
        Profiles::parse(Path::new("/ws/Cargo.toml"), text).unwrap()
    }

    fn package(name: &str, member: bool) -> ProfilePackage<'_> {
        ProfilePackage {
            name,
            version: "1.2.3",
            member,
        }
    }

    #[test]
    fn defaults_and_flags() {
        let none = profiles("");
        let dev = none
            .resolve("dev", &package("a", true), ProfileFor::Target)
            .unwrap();
        let bin = FlagsFor {
            host: false,
            links_final: true,
        };
        assert_eq!(
            dev.rustc_flags(bin, &[]),
            ["-C", "embed-bitcode=no", "-C", "debuginfo=2"]
        );
        let release = none
            .resolve("release", &package("a", true), ProfileFor::Target)
            .unwrap();
        assert_eq!(release.root, "release");
        assert_eq!(
            release.rustc_flags(bin, &[]),
            ["-C", "opt-level=3", "-C", "embed-bitcode=no"]
        );
        let host = none
            .resolve("release", &package("a", false), ProfileFor::Host)
            .unwrap();
        assert_eq!(host.opt_level, "0");
        assert!(!host.debug_assertions && host.debuginfo.deferred);
        assert_eq!(
            host.rustc_flags(
                FlagsFor {
                    host: true,
                    links_final: true
                },
                &[]
            ),
            ["-C", "embed-bitcode=no", "-C", "debug-assertions=off"]
        );
    }

    #[test]
    fn overrides_in_cargo_precedence() {
        let p = profiles(
            r#"
            [profile.dev]
            opt-level = 1
            panic = "abort"
            [profile.dev.package."*"]
            opt-level = 2
            [profile.dev.package.a]
            opt-level = "s"
            overflow-checks = false
            [profile.dev.build-override]
            opt-level = 3
            debug = 1
            [profile.custom]
            inherits = "release"
            lto = "thin"
            codegen-units = 1
            "#,
        );
        let member = |name| p.resolve("dev", &package(name, true), ProfileFor::Target);
        assert_eq!(member("b").unwrap().opt_level, "1");
        assert_eq!(member("a").unwrap().opt_level, "s");
        assert!(!member("a").unwrap().overflow_checks);
        let dependency = p
            .resolve("dev", &package("b", false), ProfileFor::Target)
            .unwrap();
        assert_eq!(dependency.opt_level, "2");
        let host = p
            .resolve("dev", &package("b", false), ProfileFor::Host)
            .unwrap();
        assert_eq!(
            host.opt_level, "2",
            "package \"*\" wins over build-override"
        );
        let host_member = p
            .resolve("dev", &package("b", true), ProfileFor::Host)
            .unwrap();
        assert_eq!(host_member.opt_level, "3");
        assert_eq!(host_member.debuginfo.level.as_deref(), Some("1"));
        assert!(!host_member.debuginfo.deferred);
        let custom = p
            .resolve("custom", &package("b", true), ProfileFor::Target)
            .unwrap();
        assert_eq!(
            (custom.root, custom.opt_level.as_str(), custom.lto.as_str()),
            ("release", "3", "thin")
        );
        assert_eq!(
            custom.rustc_flags(
                FlagsFor {
                    host: false,
                    links_final: true
                },
                &[]
            ),
            [
                "-C",
                "opt-level=3",
                "-C",
                "lto=thin",
                "-C",
                "codegen-units=1"
            ]
        );
        assert!(p.defines("custom") && p.defines("bench") && !p.defines("other"));
        assert_eq!(
            p.resolve("other", &package("b", true), ProfileFor::Target),
            Err("profile `other` is not defined".to_string())
        );
        let version = ProfilePackage {
            name: "a",
            version: "1.2.3",
            member: false,
        };
        assert!(spec_matches("a@1.2", &version) && spec_matches("a:1.2.3", &version));
        assert!(!spec_matches("a@1.3", &version) && !spec_matches("b", &version));
    }

    #[test]
    fn bad_values_are_errors() {
        let error = Profiles::parse(
            Path::new("/ws/Cargo.toml"),
            "[profile.dev]\nopt-level = 7\n",
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "/ws/Cargo.toml: invalid profile value `opt-level = 7`"
        );
    }
}
