//! The path the scan may read, with Nix's access control applied as `builtins.readDir`
//! applies it (restricted and pure evaluation). The C API has no call that realises a path, so
//! the plugin resolves the path's symbolic links the way Nix's source accessor does
//! (`SourceAccessor::resolveSymlinks`, SymlinkResolution::Full), looking at each path on the
//! way through Nix (`builtins.readFileType`), where a path access control denies is no link to
//! follow, as Nix's `FilteringSourceAccessor::maybeLstat` sees it (2.32 on); the caller then
//! has Nix check the resolved path itself, as `readDir` and the C++ plugin's
//! `getPhysicalPath` do: Nix's own error, naming it, when it is denied.

/// What `builtins.readFileType` said about a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// A symbolic link, to be followed.
    Symlink,
    /// Anything else that exists.
    Other,
    /// Nothing there, or nothing Nix lets the evaluation see.
    Missing,
}

/// The components of the absolute `path`, normalised as Nix's `CanonPath` does (no empty
/// component, `.` dropped, `..` removing the one before).
fn canon_components(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            _ => out.push(c.to_string()),
        }
    }
    out
}

/// `/a/b` of `["a", "b"]`.
fn join(components: &[String]) -> String {
    if components.is_empty() {
        return "/".to_string();
    }
    components.iter().map(|c| format!("/{c}")).collect()
}

/// Resolves every symbolic link of the absolute `path` as Nix does, asking `entry` about each
/// path on the way and `read_link` for the target of each link. Errors: those of
/// `read_link`, and Nix's for a loop.
pub fn resolve<E: From<String>>(
    path: &str,
    mut entry: impl FnMut(&str) -> Entry,
    mut read_link: impl FnMut(&str) -> Result<String, E>,
) -> Result<String, E> {
    let mut resolved: Vec<String> = Vec::new();
    let mut todo: std::collections::VecDeque<String> = canon_components(path).into();
    let mut links_allowed = 1024;
    while let Some(c) = todo.pop_front() {
        match c.as_str() {
            "" | "." => {}
            ".." => {
                resolved.pop();
            }
            _ => {
                resolved.push(c);
                let here = join(&resolved);
                if entry(&here) != Entry::Symlink {
                    continue;
                }
                if links_allowed == 0 {
                    return Err(E::from(format!(
                        "infinite symlink recursion in path '{}'",
                        join(&canon_components(path))
                    )));
                }
                links_allowed -= 1;
                let target = read_link(&here)?;
                if target.starts_with('/') {
                    resolved.clear();
                } else {
                    resolved.pop();
                }
                for part in target.split('/').rev().filter(|p| !p.is_empty()) {
                    todo.push_front(part.to_string());
                }
            }
        }
    }
    Ok(join(&resolved))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::path::Path;

    /// `resolve` on the real file system, seeing nothing below `denied`, as Nix's filtering
    /// accessor does.
    fn resolve_real(path: &Path, denied: &Path) -> Result<String, String> {
        resolve(
            path.to_str().unwrap(),
            |p| match std::fs::symlink_metadata(p) {
                _ if Path::new(p).starts_with(denied) => Entry::Missing,
                Ok(m) if m.file_type().is_symlink() => Entry::Symlink,
                Ok(_) => Entry::Other,
                Err(_) => Entry::Missing,
            },
            |p| Ok(std::fs::read_link(p).unwrap().to_str().unwrap().to_string()),
        )
    }

    #[test]
    fn links_resolve_as_the_os_resolves_them() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        std::fs::create_dir_all(root.join("real/ws")).unwrap();
        std::fs::write(root.join("real/ws/Cargo.toml"), "").unwrap();
        symlink(root.join("real"), root.join("abs")).unwrap();
        symlink("real/ws", root.join("rel")).unwrap();
        symlink("../real/ws/Cargo.toml", root.join("real/manifest")).unwrap();
        let none = Path::new("/nonexistent-denied");
        for path in [
            "abs/ws",
            "rel",
            "rel/Cargo.toml",
            "real/manifest",
            "abs/../rel/./Cargo.toml",
        ] {
            let p = root.join(path);
            let expected = if path.starts_with("abs/..") {
                // Nix's CanonPath drops `abs/..` before resolving, as the OS would not.
                std::fs::canonicalize(root.join("rel/Cargo.toml")).unwrap()
            } else {
                std::fs::canonicalize(&p).unwrap()
            };
            assert_eq!(
                resolve_real(&p, none).unwrap(),
                expected.to_str().unwrap(),
                "{path}"
            );
        }
        let missing = root.join("rel/missing/x");
        assert_eq!(
            resolve_real(&missing, none).unwrap(),
            root.join("real/ws/missing/x").to_str().unwrap()
        );
    }

    #[test]
    fn a_denied_path_is_no_link_to_follow() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        std::fs::create_dir_all(root.join("secret/ws")).unwrap();
        std::fs::create_dir_all(root.join("open")).unwrap();
        symlink(root.join("secret/ws"), root.join("open/link")).unwrap();
        symlink(root.join("open"), root.join("secret/back")).unwrap();
        let secret = root.join("secret");
        // Through an open link into the secret directory: the path there, for Nix to deny.
        for (path, resolved) in [
            ("open/link", "secret/ws"),
            ("secret/ws", "secret/ws"),
            ("secret/back", "secret/back"),
            // Nix drops `link/..` before it resolves anything.
            ("open/link/../x", "open/x"),
        ] {
            assert_eq!(
                resolve_real(&root.join(path), &secret).unwrap(),
                root.join(resolved).to_str().unwrap(),
                "{path}"
            );
        }
    }

    #[test]
    fn a_link_loop_is_nixs_error() {
        let tmp = tempfile::tempdir().unwrap();
        let root = std::fs::canonicalize(tmp.path()).unwrap();
        symlink("b", root.join("a")).unwrap();
        symlink("a", root.join("b")).unwrap();
        assert_eq!(
            resolve_real(&root.join("a"), Path::new("/nonexistent-denied")),
            Err(format!(
                "infinite symlink recursion in path '{}'",
                root.join("a").display()
            ))
        );
    }
}
