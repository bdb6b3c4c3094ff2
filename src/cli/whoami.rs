//! `rolecall whoami [TARGET]`: `GetCallerIdentity` for the ambient credentials or a target.

use clap::Args;

use super::assume::AssumeArgs;
use super::print;
use crate::credentials::Identity;
use crate::service::{AppError, Context, Prompt, assume, whoami};

/// Show who the ambient credentials, or a target's, are.
#[derive(Debug, Args)]
pub struct WhoamiCmd {
    /// Profile name or ACCOUNT/ROLE (default: the environment's keys, else AWS_PROFILE, else 'default').
    pub target: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub assume: AssumeArgs,
}

impl WhoamiCmd {
    /// Runs the command. With no target, the credentials are found as the
    /// SDKs and the AWS CLI find them: environment keys first, then
    /// `AWS_PROFILE`, then the `default` profile.
    pub async fn run(self, ctx: &Context) -> Result<u8, AppError> {
        let target = match &self.target {
            Some(t) => Some(t.clone()),
            None if whoami::env_has_keys(ctx) => None,
            None => Some(ctx.aws.env_profile().unwrap_or("default").to_owned()),
        };
        let identity = match &target {
            Some(t) => assume(ctx, t, &self.assume.flags()?, Prompt::Terminal).await?.session.identity,
            None => whoami::ambient(ctx, self.assume.region.as_deref()).await?,
        };
        print(&render(&identity, self.json))?;
        Ok(0)
    }
}

fn render(id: &Identity, json: bool) -> String {
    if json {
        let v = serde_json::json!({ "Arn": id.arn, "Account": id.account, "UserId": id.user_id });
        return format!("{v}\n");
    }
    let clean = |s: &str| crate::text::clean(s).into_owned();
    format!("{}\naccount {}\nuser id {}\n", clean(&id.arn), clean(&id.account), clean(&id.user_id))
}
