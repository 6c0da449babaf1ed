//! The primop's argument, decoded into a [`Request`] through [`Argument`], the few things a
//! plugin can ask of a Nix value (the C++ plugin through Nix's C++ API, the C plugin through
//! Nix's C API). Which attributes exist, which types they take and every message about them
//! live here, once.

use crate::Request;

/// The attributes the argument set may have, in the order messages list them.
pub const ATTRIBUTES: &str =
    "src, features, noDefaultFeatures, allFeatures, target, cfgs, dependencies or profile";

/// The type of a forced Nix value, as far as the argument cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A path (`./.`).
    Path,
    /// A string, possibly with a context.
    String,
    /// An attribute set.
    Attrs,
    /// A list.
    List,
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool,
    /// Anything else (numbers, functions, …).
    Other,
}

/// A Nix value given to the primop (or found inside it), as a plugin sees it. Each method but
/// [`Argument::type_name`] may fail with the evaluator's own error (`Self::Error`: a thunk that
/// throws, a path Nix denies), which [`decode`] passes on unchanged as [`Failure::Nix`].
pub trait Argument: Sized {
    /// The evaluator's error, to be raised as it is.
    type Error;
    /// Forces the value and returns its type.
    fn kind(&mut self) -> Result<Kind, Self::Error>;
    /// The evaluator's name for the value's type with its article (`an integer`, `a list`).
    fn type_name(&self) -> String;
    /// The attributes of a forced attribute set, in the evaluator's order, values unforced.
    fn attrs(&mut self) -> Result<Vec<(String, Self)>, Self::Error>;
    /// The items of a forced list, unforced.
    fn items(&mut self) -> Result<Vec<Self>, Self::Error>;
    /// The value of a forced Boolean.
    fn boolean(&mut self) -> Result<bool, Self::Error>;
    /// The contents of a forced string; a string with a context (one naming a store path) is
    /// the evaluator's error, `what` saying where it was found.
    fn string(&mut self, what: &str) -> Result<String, Self::Error>;
    /// A forced path or string as the real path the scan may read: string context realised,
    /// symbolic links resolved, and the path checked by the evaluator's access control as
    /// `builtins.readDir` checks it (restricted and pure evaluation): Nix's own error when
    /// denied.
    fn source_path(&mut self) -> Result<String, Self::Error>;
}

/// Why a call failed.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure<E> {
    /// The evaluator's own error, raised unchanged.
    Nix(E),
    /// The plugin's error: one line, starting with `rustUnitSources: `.
    Plugin(String),
}

impl<E> From<E> for Failure<E> {
    fn from(error: E) -> Self {
        Failure::Nix(error)
    }
}

/// A plugin error: `rustUnitSources: <message>`.
pub fn plugin_error<E>(message: impl std::fmt::Display) -> Failure<E> {
    Failure::Plugin(format!("rustUnitSources: {message}"))
}

/// Decodes the primop's argument: a path or a string naming the workspace, or an attribute set
/// `{ src; features ? null; noDefaultFeatures ? false; allFeatures ? false; target ? null;
/// cfgs ? null; dependencies ? false; profile ? "dev"; }` (`src` a path, a string, or a set
/// with an `outPath`, as a flake's `self`). Attributes are read in the evaluator's order, each
/// forced when its turn comes; an unknown one is an error before the next is forced.
pub fn decode<A: Argument>(mut arg: A) -> Result<Request, Failure<A::Error>> {
    match arg.kind()? {
        Kind::Path | Kind::String => Ok(Request {
            src: arg.source_path()?,
            ..Request::default()
        }),
        Kind::Attrs => decode_attrs(arg),
        _ => Err(plugin_error(format!(
            "expected a path or an attribute set, got {}",
            arg.type_name()
        ))),
    }
}

fn decode_attrs<A: Argument>(mut arg: A) -> Result<Request, Failure<A::Error>> {
    let mut request = Request::default();
    let mut src = None;
    for (name, mut value) in arg.attrs()? {
        let what = &name;
        match name.as_str() {
            "src" => src = Some(source(value)?),
            "features" => request.features = optional_strings(&mut value, what)?,
            "noDefaultFeatures" => request.no_default_features = boolean(&mut value, what)?,
            "allFeatures" => request.all_features = boolean(&mut value, what)?,
            "target" => request.target = optional_string(&mut value, what)?,
            "cfgs" => request.cfgs = optional_strings(&mut value, what)?,
            "dependencies" => request.dependencies = boolean(&mut value, what)?,
            "profile" => request.profile = non_empty(string(&mut value, what, "a string")?),
            _ => {
                return Err(plugin_error(format!(
                    "unknown attribute '{name}'; expected {ATTRIBUTES}"
                )))
            }
        }
    }
    request.src = src.ok_or_else(|| plugin_error("attribute 'src' missing"))?;
    Ok(request)
}

/// `src`: a path or a string, or a set whose `outPath` is one (Nix's own coercion to a path).
fn source<A: Argument>(mut value: A) -> Result<String, Failure<A::Error>> {
    match value.kind()? {
        Kind::Path | Kind::String => Ok(value.source_path()?),
        Kind::Attrs => match value.attrs()?.into_iter().find(|(n, _)| n == "outPath") {
            Some((_, out_path)) => source(out_path),
            None => Err(type_error(
                "src",
                "a path or a string",
                "a set without outPath",
            )),
        },
        _ => Err(type_error("src", "a path or a string", &value.type_name())),
    }
}

/// The context Nix's own messages give (`while evaluating the 'x' attribute passed to …`).
fn context(attribute: &str) -> String {
    format!("while evaluating the '{attribute}' attribute passed to builtins.rustUnitSources")
}

fn type_error<E>(attribute: &str, expected: &str, got: &str) -> Failure<E> {
    plugin_error(format!("'{attribute}': expected {expected}, got {got}"))
}

fn boolean<A: Argument>(value: &mut A, attribute: &str) -> Result<bool, Failure<A::Error>> {
    match value.kind()? {
        Kind::Bool => Ok(value.boolean()?),
        _ => Err(type_error(attribute, "a Boolean", &value.type_name())),
    }
}

fn string<A: Argument>(
    value: &mut A,
    attribute: &str,
    expected: &str,
) -> Result<String, Failure<A::Error>> {
    match value.kind()? {
        Kind::String => Ok(value.string(&context(attribute))?),
        _ => Err(type_error(attribute, expected, &value.type_name())),
    }
}

fn optional_string<A: Argument>(
    value: &mut A,
    attribute: &str,
) -> Result<Option<String>, Failure<A::Error>> {
    if value.kind()? == Kind::Null {
        return Ok(None);
    }
    Ok(non_empty(string(value, attribute, "null or a string")?))
}

/// An empty `target` or `profile` means none given, as null does.
fn non_empty(text: String) -> Option<String> {
    (!text.is_empty()).then_some(text)
}

fn optional_strings<A: Argument>(
    value: &mut A,
    attribute: &str,
) -> Result<Option<Vec<String>>, Failure<A::Error>> {
    match value.kind()? {
        Kind::Null => Ok(None),
        Kind::List => {
            let items = value.items()?;
            let strings = items
                .into_iter()
                .map(|mut item| string(&mut item, attribute, "a string in the list"))
                .collect::<Result<_, _>>()?;
            Ok(Some(strings))
        }
        _ => Err(type_error(
            attribute,
            "null or a list of strings",
            &value.type_name(),
        )),
    }
}

#[cfg(test)]
mod tests;
