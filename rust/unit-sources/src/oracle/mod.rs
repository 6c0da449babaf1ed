//! rustc itself as the exact oracle (`--mode rustc`, `--mode check`, the differential
//! tests): its dep-info run per unit ([`rustc`]), parsed ([`dep_info`]), kept between calls
//! ([`dep_info_cache`]) and compared with a native scan ([`compare`]).
//!
//! Boundary: the only place that runs rustc on a workspace's sources; the native scan never
//! uses it.

pub(crate) mod compare;
pub(crate) mod dep_info;
pub(crate) mod dep_info_cache;
pub(crate) mod rustc;
