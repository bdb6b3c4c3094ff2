//! Who the ambient credentials are: `GetCallerIdentity` with the
//! environment's keys, as the SDKs resolve them first.

use std::sync::Arc;

use super::{AppError, Context};
use crate::broker::sts::SdkConnector;
use crate::broker::{Broker, MemoryCache, MfaSource, base};
use crate::config::Base;
use crate::credentials::Identity;
use crate::limits::FALLBACK_REGION;

/// True when the environment holds keys (`AWS_ACCESS_KEY_ID`), which the SDKs
/// use before any profile, `AWS_PROFILE` included.
pub fn env_has_keys(ctx: &Context) -> bool {
    ctx.env.get("AWS_ACCESS_KEY_ID").is_ok_and(|v| !v.is_empty())
}

/// `GetCallerIdentity` for the environment's keys, in `region` (else the
/// environment's, the settings', us-east-1).
pub async fn ambient(ctx: &Context, region: Option<&str>) -> Result<Identity, AppError> {
    let region = region
        .map(str::to_owned)
        .or_else(|| ctx.aws.env_region().map(str::to_owned))
        .or_else(|| ctx.settings.defaults.region.clone())
        .unwrap_or_else(|| FALLBACK_REGION.to_owned());
    let d = &ctx.settings.defaults;
    let creds = base::resolve(&Base::Environment, &ctx.env, d.process_timeout).await?;
    let connector = SdkConnector::new(&ctx.aws, &ctx.env, None, &region, ctx.timeouts());
    let broker = Broker::new(
        Arc::new(connector),
        MfaSource::non_interactive(None),
        Arc::new(MemoryCache::default()),
        ctx.env.clone(),
    );
    Ok(broker.whoami(&creds, "the environment (AWS_ACCESS_KEY_ID)").await?)
}
