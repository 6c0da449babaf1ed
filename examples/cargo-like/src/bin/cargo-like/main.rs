mod cli;

fn main() {
    println!("{}", cli::main());
}
