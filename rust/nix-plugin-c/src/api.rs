//! Nix's C API, as bindgen generated it from the headers (build.rs), and the one table of its
//! functions the plugin uses, [`NixApi`], resolved in the running process.

#![allow(unsafe_code)]

/// The generated bindings: types, constants and [`NixApi`].
#[allow(
    missing_docs,
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    dead_code,
    clippy::all
)]
pub mod bindings {
    include!(concat!(env!("OUT_DIR"), "/nix_api.rs"));
}

pub use bindings::{nix_c_context, nix_err, nix_value, EvalState, NixApi, ValueType};

/// `NIX_ERR_RECOVERABLE` (Nix 2.34 on): a primop error Nix does not cache in the value, so
/// that forcing it again calls the primop again. Written here because the headers of older
/// Nix, with which CI builds the crate, lack it; the value is part of the ABI.
pub const NIX_ERR_RECOVERABLE: nix_err = -5;

/// `NIX_OK`.
pub const NIX_OK: nix_err = bindings::nix_err_NIX_OK;

/// `NIX_ERR_NIX_ERROR`: the error is a Nix error, whose message and name can be read.
pub const NIX_ERR_NIX_ERROR: nix_err = bindings::nix_err_NIX_ERR_NIX_ERROR;

/// Every function of [`NixApi`], resolved in the running process (the `nix` binary exports
/// them from 2.35 on): `Err` with the loader's message when one is missing.
pub fn load() -> Result<NixApi, String> {
    let this = libloading::os::unix::Library::this();
    // SAFETY: resolving symbols has no side effect; the signatures are the headers'.
    unsafe { NixApi::from_library(this) }.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #[cfg(nix_err_recoverable)]
    #[test]
    fn recoverable_is_the_headers_value() {
        assert_eq!(
            super::NIX_ERR_RECOVERABLE,
            super::bindings::nix_err_NIX_ERR_RECOVERABLE
        );
    }

    #[test]
    fn the_headers_error_codes_are_the_abi() {
        assert_eq!(super::NIX_OK, 0);
        assert_eq!(super::NIX_ERR_NIX_ERROR, -4);
    }
}
