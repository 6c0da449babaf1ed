//! [`Call`]: Nix's C API for the length of one primop call, as safe methods; [`Value`]: a
//! `nix_value` reference that is given back when dropped. Every C function is called with the
//! call's own `nix_c_context` (never null, so Nix never throws a C++ exception into Rust), and
//! an error it reports becomes a [`NixError`].
//!
//! This module and `primop.rs` hold the plugin's unsafe code; the rest uses these methods.

#![allow(unsafe_code)]

use crate::api::{
    nix_c_context, nix_value, EvalState, NixApi, ValueType, NIX_ERR_NIX_ERROR, NIX_OK,
};
use std::cell::OnceCell;
use std::ffi::{c_char, c_uint, c_void, CStr, CString};
use std::ptr;
use std::rc::Rc;

/// An error the evaluator reported through the C API: raised again by the primop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NixError {
    /// Nix's own message (for a Nix error, without its traces).
    pub message: String,
    /// The C++ class of a Nix error (`nix::RestrictedPathError`), else empty.
    pub name: String,
}

impl From<String> for NixError {
    fn from(message: String) -> Self {
        NixError {
            message,
            name: String::new(),
        }
    }
}

impl From<NixError> for String {
    fn from(error: NixError) -> Self {
        error.message
    }
}

/// A result of the C API.
pub type NixResult<T> = Result<T, NixError>;

/// The C API during one primop call, in the `EvalState` that Nix passed to it.
pub struct Call<'a> {
    contexts: Rc<Contexts<'a>>,
    state: *mut EvalState,
    builtins: OnceCell<Value<'a>>,
}

/// The call's two `nix_c_context`s, freed when the call and its last value are gone.
struct Contexts<'a> {
    api: &'a NixApi,
    /// The context of every call (the primop's own is only for its final error).
    context: *mut nix_c_context,
    /// The context that reading an error from `context` reports into.
    scratch: *mut nix_c_context,
}

impl Drop for Contexts<'_> {
    fn drop(&mut self) {
        // SAFETY: both contexts are ours (or null) and no longer used.
        unsafe {
            (self.api.nix_c_context_free)(self.context);
            (self.api.nix_c_context_free)(self.scratch);
        }
    }
}

/// A `nix_value` reference: an owned one is released (`nix_value_decref`) when dropped.
pub struct Value<'a> {
    contexts: Rc<Contexts<'a>>,
    raw: *mut nix_value,
    owned: bool,
}

impl Drop for Value<'_> {
    fn drop(&mut self) {
        if self.owned {
            // SAFETY: `raw` is a live reference this value owns; the context is alive.
            unsafe {
                self.contexts
                    .api
                    .nix_value_decref(self.contexts.context, self.raw)
            };
        }
    }
}

/// Appends the bytes Nix passes to a `nix_get_string_callback` to the `Vec<u8>` at `out`.
unsafe extern "C" fn collect(start: *const c_char, n: c_uint, out: *mut c_void) {
    if !start.is_null() && !out.is_null() {
        let bytes = std::slice::from_raw_parts(start.cast::<u8>(), n as usize);
        (*out.cast::<Vec<u8>>()).extend_from_slice(bytes);
    }
}

/// A C string for the C API; Nix's strings cannot hold NUL.
fn c_string(text: &str) -> NixResult<CString> {
    CString::new(text)
        .map_err(|_| NixError::from(format!("rustUnitSources: {text:?} contains NUL")))
}

fn utf8(bytes: Vec<u8>) -> NixResult<String> {
    String::from_utf8(bytes).map_err(|e| {
        NixError::from(format!(
            "rustUnitSources: {:?} is not UTF-8",
            String::from_utf8_lossy(e.as_bytes())
        ))
    })
}

impl<'a> Call<'a> {
    /// The C API in `state`, with contexts of its own; `None` when Nix cannot allocate them.
    ///
    /// # Safety
    /// `state` is the `EvalState` Nix passed to the running primop; the call must not outlive
    /// the primop.
    pub unsafe fn new(api: &'a NixApi, state: *mut EvalState) -> Option<Self> {
        let contexts = Contexts {
            api,
            context: (api.nix_c_context_create)(),
            scratch: (api.nix_c_context_create)(),
        };
        if contexts.context.is_null() || contexts.scratch.is_null() {
            return None;
        }
        Some(Call {
            contexts: Rc::new(contexts),
            state,
            builtins: OnceCell::new(),
        })
    }

    fn api(&self) -> &'a NixApi {
        self.contexts.api
    }

    fn context(&self) -> *mut nix_c_context {
        self.contexts.context
    }

    /// `Ok(value)` unless the last C function reported an error on the call's context.
    fn check<T>(&self, value: T) -> NixResult<T> {
        // SAFETY: the context is live.
        let code = unsafe { self.api().nix_err_code(self.context()) };
        if code == NIX_OK {
            return Ok(value);
        }
        Err(self.error(code))
    }

    /// The error the call's context holds (code `code`).
    fn error(&self, code: i32) -> NixError {
        let mut message = Vec::new();
        let mut name = Vec::new();
        // SAFETY: both contexts are live; `collect` appends to the Vec it is given.
        unsafe {
            if code == NIX_ERR_NIX_ERROR {
                let out = ptr::from_mut(&mut message).cast();
                self.api().nix_err_info_msg(
                    self.contexts.scratch,
                    self.context(),
                    Some(collect),
                    out,
                );
                let out = ptr::from_mut(&mut name).cast();
                self.api()
                    .nix_err_name(self.contexts.scratch, self.context(), Some(collect), out);
            }
            if message.is_empty() {
                let text =
                    self.api()
                        .nix_err_msg(self.contexts.scratch, self.context(), ptr::null_mut());
                if !text.is_null() {
                    message = CStr::from_ptr(text).to_bytes().to_vec();
                }
            }
        }
        NixError {
            message: String::from_utf8_lossy(&message).into_owned(),
            name: String::from_utf8_lossy(&name).into_owned(),
        }
    }

    /// An owned value from a pointer the C API returned (null: its error).
    fn owned(&self, raw: *mut nix_value) -> NixResult<Value<'a>> {
        let raw = self.check(raw)?;
        if raw.is_null() {
            return Err(NixError::from(
                "rustUnitSources: Nix returned no value".to_string(),
            ));
        }
        Ok(Value {
            contexts: Rc::clone(&self.contexts),
            raw,
            owned: true,
        })
    }

    /// A value Nix owns (the primop's argument), not released when dropped.
    ///
    /// # Safety
    /// `raw` is a live `nix_value` for the length of the call.
    pub unsafe fn borrowed(&self, raw: *mut nix_value) -> Value<'a> {
        Value {
            contexts: Rc::clone(&self.contexts),
            raw,
            owned: false,
        }
    }

    /// A new, uninitialised value.
    fn alloc(&self) -> NixResult<Value<'a>> {
        // SAFETY: the state and context are live.
        self.owned(unsafe { self.api().nix_alloc_value(self.context(), self.state) })
    }

    /// Forces `value` (shallowly).
    pub fn force(&self, value: &Value) -> NixResult<()> {
        // SAFETY: live state, context and value.
        let code = unsafe {
            self.api()
                .nix_value_force(self.context(), self.state, value.raw)
        };
        self.check(code).map(drop)
    }

    /// The type of a forced value.
    pub fn value_type(&self, value: &Value) -> NixResult<ValueType> {
        // SAFETY: live context and value.
        self.check(unsafe { self.api().nix_get_type(self.context(), value.raw) })
    }

    /// The evaluator's name for a forced value's type (`an integer`).
    pub fn type_name(&self, value: &Value) -> String {
        // SAFETY: live context and value; the string is the caller's to free().
        unsafe {
            let name = self.api().nix_get_typename(self.context(), value.raw);
            if name.is_null() {
                return "a value".to_string();
            }
            let text = CStr::from_ptr(name).to_string_lossy().into_owned();
            free(name.cast_mut().cast());
            text
        }
    }

    /// A forced Boolean's value.
    pub fn boolean(&self, value: &Value) -> NixResult<bool> {
        // SAFETY: live context and value (checked to be a Boolean by the caller).
        self.check(unsafe { self.api().nix_get_bool(self.context(), value.raw) })
    }

    /// A forced string's contents, without its context.
    pub fn string(&self, value: &Value) -> NixResult<String> {
        let mut bytes = Vec::new();
        let out = ptr::from_mut(&mut bytes).cast();
        // SAFETY: live context and value (a string); `collect` appends to `bytes`.
        let code = unsafe {
            self.api()
                .nix_get_string(self.context(), value.raw, Some(collect), out)
        };
        self.check(code)?;
        utf8(bytes)
    }

    /// A forced path's absolute path string.
    pub fn path_string(&self, value: &Value) -> NixResult<String> {
        // SAFETY: live context and value (a path); the string lives as long as the value.
        let text =
            self.check(unsafe { self.api().nix_get_path_string(self.context(), value.raw) })?;
        if text.is_null() {
            return Err(NixError::from(
                "rustUnitSources: a path without a string".to_string(),
            ));
        }
        // SAFETY: a NUL-terminated string Nix owns, valid while `value` is.
        utf8(unsafe { CStr::from_ptr(text) }.to_bytes().to_vec())
    }

    /// A forced string with its context realised (store paths built or checked, placeholders
    /// replaced), as a path primop realises it.
    pub fn realised_string(&self, value: &Value) -> NixResult<String> {
        // SAFETY: live state, context and value (a string); the result is freed below.
        unsafe {
            let realised = self.check(self.api().nix_string_realise(
                self.context(),
                self.state,
                value.raw,
                true,
            ))?;
            if realised.is_null() {
                return Err(NixError::from(
                    "rustUnitSources: cannot realise a string".to_string(),
                ));
            }
            let start = self.api().nix_realised_string_get_buffer_start(realised);
            let size = self.api().nix_realised_string_get_buffer_size(realised);
            let bytes = std::slice::from_raw_parts(start.cast::<u8>(), size).to_vec();
            self.api().nix_realised_string_free(realised);
            utf8(bytes)
        }
    }

    /// The attribute names of a forced set, in the evaluator's order.
    pub fn attr_names(&self, value: &Value) -> NixResult<Vec<String>> {
        // SAFETY: live state, context and value (a set); names live as long as the state.
        unsafe {
            let count = self.check(self.api().nix_get_attrs_size(self.context(), value.raw))?;
            (0..count)
                .map(|i| {
                    let name = self.check(self.api().nix_get_attr_name_byidx(
                        self.context(),
                        value.raw,
                        self.state,
                        i,
                    ))?;
                    if name.is_null() {
                        return Err(NixError::from(
                            "rustUnitSources: an attribute without a name".to_string(),
                        ));
                    }
                    utf8(CStr::from_ptr(name).to_bytes().to_vec())
                })
                .collect()
        }
    }

    /// Attribute `name` of a forced set, forced.
    pub fn attr(&self, value: &Value, name: &str) -> NixResult<Value<'a>> {
        let name = c_string(name)?;
        // SAFETY: live state, context and value (a set).
        self.owned(unsafe {
            self.api()
                .nix_get_attr_byname(self.context(), value.raw, self.state, name.as_ptr())
        })
    }

    /// How many items a forced list has.
    pub fn list_len(&self, value: &Value) -> NixResult<u32> {
        // SAFETY: live context and value (a list).
        self.check(unsafe { self.api().nix_get_list_size(self.context(), value.raw) })
    }

    /// Item `index` of a forced list, forced.
    pub fn item(&self, value: &Value, index: u32) -> NixResult<Value<'a>> {
        // SAFETY: live state, context and value (a list of more than `index` items).
        self.owned(unsafe {
            self.api()
                .nix_get_list_byidx(self.context(), value.raw, self.state, index)
        })
    }

    /// `builtins.<name>`.
    pub fn builtin(&self, name: &str) -> NixResult<Value<'a>> {
        let builtins = match self.builtins.get() {
            Some(builtins) => builtins,
            None => {
                let value = self.alloc()?;
                // SAFETY: live state, context and value; the strings are NUL-terminated.
                let code = unsafe {
                    self.api().nix_expr_eval_from_string(
                        self.context(),
                        self.state,
                        c"builtins".as_ptr(),
                        c"/".as_ptr(),
                        value.raw,
                    )
                };
                self.check(code)?;
                self.builtins.get_or_init(|| value)
            }
        };
        self.attr(builtins, name)
    }

    /// `function argument`, evaluated now.
    pub fn apply(&self, function: &Value, argument: &Value) -> NixResult<Value<'a>> {
        let result = self.alloc()?;
        // SAFETY: live state, context and values; `result` is uninitialised.
        let code = unsafe {
            self.api().nix_value_call(
                self.context(),
                self.state,
                function.raw,
                argument.raw,
                result.raw,
            )
        };
        self.check(code)?;
        Ok(result)
    }

    /// `function argument`, as a thunk evaluated when forced.
    pub fn apply_lazily(&self, function: &Value, argument: &Value) -> NixResult<Value<'a>> {
        let result = self.alloc()?;
        // SAFETY: live context and values; `result` is uninitialised.
        let code = unsafe {
            self.api()
                .nix_init_apply(self.context(), result.raw, function.raw, argument.raw)
        };
        self.check(code)?;
        Ok(result)
    }

    /// A new value made by `init` from an uninitialised one.
    fn made(
        &self,
        init: impl FnOnce(*mut nix_c_context, *mut nix_value) -> i32,
    ) -> NixResult<Value<'a>> {
        let value = self.alloc()?;
        self.check(init(self.context(), value.raw))?;
        Ok(value)
    }

    /// The string `text`.
    pub fn make_string(&self, text: &str) -> NixResult<Value<'a>> {
        let text = c_string(text)?;
        // SAFETY: live context and value; Nix copies the string.
        self.made(|c, v| unsafe { self.api().nix_init_string(c, v, text.as_ptr()) })
    }

    /// The path `path` (absolute), in the evaluator's file system, which applies restricted and
    /// pure evaluation's access control.
    pub fn make_path(&self, path: &str) -> NixResult<Value<'a>> {
        let path = c_string(path)?;
        // SAFETY: live state, context and value; Nix copies the string.
        self.made(|c, v| unsafe {
            self.api()
                .nix_init_path_string(c, self.state, v, path.as_ptr())
        })
    }

    /// The integer `i`.
    pub fn make_int(&self, i: i64) -> NixResult<Value<'a>> {
        // SAFETY: live context and value.
        self.made(|c, v| unsafe { self.api().nix_init_int(c, v, i) })
    }

    /// The float `f`.
    pub fn make_float(&self, f: f64) -> NixResult<Value<'a>> {
        // SAFETY: live context and value.
        self.made(|c, v| unsafe { self.api().nix_init_float(c, v, f) })
    }

    /// The Boolean `b`.
    pub fn make_bool(&self, b: bool) -> NixResult<Value<'a>> {
        // SAFETY: live context and value.
        self.made(|c, v| unsafe { self.api().nix_init_bool(c, v, b) })
    }

    /// `null`.
    pub fn make_null(&self) -> NixResult<Value<'a>> {
        // SAFETY: live context and value.
        self.made(|c, v| unsafe { self.api().nix_init_null(c, v) })
    }

    /// The list of `items`.
    pub fn make_list(&self, items: &[Value]) -> NixResult<Value<'a>> {
        // SAFETY: live state and context; the builder is freed on every path.
        unsafe {
            let builder = self
                .api()
                .nix_make_list_builder(self.context(), self.state, items.len());
            let builder = self.check(builder)?;
            let built = (|| {
                for (i, item) in items.iter().enumerate() {
                    let index = u32::try_from(i).map_err(|_| {
                        NixError::from("rustUnitSources: list too long".to_string())
                    })?;
                    self.check(self.api().nix_list_builder_insert(
                        self.context(),
                        builder,
                        index,
                        item.raw,
                    ))?;
                }
                self.made(|c, v| self.api().nix_make_list(c, builder, v))
            })();
            self.api().nix_list_builder_free(builder);
            built
        }
    }

    /// The attribute set of `attrs`.
    pub fn make_attrs(&self, attrs: &[(&str, Value)]) -> NixResult<Value<'a>> {
        // SAFETY: live state and context; the builder is freed on every path.
        unsafe {
            let builder =
                self.api()
                    .nix_make_bindings_builder(self.context(), self.state, attrs.len());
            let builder = self.check(builder)?;
            let built = (|| {
                for (name, value) in attrs {
                    let name = c_string(name)?;
                    self.check(self.api().nix_bindings_builder_insert(
                        self.context(),
                        builder,
                        name.as_ptr(),
                        value.raw,
                    ))?;
                }
                self.made(|c, v| self.api().nix_make_attrs(c, v, builder))
            })();
            self.api().nix_bindings_builder_free(builder);
            built
        }
    }

    /// Makes `target`, the primop's uninitialised result, a copy of `value`.
    ///
    /// # Safety
    /// `target` is the result value Nix passed to the running primop.
    pub unsafe fn copy_into(&self, target: *mut nix_value, value: &Value) -> NixResult<()> {
        let code = self.api().nix_copy_value(self.context(), target, value.raw);
        self.check(code).map(drop)
    }
}

extern "C" {
    /// libc's `free`, for the strings `nix_get_typename` returns.
    fn free(pointer: *mut c_void);
}
