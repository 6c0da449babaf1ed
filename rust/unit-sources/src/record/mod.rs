//! What a scan leaves in the cache directory for the next one: its inputs and answers
//! ([`inputs`]), and the record file they are stored in and found by ([`store`]).
//!
//! Invariant: a record is used only when everything it recorded still holds, so it never
//! changes an answer. Boundary: it stores and checks; it neither plans nor walks.

pub(crate) mod inputs;
pub(crate) mod store;
