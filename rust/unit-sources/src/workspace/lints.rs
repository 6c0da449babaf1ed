//! A package's `[lints]` table as the rustc flags cargo passes for it (cargo's
//! `lints_to_rustflags`): part of every compilation of the package, and of cargo's fingerprint,
//! so an edit of the table rebuilds the package.

use toml::{Table, Value};

/// The rustc flags of the `[lints]` table of the manifest `package` (its parsed text); with
/// `lints.workspace = true`, of the root manifest's `[workspace.lints]` (`root`). Cargo's order:
/// by priority, then by lint name, descending; the `cargo` tool's lints are cargo's own; then
/// the `check-cfg` list of `rust.unexpected_cfgs`, each as `--check-cfg`. Entries cargo would
/// have refused (`cargo metadata` accepted the manifest) are skipped.
pub(crate) fn lint_flags(package: &Table, root: Option<&Table>) -> Vec<String> {
    let Some(lints) = package.get("lints").and_then(Value::as_table) else {
        return Vec::new();
    };
    let lints = if lints.get("workspace").and_then(Value::as_bool) == Some(true) {
        match root
            .and_then(|r| r.get("workspace"))
            .and_then(|w| w.get("lints"))
            .and_then(Value::as_table)
        {
            Some(inherited) => inherited,
            None => return Vec::new(),
        }
    } else {
        lints
    };
    let mut ordered: Vec<(i64, std::cmp::Reverse<&str>, String)> = Vec::new();
    for (tool, table) in lints {
        let Some(table) = table.as_table().filter(|_| tool != "cargo") else {
            continue;
        };
        for (name, config) in table {
            let (level, priority) = match config {
                Value::String(level) => (level.as_str(), 0),
                Value::Table(t) => (
                    t.get("level").and_then(Value::as_str).unwrap_or_default(),
                    t.get("priority").and_then(Value::as_integer).unwrap_or(0),
                ),
                _ => continue,
            };
            if !matches!(level, "forbid" | "deny" | "warn" | "allow") {
                continue;
            }
            let lint = if tool == "rust" {
                name.clone()
            } else {
                format!("{tool}::{name}")
            };
            ordered.push((
                priority,
                std::cmp::Reverse(name),
                format!("--{level}={lint}"),
            ));
        }
    }
    ordered.sort();
    let mut flags: Vec<String> = ordered.into_iter().map(|(_, _, flag)| flag).collect();
    let check_cfg = lints
        .get("rust")
        .and_then(|r| r.get("unexpected_cfgs"))
        .and_then(|u| u.get("check-cfg"))
        .and_then(Value::as_array);
    for cfg in check_cfg.into_iter().flatten().filter_map(Value::as_str) {
        flags.extend(["--check-cfg".to_string(), cfg.to_string()]);
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Table {
        text.parse().unwrap()
    }

    #[test]
    fn cargo_order_and_check_cfg() {
        let package = table(
            r#"
            [lints.clippy]
            borrow_as_ptr = "warn"
            doc_markdown = { level = "deny", priority = -1 }
            [lints.rust]
            missing_docs = "warn"
            unsafe_code = "forbid"
            [lints.rust.unexpected_cfgs]
            level = "allow"
            priority = 0
            check-cfg = ["cfg(a)", "cfg(b, values(\"x\"))"]
            [lints.cargo]
            implicit_features = "warn"
            "#,
        );
        assert_eq!(
            lint_flags(&package, None),
            [
                "--deny=clippy::doc_markdown",
                "--forbid=unsafe_code",
                "--allow=unexpected_cfgs",
                "--warn=missing_docs",
                "--warn=clippy::borrow_as_ptr",
                "--check-cfg",
                "cfg(a)",
                "--check-cfg",
                "cfg(b, values(\"x\"))",
            ]
        );
    }

    #[test]
    fn workspace_inheritance() {
        let root = table("[workspace.lints.rust]\nunsafe_code = \"deny\"\n");
        let member = table("[lints]\nworkspace = true\n");
        assert_eq!(lint_flags(&member, Some(&root)), ["--deny=unsafe_code"]);
        assert!(lint_flags(&member, None).is_empty());
        assert!(lint_flags(&table("[package]\nname = \"a\"\n"), Some(&root)).is_empty());
    }
}
