//! The oracle.

pub(crate) mod compare;
pub(crate) mod dep_info;
pub(crate) mod dep_info_cache;
pub(crate) mod rustc;
