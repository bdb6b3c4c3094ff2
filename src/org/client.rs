//! The Organizations client: the shared SDK configuration for the
//! organisation's profile (so `AWS_ENDPOINT_URL*`, a profile's `endpoint_url`
//! and `[services]` apply), signed with credentials obtained above this layer,
//! retrying throttling with backoff, within the settings' timeouts.

use aws_sdk_organizations::Client;
use aws_types::os_shim_internal::Env;

use crate::aws::{self, Endpoint, Timeouts};
use crate::config::AwsConfig;
use crate::credentials::Credentials;

/// Attempts per call: Organizations throttles at a few requests per second per account.
const MAX_ATTEMPTS: u32 = 6;

/// A client for `region` that signs with `creds`; `profile`'s endpoint settings
/// apply. Returns the endpoint too, for messages.
pub fn client(
    aws: &AwsConfig,
    env: &Env,
    profile: Option<&str>,
    region: &str,
    creds: &Credentials,
    timeouts: Timeouts,
) -> (Client, Endpoint) {
    let (sdk, endpoint) = aws::sdk_config(
        aws,
        env,
        profile,
        aws::endpoint::ORGANIZATIONS,
        region,
        timeouts,
        aws::sdk::retry(MAX_ATTEMPTS),
    );
    let conf = aws_sdk_organizations::config::Builder::from(&sdk)
        .interceptor(aws::RequestLog)
        .credentials_provider(creds.to_sdk())
        .build();
    (Client::from_conf(conf), endpoint)
}
