//! `cargo-unit-sources generate`: the model as a checked-in Nix file (`units.nix`), for pure
//! evaluation (flakes, Hydra, nixpkgs) where the plugin cannot be loaded.
//!
//! The file holds no absolute path: `root` is omitted when the file sits in the workspace root,
//! or relative to the file's directory otherwise (the Nix library's `fromFile` resolves it).
//! Units carry no `hash` unless `--hashes` is given, so the file changes only when the *set* of
//! files (or deps, features, …) of a unit changes, not on every edit. The text is deterministic:
//! a fixed header naming the command that regenerates it, then the model with sorted keys.

use crate::scan_flags::ScanFlags;
use crate::{diff, nix_expr};
use rust_unit_sources::{scan, Model};
use serde_json::{Map, Value};
use std::io::Write;
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

/// The arguments of `generate`: `scan`'s workspace, feature and target flags, and where to write.
#[derive(clap::Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    scan: ScanFlags,
    /// The file to write (`-` for standard output). Default: `units.nix` in the workspace root.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write each unit's `hash` (the file then changes whenever a unit file's content does).
    #[arg(long)]
    hashes: bool,
    /// Write nothing; exit 1 with a unified diff on stdout when the file is not what would be
    /// written (missing or stale).
    #[arg(long)]
    check: bool,
}

/// Runs `generate`: exit 0 when written (or current, with `--check`), 1 with a diff when
/// `--check` finds the file stale; `Err` (exit 2) when the workspace or the arguments are at
/// fault.
pub fn run(args: GenerateArgs) -> Result<ExitCode, String> {
    let options = args.scan.options();
    let mut model = scan(&options).map_err(|e| e.to_string())?;
    let destination = Destination::resolve(args.output.as_deref(), &model.root)?;
    let command = regenerate_command(&destination, &args.scan, args.hashes);
    let mut text = render(&model, &destination, &command, args.hashes)?;
    let target = match &destination {
        Destination::Stdout if args.check => {
            return Err("--check needs a file to compare with, not `-o -`".to_string())
        }
        Destination::Stdout => {
            write_stdout(&text)?;
            return Ok(args.scan.report_broken_units(&model, ExitCode::SUCCESS));
        }
        Destination::File(target) => target,
    };
    let current = match std::fs::read_to_string(&target.path) {
        Ok(current) => Some(current),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read {}: {e}", target.path.display())),
    };
    if !args.check && current.is_none() {
        // The new file may fall in a directory a unit was widened to: scan again once it
        // exists, so that the file lists itself there and `--check` agrees right away.
        write_if_changed(&target.path, &text)?;
        model = scan(&options).map_err(|e| e.to_string())?;
        text = render(&model, &destination, &command, args.hashes)?;
    }
    if args.hashes {
        if let Some(unit) = unit_listing(&model, &target.label) {
            return Err(format!(
                "{}: the file is itself among the files of unit {unit} (widened), so its `hash` \
                 can never be current: drop --hashes or write the file elsewhere",
                target.label
            ));
        }
    }
    if args.check {
        return Ok(match check(current.as_deref(), &text, &target.label) {
            None => args.scan.report_broken_units(&model, ExitCode::SUCCESS),
            Some(diff) => {
                write_stdout(&diff)?;
                eprintln!(
                    "{}: stale; regenerate it, in the workspace root, with: {command}",
                    target.label
                );
                ExitCode::from(1)
            }
        });
    }
    write_if_changed(&target.path, &text)?;
    Ok(args.scan.report_broken_units(&model, ExitCode::SUCCESS))
}

fn write_stdout(text: &str) -> Result<(), String> {
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(|e| format!("cannot write the output: {e}"))
}

/// Where `generate` writes, resolved against the model's root.
pub enum Destination {
    /// `-o -`: standard output (the file's directory is unknown: `root` is omitted).
    Stdout,
    /// A file.
    File(Target),
}

/// A file destination.
pub struct Target {
    /// The path to read and write.
    pub path: PathBuf,
    /// The file's path relative to the workspace root (`units.nix` by default): diff labels,
    /// the `-o` of the regenerate command, and what `--hashes` must not find in a unit.
    pub label: String,
    /// The workspace root relative to the file's directory, `None` when they are the same.
    pub root: Option<String>,
    /// The file's name, for the header's `fromFile ./<name>`.
    pub name: String,
}

impl Destination {
    /// Resolves `-o` (`None`: `units.nix` in the workspace root) against the model's root.
    pub fn resolve(output: Option<&Path>, model_root: &str) -> Result<Self, String> {
        let root = canonical(Path::new(model_root))?;
        let path = match output {
            Some(p) if p == Path::new("-") => return Ok(Destination::Stdout),
            Some(p) => p.to_path_buf(),
            None => root.join("units.nix"),
        };
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| format!("{}: not a file name", path.display()))?
            .to_string();
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let dir = canonical(&parent)?;
        let label = relative(&root, &dir.join(&name))?;
        let root_rel = Some(relative(&dir, &root)?).filter(|r| r != ".");
        Ok(Destination::File(Target {
            path,
            label,
            root: root_rel,
            name,
        }))
    }
}

fn canonical(path: &Path) -> Result<PathBuf, String> {
    std::fs::canonicalize(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// The `/`-separated path leading from directory `from` to `to` (both absolute and canonical).
fn relative(from: &Path, to: &Path) -> Result<String, String> {
    let from: Vec<Component> = from.components().collect();
    let to: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); from.len() - common];
    for c in &to[common..] {
        let part = c
            .as_os_str()
            .to_str()
            .ok_or_else(|| format!("{}: not UTF-8", Path::new(c.as_os_str()).display()))?;
        parts.push(part.to_string());
    }
    Ok(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

/// The command that regenerates the file, run in the workspace root: `cargo unit-sources
/// generate` followed by the flags that change the result, normalised and shell-quoted.
pub fn regenerate_command(destination: &Destination, flags: &ScanFlags, hashes: bool) -> String {
    let mut words = vec!["cargo unit-sources generate".to_string()];
    match destination {
        Destination::Stdout => words.push("-o -".to_string()),
        Destination::File(t) if t.label != "units.nix" => {
            words.push(format!("-o {}", shell_quote(&t.label)));
        }
        Destination::File(_) => {}
    }
    if let Some(features) = &flags.features {
        let list: Vec<&str> = features
            .iter()
            .flat_map(|f| f.split([',', ' ']))
            .filter(|f| !f.is_empty())
            .collect();
        words.push(format!("--features {}", shell_quote(&list.join(","))));
    }
    if flags.all_features {
        words.push("--all-features".to_string());
    }
    if flags.no_default_features {
        words.push("--no-default-features".to_string());
    }
    if let Some(target) = &flags.target {
        words.push(format!("--target {}", shell_quote(target)));
    }
    if let Some(cfgs) = &flags.cfgs {
        let given: Vec<&String> = cfgs.iter().filter(|c| !c.trim().is_empty()).collect();
        if given.is_empty() {
            words.push("--cfg ''".to_string());
        }
        words.extend(
            given
                .into_iter()
                .map(|c| format!("--cfg {}", shell_quote(c))),
        );
    }
    if flags.dependencies {
        words.push("--dependencies".to_string());
    }
    if hashes {
        words.push("--hashes".to_string());
    }
    words.join(" ")
}

/// `word` as one POSIX shell word (single-quoted unless it is plainly safe).
fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./,:=+@%".contains(c));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The text of the file: header, then `{ version; root (when not "."); units; }`.
pub fn render(
    model: &Model,
    destination: &Destination,
    command: &str,
    hashes: bool,
) -> Result<String, String> {
    let (root, name) = match destination {
        Destination::Stdout => (None, "units.nix"),
        Destination::File(t) => (t.root.as_deref(), t.name.as_str()),
    };
    let mut units = serde_json::to_value(&model.units).map_err(|e| e.to_string())?;
    if !hashes {
        for unit in units
            .as_object_mut()
            .into_iter()
            .flat_map(|u| u.values_mut())
        {
            if let Some(fields) = unit.as_object_mut() {
                fields.remove("hash");
            }
        }
    }
    let paths = match root {
        None => "Paths are relative to this file's directory".to_string(),
        Some(_) => {
            "Paths are relative to `root`, itself relative to this file's directory".to_string()
        }
    };
    let hash_note = if hashes {
        "units carry `hash` (this file changes whenever a unit file does)"
    } else {
        "units omit `hash` (add --hashes for it)"
    };
    let mut out = String::new();
    out.push_str(
        "# Generated by `cargo unit-sources generate`; do not edit. For each unit of this Cargo\n",
    );
    out.push_str(
        "# workspace, the files rustc reads (rust-unit-sources' unit model, docs/schema.md).\n",
    );
    out.push_str(&format!(
        "# Nix: `rust-unit-sources.lib.fromFile ./{name}` (sets `root`), or `import ./{name}`.\n"
    ));
    out.push_str(&format!("# Regenerate, in the workspace root: {command}\n"));
    out.push_str(&format!(
        "# Check it is current (CI, hooks):  {command} --check\n"
    ));
    out.push_str(&format!("# {paths}; {hash_note}.\n"));
    out.push_str("{\n");
    out.push_str(&format!("  version = {};\n", model.version));
    if let Some(root) = root {
        out.push_str("  root = ");
        out.push_str(&nix_expr::render(&Value::String(root.to_string())));
        out.push_str(";\n");
    }
    out.push_str("  units = ");
    out.push_str(&nix_expr::render_at(&sorted(units), 1));
    out.push_str(";\n}\n");
    Ok(out)
}

/// `value` with every object's keys in sorted order, whatever map type serde_json was built with.
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sorted(v)))
                    .collect::<Map<String, Value>>(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The id of a unit whose `files` include `label` (the generated file itself: a unit widened
/// to a directory holding it).
pub fn unit_listing<'a>(model: &'a Model, label: &str) -> Option<&'a str> {
    model
        .units
        .iter()
        .find(|(_, unit)| unit.files.iter().any(|f| f.as_str() == label))
        .map(|(id, _)| id.as_str())
}

/// The outcome of `--check`: `None` when `current` (the file's text, `None` when missing) is
/// `expected`, else the unified diff turning it into `expected`.
pub fn check(current: Option<&str>, expected: &str, label: &str) -> Option<String> {
    if current == Some(expected) {
        return None;
    }
    let old_label = match current {
        Some(_) => format!("a/{label}"),
        None => "/dev/null".to_string(),
    };
    Some(diff::unified(
        current.unwrap_or(""),
        expected,
        &old_label,
        &format!("b/{label}"),
    ))
}

/// Writes `text` to `path` unless it already holds exactly that, through a temporary file in
/// the same directory and a rename. Returns whether the file was written.
pub fn write_if_changed(path: &Path, text: &str) -> Result<bool, String> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(false);
    }
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("units.nix");
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, text).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}: {e}", path.display())
    })?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_between_directories() {
        let rel = |a: &str, b: &str| relative(Path::new(a), Path::new(b)).unwrap();
        assert_eq!(rel("/ws", "/ws"), ".");
        assert_eq!(rel("/ws", "/ws/units.nix"), "units.nix");
        assert_eq!(rel("/ws/nix", "/ws"), "..");
        assert_eq!(rel("/ws/a/b", "/ws/c"), "../../c");
        assert_eq!(rel("/", "/ws"), "ws");
    }

    #[test]
    fn regenerate_command_normalises_and_quotes_flags() {
        let flags = ScanFlags {
            features: Some(vec!["a,b".to_string(), "c d".to_string()]),
            no_default_features: true,
            target: Some("x86_64-unknown-linux-gnu".to_string()),
            cfgs: Some(vec!["docsrs".to_string(), "mode=\"x\"".to_string()]),
            dependencies: true,
            ..Default::default()
        };
        let file = Destination::File(Target {
            path: PathBuf::from("/ws/nix/units.nix"),
            label: "nix/units.nix".to_string(),
            root: Some("..".to_string()),
            name: "units.nix".to_string(),
        });
        assert_eq!(
            regenerate_command(&file, &flags, true),
            "cargo unit-sources generate -o nix/units.nix --features a,b,c,d --no-default-features --target x86_64-unknown-linux-gnu --cfg docsrs --cfg 'mode=\"x\"' --dependencies --hashes"
        );
        let flags = ScanFlags {
            features: Some(vec![String::new()]),
            cfgs: Some(vec![String::new()]),
            ..Default::default()
        };
        assert_eq!(
            regenerate_command(&Destination::Stdout, &flags, false),
            "cargo unit-sources generate -o - --features '' --cfg ''"
        );
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
    }
}
