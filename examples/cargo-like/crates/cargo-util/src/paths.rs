/// Formats a count with itoa.
pub fn count(n: u64) -> String {
    itoa::Buffer::new().format(n).to_string()
}

/// Indents a line.
pub fn indent(line: &str) -> String {
    format!("    {line}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn indents() {
        assert_eq!(super::indent("x"), "    x");
    }
}
