//! `cargo-unit-sources`: prints, for every compilation unit of a Cargo workspace, the files rustc
//! reads for it. Works as `cargo unit-sources` when on `PATH`.
//!
//! Exit status: 0 on success; 2 with one line `error: <file>:<line>: <message>` on stderr when
//! the workspace or the arguments are at fault.

mod nix_expr;

use clap::{Parser, Subcommand, ValueEnum};
use rust_unit_sources::{scan, FeatureSelection, ScanOptions};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cargo-unit-sources",
    version,
    about = "The files rustc reads for every unit of a Cargo workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Prints the unit model of a workspace (see docs/schema.md).
    Scan(ScanArgs),
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Path to Cargo.toml (or a directory holding one).
    #[arg(long, value_name = "PATH", default_value = "Cargo.toml")]
    manifest_path: PathBuf,
    /// Features to assume (comma or space separated; `package/feature` for one member).
    /// Without any feature flag, every feature is assumed (the superset).
    #[arg(short = 'F', long, value_name = "FEATURES")]
    features: Option<Vec<String>>,
    /// Assume every feature of every member.
    #[arg(long)]
    all_features: bool,
    /// Do not assume the `default` feature.
    #[arg(long)]
    no_default_features: bool,
    /// Evaluate target cfgs exactly for this target triple.
    #[arg(long, value_name = "TRIPLE")]
    target: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// The model as JSON.
    Json,
    /// The model as a Nix expression.
    Nix,
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().collect();
    if args.get(1).is_some_and(|a| a == "unit-sources") {
        args.remove(1);
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let Command::Scan(args) = cli.command;
    let options = ScanOptions {
        manifest_path: args.manifest_path,
        features: FeatureSelection {
            features: args.features,
            all_features: args.all_features,
            no_default_features: args.no_default_features,
        },
        target: args.target,
    };
    let model = scan(&options).map_err(|e| e.to_string())?;
    let value = serde_json::to_value(&model).map_err(|e| e.to_string())?;
    let text = match args.format {
        Format::Json => serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?,
        Format::Nix => nix_expr::render(&value),
    };
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{text}").map_err(|e| format!("cannot write the output: {e}"))
}
