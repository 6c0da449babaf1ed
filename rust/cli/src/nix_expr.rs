//! Rendering a JSON value as a Nix expression: deterministic, one attribute or list element per
//! line, two-space indentation.

use serde_json::Value;
use std::fmt::Write;

/// The Nix expression equal to `value` (`import`ed, it deep-equals `builtins.fromJSON` of it).
pub fn render(value: &Value) -> String {
    render_at(value, 0)
}

/// [`render`] for a value nested `indent` levels deep: the first line is not indented, the
/// following ones are, by two spaces per level.
pub fn render_at(value: &Value, indent: usize) -> String {
    let mut out = String::new();
    write_value(value, indent, &mut out);
    out
}

fn write_value(value: &Value, indent: usize, out: &mut String) {
    let pad = "  ".repeat(indent + 1);
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            let _ = write!(out, "{n}");
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) if items.is_empty() => out.push_str("[ ]"),
        Value::Array(items) => {
            out.push_str("[\n");
            for item in items {
                out.push_str(&pad);
                write_value(item, indent + 1, out);
                out.push('\n');
            }
            out.push_str(&"  ".repeat(indent));
            out.push(']');
        }
        Value::Object(map) if map.is_empty() => out.push_str("{ }"),
        Value::Object(map) => {
            out.push_str("{\n");
            for (key, item) in map {
                out.push_str(&pad);
                if is_identifier(key) {
                    out.push_str(key);
                } else {
                    write_string(key, out);
                }
                out.push_str(" = ");
                write_value(item, indent + 1, out);
                out.push_str(";\n");
            }
            out.push_str(&"  ".repeat(indent));
            out.push('}');
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether `key` can stand unquoted as an attribute name.
fn is_identifier(key: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or",
    ];
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'))
        && !KEYWORDS.contains(&key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_nested_values_with_quoting() {
        let value = serde_json::json!({
            "a/lib/x": { "files": ["src/lib.rs"], "n": 1, "ok": true, "none": null },
            "plain": "say \"${hi}\" \\ $x",
            "empty": [],
            "in": {}
        });
        assert_eq!(
            render(&value),
            "{\n  \"a/lib/x\" = {\n    files = [\n      \"src/lib.rs\"\n    ];\n    n = 1;\n    none = null;\n    ok = true;\n  };\n  empty = [ ];\n  \"in\" = { };\n  plain = \"say \\\"\\${hi}\\\" \\\\ $x\";\n}"
        );
    }
}
