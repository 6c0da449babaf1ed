pub const FAMILY: &str = "unix";
