//! `rolecall exec TARGET [-- CMD ARGS…]`: run a command with a target's credentials.

use std::ffi::OsString;

use clap::Args;

use super::Context;
use super::assume::{AssumeArgs, assume};
use crate::broker::BrokerError;
use crate::config::ConfigError;
use crate::output::exec;
use crate::output::export::SessionEnv;

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
    pub async fn run(self, ctx: &Context) -> Result<u8, BrokerError> {
        if let Ok(current) = ctx.env.get("ROLECALL_TARGET")
            && !current.is_empty()
            && !self.force
        {
            return Err(ConfigError::Usage(format!(
                "already inside a rolecall session for '{current}'; exit it first, or pass --force to nest"
            ))
            .into());
        }
        let (plan, outcome) = assume(ctx, &self.target, &self.assume).await?;
        eprintln!("rolecall: {} as {}", self.target, outcome.session.identity.arn);
        let argv = exec::command_line(self.command);
        let env = SessionEnv::new(&outcome.session.credentials, &plan.region, &self.target)
            .with_endpoint(child_endpoint(ctx, &plan));
        let child = exec::command(&argv, &env);
        drop(outcome);
        exec::run(child)
            .map_err(|e| ConfigError::Usage(format!("cannot run '{}': {e}", argv[0].to_string_lossy())).into())
    }
}

/// The endpoint a child should be pointed at: the target profile's
/// `endpoint_url`, unless rolecall's own environment already sets one.
pub fn child_endpoint(ctx: &Context, plan: &crate::broker::Plan) -> Option<String> {
    if ctx.env.get("AWS_ENDPOINT_URL").is_ok() {
        return None;
    }
    plan.endpoint_profile.as_deref().and_then(|p| ctx.aws.profile_endpoint_url(p))
}
