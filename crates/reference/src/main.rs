//! `reference`: the socket-lab/1 reference server and client. See `reference --help`.

fn main() -> std::process::ExitCode {
    reference::cli::main()
}
