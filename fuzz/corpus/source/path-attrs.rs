// A crate root: submodules live beside it.
#[path = "other/renamed.rs"]
mod renamed;

mod nested;

mod inline {
    // Inline module without #[path]: its files live in src/inline/.
    mod leaf;
    #[path = "explicit.rs"]
    mod explicit;
}

#[path = "inline_dir"]
mod inline_with_path {
    // Inline module with #[path]: the path is a directory.
    mod sub;
}

#[cfg_attr(unix, path = "platform/unix.rs")]
#[cfg_attr(windows, path = "platform/windows.rs")]
mod platform;

mod precedence;
