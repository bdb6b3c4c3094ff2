//! The Organizations client: built through aws-config's loader (so
//! `AWS_ENDPOINT_URL*`, a profile's `endpoint_url` and `[services]` apply),
//! signed with credentials the broker obtained, retrying throttling with backoff.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_sdk_organizations::Client;
use aws_types::os_shim_internal::Env;
use aws_types::region::Region;

use crate::config::AwsConfig;
use crate::credentials::Credentials;

/// Attempts per call: Organizations throttles at a few requests per second per account.
const MAX_ATTEMPTS: u32 = 6;

/// A client for `region` that signs with `creds`; `profile`'s endpoint settings apply.
pub async fn client(aws: &AwsConfig, profile: Option<&str>, region: &str, creds: &Credentials) -> Client {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .credentials_provider(creds.to_sdk());
    if let Some(p) = profile.filter(|p| aws.has_profile(p)) {
        loader = loader.profile_name(p);
    }
    let sdk = loader.load().await;
    let retry = RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(10));
    Client::from_conf(aws_sdk_organizations::config::Builder::from(&sdk).retry_config(retry).build())
}

/// The Organizations endpoint requests go to (see [`AwsConfig::endpoint_for`]).
pub fn endpoint_for(aws: &AwsConfig, env: &Env, profile: Option<&str>, region: &str) -> String {
    aws.endpoint_for(env, profile, "organizations", region)
}
