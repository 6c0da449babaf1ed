//! Nix evaluator plugin adding `builtins.rustUnitSources`, through Nix's C++ API.
//!
//! The C++ side (`src/primop.cc`, with every Nix-version-specific detail in
//! `include/nix_compat.hh`) registers the primop and hands its argument to `call` as an
//! `Argument` (`include/argument.hh`); the shared crate `rust-unit-sources-primop` decodes it
//! and scans, the same function behind the C plugin (`rust/nix-plugin-c`); C++ turns the JSON
//! it returns into a Nix value with Nix's own JSON parser and makes the broken units' `files`
//! raise their error. Nix loads this library (`librust_unit_sources_nix_impl.so`) through the
//! loader (`rust/nix-plugin-loader`, `librust_unit_sources_nix.so`), which loads it only into
//! the Nix it was built against.
//!
//! Contract of the boundary: `call` never unwinds into C++ and never aborts the Nix process.
//! Every failure, a panic included, comes back as a `rust::Error` on the C++ side; a Nix error
//! that an `Argument` method raised was kept by C++, which rethrows it unchanged.

use rust_unit_sources_primop::{Failure, Kind};
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;

/// The items shared between Rust and the C++ primop (namespace `rust_unit_sources`).
///
/// The FFI glue that `cxx` generates here is the workspace's only unsafe code besides the C
/// plugin's.
#[allow(unsafe_code)]
#[cxx::bridge(namespace = "rust_unit_sources")]
pub mod ffi {
    /// The type of a forced value ([`rust_unit_sources_primop::Kind`]).
    #[derive(Debug)]
    enum ValueKind {
        /// A path.
        Path,
        /// A string.
        String,
        /// An attribute set.
        Attrs,
        /// A list.
        List,
        /// `null`.
        Null,
        /// A Boolean.
        Bool,
        /// Anything else.
        Other,
    }

    /// What `call` gives the primop. The broken units are two lists of strings, not a list of
    /// structs: GCC 15 warns (maybe-uninitialized) in the code cxx generates for a `Vec` of a
    /// shared struct, and our C++ compiles with warnings as errors.
    pub struct Answer {
        /// The model as JSON (`serde_json::to_string` of [`rust_unit_sources::Model`]).
        pub json: String,
        /// The ids of the units carrying an `error`, whose `files` raise
        /// `broken_messages[i]` when forced.
        pub broken_ids: Vec<String>,
        /// `rustUnitSources: <unit id>: <error>` for each of `broken_ids`.
        pub broken_messages: Vec<String>,
    }

    unsafe extern "C++" {
        include!("rust-unit-sources-nix/include/argument.hh");

        /// A Nix value the primop received (`include/argument.hh`).
        type Argument;
        /// Forces the value; its type. Throws what forcing throws.
        fn kind(self: Pin<&mut Argument>) -> Result<ValueKind>;
        /// The evaluator's name for its type (`an integer`).
        fn type_name(self: &Argument) -> String;
        /// How many attributes a forced set has.
        fn attr_count(self: &Argument) -> usize;
        /// The name of attribute `index`.
        fn attr_name(self: &Argument, index: usize) -> String;
        /// The value of attribute `index`.
        fn attr_value(self: &Argument, index: usize) -> UniquePtr<Argument>;
        /// How many items a forced list has.
        fn item_count(self: &Argument) -> usize;
        /// Item `index`.
        fn item(self: &Argument, index: usize) -> UniquePtr<Argument>;
        /// A forced Boolean's value.
        fn boolean(self: &Argument) -> bool;
        /// A forced string's contents; throws Nix's error for one with a context.
        fn string(self: &Argument, what: &str) -> Result<String>;
        /// The path the scan may read, checked by Nix's access control.
        fn source_path(self: &Argument) -> Result<String>;
    }

    extern "Rust" {
        /// Decodes the primop's argument and scans the workspace it names.
        ///
        /// Errors (thrown as `rust::Error` in C++): `rustUnitSources: <message>`, or, when an
        /// `Argument` method threw, a placeholder: C++ rethrows the kept exception.
        fn call(arg: UniquePtr<Argument>) -> Result<Answer>;
        /// The primop's name (`__rustUnitSources`).
        fn primop_name() -> &'static str;
        /// Its argument's name.
        fn primop_arg() -> &'static str;
        /// Its documentation.
        fn primop_doc() -> &'static str;
    }
}

use ffi::{Answer, Argument, ValueKind};

/// An [`ffi::Argument`] as the shared decoder sees it. Its error is `()`: the exception itself
/// waits on the C++ side.
struct CxxArgument(cxx::UniquePtr<Argument>);

impl CxxArgument {
    fn pinned(&mut self) -> Pin<&mut Argument> {
        self.0.pin_mut()
    }
}

impl rust_unit_sources_primop::Argument for CxxArgument {
    type Error = ();

    fn kind(&mut self) -> Result<Kind, ()> {
        let kind = self.pinned().kind().map_err(drop)?;
        Ok(match kind {
            ValueKind::Path => Kind::Path,
            ValueKind::String => Kind::String,
            ValueKind::Attrs => Kind::Attrs,
            ValueKind::List => Kind::List,
            ValueKind::Null => Kind::Null,
            ValueKind::Bool => Kind::Bool,
            _ => Kind::Other,
        })
    }

    fn type_name(&self) -> String {
        self.0.type_name()
    }

    fn attrs(&mut self) -> Result<Vec<(String, Self)>, ()> {
        Ok((0..self.0.attr_count())
            .map(|i| (self.0.attr_name(i), CxxArgument(self.0.attr_value(i))))
            .collect())
    }

    fn items(&mut self) -> Result<Vec<Self>, ()> {
        Ok((0..self.0.item_count())
            .map(|i| CxxArgument(self.0.item(i)))
            .collect())
    }

    fn boolean(&mut self) -> Result<bool, ()> {
        Ok(self.0.boolean())
    }

    fn string(&mut self, what: &str) -> Result<String, ()> {
        self.0.string(what).map_err(drop)
    }

    fn source_path(&mut self) -> Result<String, ()> {
        self.0.source_path().map_err(drop)
    }
}

/// The primop's call: [`rust_unit_sources_primop::call`] on the argument, its answer as JSON.
/// Never unwinds: a panic comes back as `rustUnitSources: internal error (panic): <payload>`.
fn call(arg: cxx::UniquePtr<Argument>) -> Result<Answer, String> {
    let called = panic::catch_unwind(AssertUnwindSafe(|| {
        let answer = rust_unit_sources_primop::call(CxxArgument(arg))?;
        let (broken_ids, broken_messages) = answer
            .broken_units()
            .into_iter()
            .map(|unit| (unit.id, unit.message))
            .unzip();
        let json = answer.json().map_err(Failure::Plugin)?;
        Ok(Answer {
            json,
            broken_ids,
            broken_messages,
        })
    }));
    match called {
        Ok(Ok(answer)) => Ok(answer),
        Ok(Err(Failure::Nix(()))) => Err("a Nix error, rethrown by the primop".to_string()),
        Ok(Err(Failure::Plugin(message))) => Err(message),
        Err(payload) => Err(format!(
            "rustUnitSources: internal error (panic): {}",
            rust_unit_sources_primop::panic_message(payload.as_ref())
        )),
    }
}

fn primop_name() -> &'static str {
    rust_unit_sources_primop::NAME
}

fn primop_arg() -> &'static str {
    rust_unit_sources_primop::ARG
}

fn primop_doc() -> &'static str {
    rust_unit_sources_primop::DOC
}
