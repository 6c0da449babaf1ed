//! Sections of a Markdown file written by different benchmark commands: a section runs from
//! its `## ` heading line to the next `## ` heading or the end of the file.

/// The heading of the seed proof's section of `docs/rebuilds.md` (written by `seed-proof`,
/// kept by `rebuild-bench`).
pub const SEED_PROOF_HEADING: &str = "## The seed proof: cargo 0.96.0's own workspace";

/// The section of `text` under `heading` (the heading line included), if it has one.
pub fn section<'a>(text: &'a str, heading: &str) -> Option<&'a str> {
    let start = heading_at(text, heading)?;
    let rest = &text[start + heading.len()..];
    let end = rest
        .find("\n## ")
        .map_or(text.len(), |at| start + heading.len() + at + 1);
    Some(&text[start..end])
}

/// `text` with the section under `heading` replaced by `body` (which starts with the heading),
/// or with `body` appended when `text` has no such section.
pub fn with_section(text: &str, heading: &str, body: &str) -> String {
    match section(text, heading) {
        Some(old) => {
            let start = heading_at(text, heading).unwrap_or_default();
            format!("{}{body}{}", &text[..start], &text[start + old.len()..])
        }
        None if text.is_empty() || text.ends_with("\n\n") => format!("{text}{body}"),
        None if text.ends_with('\n') => format!("{text}\n{body}"),
        None => format!("{text}\n\n{body}"),
    }
}

/// The heading of `docs/performance.md`'s section on the plugins' overhead per evaluation
/// (`scripts/plugin-overhead`, written by hand from its output; kept by `unit-sources-bench`).
pub const PLUGIN_OVERHEAD_HEADING: &str = "## The plugins' overhead per evaluation";

/// The heading of the early-cutoff section of `docs/rebuilds.md` (the sets
/// `tests/tests/early_cutoff.rs` asserts, kept by `rebuild-bench`).
pub const EARLY_CUTOFF_HEADING: &str = "## Early cutoff: content-addressed units";

/// The heading of the section of `docs/rebuilds.md` on what asking cargo for its plan costs
/// (written by `seed-proof --plan-cost`, kept by `rebuild-bench`).
pub const PLAN_COST_HEADING: &str = "## What cargo's plan costs a scan";

/// The heading of the incremental mode's section of `docs/rebuilds.md` (written by
/// `seed-proof --incremental`, kept by `rebuild-bench`).
pub const INCREMENTAL_HEADING: &str = "## Incremental mode on the seed: cargo 0.96.0's workspace";

/// The sections of `docs/rebuilds.md` that other commands than `rebuild-bench` write.
pub const KEPT_HEADINGS: [&str; 4] = [
    EARLY_CUTOFF_HEADING,
    SEED_PROOF_HEADING,
    PLAN_COST_HEADING,
    INCREMENTAL_HEADING,
];

/// `report` (the rebuild bench's part of `docs/rebuilds.md`) followed by the sections of
/// `old`, the file as it was, under [`KEPT_HEADINGS`], in that order, where it has them.
pub fn keep_section(old: &str, report: String) -> String {
    KEPT_HEADINGS
        .iter()
        .fold(report, |report, heading| match section(old, heading) {
            Some(kept) => with_section(&report, heading, kept),
            None => report,
        })
}

/// Where the line `heading` starts in `text`.
fn heading_at(text: &str, heading: &str) -> Option<usize> {
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end_matches('\n') == heading {
            return Some(at);
        }
        at += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_is_replaced_in_place_or_appended() {
        let text = "# T\n\nintro\n\n## A\n\na\n\n## B\n\nb\n";
        assert_eq!(section(text, "## A"), Some("## A\n\na\n\n"));
        assert_eq!(section(text, "## B"), Some("## B\n\nb\n"));
        assert_eq!(section(text, "## C"), None);
        assert_eq!(
            with_section(text, "## A", "## A\n\nnew\n\n"),
            "# T\n\nintro\n\n## A\n\nnew\n\n## B\n\nb\n"
        );
        assert_eq!(
            with_section(text, "## B", "## B\n\nnew\n"),
            "# T\n\nintro\n\n## A\n\na\n\n## B\n\nnew\n"
        );
        assert_eq!(with_section("# T\n", "## C", "## C\n"), "# T\n\n## C\n");
        let old =
            format!("# R\n\nold\n\n{EARLY_CUTOFF_HEADING}\n\ne\n\n{SEED_PROOF_HEADING}\n\ns\n");
        assert_eq!(
            keep_section(&old, "# R\n\nnew\n".into()),
            format!("# R\n\nnew\n\n{EARLY_CUTOFF_HEADING}\n\ne\n\n{SEED_PROOF_HEADING}\n\ns\n")
        );
        assert_eq!(keep_section("# R\n", "# N\n".into()), "# N\n");
        assert_eq!(
            section("## Ab\n", "## A"),
            None,
            "a heading is a whole line"
        );
    }
}
