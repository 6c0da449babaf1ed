//! The [`Answer`] as a Nix value: the model, each broken unit's `files` a thunk that raises the
//! unit's error (`builtins.throw <message>`, as the C++ plugin makes it).
//!
//! Two ways to make the rest, both deep-equal ([`Construction`]): Nix's own JSON parser
//! (`builtins.fromJSON` applied to the model's JSON, what the C++ plugin does) or the C API's
//! value builders (one `nix_init_*` per value). docs/performance.md has both measured.

use crate::call::{Call, NixResult, Value};
use rust_unit_sources_primop::Answer;
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// How the model's values are made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Construction {
    /// `builtins.fromJSON` of the model's JSON.
    FromJson,
    /// The C API's builders, value by value.
    Builders,
}

impl Construction {
    /// The construction the plugin uses: the builders, unless
    /// `RUST_UNIT_SOURCES_NIX_VALUES=fromJSON` (for the benchmark that compares them).
    pub fn chosen() -> Self {
        match std::env::var("RUST_UNIT_SOURCES_NIX_VALUES").as_deref() {
            Ok("fromJSON") => Construction::FromJson,
            _ => Construction::Builders,
        }
    }
}

/// The model of `answer` as a Nix value.
pub fn model_value<'a>(
    call: &Call<'a>,
    answer: &Answer,
    construction: Construction,
) -> Result<Value<'a>, String> {
    let json = answer.value()?;
    let broken: BTreeMap<String, String> = answer
        .broken_units()
        .into_iter()
        .map(|unit| (unit.id, unit.message))
        .collect();
    let built = match construction {
        Construction::Builders => skeleton(call, &json, &broken, &mut |_, v| to_nix(call, v)),
        Construction::FromJson => {
            let from_json = call.builtin("fromJSON")?;
            let text = call.make_string(&answer.json()?)?;
            let parsed = call.apply(&from_json, &text)?;
            if broken.is_empty() {
                return Ok(parsed);
            }
            skeleton(call, &json, &broken, &mut |path, _| {
                lookup(call, &parsed, path)
            })
        }
    };
    built.map_err(|e| e.message)
}

/// The model with its broken units' `files` made lazy throws; every other value is
/// `leaf(path, json)` (path: the attribute names leading to it).
fn skeleton<'a>(
    call: &Call<'a>,
    model: &Json,
    broken: &BTreeMap<String, String>,
    leaf: &mut dyn FnMut(&[&str], &Json) -> NixResult<Value<'a>>,
) -> NixResult<Value<'a>> {
    let Some(top) = model.as_object().filter(|_| !broken.is_empty()) else {
        return leaf(&[], model);
    };
    let mut attrs = Vec::new();
    for (key, value) in top {
        let made = match (key.as_str(), value.as_object()) {
            ("units", Some(units)) => {
                let mut unit_attrs = Vec::new();
                for (id, unit) in units {
                    let made = match (broken.get(id), unit.as_object()) {
                        (Some(message), Some(fields)) => {
                            broken_unit(call, id, fields, message, leaf)?
                        }
                        _ => leaf(&["units", id], unit)?,
                    };
                    unit_attrs.push((id.as_str(), made));
                }
                call.make_attrs(&unit_attrs)?
            }
            _ => leaf(&[key], value)?,
        };
        attrs.push((key.as_str(), made));
    }
    call.make_attrs(&attrs)
}

/// A unit whose `files` is `builtins.throw message`, applied lazily.
fn broken_unit<'a>(
    call: &Call<'a>,
    id: &str,
    fields: &serde_json::Map<String, Json>,
    message: &str,
    leaf: &mut dyn FnMut(&[&str], &Json) -> NixResult<Value<'a>>,
) -> NixResult<Value<'a>> {
    let mut attrs = Vec::new();
    for (field, value) in fields {
        let made = if field == "files" {
            let throw = call.builtin("throw")?;
            call.apply_lazily(&throw, &call.make_string(message)?)?
        } else {
            leaf(&["units", id, field], value)?
        };
        attrs.push((field.as_str(), made));
    }
    call.make_attrs(&attrs)
}

/// The value at `path` in `value`.
fn lookup<'a>(call: &Call<'a>, value: &Value<'a>, path: &[&str]) -> NixResult<Value<'a>> {
    let (first, rest) = path.split_first().expect("a leaf below the top");
    let mut here = call.attr(value, first)?;
    for name in rest {
        here = call.attr(&here, name)?;
    }
    Ok(here)
}

/// `json` as a Nix value, as `builtins.fromJSON` makes it (integers as integers, other numbers
/// as floats).
fn to_nix<'a>(call: &Call<'a>, json: &Json) -> NixResult<Value<'a>> {
    match json {
        Json::Null => call.make_null(),
        Json::Bool(b) => call.make_bool(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => call.make_int(i),
            None => call.make_float(n.as_f64().unwrap_or(f64::NAN)),
        },
        Json::String(s) => call.make_string(s),
        Json::Array(items) => {
            let items = items
                .iter()
                .map(|i| to_nix(call, i))
                .collect::<NixResult<Vec<_>>>()?;
            call.make_list(&items)
        }
        Json::Object(fields) => {
            let attrs = fields
                .iter()
                .map(|(k, v)| Ok((k.as_str(), to_nix(call, v)?)))
                .collect::<NixResult<Vec<_>>>()?;
            call.make_attrs(&attrs)
        }
    }
}
