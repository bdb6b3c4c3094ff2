//! The command line: clap definitions and dispatch to one module per subcommand.

mod accounts;
mod assume;
mod complete_targets;
mod completions;
mod console;
mod credential_process;
mod doctor;
mod exec;
mod export;
mod forget;
mod list;
pub mod log;
mod login;
mod logout;
mod man;
mod prompt;
mod run;
mod select_args;
mod setup;
mod setup_profiles;
mod shell_init;
mod status;
mod whoami;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::output::write_stdout;
use crate::service::{AppError, Context};
use crate::tui::Mode;

/// Find an AWS account and role, assume it with MFA once, and get credentials where you need them.
#[derive(Debug, Parser)]
#[command(name = "rolecall", version, about, long_about = None)]
pub struct Cli {
    /// Settings file (default: $ROLECALL_CONFIG, else the platform config dir's rolecall/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Log what rolecall does to stderr: -v AWS requests, cache and MFA decisions; -vv more. ROLECALL_LOG (filter directives, e.g. 'rolecall=trace') overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Run the picker and print the chosen target id (same as 'rolecall pick').
    #[arg(long)]
    pub select: bool,
    /// What to do (default: the interactive picker).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Pick a target interactively and print its id (for scripts: rolecall exec "$(rolecall pick)").
    Pick,
    /// List every target with its kind, role, source chain, MFA and region.
    List(list::ListCmd),
    /// Assume a target and print its credentials for eval, a .env file or credential_process.
    Export(export::ExportCmd),
    /// Assume a target and run a command (default: $SHELL) with its credentials.
    Exec(exec::ExecCmd),
    /// Sign in to the AWS console as a target (opens the browser, or --print the URL).
    Console(console::ConsoleCmd),
    /// Run a command on many targets at once, each with its own credentials.
    Run(run::RunCmd),
    /// Show who the ambient credentials, or a target's, are.
    Whoami(whoami::WhoamiCmd),
    /// List organisation accounts with id, name, state, OU path and tags.
    Accounts(accounts::AccountsCmd),
    /// Prime an MFA session, so later assumes need no code until it expires.
    Login(login::LoginCmd),
    /// Sign out of IAM Identity Center: forget its tokens and the sessions made from them, then Logout.
    Logout(logout::LogoutCmd),
    /// List cached sessions and their time left (reads no secrets).
    Status(status::StatusCmd),
    /// Remove cached sessions from the keyring.
    Forget(forget::ForgetCmd),
    /// Connect other tools to rolecall (e.g. a credential_process profile).
    Setup(setup::SetupCmd),
    /// Print a target's credentials as credential_process JSON, cached in the keyring.
    CredentialProcess(credential_process::CredentialProcessCmd),
    /// Print a shell completion script (subcommands, flags and target ids).
    Completions(completions::CompletionsCmd),
    /// Print 'rc', a shell function that assumes a target in the current shell ('rc --unset' leaves it).
    ShellInit(shell_init::ShellInitCmd),
    /// Print the current session's target and time left, for a shell prompt (nothing outside a session).
    Prompt(prompt::PromptCmd),
    /// Check the AWS files, base credentials, keyring, clock, endpoints, cache dir and shell set-up; say how to fix each.
    Doctor(doctor::DoctorCmd),
    /// Print the man page (roff: rolecall man | man -l -).
    Man(man::ManCmd),
    /// Print the target ids that start with a prefix, one a line (used by the completion scripts).
    #[command(name = "__complete-targets", hide = true)]
    CompleteTargets(complete_targets::CompleteTargetsCmd),
}

/// What `rolecall --version` prints: clap's rendering of the `version` attribute
/// on [`Cli`] (a unit test holds the two together).
pub const VERSION_LINE: &str = concat!("rolecall ", env!("CARGO_PKG_VERSION"), "\n");

/// Runs a command that must not pay for parsing the command line or
/// starting the runtime, when the arguments are exactly that command:
/// `rolecall prompt`, and `rolecall --version` or `-V` (building clap's
/// command tree is most of a bare start). Anything more, such as `--help`,
/// goes through clap.
pub fn fast_path() -> Option<u8> {
    let mut args = std::env::args_os().skip(1);
    match (args.next(), args.next()) {
        (Some(first), None) if first == "prompt" => Some(prompt::PromptCmd {}.run().unwrap_or(1)),
        (Some(first), None) if first == "--version" || first == "-V" => {
            // As clap's `--version`: a closed stdout still exits 0.
            let _ = write_stdout(VERSION_LINE);
            Some(0)
        }
        _ => None,
    }
}

/// Runs the parsed command line and returns the process exit code.
pub async fn run(cli: Cli) -> Result<u8, AppError> {
    log::init(cli.verbose, matches!(cli.command, None | Some(Command::Pick)))?;
    // The fast paths must not parse the AWS files unless they have to.
    let command = match cli.command {
        Some(Command::CredentialProcess(cmd)) => return cmd.run(cli.config.as_deref()).await,
        Some(Command::List(cmd)) => return cmd.run(cli.config.as_deref()).await,
        Some(Command::Completions(cmd)) => return cmd.run(),
        Some(Command::Prompt(cmd)) => return cmd.run(),
        Some(Command::ShellInit(cmd)) => return cmd.run(),
        Some(Command::Man(cmd)) => return cmd.run(),
        Some(Command::Doctor(cmd)) => return cmd.run(cli.config.as_deref()).await,
        Some(Command::CompleteTargets(cmd)) => return cmd.run(cli.config.as_deref()).await,
        None if cli.select => return crate::tui::run(cli.config.as_deref(), Mode::Pick).await,
        None => return crate::tui::run(cli.config.as_deref(), Mode::Assume).await,
        Some(Command::Pick) => return crate::tui::run(cli.config.as_deref(), Mode::Pick).await,
        Some(other) => other,
    };
    let ctx = Context::load(cli.config.as_deref()).await?;
    match command {
        Command::Export(cmd) => cmd.run(&ctx).await,
        Command::Exec(cmd) => cmd.run(&ctx).await,
        Command::Console(cmd) => cmd.run(&ctx).await,
        Command::Run(cmd) => cmd.run(&ctx).await,
        Command::Whoami(cmd) => cmd.run(&ctx).await,
        Command::Accounts(cmd) => cmd.run(&ctx).await,
        Command::Login(cmd) => cmd.run(&ctx).await,
        Command::Logout(cmd) => cmd.run(&ctx).await,
        Command::Status(cmd) => cmd.run(&ctx).await,
        Command::Forget(cmd) => cmd.run(&ctx).await,
        Command::Setup(cmd) => cmd.run(&ctx).await,
        Command::Pick
        | Command::List(_)
        | Command::CredentialProcess(_)
        | Command::Completions(_)
        | Command::Prompt(_)
        | Command::ShellInit(_)
        | Command::Man(_)
        | Command::Doctor(_)
        | Command::CompleteTargets(_) => {
            Err(AppError::Internal("a fast-path command reached the general dispatch".into()))
        }
    }
}

/// Writes to stdout; a closed pipe (e.g. `| head`) is not an error.
pub fn print(text: &str) -> Result<(), AppError> {
    match write_stdout(text) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| AppError::Output(format!("stdout: {e}"))),
    }
}

/// Writes to stdout where the output is the whole point (credentials for a
/// caller): any failure, a closed pipe included, is an error.
pub fn print_strict(text: &str) -> Result<(), AppError> {
    write_stdout(text).map_err(|e| AppError::Output(format!("stdout: {e}; the credentials were not delivered")))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::{Cli, VERSION_LINE};

    #[test]
    fn the_version_fast_path_prints_what_clap_prints() {
        assert_eq!(Cli::command().render_version(), VERSION_LINE);
    }
}
