//! The report's prose: how each measurement is made, where the time goes, the optimisations
//! made and what was left out.

/// The method: how each workspace is made and each measurement taken; then where the time
/// goes ([`time_spent`]) and the optimisations made ([`optimisations`]).
pub(super) fn method(out: &mut String) {
    out.push_str(
        "## Method\n\n\
         - **The crates.io workspace** is assembled at bench time (`rust/bench/src/crates_io.rs`): \
         a seed project (`rust/bench/seed.toml`, versions pinned by `rust/bench/seed.lock`) \
         depends on about thirty popular crates; `cargo vendor` fetches its whole graph; every \
         package cargo compiles for the seed on the host (the newest version of each) is copied \
         unchanged into `crates/<name>` and becomes a member; dependencies between members \
         become path dependencies (where the member's version meets the requirement), so the \
         members depend on each other inside the workspace. The scan and `--mode rustc` never \
         resolve dependencies, so the workspace needs no lock file (the members' \
         dev-dependencies were never vendored). `cargo check` from clean runs on the seed \
         project, offline from the vendored sources: the same packages, with the features cargo \
         resolves for them, libraries and build scripts (the scan also covers the members' \
         tests, benches and examples, which cargo does not check there).\n\
         - **This project's workspace** is scanned in a copy (without `target/` and hidden \
         directories), since the edit measurement appends to a file; `cargo check --workspace` \
         from clean builds the repository itself and compiles its crates.io dependencies too \
         (into an empty target directory, offline).\n\
         - **Cache states** are measured in the worker's own cache directory; the \
         `cargo-unit-sources` and plugin processes get theirs (`--cache-dir`, \
         `RUST_UNIT_SOURCES_CACHE_DIR`), filled by an untimed run first; `--no-cache` and an \
         empty `RUST_UNIT_SOURCES_CACHE_DIR` turn them off.\n\
         - **The floor** is what any tool listing and hashing the same files must do at least: \
         one `read` and one blake3 per file, in parallel. The scan does that too (every file's \
         digest goes into the unit hashes) and in addition lexes Rust files, resolves modules \
         (`stat`s for `x.rs` / `x/mod.rs`), plans units from `cargo metadata`, and builds the \
         model.\n\
         - **`cargo metadata`** is one process spawn in the scans that run it (cold cache, no \
         cache); its cost is that of cargo loading every manifest and does not depend on the \
         scanner. It is timed alone and subtracted in those states' \"scan − metadata\" \
         columns. With a cache whose answer of cargo's holds (unchanged, after an edit) cargo \
         does not run and nothing is subtracted.\n\
         - **Peak RSS** of processes comes from `getrusage(RUSAGE_CHILDREN)` in a worker process \
         that runs only the measured command; the in-process scan's from `RUSAGE_SELF` in a \
         worker that only scans.\n\
         - The benchmark is a binary, not a test: `cargo test` never runs it. \
         `unit-sources-bench generate --packages N DIR` and `unit-sources-bench crates-io DIR` \
         write the generated and the crates.io workspaces for profiling.\n\n",
    );
    time_spent(out);
    optimisations(out);
}

/// Where the time goes in each cache state.
fn time_spent(out: &mut String) {
    out.push_str(
        "## Where the time goes\n\n\
         - **Unchanged** (every evaluation of a workspace nobody edited): the check of cargo's \
         stored answer (every manifest read and hashed, a `stat` per path target \
         auto-discovery looks at, the configuration files and the `cargo` binary's identity), \
         then the fingerprint check, which reads and hashes every recorded file (the floor's \
         work; it streams each file through blake3 without allocating, so it can come in under \
         the floor) and `lstat`s every probed path (on the generated workspaces, every module's \
         missing alternative: `x/mod.rs` beside `x.rs`), then decodes the stored model. Before \
         cargo's answer was cached, `cargo metadata` (one process, single-threaded) was the \
         largest part on every workspace here and nearly the whole cost on small ones.\n\
         - **After an edit**: the checks as above, then planning, walking the few units that \
         read the edited file (lexing only it), and writing the fingerprint and parse cache \
         again.\n\
         - **No cache**: instruction counts (callgrind, one thread, `cargo-unit-sources scan` \
         on the crates.io workspace, measured while working on issue 7): rustc's lexer \
         (`ra-ap-rustc_lexer`) is about 30% of the scan's instructions; building token trees \
         and extracting items about 40%, a third of that `malloc`/`free` of the trees' vectors; \
         blake3 3%; module resolution, paths and hash maps the rest. The lexer alone costs \
         three to four times the floor's CPU time, so a scan that lexes everything cannot come \
         within 2× of the floor: hence the caches.\n\n",
    );
}

/// The optimisations made for issue 7, and what was left out.
fn optimisations(out: &mut String) {
    out.push_str(
        "Optimisations made for issue 7:\n\n\
         - `cargo metadata`'s answer cached (`rust/unit-sources/src/workspace/metadata_cache.rs`) with \
         observations of every input cargo reads for it: on this project's workspace cargo was \
         41 of the 44 ms of an unchanged scan, on 1000 generated packages 0.88 of 1.20 s \
         (the previous run of this benchmark). Checking while cargo runs, tried before, \
         gained nothing: on two cores both are CPU-bound and slowed each other down.\n\
         - The scan fingerprint (`rust/unit-sources/src/record/inputs.rs`): cargo's freshness \
         check applied to the model, per unit. `cargo-unit-sources scan` on the crates.io \
         workspace, measured while developing it: 626 ms without → 181 ms with a fresh \
         fingerprint (of which `cargo metadata` about 90 ms); after editing one file, about \
         290 ms.\n\
         - The parse cache (`parse_cache.rs`): items by content digest, indexed on load and \
         decoded on lookup. Without a fingerprint, the crates.io workspace: 881 → 356 ms.\n\
         - Each candidate path is `stat`ed once per scan (a workspace-wide cache): the walk \
         used to `stat` a module file three times per unit that reads it and its missing \
         alternative once per unit; `statx` calls for the 1000-package workspace, `cargo \
         metadata` included: 297,035 → 144,035. A missing path costs one `lstat`, not `stat` \
         + `lstat`.\n\
         - Token trees: one shared stack of trees, a group's trees moved once into a vector of \
         their exact size when it closes; newlines counted only in tokens that can span lines; \
         the lexer's cursor driven directly. Instructions for the crates.io workspace: 7.24 G \
         → 6.51 G (−10%), same model.\n\
         - Already in place: one `SourceCache` per scan shared by all units and threads (each \
         file read, hashed with blake3 and lexed once, however many units read it), units \
         scanned on rayon's pool, one `cargo metadata` per scan, no process per unit.\n\n\
         - `--mode rustc` keeps each unit's dep-info in the cache (`dep_info_cache.rs`), keyed by \
         `rustc -vV` and the unit's configuration and checked by the digests of the files it \
         lists: a warm run reruns rustc only for units whose inputs changed.\n\n\
         Left out: caching cargo's answer with `--dependencies` (its inputs then include \
         `Cargo.lock`, vendored sources and source replacement: cargo always runs), and a flat \
         token representation that would make the uncached scan cheaper (a rewrite of the \
         extractor).\n",
    );
}
