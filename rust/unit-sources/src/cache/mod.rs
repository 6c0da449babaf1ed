//! The on-disk cache directory: the frame every cache file shares ([`frame`]), the
//! directory's accounting and eviction under its size limit ([`dir`]), and the parse cache
//! ([`parse`]). The scan records live in [`crate::record`], the oracle's dep-info entries in
//! [`crate::oracle`]; both use this frame.

pub(crate) mod dir;
pub(crate) mod frame;
pub(crate) mod parse;
