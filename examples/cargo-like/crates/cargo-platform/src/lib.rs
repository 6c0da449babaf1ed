//! Target platform descriptions (as cargo's `crates/cargo-platform`).
#[cfg_attr(unix, path = "unix.rs")]
#[cfg_attr(not(unix), path = "other.rs")]
mod os;

/// The host's family.
pub fn host() -> &'static str {
    cfg_if::cfg_if! {
        if #[cfg(unix)] {
            os::FAMILY
        } else {
            "unknown"
        }
    }
}
