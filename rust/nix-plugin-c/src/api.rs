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
/// `libnixexprc.so` of the running Nix (in the directory of its `libnixexpr.so`). `Err`: one sentence saying why neither holds.
pub fn load() -> Result<(NixApi, Found), String> {
    let this = libloading::os::unix::Library::this();
    // SAFETY: looking a symbol up has no side effect.
    if unsafe { this.get::<*const c_void>(b"nix_version_get\0") }.is_ok() {
        // SAFETY: the signatures are the headers'.
        return unsafe { NixApi::from_library(this) }
            .map(|api| (api, Found::Process))
            .map_err(|e| e.to_string());
    }
    let Some(dir) = nix_library_dir() else {
        return Err("its nix binary does not export the C API (built without -Dplugin-c-api), and it has no libnixexpr.so to find libnixexprc.so beside".to_string());
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

/// The directory of the running Nix's `libnixexpr.so`, when the process has loaded one.
fn nix_library_dir() -> Option<PathBuf> {
    let mut loaded: Vec<PathBuf> = Vec::new();
    // SAFETY: the callback only reads the name the dynamic linker passes and appends it to the
    // Vec it is given; it never unwinds.
    unsafe { dl_iterate_phdr(collect_loaded, std::ptr::from_mut(&mut loaded).cast()) };
    loaded
        .into_iter()
        .find(|file| {
            file.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("libnixexpr.so"))
        })
        .and_then(|file| file.parent().map(PathBuf::from))
}

/// The start of glibc's `struct dl_phdr_info`: the load address and the file name.
#[repr(C)]
struct DlPhdrInfo {
    addr: usize,
    name: *const c_char,
}

/// Appends each loaded object's file name to the `Vec<PathBuf>` at `out`.
unsafe extern "C" fn collect_loaded(
    info: *mut DlPhdrInfo,
    _size: usize,
    out: *mut c_void,
) -> c_int {
    if let Some(info) = info.as_ref() {
        if !info.name.is_null() {
            let name = CStr::from_ptr(info.name).to_bytes();
            (*out.cast::<Vec<PathBuf>>()).push(PathBuf::from(std::ffi::OsStr::from_bytes(name)));
        }
    }
    0
}

extern "C" {
    fn dl_iterate_phdr(
        callback: unsafe extern "C" fn(*mut DlPhdrInfo, usize, *mut c_void) -> c_int,
        data: *mut c_void,
    ) -> c_int;
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
