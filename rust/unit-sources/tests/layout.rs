//! The core's shape, checked from its source text (docs/ARCHITECTURE.md, "Code map"): no
//! import cycle between its modules (one module per file), nor between its concepts (the
//! top-level modules: `cache`, `fs`, `syntax`, ...).
//!
//! A dependency is any `crate::` path in code (comments and doc links are not dependencies),
//! resolved to the longest module file it names; a name the crate root re-exports
//! (`crate::Error`) is resolved through the root's `pub use` lines. Test modules count like
//! any other code. The lengths of files and functions, the core's and every other crate's,
//! are checked by the tests crate (`tests/tests/layout.rs`), which sees the whole repository.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module of the core: its path below `src/` as `crate::` segments (`["walk", "resolver"]`;
/// `[]` is the crate root).
type Module = Vec<String>;

struct Source {
    module: Module,
    text: String,
}

fn sources() -> Vec<Source> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|file| {
            let relative = file.strip_prefix(&src).unwrap().with_extension("");
            let mut module: Module = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                module.pop();
            }
            let text = std::fs::read_to_string(&file).unwrap();
            Source { module, text }
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `text` with every comment blanked out (line and block comments; string literals are
/// assumed not to contain `//` followed by `crate::`, which holds for this crate).
fn code_of(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0usize;
    for line in text.lines() {
        let mut rest = line;
        let mut kept = String::new();
        while !rest.is_empty() {
            if depth > 0 {
                match (rest.find("*/"), rest.find("/*")) {
                    (Some(end), Some(open)) if open < end => {
                        depth += 1;
                        rest = &rest[open + 2..];
                    }
                    (Some(end), _) => {
                        depth -= 1;
                        rest = &rest[end + 2..];
                    }
                    (None, _) => rest = "",
                }
            } else if let Some(at) = rest.find("//").filter(|&at| !rest[..at].contains("/*")) {
                kept.push_str(&rest[..at]);
                rest = "";
            } else if let Some(open) = rest.find("/*") {
                kept.push_str(&rest[..open]);
                depth += 1;
                rest = &rest[open + 2..];
            } else {
                kept.push_str(rest);
                rest = "";
            }
        }
        out.push_str(&kept);
        out.push('\n');
    }
    out
}

/// Every `crate::a::b::{c, d::e}` path in `code`, as lists of segments (braces expanded one
/// level deep, which is all rustfmt'd imports of this crate use).
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let before = rest[..at].chars().last();
        rest = &rest[at + "crate::".len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        // The path up to the first character that cannot be in one: `a::b` before `;`, or
        // `a::b::` (`""` for `crate::{`) before a group's `{`.
        let path_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(rest.len());
        let (path, tail) = rest.split_at(path_len);
        let prefix: Vec<String> = path
            .split("::")
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        let group = tail.strip_prefix('{');
        if let Some(group) = group {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let mut path = prefix.clone();
                path.extend(
                    item.split("::")
                        .map(|s| s.split_whitespace().next().unwrap_or("").to_string())
                        .filter(|s| !s.is_empty() && s != "self" && s != "*"),
                );
                paths.push(path);
            }
        } else {
            paths.push(prefix);
        }
    }
    paths
}

/// The names the crate root re-exports, each with the module it comes from.
fn root_reexports(root: &Source) -> BTreeMap<String, Module> {
    let mut names = BTreeMap::new();
    let code = code_of(&root.text);
    for statement in code.split(';') {
        let Some(path) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let path: String = path.split_whitespace().collect();
        let (module, items) = match path.split_once("::{") {
            Some((module, items)) => (module, items.trim_end_matches('}')),
            None => path.rsplit_once("::").unwrap(),
        };
        let module: Module = module.split("::").map(String::from).collect();
        for item in items.split(',').filter(|s| !s.is_empty()) {
            names.insert(item.to_string(), module.clone());
        }
    }
    names
}

/// The module a `crate::` path depends on: the longest prefix naming a module.
fn module_of(
    path: &[String],
    modules: &BTreeSet<Module>,
    reexports: &BTreeMap<String, Module>,
) -> Option<Module> {
    if path.len() == 1 {
        if let Some(module) = reexports.get(&path[0]) {
            return Some(module.clone());
        }
    }
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|prefix| modules.contains(prefix))
}

fn dependency_graph(sources: &[Source]) -> BTreeMap<Module, BTreeSet<Module>> {
    let modules: BTreeSet<Module> = sources.iter().map(|s| s.module.clone()).collect();
    let root = sources.iter().find(|s| s.module.is_empty()).unwrap();
    let reexports = root_reexports(root);
    let mut graph = BTreeMap::new();
    for source in sources.iter().filter(|s| !s.module.is_empty()) {
        let deps: BTreeSet<Module> = crate_paths(&code_of(&source.text))
            .iter()
            .filter_map(|path| module_of(path, &modules, &reexports))
            .filter(|module| *module != source.module && !module.is_empty())
            .collect();
        graph.insert(source.module.clone(), deps);
    }
    graph
}

/// The cycles of `graph`: its strongly connected components with more than one node.
fn cycles<N: Ord + Clone>(graph: &BTreeMap<N, BTreeSet<N>>) -> Vec<Vec<N>> {
    let nodes: Vec<&N> = graph.keys().collect();
    let reaches = |from: &N| -> BTreeSet<N> {
        let mut seen = BTreeSet::new();
        let mut stack = vec![from.clone()];
        while let Some(node) = stack.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    stack.push(next.clone());
                }
            }
        }
        seen
    };
    let reach: BTreeMap<&N, BTreeSet<N>> = nodes.iter().map(|n| (*n, reaches(n))).collect();
    let mut cycles: Vec<Vec<N>> = Vec::new();
    let mut placed = BTreeSet::new();
    for node in &nodes {
        if placed.contains(*node) || !reach[node].contains(*node) {
            continue;
        }
        let component: Vec<N> = nodes
            .iter()
            .filter(|other| reach[node].contains(**other) && reach[**other].contains(*node))
            .map(|n| (*n).clone())
            .collect();
        placed.extend(component.iter().cloned());
        cycles.push(component);
    }
    cycles
}

fn show(module: &Module) -> String {
    module.join("::")
}

#[test]
fn no_module_depends_on_itself_through_others() {
    let graph = dependency_graph(&sources());
    let found: Vec<String> = cycles(&graph)
        .iter()
        .map(|cycle| cycle.iter().map(show).collect::<Vec<_>>().join(" ↔ "))
        .collect();
    assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
}

#[test]
fn no_concept_depends_on_itself_through_others() {
    let mut concepts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, deps) in dependency_graph(&sources()) {
        let entry = concepts.entry(module[0].clone()).or_default();
        entry.extend(
            deps.iter()
                .map(|d| d[0].clone())
                .filter(|d| *d != module[0]),
        );
    }
    let found: Vec<String> = cycles(&concepts)
        .iter()
        .map(|cycle| {
            let edges: Vec<String> = cycle
                .iter()
                .flat_map(|from| {
                    concepts[from]
                        .iter()
                        .filter(|to| cycle.contains(to))
                        .map(move |to| format!("{from} → {to}"))
                })
                .collect();
            format!("{} ({})", cycle.join(" ↔ "), edges.join(", "))
        })
        .collect();
    assert!(
        found.is_empty(),
        "cycles between concepts:\n{}",
        found.join("\n")
    );
}
