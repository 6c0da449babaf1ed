//! Compiles `src/loader.c`, the whole of the loader, into the cdylib. It is C, includes no Nix
//! header and links no Nix library, so that it loads into any Nix on any system this one's C
//! library is no newer than: the checks it makes must not depend on what they check.

fn main() {
    println!("cargo:rerun-if-changed=src/loader.c");
    cc::Build::new()
        .file("src/loader.c")
        .warnings(true)
        .extra_warnings(true)
        .warnings_into_errors(true)
        // Nothing in Rust calls into loader.o: only its ELF constructor matters, so the whole
        // archive must be linked or the linker drops it.
        .link_lib_modifier("+whole-archive")
        .compile("rust_unit_sources_nix_loader");
}
