//! `rolecall exec TARGET [-- CMD ARGS…]`: run a command with a target's credentials.

use std::ffi::OsString;

use clap::Args;

use super::assume::AssumeArgs;
use crate::output::exec;
use crate::service::{AppError, Context, Prompt, assume, child};

/// Assume a target and run a command with its credentials.
#[derive(Debug, Args)]
pub struct ExecCmd {
    /// Profile name or ACCOUNT/ROLE.
    pub target: String,
    /// Run even inside another rolecall session (ROLECALL_TARGET is set).
    #[arg(long)]
    pub force: bool,
    #[command(flatten)]
    pub assume: AssumeArgs,
    /// The command and its arguments (default: $SHELL).
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<OsString>,
}

impl ExecCmd {
    /// Runs the command; returns the child's exit code.
    pub async fn run(self, ctx: &Context) -> Result<u8, AppError> {
        if let Ok(current) = ctx.env.get("ROLECALL_TARGET")
            && !current.is_empty()
            && !self.force
        {
            return Err(AppError::usage(format!(
                "already inside a rolecall session for '{}'; exit it first, or pass --force to nest",
                crate::text::clean(&current)
            )));
        }
        let assumed = assume(ctx, &self.target, &self.assume.flags()?, Prompt::Terminal).await?;
        ctx.warn(&format!("{} as {}", self.target, assumed.session.identity.arn));
        let argv = exec::command_line(self.command);
        let env = child::env(ctx, &assumed.plan, &self.target, &assumed.session);
        let child = exec::command(&argv, &env);
        drop(assumed);
        exec::run(child).map_err(|e| AppError::Spawn(format!("cannot run '{}': {e}", argv[0].to_string_lossy())))
    }
}
