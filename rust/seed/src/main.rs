//! `seed-workspaces`: assembles real workspaces from crates.io alone (see the library's
//! documentation): cargo 0.96.0's own workspace (`<out>/cargo-0.96.0`) and a vendored
//! workspace of popular crates (`<out>/popular-crates`).
//!
//! `seed-workspaces assemble [--out DIR] [WORKSPACE…]` assembles them (or keeps them when they
//! are already assembled from the same pins) and prints one line per workspace;
//! `seed-workspaces update-locks` regenerates the pinned lock files (online).
//!
//! Exit status 0 on success; 2 with one line `error: …` on stderr otherwise.

use clap::{Parser, Subcommand, ValueEnum};
use rust_unit_sources_seed::{cargo_workspace, popular, Cache, Workspace};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "seed-workspaces",
    about = "Real workspaces assembled from crates.io alone"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Assembles the workspaces under `--out` (default: `<cache>/workspaces`).
    Assemble {
        /// The directory to assemble them in.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Assemble again even when the workspace is already there.
        #[arg(long)]
        fresh: bool,
        /// Which workspaces (default: all).
        #[arg(value_enum)]
        workspaces: Vec<Which>,
    },
    /// Regenerates the pinned lock files in this crate's `locks/` (online).
    UpdateLocks,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Which {
    /// cargo 0.96.0's own workspace (`cargo-0.96.0`).
    Cargo,
    /// The popular crates (`popular-crates`).
    Popular,
}

impl Which {
    /// The workspace's directory under the output directory.
    fn dir(self) -> String {
        match self {
            Which::Cargo => format!("cargo-{}", cargo_workspace::VERSION),
            Which::Popular => popular::PACKAGE.to_string(),
        }
    }

    fn assemble(self, root: &Path, cache: &Cache) -> Result<Workspace, String> {
        match self {
            Which::Cargo => cargo_workspace::assemble(root, cache),
            Which::Popular => popular::assemble(root),
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse().command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<(), String> {
    let cache = Cache::from_env()?;
    match command {
        Command::Assemble {
            out,
            fresh,
            workspaces,
        } => {
            let out = out.unwrap_or_else(|| cache.dir().join("workspaces"));
            let all = [Which::Cargo, Which::Popular];
            for which in if workspaces.is_empty() {
                &all[..]
            } else {
                &workspaces
            } {
                let root = out.join(which.dir());
                if fresh {
                    rust_unit_sources_seed::forget(&root)?;
                }
                let workspace = which.assemble(&root, &cache)?;
                let members: Vec<String> = workspace
                    .members
                    .iter()
                    .map(|m| {
                        format!(
                            "{} {} ({})",
                            m.name,
                            m.version,
                            if m.path.is_empty() { "." } else { &m.path }
                        )
                    })
                    .collect();
                println!(
                    "{}: {} members: {}; {} vendored; dropped from workspace.members: {}",
                    root.display(),
                    members.len(),
                    members.join(", "),
                    workspace.vendored,
                    if workspace.dropped_members.is_empty() {
                        "none".to_string()
                    } else {
                        workspace.dropped_members.join(", ")
                    }
                );
            }
            Ok(())
        }
        Command::UpdateLocks => {
            let locks = Path::new(env!("CARGO_MANIFEST_DIR"));
            let scratch = cache.dir().join("update-locks");
            let cargo = cargo_workspace::update_lock(&scratch.join("cargo"), &cache)?;
            write_lock(&locks.join(cargo_workspace::LOCK_FILE), &cargo)?;
            let popular = popular::update_lock(&scratch.join("popular"))?;
            write_lock(&locks.join(popular::LOCK_FILE), &popular)?;
            std::fs::remove_dir_all(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))
        }
    }
}

fn write_lock(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("{}", path.display());
    Ok(())
}
