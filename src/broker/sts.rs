//! The STS calls rolecall makes, the client they go through, and how their
//! failures are classified. Nothing else in the crate talks to STS.

use std::time::SystemTime;

use aws_config::BehaviorVersion;
use aws_sdk_sts::Client;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_sts::types::{PolicyDescriptorType, Tag};
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_types::os_shim_internal::Env;
use aws_types::region::Region;

use super::error::BrokerError;
use super::mfa::MfaCode;
use super::plan::AssumeStep;
use crate::config::AwsConfig;
use crate::credentials::{Credentials, Identity};

/// Makes STS clients signed with given credentials.
pub trait StsConnector: Send + Sync {
    /// A client that signs with `creds`.
    fn client(&self, creds: &Credentials) -> Client;
    /// The endpoint URL requests go to, for messages.
    fn endpoint(&self) -> String;
}

/// The real connector: aws-config's loader (so `AWS_ENDPOINT_URL*`, profile
/// `endpoint_url` and `[services]` apply) pinned to the plan's region.
pub struct SdkConnector {
    builder: aws_sdk_sts::config::Builder,
    endpoint: String,
}

impl SdkConnector {
    /// Loads the shared SDK configuration for `profile` (whose endpoint settings apply) in `region`.
    pub async fn new(aws: &AwsConfig, env: &Env, profile: Option<&str>, region: &str) -> Self {
        let mut loader =
            aws_config::defaults(BehaviorVersion::latest()).region(Region::new(region.to_owned())).no_credentials();
        if let Some(p) = profile.filter(|p| aws.has_profile(p)) {
            loader = loader.profile_name(p);
        }
        let sdk = loader.load().await;
        Self { builder: aws_sdk_sts::config::Builder::from(&sdk), endpoint: endpoint_for(aws, env, profile, region) }
    }
}

impl StsConnector for SdkConnector {
    fn client(&self, creds: &Credentials) -> Client {
        Client::from_conf(self.builder.clone().credentials_provider(creds.to_sdk()).build())
    }

    fn endpoint(&self) -> String {
        self.endpoint.clone()
    }
}

/// The STS endpoint requests go to (see [`AwsConfig::endpoint_for`]).
pub fn endpoint_for(aws: &AwsConfig, env: &Env, profile: Option<&str>, region: &str) -> String {
    aws.endpoint_for(env, profile, "sts", region)
}

/// How an STS call failed, before the broker adds context.
#[derive(Debug)]
pub enum StsFailure {
    /// AccessDenied.
    Denied(String),
    /// The signing credentials are expired, unknown or malformed.
    BadCredentials {
        /// AWS's code.
        code: String,
        /// AWS's message.
        message: String,
    },
    /// A parameter was refused (duration above the role's maximum, …).
    Validation(String),
    /// The endpoint could not be reached or did not answer.
    Network(String),
    /// Anything else.
    Other {
        /// AWS's code.
        code: String,
        /// AWS's message.
        message: String,
    },
}

/// Sorts an SDK error into what the operator can act on (also used for Organizations calls).
pub(crate) fn classify<E>(err: SdkError<E, HttpResponse>) -> StsFailure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match &err {
        SdkError::DispatchFailure(d) => {
            let detail = d.as_connector_error().map(|c| error_chain(c)).unwrap_or_else(|| error_chain(&err));
            return StsFailure::Network(detail);
        }
        SdkError::TimeoutError(_) => return StsFailure::Network("the request timed out".into()),
        _ => {}
    }
    // Some servers (moto's auth layer among them) wrap the error in
    // `<Errors><Error>`, which the SDK's parser does not find: read the body then.
    let from_body = match (&err, err.code()) {
        (SdkError::ServiceError(ctx), None) => ctx.raw().body().bytes().map(xml_error).unwrap_or_default(),
        _ => (None, None),
    };
    let code = err.code().map(str::to_owned).or(from_body.0).unwrap_or_else(|| "Unknown".into());
    let message = err.message().map(str::to_owned).or(from_body.1).unwrap_or_else(|| error_chain(&err));
    match code.as_str() {
        "AccessDenied" | "AccessDeniedException" => StsFailure::Denied(message),
        "ExpiredToken"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "UnrecognizedClientException"
        | "IncompleteSignature"
        | "MissingAuthenticationToken" => StsFailure::BadCredentials { code, message },
        "ValidationError" => StsFailure::Validation(message),
        _ => StsFailure::Other { code, message },
    }
}

/// `<Code>` and `<Message>` of an XML error body, wherever they are nested.
fn xml_error(body: &[u8]) -> (Option<String>, Option<String>) {
    let text = String::from_utf8_lossy(body);
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].trim().to_owned())
    };
    (tag("Code"), tag("Message"))
}

/// The error and its sources on one line.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = e.source();
    }
    parts.join(": ")
}

fn to_credentials(c: Option<&aws_sdk_sts::types::Credentials>) -> Result<Credentials, BrokerError> {
    let c = c.ok_or_else(|| BrokerError::Unexpected("a success without credentials".into()))?;
    let expiration = SystemTime::try_from(*c.expiration())
        .map_err(|_| BrokerError::Unexpected(format!("expiration '{}'", c.expiration())))?;
    Ok(Credentials::new(c.access_key_id(), c.secret_access_key(), Some(c.session_token().to_owned()), Some(expiration)))
}

/// `GetCallerIdentity`.
pub async fn get_caller_identity(client: &Client) -> Result<Identity, StsFailure> {
    let out = client.get_caller_identity().send().await.map_err(classify)?;
    Ok(Identity {
        arn: out.arn().unwrap_or_default().to_owned(),
        account: out.account().unwrap_or_default().to_owned(),
        user_id: out.user_id().unwrap_or_default().to_owned(),
    })
}

/// `GetSessionToken` with an MFA code.
pub async fn get_session_token(
    client: &Client,
    serial: &str,
    code: &MfaCode,
    duration: u32,
) -> Result<Result<Credentials, BrokerError>, StsFailure> {
    let out = client
        .get_session_token()
        .serial_number(serial)
        .token_code(code.as_str())
        .duration_seconds(i32::try_from(duration).unwrap_or(i32::MAX))
        .send()
        .await
        .map_err(classify)?;
    Ok(to_credentials(out.credentials()))
}

/// What one `AssumeRole` call sends besides the step's own parameters.
pub struct AssumeCall<'a> {
    /// The rendered `RoleSessionName`.
    pub session_name: &'a str,
    /// `DurationSeconds` after the chaining cap.
    pub duration: u32,
    /// The MFA code for `SerialNumber` (the step's device), when the step carries MFA.
    pub code: Option<&'a MfaCode>,
}

/// `AssumeRole` with every parameter of `step`.
pub async fn assume_role(
    client: &Client,
    step: &AssumeStep,
    call: AssumeCall<'_>,
) -> Result<Result<Credentials, BrokerError>, StsFailure> {
    let mut req = client
        .assume_role()
        .role_arn(step.role_arn.as_str())
        .role_session_name(call.session_name)
        .duration_seconds(i32::try_from(call.duration).unwrap_or(i32::MAX))
        .set_external_id(step.external_id.clone())
        .set_source_identity(step.source_identity.clone())
        .set_policy(step.policy.clone());
    if let (Some(device), Some(code)) = (&step.mfa, call.code) {
        req = req.serial_number(&device.serial).token_code(code.as_str());
    }
    for (k, v) in &step.tags {
        let tag = Tag::builder().key(k).value(v).build().map_err(|e| StsFailure::Validation(e.to_string()))?;
        req = req.tags(tag);
    }
    for k in &step.transitive_tags {
        req = req.transitive_tag_keys(k);
    }
    for arn in &step.policy_arns {
        req = req.policy_arns(PolicyDescriptorType::builder().arn(arn).build());
    }
    let out = req.send().await.map_err(classify)?;
    Ok(to_credentials(out.credentials()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::aws::from_text;

    #[tokio::test]
    async fn endpoint_precedence_follows_the_sdks() {
        let config = "[profile p]\nendpoint_url = http://profile\nservices = s\n\n[services s]\nsts =\n  endpoint_url = http://services\n\n[profile plain]\n";
        let (_dir, aws) = from_text(config, "", &[]).await;
        type Row<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>, &'a str);
        let rows: [Row; 6] = [
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
        ];
        for (vars, profile, want) in rows {
            assert_eq!(endpoint_for(&aws, &Env::from_slice(vars), profile, "eu-west-1"), want, "{vars:?} {profile:?}");
        }
        assert_eq!(
            endpoint_for(&aws, &Env::from_slice(&[]), None, "cn-north-1"),
            "https://sts.cn-north-1.amazonaws.com.cn"
        );
    }
}
