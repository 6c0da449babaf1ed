#![doc = include_str!("../README.md")]
#![debugger_visualizer(natvis_file = "../debug/includes.natvis")]
#![cfg_attr(unix, debugger_visualizer(gdb_script_file = "../debug/printers.py"))]

// Not includes: include_str!("nope.txt") in a comment, and in strings.
const _NOT: &str = "include_str!(\"nope.txt\")";
const _RAW: &str = r#"include!("nope.rs")"#;

pub const TEXT: &str = include_str!("../data/text.txt");
pub const BYTES: &[u8] = core::include_bytes!(r"../data/bytes.bin");
pub const MANIFEST_RELATIVE: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/logo.svg"));
pub const CONCAT: &str = std::include_str!(concat!("../data/", "concat.txt"));

include!("parts/generated.rs");

#[cfg_attr(feature = "never", doc = include_str!("../data/doc.md"))]
pub struct Documented;
