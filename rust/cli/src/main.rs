//! `cargo-unit-sources`: prints, for every compilation unit of a Cargo workspace, the files rustc
//! reads for it. Works as `cargo unit-sources` when on `PATH`.
//!
//! `generate` writes the model as a checked-in Nix file (`units.nix`) for pure evaluation;
//! `cache info` and `cache gc` show and trim the cache directory.
//!
//! Exit status: 0 on success; 1 when `--mode check` finds a file rustc read that the native
//! scan missed, or when `generate --check` finds the file stale (a diff on stdout); 2 with one
//! line `error: <file>:<line>: <message>` on stderr when the workspace or the arguments are at
//! fault. A unit that cannot be built (a file it must read is missing, unreadable or
//! malformed) carries its error in the model and gets a `warning: <id>: <error>` line on
//! stderr; the status stays 0 unless `--strict` is given (then 2, with `error:` lines).

mod cache;
mod diff;
mod generate;
mod nix_expr;
mod scan_flags;

use clap::{Parser, Subcommand, ValueEnum};
use rust_unit_sources::{compare, rustc_model, rustc_oracle, scan, Model, OracleAnswer};
use scan_flags::ScanFlags;
use std::io::Write;
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
    /// Writes the unit model as a Nix file (`units.nix`) to check in, for pure evaluation.
    Generate(generate::GenerateArgs),
    /// Shows (`info`) or trims (`gc`) the cache directory.
    Cache(cache::CacheArgs),
}

#[derive(clap::Args)]
struct ScanArgs {
    #[command(flatten)]
    scan: ScanFlags,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    format: Format,
    /// How to find each unit's files.
    #[arg(long, value_enum, default_value_t = Mode::Native)]
    mode: Mode,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// The native scan (fast; a superset of rustc's dep-info).
    Native,
    /// `rustc --emit=dep-info` for every unit (exact, slow).
    Rustc,
    /// Both; prints what rustc read that the native scan missed (exit 1 if anything) and what
    /// the native scan listed that rustc did not read.
    Check,
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
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, String> {
    let args = match cli.command {
        Command::Scan(args) => args,
        Command::Generate(args) => return generate::run(args),
        Command::Cache(args) => return cache::run(args),
    };
    let options = args.scan.options();
    let native = scan(&options).map_err(|e| e.to_string())?;
    let mut stdout = std::io::stdout().lock();
    let (text, code) = match args.mode {
        Mode::Native => (render(&native, args.format)?, ExitCode::SUCCESS),
        Mode::Rustc => (
            render(
                &rustc_model(
                    &native,
                    options.cache_dir.as_deref(),
                    options.trust_workspace,
                )
                .map_err(|e| e.to_string())?,
                args.format,
            )?,
            ExitCode::SUCCESS,
        ),
        Mode::Check => check_report(
            &native,
            &rustc_oracle(
                &native,
                options.cache_dir.as_deref(),
                options.trust_workspace,
            )
            .map_err(|e| e.to_string())?,
        ),
    };
    writeln!(stdout, "{text}").map_err(|e| format!("cannot write the output: {e}"))?;
    Ok(args.scan.report_broken_units(&native, code))
}

fn render(model: &Model, format: Format) -> Result<String, String> {
    let value = serde_json::to_value(model).map_err(|e| e.to_string())?;
    Ok(match format {
        Format::Json => serde_json::to_string_pretty(&value).map_err(|e| e.to_string())?,
        Format::Nix => nix_expr::render(&value),
    })
}

/// One line per unit rustc could not expand (`unchecked <id>: rustc wrote no dep-info: …`),
/// per missed and per extra file, then a summary; exit 1 when anything was missed.
fn check_report(native: &Model, rustc: &OracleAnswer) -> (String, ExitCode) {
    let comparisons = compare(native, &rustc.model);
    let mut lines: Vec<String> = rustc
        .unexpanded
        .values()
        .map(|message| format!("unchecked {message}"))
        .collect();
    for unit in &comparisons {
        lines.extend(
            unit.missed
                .iter()
                .map(|m| format!("missed {}: {m}", unit.id)),
        );
        lines.extend(unit.extra.iter().map(|e| format!("extra {}: {e}", unit.id)));
    }
    let missed: usize = comparisons.iter().map(|c| c.missed.len()).sum();
    let extra: usize = comparisons.iter().map(|c| c.extra.len()).sum();
    let read: usize = comparisons.iter().map(|c| c.rustc_files).sum();
    let unchecked = match rustc.unexpanded.len() {
        0 => String::new(),
        n => format!(" ({n} unchecked: rustc cannot expand them without building)"),
    };
    lines.push(format!(
        "checked {} units{unchecked}: rustc read {read} files; native missed {missed}, listed \
         {extra} extra",
        comparisons.len()
    ));
    let code = if missed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    (lines.join("\n"), code)
}
