//! An SDK configuration for one (profile, region, service), built from the
//! files rolecall already parsed: region, endpoint override, FIPS/dual-stack
//! flags, timeouts and retries. Never signs with ambient credentials: each
//! client gets the credentials it is meant to use.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_types::SdkConfig;
use aws_types::os_shim_internal::Env;
use aws_types::region::Region;

use super::endpoint::{self, Endpoint, Service};
use crate::config::AwsConfig;
use crate::config::settings::Defaults;

/// How long a call may take: connecting, one attempt, and the whole
/// operation with its retries. Every AWS call rolecall makes has all three.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// TCP + TLS connect.
    pub connect: Duration,
    /// One attempt, from sending the request to the end of the response.
    pub attempt: Duration,
    /// The whole operation, retries included.
    pub operation: Duration,
}

impl Timeouts {
    /// The settings' `[defaults]` timeouts.
    pub fn from_settings(d: &Defaults) -> Self {
        Self { connect: d.connect_timeout, attempt: d.attempt_timeout, operation: d.operation_timeout }
    }

    fn config(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .read_timeout(self.attempt)
            .operation_attempt_timeout(self.attempt)
            .operation_timeout(self.operation)
            .build()
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Self::from_settings(&Defaults::default())
    }
}

fn flag(aws: &AwsConfig, env: &Env, profile: Option<&str>, var: &str, key: &str) -> Option<bool> {
    let raw = env
        .get(var)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| profile.and_then(|p| aws.get(p, key)).map(|(v, _)| v.to_owned()))?;
    Some(raw.trim().eq_ignore_ascii_case("true"))
}

/// The SDK configuration for `service` in `region` with `profile`'s endpoint
/// settings, and the endpoint it resolves to (for messages). `max_attempts`
/// is the retry budget within `timeouts.operation`.
pub fn sdk_config(
    aws: &AwsConfig,
    env: &Env,
    profile: Option<&str>,
    service: Service,
    region: &str,
    timeouts: Timeouts,
    retry: RetryConfig,
) -> (SdkConfig, Endpoint) {
    let profile = profile.filter(|p| aws.has_profile(p));
    let endpoint = endpoint::resolve(aws, env, profile, service, region);
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_owned()))
        .timeout_config(timeouts.config())
        .retry_config(retry)
        .time_source(aws_smithy_async::time::SystemTimeSource::new());
    if let Some(sleep) = aws_smithy_async::rt::sleep::default_async_sleep() {
        builder = builder.sleep_impl(sleep);
    }
    builder = builder.http_client(http_client());
    if let Some(url) = &endpoint.configured {
        builder = builder.endpoint_url(url);
    }
    if let Some(fips) = flag(aws, env, profile, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint") {
        builder = builder.use_fips(fips);
    }
    if let Some(dual) = flag(aws, env, profile, "AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint") {
        builder = builder.use_dual_stack(dual);
    }
    (builder.build(), endpoint)
}

/// One HTTPS client for the whole process, as the SDK's default would be
/// (hyper 1.x, rustls with aws-lc, proxies from the environment), but made
/// once: otherwise every SDK client builds its own, with its own TLS setup
/// and connection pool, which `rolecall run` over hundreds of targets feels
/// in time and memory. Connectors are still made per timeout settings.
pub fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::{Builder, ConnectorBuilder, tls};
    static CLIENT: std::sync::LazyLock<aws_smithy_runtime_api::client::http::SharedHttpClient> =
        std::sync::LazyLock::new(|| {
            Builder::new().build_with_connector_fn(|settings, components| {
                let mut conn = ConnectorBuilder::default()
                    .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc));
                conn.set_connector_settings(settings.cloned());
                if let Some(components) = components {
                    conn.set_sleep_impl(components.sleep_impl());
                }
                conn.set_proxy_config(Some(ProxyConfig::from_env()));
                conn.build()
            })
        });
    CLIENT.clone()
}

/// The standard retry policy with `attempts` attempts and a backoff that fits the timeouts.
pub fn retry(attempts: u32) -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(attempts)
        .with_initial_backoff(Duration::from_millis(200))
        .with_max_backoff(Duration::from_secs(10))
}
