//! rustc's dep-info (the `.d` file `--emit=dep-info` writes), parsed: what rustc read for one
//! unit. Pure text to paths; it runs nothing and knows no cache.

use crate::relpath::normalize;
use crate::{Error, RelPath};
use std::path::Path;

/// What rustc's dep-info lists for one unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepInfo {
    /// The files rustc read, relative to the workspace root, sorted, unique.
    pub files: Vec<RelPath>,
    /// The files rustc read from `OUT_DIR`, relative to it, sorted.
    pub out_dir_files: Vec<String>,
    /// The names of the `# env-dep:` lines (variables read by `env!` / `option_env!`), sorted.
    pub env: Vec<String>,
}

/// Parses a Makefile-style `.d` file: the prerequisites of its first rule (spaces escaped as
/// `\ `, paths normalised lexically; those below `out_dir` apart) and its
/// `# env-dep:NAME[=value]` lines.
pub fn parse_dep_info(text: &str, root: &Path, out_dir: &Path) -> Result<DepInfo, Error> {
    let mut files = Vec::new();
    let mut out_dir_files = Vec::new();
    let mut env = Vec::new();
    let mut first_rule = true;
    for line in text.lines() {
        if let Some(dep) = line.strip_prefix("# env-dep:") {
            env.push(dep.split('=').next().unwrap_or(dep).to_string());
            continue;
        }
        if line.is_empty() || line.starts_with('#') || !first_rule {
            continue;
        }
        first_rule = false;
        let Some((_, deps)) = split_rule(line) else {
            continue;
        };
        for dep in split_paths(deps) {
            let path = normalize(&root.join(dep));
            if let Ok(generated) = path.strip_prefix(out_dir) {
                out_dir_files.push(generated.to_string_lossy().into_owned());
                continue;
            }
            files.push(RelPath::new(root, &path, &|m| {
                Error::new(format!("dep-info: {m}"))
            })?);
        }
    }
    files.sort();
    files.dedup();
    out_dir_files.sort();
    env.sort();
    env.dedup();
    Ok(DepInfo {
        files,
        out_dir_files,
        env,
    })
}

/// Splits `target: deps` at the first unescaped `: `.
fn split_rule(line: &str) -> Option<(&str, &str)> {
    let bytes = line.as_bytes();
    (0..bytes.len())
        .find(|&i| bytes[i] == b':' && (i == 0 || bytes[i - 1] != b'\\'))
        .map(|i| (&line[..i], &line[i + 1..]))
}

fn split_paths(deps: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut current = String::new();
    let mut chars = deps.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&' ') => {
                current.push(' ');
                chars.next();
            }
            ' ' => {
                if !current.is_empty() {
                    paths.push(std::mem::take(&mut current));
                }
            }
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        paths.push(current);
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_escaped_spaces_parent_components_and_env() {
        let text = "/w/t/x.d: src/lib.rs src/../README.md /w/a\\ b.txt /o/g.rs\n\nsrc/lib.rs:\n\n# env-dep:CARGO_PKG_NAME=x\n# env-dep:OUT_DIR\n";
        let info = parse_dep_info(text, Path::new("/w"), Path::new("/o")).unwrap();
        assert_eq!(info.out_dir_files, ["g.rs"]);
        let files: Vec<&str> = info.files.iter().map(RelPath::as_str).collect();
        assert_eq!(files, ["README.md", "a b.txt", "src/lib.rs"]);
        assert_eq!(info.env, ["CARGO_PKG_NAME", "OUT_DIR"]);
    }
}
