//! The `blastradius` command: arguments are parsed and checked here, everything else lives in
//! the library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
