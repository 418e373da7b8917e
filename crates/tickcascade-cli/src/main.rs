//! The `tickcascade` binary: parse arguments, call the library, exit.

fn main() -> std::process::ExitCode {
    tickcascade_cli::run(std::env::args_os())
}
