fn main() -> std::process::ExitCode {
    becta_api::cli::main()
}
