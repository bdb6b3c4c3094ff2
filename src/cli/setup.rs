//! `rolecall setup credential-process TARGET`: the AWS config stanza that makes
//! the AWS CLI and SDKs get a target's credentials from rolecall.

use clap::{Args, Subcommand};

use super::print;
use crate::config::edit::{append_stanza, check_profile_name, check_target, check_value};
use crate::service::assume::{Flags, plan_for};
use crate::service::{AppError, Context};

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
    /// Keep one credential_process profile per selected target in rolecall's block of the AWS config file.
    Profiles(super::setup_profiles::ProfilesSetup),
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
    pub async fn run(self, ctx: &Context) -> Result<u8, AppError> {
        let setup = match self.what {
            SetupWhat::CredentialProcess(setup) => setup,
            SetupWhat::Profiles(profiles) => return profiles.run(ctx).await,
        };
        // What goes into the file is checked before anything else is done with it.
        check_target(&setup.target).map_err(|e| AppError::usage(format!("target {e}")))?;
        let name = setup.profile_name.clone().unwrap_or_else(|| default_name(&setup.target));
        check_profile_name(&name).map_err(|e| AppError::usage(format!("--profile-name {e}")))?;
        let plan = plan_for(ctx, &setup.target, &Flags::default())?;
        check_value(&plan.region).map_err(|e| AppError::usage(format!("region {e}")))?;
        let exe =
            std::env::current_exe().map_err(|e| AppError::usage(format!("cannot find rolecall's own path: {e}")))?;
        check_value(&exe.to_string_lossy()).map_err(|e| AppError::usage(format!("rolecall's own path {e}")))?;
        let command =
            shell_words::join([exe.to_string_lossy().as_ref(), "credential-process", "--", setup.target.as_str()]);
        let stanza = format!("[profile {name}]\ncredential_process = {command}\nregion = {}\n", plan.region);
        if !setup.write {
            print(&stanza)?;
            return Ok(0);
        }
        if ctx.aws.has_profile(&name) {
            return Err(AppError::usage(format!(
                "profile '{name}' already exists in '{}'; choose another with --profile-name",
                ctx.aws.files.config.display()
            )));
        }
        let path = &ctx.aws.files.config;
        let backup = append_stanza(path, &stanza)?;
        match backup {
            Some(b) => ctx.warn(&format!("added profile '{name}' to '{}' (backup: '{}')", path.display(), b.display())),
            None => ctx.warn(&format!("created '{}' with profile '{name}'", path.display())),
        }
        ctx.warn(&format!("try: aws --profile {name} sts get-caller-identity"));
        Ok(0)
    }
}

fn default_name(target: &str) -> String {
    let safe: String =
        target.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '-' }).collect();
    format!("rolecall-{safe}")
}
