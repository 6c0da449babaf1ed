pub const FAMILY: &str = "other";
