/// mimalloc: glibc's malloc took about a fifth of a search request's CPU time, across threads
/// (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    becta_api::cli::main()
}
