//! Nix's C API, as bindgen generated it from the headers (build.rs), and the one table of its
//! functions the plugin uses, [`NixApi`], resolved in the running process.

#![allow(unsafe_code)]

use std::ffi::{c_char, c_int, c_void, CStr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

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

/// Where the plugin found the C API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// In the process: the `nix` binary exports it (Nix's own packaging builds it so from 2.35
    /// on, meson's `-Dplugin-c-api=true`).
    Process,
    /// `libnixexprc.so` beside the running Nix's own libraries, loaded by the plugin: a Nix
    /// built with shared libraries whose binary does not export the C API.
    Library(PathBuf),
}

/// Every function of [`NixApi`]: from the process when it has the C API, else from the
/// `libnixexprc.so` of the running Nix (in the directory of the library that holds
/// `nix::nixVersion`). `Err`: one sentence saying why neither holds.
pub fn load() -> Result<(NixApi, Found), String> {
    let this = libloading::os::unix::Library::this();
    // SAFETY: looking a symbol up has no side effect.
    if unsafe { this.get::<*const c_void>(b"nix_version_get\0") }.is_ok() {
        // SAFETY: the signatures are the headers'.
        return unsafe { NixApi::from_library(this) }
            .map(|api| (api, Found::Process))
            .map_err(|e| e.to_string());
    }
    let Some(dir) = nix_library_dir(&this) else {
        return Err("its nix binary does not export the C API (built without -Dplugin-c-api), and it has no shared libraries to find libnixexprc.so beside".to_string());
    };
    let path = dir.join("libnixexprc.so");
    // SAFETY: the running Nix's own C API library: its initialisers are Nix's, and it links
    // the libraries this process has loaded already.
    let library = unsafe { libloading::Library::new(&path) }.map_err(|e| {
        format!("its nix binary does not export the C API (built without -Dplugin-c-api), and {e}")
    })?;
    // SAFETY: the signatures are the headers'.
    unsafe { NixApi::from_library(library) }
        .map(|api| (api, Found::Library(path)))
        .map_err(|e| e.to_string())
}

/// The directory of the shared library that holds `nix::nixVersion`, if it is one.
fn nix_library_dir(this: &libloading::os::unix::Library) -> Option<PathBuf> {
    // SAFETY: dladdr only reads the dynamic linker's tables; `info` is written by it.
    unsafe {
        let address = *this
            .get::<*const c_void>(b"_ZN3nix10nixVersionB5cxx11E\0")
            .ok()?;
        let mut info = DlInfo {
            fname: std::ptr::null(),
            fbase: std::ptr::null_mut(),
            sname: std::ptr::null(),
            saddr: std::ptr::null_mut(),
        };
        if dladdr(address, &mut info) == 0 || info.fname.is_null() {
            return None;
        }
        let file = PathBuf::from(std::ffi::OsStr::from_bytes(
            CStr::from_ptr(info.fname).to_bytes(),
        ));
        let name = file.file_name()?.to_str()?;
        name.starts_with("libnix")
            .then(|| file.parent().map(PathBuf::from))?
    }
}

/// glibc's `Dl_info`.
#[repr(C)]
struct DlInfo {
    fname: *const c_char,
    fbase: *mut c_void,
    sname: *const c_char,
    saddr: *mut c_void,
}

extern "C" {
    fn dladdr(address: *const c_void, info: *mut DlInfo) -> c_int;
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
