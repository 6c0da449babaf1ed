//! [`scan`]: a decoded request scanned, without ever unwinding; [`Answer`]: the model as the
//! plugins hand it to Nix, and the units whose `files` must raise their error.

use crate::Request;
use rust_unit_sources::Model;
use std::panic::{self, AssertUnwindSafe};

/// The model of one call, for the plugins to turn into a Nix value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The scan's model.
    pub model: Model,
}

/// A unit of the model that carries an `error`: in Nix, forcing its `files` raises `message`,
/// while the model, the other units and the unit's other attributes evaluate as usual.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenUnit {
    /// The unit's id, its attribute name in `units`.
    pub id: String,
    /// The error its `files` raise: `rustUnitSources: <unit id>: <error>`.
    pub message: String,
}

impl Answer {
    /// The model as JSON: the CLI's `--format json`, which `builtins.fromJSON` turns into the
    /// Nix value.
    pub fn json(&self) -> Result<String, String> {
        serde_json::to_string(&self.model)
            .map_err(|e| format!("rustUnitSources: cannot serialise the unit model: {e}"))
    }

    /// The model as a JSON value, for a plugin that builds the Nix value itself.
    pub fn value(&self) -> Result<serde_json::Value, String> {
        serde_json::to_value(&self.model)
            .map_err(|e| format!("rustUnitSources: cannot serialise the unit model: {e}"))
    }

    /// The units carrying an `error`, sorted by id.
    pub fn broken_units(&self) -> Vec<BrokenUnit> {
        self.model
            .units
            .iter()
            .filter_map(|(id, unit)| {
                let error = unit.error.as_ref()?;
                Some(BrokenUnit {
                    id: id.to_string(),
                    message: format!("rustUnitSources: {id}: {error}"),
                })
            })
            .collect()
    }
}

/// Scans the workspace `request` names. Never unwinds: a panic anywhere below is caught and
/// returned as `rustUnitSources: internal error (panic): <payload>`; any other error is the
/// scan's own line (naming the file and line at fault) after `rustUnitSources: `.
pub fn scan(request: &Request) -> Result<Answer, String> {
    let scanned = panic::catch_unwind(AssertUnwindSafe(|| {
        rust_unit_sources::scan(&request.scan_options()).map_err(|e| e.to_string())
    }));
    match scanned {
        Ok(Ok(model)) => Ok(Answer { model }),
        Ok(Err(message)) => Err(format!("rustUnitSources: {message}")),
        Err(payload) => Err(format!(
            "rustUnitSources: internal error (panic): {}",
            panic_message(payload.as_ref())
        )),
    }
}

/// The text of a panic payload: the `&str` or `String` given to `panic!`, else a placeholder.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_string()
    }
}
