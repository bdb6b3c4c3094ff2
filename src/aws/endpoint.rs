//! Which URL an AWS service is reached at, by the SDKs' precedence:
//! `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the profile's `[services]`
//! entry, the profile's `endpoint_url`; none of them when
//! `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS` (or the profile's
//! `ignore_configured_endpoint_urls`) is true; else the regional AWS endpoint.

use aws_types::os_shim_internal::Env;

use crate::config::AwsConfig;

/// A service rolecall calls, with the names its endpoint settings use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Service {
    /// Suffix of `AWS_ENDPOINT_URL_<SUFFIX>`.
    pub env_suffix: &'static str,
    /// Key under a `[services NAME]` section.
    pub services_key: &'static str,
    /// Host name prefix of the regional AWS endpoint (`sts` → `sts.REGION.amazonaws.com`).
    pub host_prefix: &'static str,
}

/// AWS STS.
pub const STS: Service = Service { env_suffix: "STS", services_key: "sts", host_prefix: "sts" };
/// AWS Organizations.
pub const ORGANIZATIONS: Service =
    Service { env_suffix: "ORGANIZATIONS", services_key: "organizations", host_prefix: "organizations" };

/// IAM Identity Center OIDC (sign-in and tokens; its `/authorize` page too).
pub const SSO_OIDC: Service = Service { env_suffix: "SSO_OIDC", services_key: "sso_oidc", host_prefix: "oidc" };
/// The IAM Identity Center portal (accounts, roles, role credentials).
pub const SSO: Service = Service { env_suffix: "SSO", services_key: "sso", host_prefix: "portal.sso" };

/// Where requests for a service go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The configured override, when one applies (handed to the SDK).
    pub configured: Option<String>,
    /// The URL requests go to, for messages (the override, or the AWS endpoint).
    pub url: String,
}

fn truthy(v: &str) -> bool {
    v.trim().eq_ignore_ascii_case("true")
}

/// The endpoint for `service` in `region`, with `profile`'s settings applying.
pub fn resolve(aws: &AwsConfig, env: &Env, profile: Option<&str>, service: Service, region: &str) -> Endpoint {
    let var = |k: &str| env.get(k).ok().filter(|v| !v.trim().is_empty());
    let ignore = var("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").map(|v| truthy(&v)).unwrap_or_else(|| {
        profile.and_then(|p| aws.get(p, "ignore_configured_endpoint_urls")).is_some_and(|(v, _)| truthy(v))
    });
    let configured = if ignore {
        None
    } else {
        var(&format!("AWS_ENDPOINT_URL_{}", service.env_suffix))
            .or_else(|| var("AWS_ENDPOINT_URL"))
            .or_else(|| profile.and_then(|p| aws.service_endpoint_url(p, service.services_key)))
            .or_else(|| profile.and_then(|p| aws.profile_endpoint_url(p)))
    };
    let url = configured.clone().unwrap_or_else(|| aws_url(service, region));
    Endpoint { configured, url }
}

/// The regional AWS endpoint of `service`.
pub fn aws_url(service: Service, region: &str) -> String {
    let suffix = if region.starts_with("cn-") { "amazonaws.com.cn" } else { "amazonaws.com" };
    format!("https://{}.{region}.{suffix}", service.host_prefix)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::aws::from_text;

    #[tokio::test]
    async fn precedence_follows_the_sdks() {
        let config = "[profile p]\nendpoint_url = http://profile\nservices = s\n\n[services s]\nsts =\n  endpoint_url = http://services\n\n[profile plain]\n\n[profile ignoring]\nendpoint_url = http://profile\nignore_configured_endpoint_urls = true\n";
        let (_dir, aws) = from_text(config, "", &[]).await;
        type Row<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>, &'a str);
        let rows: [Row; 9] = [
            (
                &[("AWS_ENDPOINT_URL_STS", "http://env-sts"), ("AWS_ENDPOINT_URL", "http://env")],
                Some("p"),
                "http://env-sts",
            ),
            (&[("AWS_ENDPOINT_URL", "http://env")], Some("p"), "http://env"),
            (&[("AWS_ENDPOINT_URL", "http://env")], Some("plain"), "http://env"),
            (&[], Some("p"), "http://services"),
            (&[], Some("plain"), "https://sts.eu-west-1.amazonaws.com"),
            (&[], None, "https://sts.eu-west-1.amazonaws.com"),
            (&[], Some("ignoring"), "https://sts.eu-west-1.amazonaws.com"),
            (&[("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")], Some("p"), "https://sts.eu-west-1.amazonaws.com"),
            (
                &[("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"), ("AWS_ENDPOINT_URL", "http://env")],
                Some("p"),
                "https://sts.eu-west-1.amazonaws.com",
            ),
        ];
        for (vars, profile, want) in rows {
            assert_eq!(
                resolve(&aws, &Env::from_slice(vars), profile, STS, "eu-west-1").url,
                want,
                "{vars:?} {profile:?}"
            );
        }
        assert_eq!(aws_url(STS, "cn-north-1"), "https://sts.cn-north-1.amazonaws.com.cn");
        assert_eq!(aws_url(SSO_OIDC, "eu-west-1"), "https://oidc.eu-west-1.amazonaws.com");
        assert_eq!(aws_url(SSO, "eu-west-1"), "https://portal.sso.eu-west-1.amazonaws.com");
        let env = Env::from_slice(&[("AWS_ENDPOINT_URL_SSO_OIDC", "http://oidc"), ("AWS_ENDPOINT_URL", "http://env")]);
        assert_eq!(resolve(&aws, &env, None, SSO_OIDC, "eu-west-1").url, "http://oidc");
        assert_eq!(resolve(&aws, &env, None, SSO, "eu-west-1").url, "http://env");
        assert_eq!(resolve(&aws, &Env::from_slice(&[]), Some("plain"), STS, "eu-west-1").configured, None);
    }
}
