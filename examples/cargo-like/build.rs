fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-env=CARGO_LIKE_BUILD_TARGET={}", std::env::var("TARGET").unwrap());
}
