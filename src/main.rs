//! The `blastradius` command; everything it does lives in the library.

fn main() -> std::process::ExitCode {
    blastradius::cli::main()
}
