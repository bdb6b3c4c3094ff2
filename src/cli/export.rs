//! `rolecall export TARGET`: assume and print the credentials.

use clap::Args;

use super::assume::AssumeArgs;
use super::print;
use crate::output::export::{Format, render};
use crate::service::{AppError, Context, Prompt, assume};

/// Assume a target and print its credentials.
#[derive(Debug, Args)]
pub struct ExportCmd {
    /// Profile name or ACCOUNT/ROLE.
    pub target: String,
    /// Output format: env (POSIX export lines), fish, pwsh, json (credential_process), dotenv, nushell (a record for load-env).
    #[arg(long, short, value_enum, default_value = "env")]
    pub format: Format,
    #[command(flatten)]
    pub assume: AssumeArgs,
}

impl ExportCmd {
    /// Runs the command.
    pub async fn run(self, ctx: &Context) -> Result<u8, AppError> {
        let assumed = assume(ctx, &self.target, &self.assume.flags()?, Prompt::Terminal).await?;
        ctx.warn(&format!("{} as {}", self.target, assumed.session.identity.arn));
        let text = render(self.format, &assumed.session.credentials, &assumed.plan.region, &self.target)
            .map_err(|e| AppError::usage(e.to_string()))?;
        print(&text)?;
        Ok(0)
    }
}
