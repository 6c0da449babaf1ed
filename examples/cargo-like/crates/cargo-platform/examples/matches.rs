fn main() {
    println!("{}", cargo_platform::host());
}
