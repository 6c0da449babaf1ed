#[cfg(feature = "std")]
mod std_only;

#[cfg(all(feature = "fast", not(feature = "std")))]
mod fast_no_std;

#[cfg(feature = "does-not-exist")]
mod never;

#[cfg(test)]
mod tests;

#[cfg(not(test))]
mod not_test;

#[cfg(unix)]
#[path = "sys/unix.rs"]
mod sys;

#[cfg(windows)]
#[path = "sys/windows.rs"]
mod sys;

#[cfg(debug_assertions)]
mod debug;

#[cfg(my_build_script_cfg)]
mod from_build_script;

cfg_if_like! {
    #[cfg(feature = "fast")]
    mod backend;
}

mod macros;
