pub fn describe(args: &[String]) -> String {
    format!("compiling {} unit(s) for {}", args.len(), cargo_platform::host())
}
