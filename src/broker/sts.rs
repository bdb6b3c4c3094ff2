//! The STS calls rolecall makes and the client they go through. Nothing else
//! in the crate talks to STS; failures are classified by [`crate::aws::classify`].

use std::time::SystemTime;

use aws_sdk_sts::Client;
use aws_sdk_sts::types::{PolicyDescriptorType, Tag};
use aws_types::os_shim_internal::Env;

use super::error::BrokerError;
use super::mfa::MfaCode;
use super::plan::AssumeStep;
use crate::aws::{self, AwsFailure, Timeouts, classify};
use crate::config::AwsConfig;
use crate::credentials::{Credentials, Identity};

/// Makes STS clients signed with given credentials.
pub trait StsConnector: Send + Sync {
    /// A client that signs with `creds`.
    fn client(&self, creds: &Credentials) -> Client;
    /// The endpoint URL requests go to, for messages.
    fn endpoint(&self) -> String;
}

/// The real connector: the SDK configuration for the plan's endpoint profile
/// and region (so `AWS_ENDPOINT_URL*`, profile `endpoint_url` and `[services]`
/// apply), built from the already-parsed files, with timeouts.
pub struct SdkConnector {
    builder: aws_sdk_sts::config::Builder,
    endpoint: String,
}

/// Attempts per STS call (throttling and transient errors are retried).
const STS_ATTEMPTS: u32 = 3;

impl SdkConnector {
    /// A connector for `profile`'s endpoint settings in `region`.
    pub fn new(aws: &AwsConfig, env: &Env, profile: Option<&str>, region: &str, timeouts: Timeouts) -> Self {
        let (sdk, endpoint) =
            aws::sdk_config(aws, env, profile, aws::endpoint::STS, region, timeouts, aws::sdk::retry(STS_ATTEMPTS));
        Self { builder: aws_sdk_sts::config::Builder::from(&sdk).interceptor(aws::RequestLog), endpoint: endpoint.url }
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

impl SdkConnector {
    /// `GetCallerIdentity` with `creds`, and the server's clock from the
    /// answer's `Date` header (server time, local time when it arrived), which
    /// a refusal carries too.
    pub async fn probe(&self, creds: &Credentials) -> (Result<Identity, AwsFailure>, Option<(SystemTime, SystemTime)>) {
        let date = aws::ServerDate::default();
        let conf = self.builder.clone().interceptor(date.clone()).credentials_provider(creds.to_sdk()).build();
        let answer = get_caller_identity(&Client::from_conf(conf)).await;
        (answer, date.seen())
    }
}

fn to_credentials(c: Option<&aws_sdk_sts::types::Credentials>) -> Result<Credentials, BrokerError> {
    let c = c.ok_or_else(|| BrokerError::Unexpected("a success without credentials".into()))?;
    let expiration = SystemTime::try_from(*c.expiration())
        .map_err(|_| BrokerError::Unexpected(format!("expiration '{}'", c.expiration())))?;
    Ok(Credentials::new(c.access_key_id(), c.secret_access_key(), Some(c.session_token().to_owned()), Some(expiration)))
}

/// `GetCallerIdentity`.
pub async fn get_caller_identity(client: &Client) -> Result<Identity, AwsFailure> {
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
) -> Result<Result<Credentials, BrokerError>, AwsFailure> {
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
) -> Result<Result<Credentials, BrokerError>, AwsFailure> {
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
        let tag = Tag::builder().key(k).value(v).build().map_err(|e| AwsFailure::Validation(e.to_string()))?;
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
