//! The file system as a scan sees it: single facts read now ([`observation`]), the scan's
//! memo of every read ([`source_cache`]), and paths moved between roots ([`relocation`]).
//!
//! Invariant: after `cargo metadata`, every file-system read of a scan goes through the
//! [`source_cache::SourceCache`], so the observations it lists are the scan's complete
//! file-system inputs. Boundary: paths and contents (a Rust file lexed through
//! [`crate::syntax`], its items kept by [`crate::cache::parse`]); nothing about units, cargo
//! or the model.

pub(crate) mod observation;
pub(crate) mod relocation;
pub(crate) mod source_cache;
