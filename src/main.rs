//! The `tickcascade` binary: parse arguments, call the library, exit.

fn main() -> std::process::ExitCode {
    tickcascade::cli::main(std::env::args_os())
}
