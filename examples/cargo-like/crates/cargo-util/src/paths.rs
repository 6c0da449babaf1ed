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
