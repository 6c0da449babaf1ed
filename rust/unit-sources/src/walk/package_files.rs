//! A package's files as cargo lists them (`PathSource::list_files`): what a build script that
//! prints no `rerun-if-changed` or `rerun-if-env-changed` line reruns on.
//!
//! cargo's rules: every file below the package directory but nested packages (a directory
//! holding a `Cargo.toml`) and the package's own `target/`; with `package.include`, only the
//! files it matches (and `Cargo.toml`, `Cargo.lock`); else without those `package.exclude`
//! matches, and, outside a git work tree, without hidden files and directories (`.*`). The
//! patterns are gitignore's. In a git work tree cargo lists the tracked files and the untracked
//! ones git does not ignore; this list, which reads no git index, then has every file but
//! `.git` itself: a superset.

use crate::fs::observation::FileKind;
use crate::fs::source_cache::UnitReads;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Adds to `out` the files of the package whose manifest is `manifest` (in `package_dir`;
/// `root_manifest`: the workspace root's, for inherited `include`/`exclude`).
pub(crate) fn package_files(
    reads: &UnitReads<'_>,
    package_dir: &Path,
    manifest: &Path,
    root_manifest: &Path,
    out: &mut BTreeSet<PathBuf>,
) {
    let table = |path: &Path| -> Option<toml::Table> { reads.text(path)?.parse().ok() };
    let manifest_table = table(manifest);
    let rules = |key: &str| -> Vec<Pattern> {
        let value = manifest_table
            .as_ref()
            .and_then(|m| m.get("package")?.get(key));
        let inherited = value
            .and_then(|v| v.get("workspace"))
            .and_then(toml::Value::as_bool)
            == Some(true);
        let root = inherited.then(|| table(root_manifest)).flatten();
        let value = match &root {
            Some(root) => root
                .get("workspace")
                .and_then(|w| w.get("package")?.get(key)),
            None => value,
        };
        value
            .and_then(toml::Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(toml::Value::as_str)
            .filter_map(Pattern::parse)
            .collect()
    };
    let include = rules("include");
    let mut exclude = rules("exclude");
    if include.is_empty() && !in_git_work_tree(reads, package_dir) {
        exclude.insert(0, Pattern::parse(".*").expect("a valid pattern"));
    }
    let listing = Listing {
        reads,
        root: package_dir,
        include,
        exclude,
    };
    listing.walk(package_dir, "", out);
}

/// Whether `dir` lies in a git work tree: a `.git` in it or in one of its ancestors.
fn in_git_work_tree(reads: &UnitReads<'_>, dir: &Path) -> bool {
    dir.ancestors()
        .any(|d| !matches!(reads.kind(&d.join(".git")), FileKind::Missing))
}

struct Listing<'r, 'c> {
    reads: &'r UnitReads<'c>,
    root: &'r Path,
    include: Vec<Pattern>,
    exclude: Vec<Pattern>,
}

impl Listing<'_, '_> {
    /// Adds the files below `dir` (`rel` relative to the package, `/`-separated) cargo lists.
    fn walk(&self, dir: &Path, rel: &str, out: &mut BTreeSet<PathBuf>) {
        for (name, is_dir) in self.reads.listing(dir).iter() {
            let name = name.to_string_lossy();
            let path = dir.join(name.as_ref());
            let rel = match rel {
                "" => name.to_string(),
                _ => format!("{rel}/{name}"),
            };
            if *is_dir {
                let own_target = rel == "target" || name == ".git";
                let nested = self.reads.kind(&path.join("Cargo.toml")) == FileKind::File;
                if !own_target && !nested && self.keeps(&rel, true) {
                    self.walk(&path, &rel, out);
                }
            } else if rel == "Cargo.toml" || rel == "Cargo.lock" || self.keeps(&rel, false) {
                out.insert(path);
            }
        }
        debug_assert!(dir.starts_with(self.root));
    }

    /// Whether cargo keeps the path `rel` (a directory when `is_dir`).
    fn keeps(&self, rel: &str, is_dir: bool) -> bool {
        if !self.include.is_empty() {
            // Include rules choose files; every directory is entered.
            return is_dir || matched_or_parent(&self.include, rel, false);
        }
        !matched_or_parent(&self.exclude, rel, is_dir)
    }
}

/// Whether the last of `patterns` matching `rel`, or else one of its parent directories,
/// selects it (gitignore's `matched_path_or_any_parents`).
fn matched_or_parent(patterns: &[Pattern], rel: &str, is_dir: bool) -> bool {
    let mut path = rel;
    let mut dir = is_dir;
    loop {
        if let Some(last) = patterns.iter().rev().find(|p| p.matches(path, dir)) {
            return !last.negated;
        }
        match path.rfind('/') {
            Some(end) => {
                path = &path[..end];
                dir = true;
            }
            None => return false,
        }
    }
}

/// One gitignore pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    glob: String,
    /// `!pattern`: selects what an earlier one deselected.
    negated: bool,
    /// `pattern/`: directories only.
    dir_only: bool,
    /// Holds a `/` (but at its end): matched against the whole path, else against the name.
    anchored: bool,
}

impl Pattern {
    /// The pattern of one line; `None` for an empty one or a comment.
    fn parse(line: &str) -> Option<Pattern> {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let (negated, line) = match line.strip_prefix('!') {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        let (dir_only, line) = match line.strip_suffix('/') {
            Some(rest) => (true, rest),
            None => (false, line),
        };
        let anchored = line.contains('/');
        let glob = line.strip_prefix('/').unwrap_or(line).to_string();
        Some(Pattern {
            glob,
            negated,
            dir_only,
            anchored,
        })
    }

    fn matches(&self, rel: &str, is_dir: bool) -> bool {
        if self.dir_only && !is_dir {
            return false;
        }
        let subject = match self.anchored {
            true => rel,
            false => rel.rsplit('/').next().unwrap_or(rel),
        };
        glob_matches(self.glob.as_bytes(), subject.as_bytes())
    }
}

/// Whether `text` matches the glob `glob`: `*` and `?` within a path segment, `**` across
/// segments, `[…]` classes (`!` or `^` negating, `a-z` ranges), `\` escaping.
fn glob_matches(glob: &[u8], text: &[u8]) -> bool {
    match glob {
        [] => text.is_empty(),
        [b'*', b'*', rest @ ..] => {
            let rest = rest.strip_prefix(b"/").unwrap_or(rest);
            (0..=text.len()).any(|k| {
                (k == 0 || text[k - 1] == b'/' || rest.is_empty()) && glob_matches(rest, &text[k..])
            })
        }
        [b'*', rest @ ..] => (0..=text.len())
            .take_while(|&k| k == 0 || text[k - 1] != b'/')
            .any(|k| glob_matches(rest, &text[k..])),
        [b'?', rest @ ..] => {
            matches!(text.first(), Some(c) if *c != b'/') && glob_matches(rest, &text[1..])
        }
        [b'[', rest @ ..] => match (class_end(rest), text.first()) {
            (Some(end), Some(&c)) if c != b'/' => {
                in_class(&rest[..end], c) && glob_matches(&rest[end + 1..], &text[1..])
            }
            _ => false,
        },
        [b'\\', c, rest @ ..] | [c, rest @ ..] => {
            text.first() == Some(c) && glob_matches(rest, &text[1..])
        }
    }
}

/// The index of the `]` closing a class whose body starts `body` (a leading `]` is literal).
fn class_end(body: &[u8]) -> Option<usize> {
    let start = usize::from(matches!(body.first(), Some(b'!' | b'^')));
    let first = start + usize::from(body.get(start) == Some(&b']'));
    body[first..]
        .iter()
        .position(|&c| c == b']')
        .map(|p| p + first)
}

/// Whether `c` is in the class `body` (between `[` and `]`).
fn in_class(body: &[u8], c: u8) -> bool {
    let (negated, body) = match body.first() {
        Some(b'!' | b'^') => (true, &body[1..]),
        _ => (false, body),
    };
    let mut found = false;
    let mut i = 0;
    while i < body.len() {
        if i + 2 < body.len() && body[i + 1] == b'-' {
            found |= (body[i]..=body[i + 2]).contains(&c);
            i += 3;
        } else {
            found |= body[i] == c;
            i += 1;
        }
    }
    found != negated
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::parse::ParseCache;
    use crate::fs::source_cache::SourceCache;

    fn matches(pattern: &str, rel: &str, is_dir: bool) -> bool {
        Pattern::parse(pattern).unwrap().matches(rel, is_dir)
    }

    #[test]
    fn gitignore_patterns() {
        assert!(matches(".*", "a/.hidden", false));
        assert!(matches("*.md", "docs/x.md", false));
        assert!(!matches("/*.md", "docs/x.md", false));
        assert!(matches("docs/*.md", "docs/x.md", false));
        assert!(!matches("docs/*.md", "docs/a/x.md", false));
        assert!(matches("docs/**/*.md", "docs/a/b/x.md", false));
        assert!(matches("**/fixtures", "tests/fixtures", true));
        assert!(matches("tests/", "tests", true) && !matches("tests/", "tests", false));
        assert!(matches("x[0-9].txt", "x5.txt", false) && !matches("x[!0-9].txt", "x5.txt", false));
        let rules: Vec<Pattern> = ["*.txt", "!keep.txt"]
            .iter()
            .filter_map(|l| Pattern::parse(l))
            .collect();
        assert!(matched_or_parent(&rules, "a/b.txt", false));
        assert!(!matched_or_parent(&rules, "a/keep.txt", false));
        let dirs: Vec<Pattern> = ["benches"]
            .iter()
            .filter_map(|l| Pattern::parse(l))
            .collect();
        assert!(matched_or_parent(&dirs, "benches/x/y.rs", false));
    }

    fn listed(files: &[&str], manifest: &str, git: bool) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let package = dir.path().join("pkg");
        for file in files.iter().chain(&["Cargo.toml"]) {
            let path = package.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "").unwrap();
        }
        std::fs::write(package.join("Cargo.toml"), manifest).unwrap();
        if git {
            std::fs::create_dir(dir.path().join(".git")).unwrap();
        }
        let cache = SourceCache::new(ParseCache::disabled());
        let reads = UnitReads::new(&cache);
        let mut out = BTreeSet::new();
        let manifest = package.join("Cargo.toml");
        package_files(&reads, &package, &manifest, &manifest, &mut out);
        out.iter()
            .map(|p| {
                p.strip_prefix(&package)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect()
    }

    #[test]
    fn cargo_lists_a_package_like_this() {
        let files = [
            "Cargo.lock",
            "build.rs",
            "src/lib.rs",
            ".hidden/x",
            "src/.swp",
            "target/debug/x",
            "sub/target/y",
            "nested/Cargo.toml",
            "nested/src/lib.rs",
            "benches/b.rs",
        ];
        let plain = "[package]\nname = \"p\"\n";
        assert_eq!(
            listed(&files, plain, false),
            [
                "Cargo.lock",
                "Cargo.toml",
                "benches/b.rs",
                "build.rs",
                "src/lib.rs",
                "sub/target/y"
            ]
        );
        assert_eq!(
            listed(&files, plain, true),
            [
                ".hidden/x",
                "Cargo.lock",
                "Cargo.toml",
                "benches/b.rs",
                "build.rs",
                "src/.swp",
                "src/lib.rs",
                "sub/target/y"
            ]
        );
        let excluding = "[package]\nname = \"p\"\nexclude = [\"benches\", \"sub/\"]\n";
        assert_eq!(
            listed(&files, excluding, false),
            ["Cargo.lock", "Cargo.toml", "build.rs", "src/lib.rs"]
        );
        let including = "[package]\nname = \"p\"\ninclude = [\"src/**/*.rs\", \"/build.rs\"]\n";
        assert_eq!(
            listed(&files, including, false),
            ["Cargo.lock", "Cargo.toml", "build.rs", "src/lib.rs"]
        );
    }
}
