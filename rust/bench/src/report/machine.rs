//! The machine and toolchain a run was measured on.

use std::process::Command;

/// The machine and toolchain a run was measured on.
#[derive(Debug)]
pub struct Machine {
    /// Threads available (rayon's pool size).
    pub cpus: usize,
    /// `model name` of `/proc/cpuinfo`.
    pub cpu: String,
    /// `MemTotal` of `/proc/meminfo`, in GiB.
    pub memory_gib: f64,
    /// `rustc -V`, `cargo -V`, `nix-instantiate --version`.
    pub tools: Vec<String>,
    /// The date of the run (UTC).
    pub date: String,
    /// `/proc/loadavg` when the run started.
    pub load_before: String,
    /// `/proc/loadavg` when the measurements ended (set by the caller).
    pub load_after: String,
}

impl Machine {
    /// Describes this machine.
    pub fn describe() -> Result<Machine, String> {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| l.strip_prefix("model name"))
            .map(|l| l.trim_start_matches([' ', '\t', ':']).to_string())
            .unwrap_or_else(|| "unknown".into());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_kib: f64 = meminfo
            .lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0.0);
        let output = |program: &str, arg: &str| -> String {
            Command::new(program)
                .arg(arg)
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .unwrap_or_else(|| format!("{program}: not found"))
        };
        Ok(Machine {
            cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
            cpu,
            memory_gib: memory_kib / 1024.0 / 1024.0,
            tools: vec![
                output("rustc", "-V"),
                output("cargo", "-V"),
                output("nix-instantiate", "--version"),
            ],
            date: output("date", "-u")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            load_before: load_average(),
            load_after: String::new(),
        })
    }
}

/// The first three fields of `/proc/loadavg` (1, 5 and 15 minute load averages).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .unwrap_or_default()
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}
