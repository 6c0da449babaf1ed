#[test]
fn target_is_known() {
    assert!(!cargo_like::BUILD_TARGET.is_empty());
}
