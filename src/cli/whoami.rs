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
    /// SDKs and the AWS CLI find them (see `target_to_ask`).
    pub async fn run(self, ctx: &Context) -> Result<u8, AppError> {
        let target = target_to_ask(self.target.clone(), whoami::env_has_keys(ctx), ctx.aws.env_profile());
        let identity = match &target {
            Some(t) => assume(ctx, t, &self.assume.flags()?, Prompt::Terminal).await?.session.identity,
            None => whoami::ambient(ctx, self.assume.region.as_deref()).await?,
        };
        print(&render(&identity, self.json))?;
        Ok(0)
    }
}

/// The target whoami asks about, or `None` for the environment's keys. With
/// no target, the credentials the AWS CLI and the SDKs would use: keys in the
/// environment win over `AWS_PROFILE` (botocore drops its environment provider
/// only for `--profile`, not for `AWS_PROFILE`), then `default`.
fn target_to_ask(explicit: Option<String>, env_keys: bool, env_profile: Option<&str>) -> Option<String> {
    match explicit {
        Some(target) => Some(target),
        None if env_keys => None,
        None => Some(env_profile.unwrap_or("default").to_owned()),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Without a target, the credentials the AWS CLI and the SDKs would use:
    /// the environment's keys before `AWS_PROFILE`, then `default`.
    #[test]
    fn without_a_target_the_environment_keys_come_before_aws_profile() {
        let cases = [
            (Some("t"), true, Some("p"), Some("t")),
            (None, true, Some("p"), None),
            (None, true, None, None),
            (None, false, Some("p"), Some("p")),
            (None, false, None, Some("default")),
        ];
        for (explicit, env_keys, env_profile, want) in cases {
            let got = target_to_ask(explicit.map(str::to_owned), env_keys, env_profile);
            assert_eq!(got.as_deref(), want, "target {explicit:?}, keys {env_keys}, AWS_PROFILE {env_profile:?}");
        }
    }
}
