//! `rolecall setup credential-process TARGET`: the AWS config stanza that makes
//! the AWS CLI and SDKs get a target's credentials from rolecall.

use clap::{Args, Subcommand};

use super::assume::{AssumeArgs, plan_for};
use super::{Context, print};
use crate::broker::BrokerError;
use crate::config::ConfigError;
use crate::config::edit::append_stanza;

/// Connect other tools to rolecall.
#[derive(Debug, Args)]
pub struct SetupCmd {
    /// What to set up.
    #[command(subcommand)]
    pub what: SetupWhat,
}

/// Things `setup` can do.
#[derive(Debug, Subcommand)]
pub enum SetupWhat {
    /// Print (or add) a profile whose credential_process is rolecall.
    CredentialProcess(CredentialProcessSetup),
}

/// `setup credential-process` flags.
#[derive(Debug, Args)]
pub struct CredentialProcessSetup {
    /// Profile name or ACCOUNT/ROLE.
    pub target: String,
    /// Name of the new profile (default: rolecall-<target>).
    #[arg(long, value_name = "NAME")]
    pub profile_name: Option<String>,
    /// Add the profile to the AWS config file (a timestamped backup is kept).
    #[arg(long)]
    pub write: bool,
}

impl SetupCmd {
    /// Runs the command.
    pub async fn run(self, ctx: &Context) -> Result<u8, BrokerError> {
        let SetupWhat::CredentialProcess(setup) = self.what;
        let plan = plan_for(ctx, &setup.target, &AssumeArgs::default())?;
        let name = setup.profile_name.clone().unwrap_or_else(|| default_name(&setup.target));
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '[' || c == ']') {
            return Err(ConfigError::Usage(format!("--profile-name '{name}' is not a usable profile name")).into());
        }
        let exe =
            std::env::current_exe().map_err(|e| ConfigError::Usage(format!("cannot find rolecall's own path: {e}")))?;
        let command = shell_words::join([exe.to_string_lossy().as_ref(), "credential-process", setup.target.as_str()]);
        let stanza = format!("[profile {name}]\ncredential_process = {command}\nregion = {}\n", plan.region);
        if !setup.write {
            print(&stanza)?;
            return Ok(0);
        }
        if ctx.aws.has_profile(&name) {
            return Err(ConfigError::Usage(format!(
                "profile '{name}' already exists in '{}'; choose another with --profile-name",
                ctx.aws.files.config.display()
            ))
            .into());
        }
        let path = &ctx.aws.files.config;
        let backup = append_stanza(path, &stanza)?;
        match backup {
            Some(b) => {
                eprintln!("rolecall: added profile '{name}' to '{}' (backup: '{}')", path.display(), b.display())
            }
            None => eprintln!("rolecall: created '{}' with profile '{name}'", path.display()),
        }
        eprintln!("rolecall: try: aws --profile {name} sts get-caller-identity");
        Ok(0)
    }
}

fn default_name(target: &str) -> String {
    let safe: String =
        target.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '-' }).collect();
    format!("rolecall-{safe}")
}
