//! Moving cached results between workspace roots: a flake's `self` is a new store path
//! (`/nix/store/<hash>-source`) for every revision, a copy of a tree lies elsewhere, and the
//! caches ([`crate::record::store`]) store what they observed relative to the root so that the same
//! tree at another root can take it over.
//!
//! A path below the root is stored relative to it (`""` is the root itself), any other one as it
//! is. What a relative path names at a new root is the same path below the new root, unless it
//! climbs above the root on the way (`src/../../x`): lexically that leaves the tree, so it names
//! something else at every root and is never taken over. cargo's answer (`cargo metadata`'s JSON)
//! is moved by replacing the root where cargo wrote it: at the start of a path (followed by `/`,
//! by the end of the string, or by `#` in a package id's `path+file://` URL). That is exact only
//! for a root cargo writes the same way in all three places: a *plain* root, whose characters
//! need no escaping in JSON nor percent-encoding in a URL (store paths and ordinary directories
//! are plain).

use std::path::{Component, Path, PathBuf};

/// Stands for the root in a [`template`]: raw control characters never occur in JSON text
/// (inside strings they are escaped), so it cannot be confused with anything cargo wrote.
const ROOT: &str = "\u{1}root\u{1}";

/// Whether `root` is absolute and written the same way in JSON strings and in `file://` URLs
/// (see the module docs).
pub(crate) fn is_plain(root: &Path) -> bool {
    let Some(text) = root.to_str() else {
        return false;
    };
    text.starts_with('/')
        && text.len() > 1
        && !text.ends_with('/')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/-._~+@=,:".contains(&b))
}

/// `path` as a cache stores it: relative to `root` when below it (`""` for the root itself),
/// else absolute; `None` when it is not UTF-8.
pub(crate) fn store(path: &Path, root: &Path) -> Option<String> {
    match path.strip_prefix(root) {
        Ok(rest) => rest.to_str().map(str::to_string),
        Err(_) => path.to_str().map(str::to_string),
    }
}

/// What a path stored by [`store`] for the tree at `stored_root` names for the same tree at
/// `root`; `None` when it names something else there (see the module docs): a relative path
/// climbing above the root, or, when the root moved, an absolute one below the new root.
pub(crate) fn locate(stored: &str, stored_root: &Path, root: &Path) -> Option<PathBuf> {
    let path = Path::new(stored);
    if path.is_absolute() {
        let moved = stored_root != root;
        return (!(moved && path.starts_with(root))).then(|| path.to_path_buf());
    }
    if climbs(path) {
        return (stored_root == root).then(|| root.join(path));
    }
    Some(if stored.is_empty() {
        root.to_path_buf()
    } else {
        root.join(path)
    })
}

/// Whether the relative `path`, read lexically, goes above its starting directory at some
/// point (`a/../..`, `../x`); an absolute path always counts.
pub(crate) fn climbs(path: &Path) -> bool {
    let mut depth = 0usize;
    for component in path.components() {
        match component {
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::ParentDir => match depth.checked_sub(1) {
                Some(up) => depth = up,
                None => return true,
            },
            Component::RootDir | Component::Prefix(_) => return true,
        }
    }
    false
}

/// cargo's answer `json` for the workspace at the plain `root` with the root replaced by a
/// placeholder (see the module docs); `None` when `root` is not plain.
pub(crate) fn template(json: &str, root: &Path) -> Option<String> {
    if !is_plain(root) {
        return None;
    }
    let root = root.to_str()?;
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    while let Some(at) = rest.find(root) {
        let after = &rest[at + root.len()..];
        out.push_str(&rest[..at]);
        let starts_path = out.ends_with('"') || out.ends_with("+file://");
        if starts_path && after.starts_with(['/', '"', '#']) {
            out.push_str(ROOT);
        } else {
            out.push_str(root);
        }
        rest = after;
    }
    out.push_str(rest);
    Some(out)
}

/// The answer a [`template`] stands for at the plain `root`; `None` when `root` is not plain.
pub(crate) fn instantiate(template: &str, root: &Path) -> Option<String> {
    is_plain(root).then(|| template.replace(ROOT, root.to_str().unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_roots() {
        for root in [
            "/nix/store/0a1b-source",
            "/tmp/.tmpAbC_9/ws",
            "/a+b@c=d,e:f~g",
        ] {
            assert!(is_plain(Path::new(root)), "{root}");
        }
        for root in [
            "/",
            "relative",
            "/with space",
            "/quote\"",
            "/per%cent",
            "/x/",
            "/é",
        ] {
            assert!(!is_plain(Path::new(root)), "{root}");
        }
    }

    #[test]
    fn stored_paths_are_located_at_the_new_root_unless_they_leave_the_tree() {
        let (old, new) = (
            Path::new("/nix/store/a-source"),
            Path::new("/nix/store/b-source"),
        );
        let stored = |path: &str| store(Path::new(path), old).unwrap();
        assert_eq!(stored("/nix/store/a-source"), "");
        assert_eq!(stored("/nix/store/a-source/src/lib.rs"), "src/lib.rs");
        assert_eq!(stored("/nix/store/a-sourcery/x"), "/nix/store/a-sourcery/x");
        let at_new = |path: &str| locate(&stored(path), old, new);
        assert_eq!(at_new("/nix/store/a-source"), Some(new.to_path_buf()));
        assert_eq!(
            at_new("/nix/store/a-source/src/lib.rs"),
            Some(new.join("src/lib.rs"))
        );
        assert_eq!(
            at_new("/nix/store/a-source/src/../tests/t.rs"),
            Some(new.join("src/../tests/t.rs")),
            "climbing back within the tree"
        );
        assert_eq!(at_new("/nix/store/a-source/src/../../b-source/x.rs"), None);
        assert_eq!(at_new("/usr/include"), Some(PathBuf::from("/usr/include")));
        assert_eq!(at_new("/nix/store/b-source/x"), None, "below the new root");
        assert_eq!(
            locate(
                &stored("/nix/store/a-source/src/../../b-source/x.rs"),
                old,
                old
            ),
            Some(old.join("src/../../b-source/x.rs")),
            "anything holds where it was observed"
        );
    }

    #[test]
    fn templates_replace_the_root_only_where_cargo_wrote_it() {
        let root = Path::new("/w/ws");
        let json = r#"{"a":"/w/ws","b":"/w/ws/src/lib.rs","id":"path+file:///w/ws#x@0.1.0","c":"/w/ws2/y","d":"x/w/ws"}"#;
        let template = template(json, root).unwrap();
        assert_eq!(
            template,
            r#"{"a":"ROOT","b":"ROOT/src/lib.rs","id":"path+file://ROOT#x@0.1.0","c":"/w/ws2/y","d":"x/w/ws"}"#
                .replace("ROOT", ROOT)
        );
        assert_eq!(
            instantiate(&template, Path::new("/v/other")).unwrap(),
            r#"{"a":"/v/other","b":"/v/other/src/lib.rs","id":"path+file:///v/other#x@0.1.0","c":"/w/ws2/y","d":"x/w/ws"}"#
        );
        assert_eq!(super::template(json, Path::new("/w s")), None);
        assert_eq!(instantiate(&template, Path::new("/w s")), None);
    }
}
