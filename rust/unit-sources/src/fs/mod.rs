//! The file system as a scan sees it.

pub(crate) mod observation;
pub(crate) mod relocation;
pub(crate) mod source_cache;
