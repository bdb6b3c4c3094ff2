//! The command line: clap definitions and dispatch to one module per subcommand.

pub mod accounts;
pub mod assume;
mod credential_process;
pub mod exec;
mod export;
mod forget;
pub mod list;
mod login;
mod setup;
mod status;
mod whoami;

use std::io::Write;
use std::path::PathBuf;

use aws_types::os_shim_internal::Env;
use clap::{Parser, Subcommand};

use crate::broker::BrokerError;
use crate::config::{AwsConfig, Settings};

/// Find an AWS account and role, assume it with MFA once, and get credentials where you need them.
#[derive(Debug, Parser)]
#[command(name = "rolecall", version, about, long_about = None)]
pub struct Cli {
    /// Settings file (default: $ROLECALL_CONFIG, else the platform config dir's rolecall/config.toml).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
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
    /// Show who the ambient credentials, or a target's, are.
    Whoami(whoami::WhoamiCmd),
    /// List organisation accounts with id, name, state, OU path and tags.
    Accounts(accounts::AccountsCmd),
    /// Prime an MFA session, so later assumes need no code until it expires.
    Login(login::LoginCmd),
    /// List cached sessions and their time left (reads no secrets).
    Status(status::StatusCmd),
    /// Remove cached sessions from the keyring.
    Forget(forget::ForgetCmd),
    /// Connect other tools to rolecall (e.g. a credential_process profile).
    Setup(setup::SetupCmd),
    /// Print a target's credentials as credential_process JSON, cached in the keyring.
    CredentialProcess(credential_process::CredentialProcessCmd),
}

/// What every subcommand gets: the environment, the AWS files, the settings.
pub struct Context {
    /// The process environment, as aws-config's shim (injectable in tests).
    pub env: Env,
    /// The parsed AWS shared files.
    pub aws: AwsConfig,
    /// rolecall's settings.
    pub settings: Settings,
    /// Set by the TUI, which owns the terminal: print nothing, prompt for nothing.
    pub quiet: bool,
}

impl Context {
    /// Loads the AWS files and the settings.
    pub async fn load(settings_flag: Option<&std::path::Path>) -> Result<Self, BrokerError> {
        let env = Env::real();
        let settings = Settings::load(settings_flag)?;
        let aws = AwsConfig::load(&env).await?;
        Ok(Self { env, aws, settings, quiet: false })
    }

    /// Prints a warning or notice on stderr, unless the TUI owns the terminal.
    pub fn warn(&self, text: &str) {
        if !self.quiet {
            eprintln!("rolecall: {text}");
        }
    }
}

/// Runs the parsed command line and returns the process exit code.
pub async fn run(cli: Cli) -> Result<u8, BrokerError> {
    use crate::tui::app::Mode;
    // The credential_process fast path must not parse the AWS files unless it has to.
    let command = match cli.command {
        Some(Command::CredentialProcess(cmd)) => return cmd.run(cli.config.as_deref()).await,
        other => other,
    };
    let ctx = Context::load(cli.config.as_deref()).await?;
    match command {
        None if cli.select => crate::tui::run(ctx, Mode::Pick).await,
        None => crate::tui::run(ctx, Mode::Assume).await,
        Some(Command::Pick) => crate::tui::run(ctx, Mode::Pick).await,
        Some(Command::List(cmd)) => cmd.run(&ctx).await,
        Some(Command::Export(cmd)) => cmd.run(&ctx).await,
        Some(Command::Exec(cmd)) => cmd.run(&ctx).await,
        Some(Command::Whoami(cmd)) => cmd.run(&ctx).await,
        Some(Command::Accounts(cmd)) => cmd.run(&ctx).await,
        Some(Command::Login(cmd)) => cmd.run(&ctx).await,
        Some(Command::Status(cmd)) => cmd.run(&ctx).await,
        Some(Command::Forget(cmd)) => cmd.run(&ctx).await,
        Some(Command::Setup(cmd)) => cmd.run(&ctx).await,
        Some(Command::CredentialProcess(cmd)) => cmd.run(cli.config.as_deref()).await,
    }
}

/// Writes to stdout; a closed pipe (e.g. `| head`) is not an error.
pub fn print(text: &str) -> Result<(), BrokerError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(BrokerError::Unsupported(format!("cannot write to stdout: {e}"))),
    }
}
