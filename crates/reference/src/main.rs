//! `reference`: the socket-lab/1 reference server and client. See `reference --help`.

/// jemalloc, whose background thread gives freed memory back to the system: a server left
/// running for a class sees waves of connections, and glibc's allocator kept what each wave
/// fragmented (8 MB grew to 30 MB at default limits, 147 MB to 350 MB over waves of 10k).
#[cfg(unix)]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    reference::cli::main()
}
