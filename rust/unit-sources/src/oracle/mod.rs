//! The oracle.

pub(crate) mod dep_info_cache;
pub(crate) mod rustc;
