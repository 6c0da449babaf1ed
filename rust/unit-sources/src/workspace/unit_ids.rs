//! Unit ids of a scan with dependencies: `<package>/<kind>/<target>`, and, for a unit cargo
//! plans in several variants, `<package>/<kind>/<target>/<variant>`, where the variant joins
//! with `-`, in this order:
//! - `host`: a library, or a build-script run, compiled (run) for the host (always, so that a
//!   library's id does not change when the target's code comes to need it too); a compiled
//!   build script serving only host runs, when its package has another compiled build script
//!   (cargo compiles it once per feature set);
//! - `root`: compiled for the host's platform with the target's profile, as the command's own
//!   unit (a member's proc-macro, and what it links), beside the unit of one name compiled
//!   for the build (`build-override`) that dependents link;
//! - `unwind`: compiled with `panic = "unwind"` for the test harnesses linking it, beside the
//!   profile's `abort` build;
//! - `dev`: the `--all-targets` build's unit, where `cargo build` has one of the same name
//!   with another configuration (features dev-dependencies turn on, or linking such a unit);
//! - the first 8 hex digits of the unit's identity (independent of where the workspace lies),
//!   should two units still share an id.
//!
//! Invariant: ids are unique; a unit with one variant keeps the id it had in model version 3,
//! but a host library's, which says `host`.

use crate::model::unit_id::{UnitId, UnitKind};
use crate::model::Selection;
use crate::workspace::plan_nodes::PlanNode;
use std::collections::HashMap;

/// The id of each of `nodes`, whose packages' id prefixes are `prefixes`.
pub(crate) fn unit_ids(nodes: &[PlanNode], prefixes: &[&str]) -> Vec<UnitId> {
    let bases: Vec<UnitId> = nodes
        .iter()
        .zip(prefixes)
        .map(|(n, p)| UnitId::new(p, n.kind, &n.unit.target.name))
        .collect();
    let mut tags: Vec<Vec<String>> = nodes
        .iter()
        .map(|n| {
            let host = n.host && matches!(n.kind, UnitKind::Lib | UnitKind::BuildScriptRun);
            match host {
                true => vec!["host".to_string()],
                false => Vec::new(),
            }
        })
        .collect();
    tag_host_scripts(nodes, &bases, &mut tags);
    for_colliding(&bases, &mut tags, |group, tags| {
        let own = |i: &usize| nodes[*i].host && !nodes[*i].for_host;
        if group.iter().any(|i| nodes[*i].for_host) {
            for i in group.iter().filter(|i| own(i)) {
                tags[*i].push("root".into());
            }
        }
    });
    for_colliding(&bases, &mut tags, |group, tags| {
        let unwinds = |i: &usize| nodes[*i].unit.profile.panic == "unwind";
        if group.iter().any(unwinds) && !group.iter().all(unwinds) {
            for i in group.iter().filter(|i| unwinds(i)) {
                tags[*i].push("unwind".into());
            }
        }
    });
    for_colliding(&bases, &mut tags, |group, tags| {
        let built = |i: &usize| nodes[*i].selections.contains(&Selection::Build);
        if group.iter().any(built) {
            for i in group.iter().filter(|i| !built(i)) {
                tags[*i].push("dev".into());
            }
        }
    });
    for_colliding(&bases, &mut tags, |group, tags| {
        for &i in group {
            let hex = blake3::Hash::from(nodes[i].identity).to_hex();
            tags[i].push(hex[..8].to_string());
        }
    });
    bases
        .into_iter()
        .zip(tags)
        .map(|(base, tags)| match tags.is_empty() {
            true => base,
            false => base.with_variant(&tags.join("-")),
        })
        .collect()
}

/// Tags `host` the compiled build scripts that only host runs use, where the package has
/// several compiled build scripts of one name.
fn tag_host_scripts(nodes: &[PlanNode], bases: &[UnitId], tags: &mut [Vec<String>]) {
    let mut scripts: HashMap<&UnitId, usize> = HashMap::new();
    for (i, node) in nodes.iter().enumerate() {
        if node.kind == UnitKind::BuildScript {
            *scripts.entry(&bases[i]).or_default() += 1;
        }
    }
    let mut runs_of: HashMap<usize, Vec<bool>> = HashMap::new();
    for node in nodes.iter().filter(|n| n.kind == UnitKind::BuildScriptRun) {
        for (dep, _) in &node.deps {
            runs_of.entry(*dep).or_default().push(node.host);
        }
    }
    for (i, node) in nodes.iter().enumerate() {
        let several = scripts.get(&bases[i]).is_some_and(|&n| n > 1);
        let only_host = runs_of.get(&i).is_some_and(|r| r.iter().all(|h| *h));
        if node.kind == UnitKind::BuildScript && several && only_host {
            tags[i].push("host".into());
        }
    }
}

/// Calls `tag` on every group of (indices of) nodes whose ids, as `bases` and `tags` give
/// them now, are the same, in a fixed order.
fn for_colliding(
    bases: &[UnitId],
    tags: &mut [Vec<String>],
    mut tag: impl FnMut(&[usize], &mut [Vec<String>]),
) {
    let mut groups: HashMap<(&UnitId, Vec<String>), Vec<usize>> = HashMap::new();
    for (i, base) in bases.iter().enumerate() {
        groups.entry((base, tags[i].clone())).or_default().push(i);
    }
    let mut colliding: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
    colliding.sort();
    for group in colliding {
        tag(&group, tags);
    }
}
