pub fn main() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    cargo_like::run(&args)
}
