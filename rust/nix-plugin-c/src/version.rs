//! Which Nix loaded the plugin, and whether the plugin may register in it.
//!
//! The plugin needs Nix 2.35 or later: the `nix` binary exports the C API from 2.35 on
//! (NixOS/nix#15696), a C primop gets the right `EvalState` from 2.34.1 and 2.35.0 on (#15300),
//! and its errors can be marked recoverable from 2.34 on. Determinate Nix qualifies from 3.22
//! on (based on Nix 2.35.2). Anything else: one line on stderr and nothing registered. Where
//! the C API is found is `api::load`'s business.

#![allow(unsafe_code)]

use std::ffi::{c_char, CStr};

/// The oldest Nix the plugin registers in.
pub const MIN_NIX: (u32, u32) = (2, 35);
/// The oldest Determinate Nix it registers in.
pub const MIN_DETERMINATE: (u32, u32) = (3, 22);

/// What the plugin found out about the process that loaded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Running {
    /// The Nix version (`nix_version_get()`, else `nix::nixVersion`); `None` when neither
    /// exists (not a Nix process).
    pub nix: Option<String>,
    /// Determinate Nix's own version (`nix::determinateNixVersion`), when it is Determinate.
    pub determinate: Option<String>,
}

/// The first two numbers of a version string (`2.35.2`, `2.36.0pre20260101_abc`).
pub fn major_minor(version: &str) -> Option<(u32, u32)> {
    let mut parts = version.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some((major, minor.parse().ok()?))
}

/// Why the plugin must not register in `running`, as the one line it prints; `None` when it
/// may.
pub fn refusal(running: &Running) -> Option<String> {
    let prefix = "rust-unit-sources: not registering builtins.rustUnitSources: ";
    let needs = "librust_unit_sources_nix_c.so (Nix's C API) needs Nix 2.35 or later, or \
                 Determinate Nix 3.22 or later; load librust_unit_sources_nix.so, built for this \
                 Nix, instead";
    let Some(nix) = &running.nix else {
        return Some(format!(
            "{prefix}this process has no Nix version (is it Nix?)"
        ));
    };
    let this = match &running.determinate {
        Some(determinate) => format!("Determinate Nix {determinate} (Nix {nix})"),
        None => format!("Nix {nix}"),
    };
    let old = |version: &str, min: (u32, u32)| major_minor(version).is_none_or(|v| v < min);
    let too_old = old(nix, MIN_NIX)
        || running
            .determinate
            .as_deref()
            .is_some_and(|d| old(d, MIN_DETERMINATE));
    too_old.then(|| format!("{prefix}this is {this}; {needs}"))
}

/// libstdc++'s `std::string` (the C++11 ABI every Linux Nix uses): its data and length first.
#[repr(C)]
struct LibstdcxxString {
    data: *const u8,
    size: usize,
}

/// The C++ `std::string` global `symbol` of the process, if it has one.
fn cxx_string(this: &libloading::os::unix::Library, symbol: &[u8]) -> Option<String> {
    // SAFETY: the symbols read here are `extern const std::string` of Nix (every version since
    // 2.0 for nixVersion; Determinate's determinateNixVersion), initialised before plugins load.
    unsafe {
        let address: *const LibstdcxxString = *this.get::<*const LibstdcxxString>(symbol).ok()?;
        let string = address.as_ref()?;
        if string.data.is_null() || string.size > 256 {
            return None;
        }
        let bytes = std::slice::from_raw_parts(string.data, string.size);
        Some(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// Looks at the running process.
pub fn running() -> Running {
    let this = libloading::os::unix::Library::this();
    // SAFETY: nix_version_get has this signature in every Nix that has it, and returns a
    // static string.
    let c_version = unsafe {
        this.get::<unsafe extern "C" fn() -> *const c_char>(b"nix_version_get\0")
            .ok()
            .map(|get| get())
            .filter(|version| !version.is_null())
            .map(|version| CStr::from_ptr(version).to_string_lossy().into_owned())
    };
    let nix = c_version.or_else(|| cxx_string(&this, b"_ZN3nix10nixVersionB5cxx11E\0"));
    let determinate = cxx_string(&this, b"_ZN3nix21determinateNixVersionB5cxx11E\0");
    Running { nix, determinate }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nix(version: &str, determinate: Option<&str>) -> Running {
        Running {
            nix: Some(version.to_string()),
            determinate: determinate.map(str::to_string),
        }
    }

    #[test]
    fn versions_compare_by_their_first_two_numbers() {
        assert_eq!(major_minor("2.35.2"), Some((2, 35)));
        assert_eq!(major_minor("2.36.0pre20260101_abc"), Some((2, 36)));
        assert_eq!(major_minor("2.8"), Some((2, 8)));
        assert_eq!(major_minor("3.22.2"), Some((3, 22)));
        assert_eq!(major_minor("nix"), None);
        assert_eq!(major_minor("2"), None);
    }

    #[test]
    fn nix_2_35_and_later_and_determinate_3_22_and_later_register() {
        for running in [
            nix("2.35.2", None),
            nix("2.36.0", None),
            nix("3.0.0", None),
            nix("2.35.2", Some("3.22.2")),
            nix("2.36.1", Some("3.30.0")),
        ] {
            assert_eq!(refusal(&running), None, "{running:?}");
        }
    }

    #[test]
    fn older_ones_get_one_line_naming_the_version() {
        let tail = "; librust_unit_sources_nix_c.so (Nix's C API) needs Nix 2.35 or later, or \
                    Determinate Nix 3.22 or later; load librust_unit_sources_nix.so, built for \
                    this Nix, instead";
        let line = |this: &str| {
            format!(
                "rust-unit-sources: not registering builtins.rustUnitSources: this is {this}{tail}"
            )
        };
        for (running, this) in [
            (nix("2.26.3", None), "Nix 2.26.3"),
            (nix("2.28.7", None), "Nix 2.28.7"),
            (nix("2.34.8", None), "Nix 2.34.8"),
            (nix("2.8.0", None), "Nix 2.8.0"),
            (nix("unknown", None), "Nix unknown"),
            (
                nix("2.34.8", Some("3.21.9")),
                "Determinate Nix 3.21.9 (Nix 2.34.8)",
            ),
            (
                nix("2.35.2", Some("3.21.0")),
                "Determinate Nix 3.21.0 (Nix 2.35.2)",
            ),
        ] {
            assert_eq!(refusal(&running), Some(line(this)), "{running:?}");
        }
        let none = Running {
            nix: None,
            determinate: None,
        };
        assert_eq!(
            refusal(&none).unwrap(),
            "rust-unit-sources: not registering builtins.rustUnitSources: this process has no Nix version (is it Nix?)"
        );
    }

    /// The test binary is no Nix: nothing to find, nothing to crash on.
    #[test]
    fn a_process_without_nix_has_no_version() {
        assert_eq!(
            running(),
            Running {
                nix: None,
                determinate: None
            }
        );
    }
}
