//! The primop: its registration (`nix_alloc_primop`, `nix_register_primop`) and its C
//! callback, which runs the shared [`rust_unit_sources_primop::call`] on its argument and
//! makes the answer the result. Every error is raised as a recoverable Nix evaluation error
//! (`NIX_ERR_RECOVERABLE`), whose message Nix prints after `Recoverable error from custom
//! function: `; nothing unwinds out of the callback.

#![allow(unsafe_code)]

use crate::api::{nix_c_context, nix_value, EvalState, NixApi, NIX_ERR_RECOVERABLE, NIX_OK};
use crate::argument::CArgument;
use crate::call::{Call, NixError};
use crate::model_value::{model_value, Construction};
use rust_unit_sources_primop::{panic_message, Failure};
use std::ffi::{c_void, CString};
use std::panic::{self, AssertUnwindSafe};

/// Registers `builtins.rustUnitSources` with `api`; the error message when Nix refuses.
pub fn register(api: &'static NixApi) -> Result<(), String> {
    let c = |text: &str| CString::new(text).expect("no NUL in the primop's strings");
    let (name, arg, doc) = (
        c(rust_unit_sources_primop::NAME),
        c(rust_unit_sources_primop::ARG),
        c(rust_unit_sources_primop::DOC),
    );
    let mut args = [arg.as_ptr(), std::ptr::null()];
    // SAFETY: the strings outlive the calls (Nix copies them); `api` is 'static, as is the
    // callback; the context is ours and freed below.
    unsafe {
        let context = (api.nix_c_context_create)();
        if context.is_null() {
            return Err("cannot allocate a nix_c_context".to_string());
        }
        let primop = api.nix_alloc_primop(
            context,
            Some(callback),
            1,
            name.as_ptr(),
            args.as_mut_ptr(),
            doc.as_ptr(),
            std::ptr::null_mut(),
        );
        let mut result = Ok(());
        if primop.is_null() || api.nix_err_code(context) != NIX_OK {
            result = Err("nix_alloc_primop failed".to_string());
        } else {
            if api.nix_register_primop(context, primop) != NIX_OK {
                result = Err("nix_register_primop failed".to_string());
            }
            api.nix_gc_decref(context, primop.cast_const().cast());
        }
        (api.nix_c_context_free)(context);
        result
    }
}

/// The C `PrimOpFun`. Nix passes its own `context` (for the error), the `EvalState`, the one
/// argument and the uninitialised result.
unsafe extern "C" fn callback(
    _user_data: *mut c_void,
    context: *mut nix_c_context,
    state: *mut EvalState,
    args: *mut *mut nix_value,
    ret: *mut nix_value,
) {
    let Some(api) = crate::api_if_registered() else {
        return;
    };
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| run(api, state, *args, ret)));
    let message = match outcome {
        Ok(Ok(())) => return,
        Ok(Err(message)) => message,
        Err(payload) => format!(
            "rustUnitSources: internal error (panic): {}",
            panic_message(payload.as_ref())
        ),
    };
    let message = CString::new(message.replace('\0', "\\0")).unwrap_or_default();
    api.nix_set_err_msg(context, NIX_ERR_RECOVERABLE, message.as_ptr());
}

/// One call: the argument decoded and scanned, the model made the result; the message to
/// raise otherwise.
///
/// # Safety
/// As for [`callback`]: live `state`, `arg` and `ret` for the length of the call.
unsafe fn run(
    api: &'static NixApi,
    state: *mut EvalState,
    arg: *mut nix_value,
    ret: *mut nix_value,
) -> Result<(), String> {
    let call = Call::new(api, state).ok_or("rustUnitSources: cannot allocate a nix_c_context")?;
    let argument = CArgument::new(&call, call.borrowed(arg));
    let answer = rust_unit_sources_primop::call(argument).map_err(|failure| match failure {
        Failure::Nix(NixError { message, .. }) => message,
        Failure::Plugin(message) => message,
    })?;
    let model = model_value(&call, &answer, Construction::chosen())?;
    call.copy_into(ret, &model).map_err(|e| e.message)
}
