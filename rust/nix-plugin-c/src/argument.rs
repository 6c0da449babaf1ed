//! [`CArgument`]: a Nix value as the shared decoder asks for it
//! ([`rust_unit_sources_primop::Argument`]), read through Nix's C API.

use crate::api::bindings::{
    ValueType_NIX_TYPE_ATTRS, ValueType_NIX_TYPE_BOOL, ValueType_NIX_TYPE_LIST,
    ValueType_NIX_TYPE_NULL, ValueType_NIX_TYPE_PATH, ValueType_NIX_TYPE_STRING,
};
use crate::call::{Call, NixError, NixResult, Value};
use crate::source_path::{resolve, Entry};
use rust_unit_sources_primop::{Argument, Kind};
use std::rc::Rc;

/// The primop's argument or a value inside it. An attribute or an item is fetched (and so
/// forced) only when the decoder first asks about it, so attributes are forced in the
/// decoder's order, as in the C++ plugin.
pub struct CArgument<'c, 'a> {
    call: &'c Call<'a>,
    place: Place<'a>,
    value: Option<Rc<Value<'a>>>,
}

/// Where a value is.
enum Place<'a> {
    /// Here (the primop's argument).
    Here,
    /// Attribute `name` of a set.
    Attr(Rc<Value<'a>>, String),
    /// Item `index` of a list.
    Item(Rc<Value<'a>>, u32),
}

impl<'c, 'a> CArgument<'c, 'a> {
    /// The primop's argument `value`.
    pub fn new(call: &'c Call<'a>, value: Value<'a>) -> Self {
        CArgument {
            call,
            place: Place::Here,
            value: Some(Rc::new(value)),
        }
    }

    fn child(&self, place: Place<'a>) -> Self {
        CArgument {
            call: self.call,
            place,
            value: None,
        }
    }

    /// The value, fetched and forced.
    fn force(&mut self) -> NixResult<()> {
        if self.value.is_none() {
            let value = match &self.place {
                Place::Here => unreachable!("the argument is given"),
                Place::Attr(set, name) => self.call.attr(set, name)?,
                Place::Item(list, index) => self.call.item(list, *index)?,
            };
            self.value = Some(Rc::new(value));
        }
        self.call.force(self.known())
    }

    /// The value the decoder already looked at (through `kind`).
    fn known(&self) -> &Value<'a> {
        self.value
            .as_deref()
            .expect("the decoder asks `kind` first")
    }

    /// The value, shared with its children.
    fn shared(&self) -> Rc<Value<'a>> {
        Rc::clone(self.value.as_ref().expect("the decoder asks `kind` first"))
    }

    /// `builtins.readFileType path`: its answer, or its error.
    fn read_file_type(&self, path: &str) -> NixResult<String> {
        let read_file_type = self.call.builtin("readFileType")?;
        let path_value = self.call.make_path(path)?;
        let answer = self.call.apply(&read_file_type, &path_value)?;
        self.call.string(&answer)
    }

    /// What Nix lets the evaluation see at `path`: a path it denies, or cannot look at, is
    /// `Missing` (Nix's `maybeLstat`).
    fn entry(&self, path: &str) -> Entry {
        match self.read_file_type(path).as_deref() {
            Ok("symlink") => Entry::Symlink,
            Ok(_) => Entry::Other,
            Err(_) => Entry::Missing,
        }
    }

    /// Nix's error when access control denies `path` itself; a path that does not exist is
    /// the scan's to report.
    fn check_access(&self, path: &str) -> NixResult<()> {
        match self.read_file_type(path) {
            Err(error) if error.name.ends_with("RestrictedPathError") => Err(error),
            _ => Ok(()),
        }
    }
}

impl Argument for CArgument<'_, '_> {
    type Error = NixError;

    fn kind(&mut self) -> NixResult<Kind> {
        self.force()?;
        #[allow(non_upper_case_globals)]
        Ok(match self.call.value_type(self.known())? {
            ValueType_NIX_TYPE_PATH => Kind::Path,
            ValueType_NIX_TYPE_STRING => Kind::String,
            ValueType_NIX_TYPE_ATTRS => Kind::Attrs,
            ValueType_NIX_TYPE_LIST => Kind::List,
            ValueType_NIX_TYPE_NULL => Kind::Null,
            ValueType_NIX_TYPE_BOOL => Kind::Bool,
            _ => Kind::Other,
        })
    }

    fn type_name(&self) -> String {
        self.value
            .as_ref()
            .map_or_else(|| "a value".to_string(), |v| self.call.type_name(v))
    }

    fn attrs(&mut self) -> NixResult<Vec<(String, Self)>> {
        let names = self.call.attr_names(self.known())?;
        let set = self.shared();
        Ok(names
            .into_iter()
            .map(|name| (name.clone(), self.child(Place::Attr(Rc::clone(&set), name))))
            .collect())
    }

    fn items(&mut self) -> NixResult<Vec<Self>> {
        let len = self.call.list_len(self.known())?;
        let list = self.shared();
        Ok((0..len)
            .map(|i| self.child(Place::Item(Rc::clone(&list), i)))
            .collect())
    }

    fn boolean(&mut self) -> NixResult<bool> {
        self.call.boolean(self.known())
    }

    /// A string with a context is refused, as Nix's `forceStringNoCtx` refuses it
    /// (`builtins.hasContext` tells).
    fn string(&mut self, what: &str) -> NixResult<String> {
        let has_context = self.call.builtin("hasContext")?;
        let with_context = self.call.apply(&has_context, self.known())?;
        let text = self.call.string(self.known())?;
        if self.call.boolean(&with_context)? {
            return Err(NixError::from(format!(
                "the string '{text}' is not allowed to refer to a store path, {what}"
            )));
        }
        Ok(text)
    }

    /// As the C++ plugin's `realise_source_path`: a string's context realised (and it must be
    /// an absolute path), every symbolic link resolved as Nix resolves it, and the resolved
    /// path checked by Nix's access control.
    fn source_path(&mut self) -> NixResult<String> {
        let value = self.known();
        #[allow(non_upper_case_globals)]
        let given = match self.call.value_type(value)? {
            ValueType_NIX_TYPE_PATH => self.call.path_string(value)?,
            _ => self.call.realised_string(value)?,
        };
        if !given.starts_with('/') {
            return Err(NixError::from(format!(
                "string '{given}' doesn't represent an absolute path"
            )));
        }
        let resolved = resolve(
            &given,
            |path| self.entry(path),
            |path| {
                std::fs::read_link(path)
                    .map_err(|e| NixError::from(format!("reading symbolic link '{path}': {e}")))?
                    .into_os_string()
                    .into_string()
                    .map_err(|_| NixError::from(format!("the symbolic link '{path}' is not UTF-8")))
            },
        )?;
        self.check_access(&resolved)?;
        Ok(resolved)
    }
}
