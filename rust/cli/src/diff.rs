//! A unified diff (`diff -u` / `git diff` format, three lines of context) between two texts,
//! for `generate --check`. Labels are chosen by the caller (`a/units.nix`, `b/units.nix`, or
//! `/dev/null` for a missing file), so `git apply` or `patch -p1` in the workspace root turns
//! the stale file into the current one.

use std::fmt::Write;

/// Lines of context around each change.
const CONTEXT: usize = 3;

/// Above this many cells (old lines × new lines, after trimming the common prefix and suffix)
/// the middle is shown as one replacement instead of being aligned line by line.
const MAX_TABLE: usize = 4_000_000;

/// One step of the edit script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// `old[i] == new[j]`.
    Equal(usize, usize),
    /// `old[i]` removed.
    Delete(usize),
    /// `new[j]` added.
    Insert(usize),
}

/// The unified diff turning `old` into `new`, or an empty string when they are equal.
pub fn unified(old: &str, new: &str, old_label: &str, new_label: &str) -> String {
    if old == new {
        return String::new();
    }
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let ops = edit_script(&a, &b);
    let mut out = format!("--- {old_label}\n+++ {new_label}\n");
    for hunk in hunks(&ops) {
        write_hunk(&ops[hunk.0..hunk.1], &a, &b, &mut out);
    }
    out
}

/// A shortest-enough edit script: common prefix and suffix, and a longest common subsequence of
/// the middle (or, when the middle is huge, delete-all then insert-all).
fn edit_script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a_mid, b_mid) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut ops: Vec<Op> = (0..prefix).map(|i| Op::Equal(i, i)).collect();
    if a_mid.len().saturating_mul(b_mid.len()) <= MAX_TABLE {
        ops.extend(
            lcs_script(a_mid, b_mid)
                .into_iter()
                .map(|op| shift(op, prefix)),
        );
    } else {
        ops.extend((0..a_mid.len()).map(|i| Op::Delete(prefix + i)));
        ops.extend((0..b_mid.len()).map(|j| Op::Insert(prefix + j)));
    }
    let (a_end, b_end) = (a.len() - suffix, b.len() - suffix);
    ops.extend((0..suffix).map(|k| Op::Equal(a_end + k, b_end + k)));
    ops
}

fn shift(op: Op, by: usize) -> Op {
    match op {
        Op::Equal(i, j) => Op::Equal(i + by, j + by),
        Op::Delete(i) => Op::Delete(i + by),
        Op::Insert(j) => Op::Insert(j + by),
    }
}

/// Edit script from the classic LCS table; deletions come before insertions in each change.
fn lcs_script(a: &[&str], b: &[&str]) -> Vec<Op> {
    let (n, m) = (a.len(), b.len());
    // table[i][j]: LCS length of a[i..] and b[j..].
    let width = m + 1;
    let mut table = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            table[i * width + j] = if a[i] == b[j] {
                table[(i + 1) * width + j + 1] + 1
            } else {
                table[(i + 1) * width + j].max(table[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            ops.push(Op::Equal(i, j));
            i += 1;
            j += 1;
        } else if j == m || (i < n && table[(i + 1) * width + j] >= table[i * width + j + 1]) {
            ops.push(Op::Delete(i));
            i += 1;
        } else {
            ops.push(Op::Insert(j));
            j += 1;
        }
    }
    ops
}

/// Ranges of `ops` forming hunks: each change with up to [`CONTEXT`] equal lines around it,
/// changes closer than twice that merged into one hunk.
fn hunks(ops: &[Op]) -> Vec<(usize, usize)> {
    let changes: Vec<usize> = (0..ops.len())
        .filter(|&k| !matches!(ops[k], Op::Equal(..)))
        .collect();
    let mut result: Vec<(usize, usize)> = Vec::new();
    for k in changes {
        let start = k.saturating_sub(CONTEXT);
        let end = (k + 1 + CONTEXT).min(ops.len());
        match result.last_mut() {
            Some(last) if start <= last.1 => last.1 = end,
            _ => result.push((start, end)),
        }
    }
    result
}

fn write_hunk(ops: &[Op], a: &[&str], b: &[&str], out: &mut String) {
    // Where the hunk starts in each file (0-based), and how many lines of each it spans.
    let old_start = ops
        .iter()
        .find_map(|op| match op {
            Op::Equal(i, _) | Op::Delete(i) => Some(*i),
            Op::Insert(_) => None,
        })
        // Only insertions: the old file is empty (any old line would be context or deleted).
        .unwrap_or(0);
    let new_start = ops
        .iter()
        .find_map(|op| match op {
            Op::Equal(_, j) | Op::Insert(j) => Some(*j),
            Op::Delete(_) => None,
        })
        // Only deletions: the new file is empty.
        .unwrap_or(0);
    let old_count = ops.iter().filter(|op| !matches!(op, Op::Insert(_))).count();
    let new_count = ops.iter().filter(|op| !matches!(op, Op::Delete(_))).count();
    // An empty range is written as the line before it (`-0,0` at the top of the file).
    let old_line = if old_count == 0 {
        old_start
    } else {
        old_start + 1
    };
    let new_line = if new_count == 0 {
        new_start
    } else {
        new_start + 1
    };
    let _ = writeln!(out, "@@ -{old_line},{old_count} +{new_line},{new_count} @@");
    for op in ops {
        let (sign, line) = match *op {
            Op::Equal(i, _) => (' ', a[i]),
            Op::Delete(i) => ('-', a[i]),
            Op::Insert(j) => ('+', b[j]),
        };
        out.push(sign);
        out.push_str(line);
        if !line.ends_with('\n') {
            out.push_str("\n\\ No newline at end of file\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(unified("a\nb\n", "a\nb\n", "a/x", "b/x"), "");
    }

    #[test]
    fn one_change_with_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n8\n9\n";
        let new = "1\n2\n3\n4\nfive\n6\n7\n8\n9\n";
        assert_eq!(
            unified(old, new, "a/x", "b/x"),
            "--- a/x\n+++ b/x\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"
        );
    }

    #[test]
    fn distant_changes_make_two_hunks_and_insertions_count_right() {
        let old: String = (1..=20).map(|n| format!("{n}\n")).collect();
        let new = old.replacen("2\n", "2\nnew\n", 1).replace("\n19\n", "\n");
        assert_eq!(
            unified(&old, &new, "a/x", "b/x"),
            "--- a/x\n+++ b/x\n@@ -1,5 +1,6 @@\n 1\n 2\n+new\n 3\n 4\n 5\n@@ -16,5 +17,4 @@\n 16\n 17\n 18\n-19\n 20\n"
        );
    }

    #[test]
    fn missing_file_and_missing_final_newline() {
        assert_eq!(
            unified("", "a\nb\n", "/dev/null", "b/x"),
            "--- /dev/null\n+++ b/x\n@@ -0,0 +1,2 @@\n+a\n+b\n"
        );
        assert_eq!(
            unified("a\nb", "a\nb\n", "a/x", "b/x"),
            "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n"
        );
    }
}
