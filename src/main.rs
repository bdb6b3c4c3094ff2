//! The rolecall binary: parse arguments, run, map errors to exit codes (DESIGN rule 12).

use std::process::ExitCode;

use clap::Parser;

/// Startup builds tens of thousands of small strings for a large organisation;
/// mimalloc makes that (and freeing them) markedly cheaper than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use rolecall::cli::{Cli, run};

fn main() -> ExitCode {
    rolecall::tui::mark_start();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rolecall: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("rolecall: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}
