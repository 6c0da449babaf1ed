//! `cargo unit-sources cache info` and `cache gc`: what the cache directory holds, and trimming
//! it to its size limit (least recently used files first).

use rust_unit_sources::{
    cache_gc, cache_info, default_cache_dir, default_cache_limit, parse_size, CacheInfo, Totals,
};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

#[derive(clap::Args)]
pub struct CacheArgs {
    #[command(subcommand)]
    action: Action,
}

#[derive(clap::Subcommand)]
enum Action {
    /// Shows what the cache directory holds: its size against the limit, by kind of file, and
    /// each workspace's record.
    Info {
        #[command(flatten)]
        dir: DirFlags,
        /// Print it as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Removes the least recently used files until the directory is within its size limit (a
    /// scan does this too after writing; `--cache-limit 0` empties it).
    Gc {
        #[command(flatten)]
        dir: DirFlags,
    },
}

/// Which cache directory, and its limit.
#[derive(clap::Args)]
struct DirFlags {
    /// The cache directory (default: the scan's, `$RUST_UNIT_SOURCES_CACHE_DIR`, else
    /// `$XDG_CACHE_HOME/rust-unit-sources`, else `~/.cache/rust-unit-sources`).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// Its size limit (bytes, or with K, M, G or T; default: `$RUST_UNIT_SOURCES_CACHE_LIMIT`,
    /// else 1G).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    cache_limit: Option<u64>,
}

impl DirFlags {
    fn resolve(self) -> Result<(PathBuf, u64), String> {
        let dir = self.cache_dir.or_else(default_cache_dir).ok_or(
            "no cache directory: the caches are off (RUST_UNIT_SOURCES_CACHE_DIR is empty, or neither XDG_CACHE_HOME nor HOME is set); name one with --cache-dir",
        )?;
        let limit = match self.cache_limit {
            Some(limit) => limit,
            None => default_cache_limit().map_err(|e| e.to_string())?,
        };
        Ok((dir, limit))
    }
}

pub fn run(args: CacheArgs) -> Result<ExitCode, String> {
    match args.action {
        Action::Info { dir, json } => {
            let (dir, limit) = dir.resolve()?;
            let info = cache_info(&dir, limit);
            let text = match json {
                true => serde_json::to_string_pretty(&info).map_err(|e| e.to_string())?,
                false => describe(&info),
            };
            println!("{text}");
        }
        Action::Gc { dir } => {
            let (dir, limit) = dir.resolve()?;
            let outcome = cache_gc(&dir, limit).map_err(|e| e.to_string())?;
            println!(
                "removed {}; left {} (limit {})",
                files(outcome.removed),
                files(outcome.left),
                size(outcome.limit)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The human-readable `cache info`.
fn describe(info: &CacheInfo) -> String {
    let mut lines = vec![
        format!("cache directory: {}", info.dir.display()),
        format!("limit: {}", size(info.limit)),
        format!("used: {}", files(info.total)),
    ];
    for (what, totals) in [
        ("scan records", info.records),
        ("parse entries", info.parse_entries),
        ("rustc dep-info", info.dep_info),
        ("other", info.other),
    ] {
        lines.push(format!("  {what}: {}", files(totals)));
    }
    if !info.record_list.is_empty() {
        lines.push("records, most recently used first:".to_string());
    }
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    for record in &info.record_list {
        lines.push(format!(
            "  {}: {} units ({} walked when written), cargo's answer {}, used {} ago",
            record.root,
            record.units,
            record.walked,
            if record.cargo_answer {
                "stored"
            } else {
                "not stored"
            },
            age(now.saturating_sub(record.last_used))
        ));
    }
    lines.join("\n")
}

fn files(totals: Totals) -> String {
    let plural = if totals.files == 1 { "" } else { "s" };
    format!("{} file{plural}, {}", totals.files, size(totals.bytes))
}

/// `bytes` in the largest binary unit below it, with one decimal.
fn size(bytes: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    match unit {
        0 => format!("{bytes} B"),
        _ => format!("{value:.1} {}", units[unit]),
    }
}

fn age(secs: u64) -> String {
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min", secs / 60),
        7200..=172_799 => format!("{} h", secs / 3600),
        _ => format!("{} days", secs / 86_400),
    }
}
