//! Base credentials: where the first caller of a chain gets its keys.

use std::time::Duration;

use aws_credential_types::provider::ProvideCredentials;
use aws_types::os_shim_internal::Env;

use super::error::BrokerError;
use crate::config::Base;
use crate::credentials::Credentials;
use crate::sso::RoleCredentials;

/// Fetches the base credentials of a chain; a `credential_process` (and the
/// instance/container metadata services) get at most `timeout`.
pub async fn resolve(base: &Base, env: &Env, timeout: Duration) -> Result<Credentials, BrokerError> {
    resolve_with(base, env, timeout, None).await
}

/// As [`resolve`], with Identity Center role credentials from `sso`. The
/// sign-in it may start has its own timeout (`sso_login_timeout`).
pub async fn resolve_with(
    base: &Base,
    env: &Env,
    timeout: Duration,
    sso: Option<&dyn RoleCredentials>,
) -> Result<Credentials, BrokerError> {
    if let Base::Sso { role, .. } = base {
        let Some(sso) = sso else {
            return Err(BrokerError::Internal(format!("no IAM Identity Center access for '{}'", describe(base))));
        };
        return Ok(sso.role_credentials(role).await?);
    }
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
        Base::Sso { .. } => {
            Err(BrokerError::Internal("IAM Identity Center credentials come through resolve_with".into()))
        }
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
        Base::Sso { role, .. } => format!(
            "IAM Identity Center '{}' account '{}' permission set '{}'",
            role.session.id(),
            role.account_id,
            role.role_name
        ),
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
