//! The rolecall binary: parse arguments, run, map errors to exit codes (rule 12 of docs/rules.md: exit codes).

use std::process::ExitCode;

use clap::Parser;
use clap::error::ErrorKind;
use rolecall::cli::{Cli, run};

/// Startup builds tens of thousands of small strings for a large organisation;
/// mimalloc makes that (and freeing them) markedly cheaper than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // `rolecall prompt` runs on every shell prompt: no argument parsing and no runtime.
    if let Some(code) = rolecall::cli::fast_path() {
        return ExitCode::from(code);
    }
    rolecall::tui::mark_start();
    // clap exits 2 on a bad flag; rolecall's 2 means "AWS refused" (rule 12 of docs/rules.md), a usage error is 1.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            let code = match e.kind() {
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => 0,
                _ => 1,
            };
            return ExitCode::from(code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("rolecall: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(run(cli));
    // Dropping a runtime waits, without limit, for blocking tasks: a keyring call
    // that timed out (stuck on an unlock prompt) would keep the process alive.
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("rolecall: {}", rolecall::text::clean_multiline(&err.to_string()));
            ExitCode::from(err.exit_code())
        }
    }
}
