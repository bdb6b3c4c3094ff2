//! `rolecall export TARGET`: assume and print the credentials.

use clap::Args;

use super::assume::{AssumeArgs, assume};
use super::{Context, print};
use crate::broker::BrokerError;
use crate::config::ConfigError;
use crate::output::export::{Format, render};

/// Assume a target and print its credentials.
#[derive(Debug, Args)]
pub struct ExportCmd {
    /// Profile name or ACCOUNT/ROLE.
    pub target: String,
    /// Output format: env (POSIX export lines), fish, pwsh, json (credential_process), dotenv.
    #[arg(long, short, value_enum, default_value = "env")]
    pub format: Format,
    #[command(flatten)]
    pub assume: AssumeArgs,
}

impl ExportCmd {
    /// Runs the command.
    pub async fn run(self, ctx: &Context) -> Result<u8, BrokerError> {
        let (plan, outcome) = assume(ctx, &self.target, &self.assume).await?;
        eprintln!("rolecall: {} as {}", self.target, outcome.session.identity.arn);
        let text = render(self.format, &outcome.session.credentials, &plan.region, &self.target)
            .map_err(|e| ConfigError::Usage(e.to_string()))?;
        print(&text)?;
        Ok(0)
    }
}
