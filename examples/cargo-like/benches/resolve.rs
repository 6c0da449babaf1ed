fn main() {
    println!("{}", cargo_like::run(&[]));
}
