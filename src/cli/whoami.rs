//! `rolecall whoami [TARGET]`: `GetCallerIdentity` for the ambient credentials or a target.

use std::sync::Arc;

use clap::Args;

use super::assume::{AssumeArgs, assume};
use super::{Context, print};
use crate::broker::sts::SdkConnector;
use crate::broker::{Broker, BrokerError, MemoryCache, MfaSource, base};
use crate::config::Base;
use crate::credentials::Identity;

/// Show who the ambient credentials, or a target's, are.
#[derive(Debug, Args)]
pub struct WhoamiCmd {
    /// Profile name or ACCOUNT/ROLE (default: AWS_PROFILE, else the environment's keys, else 'default').
    pub target: Option<String>,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub assume: AssumeArgs,
}

impl WhoamiCmd {
    /// Runs the command.
    pub async fn run(self, ctx: &Context) -> Result<u8, BrokerError> {
        let env_keys = ctx.env.get("AWS_ACCESS_KEY_ID").is_ok_and(|v| !v.is_empty());
        let target = self
            .target
            .clone()
            .or_else(|| ctx.aws.env_profile().map(str::to_owned))
            .or_else(|| (!env_keys).then(|| "default".to_owned()));
        let identity = match &target {
            Some(t) => assume(ctx, t, &self.assume).await?.1.session.identity,
            None => self.ambient(ctx).await?,
        };
        print(&render(&identity, self.json))?;
        Ok(0)
    }

    async fn ambient(&self, ctx: &Context) -> Result<Identity, BrokerError> {
        let region = self
            .assume
            .region
            .clone()
            .or_else(|| ctx.aws.env_region().map(str::to_owned))
            .or_else(|| ctx.settings.defaults.region.clone())
            .unwrap_or_else(|| crate::broker::plan::FALLBACK_REGION.to_owned());
        let creds = base::resolve(&Base::Environment, &ctx.env).await?;
        let connector = SdkConnector::new(&ctx.aws, &ctx.env, None, &region).await;
        let broker = Broker::new(
            Arc::new(connector),
            MfaSource::non_interactive(None),
            Arc::new(MemoryCache::default()),
            ctx.env.clone(),
        );
        broker.whoami(&creds, "the environment (AWS_ACCESS_KEY_ID)").await
    }
}

fn render(id: &Identity, json: bool) -> String {
    if json {
        let v = serde_json::json!({ "Arn": id.arn, "Account": id.account, "UserId": id.user_id });
        return format!("{v}\n");
    }
    format!("{}\naccount {}\nuser id {}\n", id.arn, id.account, id.user_id)
}
