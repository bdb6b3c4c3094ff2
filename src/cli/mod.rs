//! The command line: clap definitions and dispatch to one module per subcommand.

mod accounts;
mod assume;
mod credential_process;
mod exec;
mod export;
mod forget;
mod list;
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
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
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
}

impl Context {
    /// Loads the AWS files and the settings.
    pub async fn load(settings_flag: Option<&std::path::Path>) -> Result<Self, BrokerError> {
        let env = Env::real();
        let settings = Settings::load(settings_flag)?;
        let aws = AwsConfig::load(&env).await?;
        Ok(Self { env, aws, settings })
    }
}

/// Runs the parsed command line and returns the process exit code.
pub async fn run(cli: Cli) -> Result<u8, BrokerError> {
    // The credential_process fast path must not parse the AWS files unless it has to.
    if let Command::CredentialProcess(cmd) = cli.command {
        return cmd.run(cli.config.as_deref()).await;
    }
    let ctx = Context::load(cli.config.as_deref()).await?;
    match cli.command {
        Command::List(cmd) => cmd.run(&ctx).await,
        Command::Export(cmd) => cmd.run(&ctx).await,
        Command::Exec(cmd) => cmd.run(&ctx).await,
        Command::Whoami(cmd) => cmd.run(&ctx).await,
        Command::Accounts(cmd) => cmd.run(&ctx).await,
        Command::Login(cmd) => cmd.run(&ctx).await,
        Command::Status(cmd) => cmd.run(&ctx).await,
        Command::Forget(cmd) => cmd.run(&ctx).await,
        Command::Setup(cmd) => cmd.run(&ctx).await,
        Command::CredentialProcess(cmd) => cmd.run(cli.config.as_deref()).await,
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
