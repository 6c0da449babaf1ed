//! Nix evaluator plugin adding `builtins.rustUnitSources` through Nix's C API
//! (`librust_unit_sources_nix_c.so`): one file for every Nix from 2.35 on and Determinate Nix
//! from 3.22 on, built without Nix's C++ headers, in Rust only.
//!
//! - At load (an ELF constructor, which runs in every Nix, even those that never call
//!   `nix_plugin_entry`), `version` decides whether the running Nix qualifies; if not, one
//!   line on stderr, nothing registered, the evaluation goes on. Then every C function the
//!   plugin calls is resolved (`api`): in the process, where Nix's own packaging puts the C
//!   API from 2.35 on, else in the `libnixexprc.so` beside the running Nix's libraries; a
//!   missing one is a refusal too.
//! - `nix_plugin_entry`, which Nix calls after loading the plugin, registers the primop
//!   (`primop`).
//! - The primop's argument is read through the C value API (`argument`, `call`), its
//!   path checked by Nix's access control (`source_path`), the shared function
//!   `rust_unit_sources_primop::call` decodes and scans (the same as the C++ plugin's), and
//!   `model_value` makes the result.
//!
//! No panic unwinds out of the constructor, `nix_plugin_entry` or the primop's callback: each
//! catches it (and the callback raises it as a Nix error).

#![allow(unsafe_code)]

mod api;
mod argument;
mod call;
mod model_value;
mod primop;
mod source_path;
mod version;

use std::panic;
use std::sync::OnceLock;

/// The C API of the running Nix, once the load-time check passed.
static API: OnceLock<Option<api::NixApi>> = OnceLock::new();

/// The C API, when the plugin may register (the check ran at load).
fn api_if_registered() -> Option<&'static api::NixApi> {
    API.get().and_then(Option::as_ref)
}

/// Decides, once, whether the plugin registers in this process; prints the one line when not.
fn check_running_nix() -> Option<api::NixApi> {
    let running = version::running();
    if let Some(line) = version::refusal(&running) {
        eprintln!("{line}");
        return None;
    }
    let nix = running.nix.unwrap_or_default();
    let refuse = |why: String| {
        eprintln!("rust-unit-sources: not registering builtins.rustUnitSources: Nix {nix}: {why}");
        None
    };
    match api::load() {
        Ok((api, found)) => match version_of(&api) {
            // The C API of another Nix than the one running.
            Some(c_version) if c_version != nix => {
                refuse(format!("{found:?} is the C API of Nix {c_version}"))
            }
            _ => Some(api),
        },
        Err(why) => refuse(why),
    }
}

/// `nix_version_get()` of `api`.
fn version_of(api: &api::NixApi) -> Option<String> {
    // SAFETY: nix_version_get returns a static string or null.
    unsafe {
        let version = (api.nix_version_get)();
        (!version.is_null()).then(|| {
            std::ffi::CStr::from_ptr(version)
                .to_string_lossy()
                .into_owned()
        })
    }
}

/// The load-time check, run by the dynamic loader when Nix opens the plugin.
extern "C" fn at_load() {
    if panic::catch_unwind(|| API.get_or_init(check_running_nix)).is_err() {
        eprintln!("rust-unit-sources: not registering builtins.rustUnitSources: the version check panicked");
    }
}

/// `at_load` as an ELF constructor (not in the unit tests' binary, which is no Nix).
#[used]
#[cfg_attr(not(test), link_section = ".init_array")]
static AT_LOAD: extern "C" fn() = at_load;

/// Called by Nix (2.35 and later) after it loaded the plugin: registers the primop when the
/// load-time check passed; one line on stderr if Nix refuses it.
#[no_mangle]
pub extern "C" fn nix_plugin_entry() {
    let registered = panic::catch_unwind(|| match api_if_registered() {
        Some(api) => primop::register(api),
        None => Ok(()),
    });
    match registered {
        Ok(Ok(())) => {}
        Ok(Err(message)) => {
            eprintln!("rust-unit-sources: not registering builtins.rustUnitSources: {message}")
        }
        Err(_) => eprintln!(
            "rust-unit-sources: not registering builtins.rustUnitSources: registration panicked"
        ),
    }
}

#[cfg(test)]
mod tests {
    /// Loaded into a process that is not Nix, the plugin registers nothing and never calls Nix.
    #[test]
    fn outside_nix_nothing_registers() {
        (super::AT_LOAD)();
        assert!(super::api_if_registered().is_none());
        super::nix_plugin_entry();
    }
}
