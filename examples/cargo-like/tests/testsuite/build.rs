#[test]
fn build_describes_units() {
    assert!(cargo_like::run(&["a".into()]).contains("1 unit"));
}
