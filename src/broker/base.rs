//! Base credentials: where the first caller of a chain gets its keys.

use std::time::Duration;

use aws_credential_types::provider::ProvideCredentials;
use aws_types::os_shim_internal::Env;

use super::error::BrokerError;
use crate::config::Base;
use crate::credentials::Credentials;

/// Fetches the base credentials of a chain; a `credential_process` (and the
/// instance/container metadata services) get at most `timeout`.
pub async fn resolve(base: &Base, env: &Env, timeout: Duration) -> Result<Credentials, BrokerError> {
    match tokio::time::timeout(timeout, fetch(base, env)).await {
        Ok(result) => result,
        Err(_) => Err(BrokerError::Base {
            source_desc: describe(base),
            reason: format!("no credentials within {} s (it was stopped)", timeout.as_secs()),
        }),
    }
}

async fn fetch(base: &Base, env: &Env) -> Result<Credentials, BrokerError> {
    let fail = |reason: String| BrokerError::Base { source_desc: describe(base), reason };
    match base {
        Base::StaticKeys { credentials, .. } => Ok(credentials.clone()),
        Base::Environment => {
            let var = |k: &str| env.get(k).ok().filter(|v| !v.is_empty());
            let id = var("AWS_ACCESS_KEY_ID").ok_or_else(|| fail("AWS_ACCESS_KEY_ID is not set".into()))?;
            let secret = var("AWS_SECRET_ACCESS_KEY").ok_or_else(|| fail("AWS_SECRET_ACCESS_KEY is not set".into()))?;
            Ok(Credentials::new(id, secret, var("AWS_SESSION_TOKEN"), None))
        }
        Base::CredentialProcess { command, .. } => {
            let provider = aws_config::credential_process::CredentialProcessProvider::new(command.clone());
            let creds = provider.provide_credentials().await.map_err(|e| fail(error_text(&e)))?;
            Ok(Credentials::from_sdk(&creds))
        }
        Base::Ec2InstanceMetadata => {
            let provider = aws_config::imds::credentials::ImdsCredentialsProvider::builder().build();
            let creds = provider.provide_credentials().await.map_err(|e| fail(error_text(&e)))?;
            Ok(Credentials::from_sdk(&creds))
        }
        Base::EcsContainer => {
            let provider = aws_config::ecs::EcsCredentialsProvider::builder().build();
            let creds = provider.provide_credentials().await.map_err(|e| fail(error_text(&e)))?;
            Ok(Credentials::from_sdk(&creds))
        }
        Base::Sso { profile } => Err(BrokerError::Unsupported(format!(
            "profile '{profile}' uses IAM Identity Center (SSO), which rolecall does not assume yet; use 'aws sso login' and the AWS CLI for it"
        ))),
        Base::WebIdentity { profile } => Err(BrokerError::Unsupported(format!(
            "profile '{profile}' uses a web identity token, which rolecall does not assume yet"
        ))),
    }
}

/// How a base is named in messages.
pub fn describe(base: &Base) -> String {
    match base {
        Base::StaticKeys { profile, .. } => format!("profile '{profile}' (keys)"),
        Base::Environment => "the environment (credential_source = Environment)".into(),
        Base::CredentialProcess { profile, .. } => format!("profile '{profile}' (credential_process)"),
        other => other.describe(),
    }
}

fn error_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        text.push_str(": ");
        text.push_str(&s.to_string());
        cur = s.source();
    }
    text
}
