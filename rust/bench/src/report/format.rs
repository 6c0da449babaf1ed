//! How the report writes times, sizes, ratios and verdicts.

pub(super) fn time(secs: f64) -> String {
    if secs < 1.0 {
        format!("{:.1} ms", secs * 1000.0)
    } else {
        format!("{secs:.2} s")
    }
}

pub(super) fn mib(kib: u64) -> String {
    format!("{:.0} MiB", kib as f64 / 1024.0)
}

pub(super) fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 {
        format!("{:.1}×", a / b)
    } else {
        "–".into()
    }
}

pub(super) fn verdict(met: bool) -> &'static str {
    if met {
        "**met**"
    } else {
        "**missed**"
    }
}

pub(super) fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_ratios_read_well() {
        assert_eq!(time(0.0123), "12.3 ms");
        assert_eq!(time(12.345), "12.35 s");
        assert_eq!(ratio(3.0, 2.0), "1.5×");
        assert_eq!(ratio(3.0, 0.0), "–");
        assert_eq!(mib(2048), "2 MiB");
    }
}
