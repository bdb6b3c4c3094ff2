//! `AssumeRoleWithSAML`: one role of a read assertion turned into credentials,
//! for the duration AWS will grant: the one asked for, capped by the assertion's
//! `SessionDuration`; once more at one hour when the role's maximum is lower.

use std::time::{Duration, SystemTime};

use aws_sdk_sts::Client;

use super::assertion::{Assertion, RolePair};
use crate::aws::{AwsFailure, classify};
use crate::credentials::Credentials;
use crate::text;

/// What AWS grants when a role's maximum is lower than asked: every role allows an hour.
pub const FALLBACK_DURATION: u32 = 3600;

/// A role's credentials from an assertion, and the duration that got them.
#[derive(Debug)]
pub struct SamlSession {
    /// The role's temporary credentials.
    pub credentials: Credentials,
    /// The `DurationSeconds` AWS accepted.
    pub duration: u32,
    /// The duration asked (capped by `SessionDuration`) was above the role's
    /// maximum, and the one-hour retry got these credentials: say so.
    pub fell_back: bool,
}

/// Why `AssumeRoleWithSAML` gave no credentials. AWS's own words are cleaned
/// of control characters; the assertion is never part of a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SamlStsError {
    /// AWS says the assertion expired (`ExpiredTokenException`).
    #[error("AWS says the SAML assertion has expired ({code}): sign in again")]
    Expired {
        /// AWS's code.
        code: String,
    },
    /// AWS refused the assertion itself (signature, audience, provider metadata…).
    #[error(
        "AWS refused the SAML assertion ({code}: {message}): the IAM SAML provider's metadata must match the identity provider's signing certificate"
    )]
    Rejected {
        /// `InvalidIdentityToken`, `IDPRejectedClaim`…
        code: String,
        /// AWS's message.
        message: String,
    },
    /// The role's trust policy does not let the provider in, or the pair is not granted.
    #[error(
        "AWS denied role '{role}' through SAML provider '{provider}': {message} (the role's trust policy must allow sts:AssumeRoleWithSAML for that provider)"
    )]
    Denied {
        /// The role asked for.
        role: String,
        /// The provider named as principal.
        provider: String,
        /// AWS's message.
        message: String,
    },
    /// A parameter AWS refused.
    #[error("AWS refused AssumeRoleWithSAML: {0}")]
    Invalid(String),
    /// STS could not be reached or did not answer in time.
    #[error("STS could not be reached: {0}")]
    Network(String),
    /// STS failed, or answered with something else.
    #[error("STS failed: {0}")]
    Server(String),
    /// Any other refusal.
    #[error("AWS refused AssumeRoleWithSAML ({code}: {message})")]
    Other {
        /// AWS's code.
        code: String,
        /// AWS's message.
        message: String,
    },
}

/// `DurationSeconds` to ask for: `asked`, capped by the assertion's `SessionDuration`.
pub fn duration_for(asked: u32, session_duration: Option<Duration>) -> u32 {
    let cap = session_duration.map_or(u32::MAX, |d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX));
    asked.min(cap)
}

/// Assumes `pair` with `assertion`, asking for `asked` seconds (capped by
/// `SessionDuration`), and once more for an hour when AWS says that is above
/// the role's maximum.
pub async fn assume(
    client: &Client,
    assertion: &Assertion,
    pair: &RolePair,
    asked: u32,
) -> Result<SamlSession, SamlStsError> {
    let duration = duration_for(asked, assertion.session_duration());
    match call(client, assertion, pair, duration).await {
        Ok(credentials) => Ok(SamlSession { credentials, duration, fell_back: false }),
        Err(AwsFailure::Validation(message)) if duration > FALLBACK_DURATION && above_maximum(&message) => {
            let credentials = call(client, assertion, pair, FALLBACK_DURATION).await.map_err(|f| error(f, pair))?;
            Ok(SamlSession { credentials, duration: FALLBACK_DURATION, fell_back: true })
        }
        Err(failure) => Err(error(failure, pair)),
    }
}

/// AWS's words for a duration above the role's `MaxSessionDuration`.
fn above_maximum(message: &str) -> bool {
    message.contains("DurationSeconds") && message.contains("MaxSessionDuration")
}

async fn call(
    client: &Client,
    assertion: &Assertion,
    pair: &RolePair,
    duration: u32,
) -> Result<Credentials, AwsFailure> {
    let out = client
        .assume_role_with_saml()
        .role_arn(pair.role.as_str())
        .principal_arn(pair.provider.as_str())
        .saml_assertion(assertion.response().expose())
        .duration_seconds(i32::try_from(duration).unwrap_or(i32::MAX))
        .send()
        .await
        .map_err(classify)?;
    let c = out.credentials().ok_or_else(|| AwsFailure::Server("a success without credentials".into()))?;
    let expiration = SystemTime::try_from(*c.expiration())
        .map_err(|_| AwsFailure::Server(format!("an expiration out of range: '{}'", c.expiration())))?;
    Ok(Credentials::new(c.access_key_id(), c.secret_access_key(), Some(c.session_token().to_owned()), Some(expiration)))
}

fn error(failure: AwsFailure, pair: &RolePair) -> SamlStsError {
    let clean = |s: String| text::clean_owned(s);
    match failure {
        AwsFailure::BadCredentials { code, .. } if code.starts_with("ExpiredToken") => SamlStsError::Expired { code },
        AwsFailure::Other { code, message } if code == "InvalidIdentityToken" || code == "IDPRejectedClaim" => {
            SamlStsError::Rejected { code: clean(code), message: clean(message) }
        }
        AwsFailure::Denied(message) => SamlStsError::Denied {
            role: pair.role.to_string(),
            provider: pair.provider.to_string(),
            message: clean(message),
        },
        AwsFailure::Validation(message) => SamlStsError::Invalid(clean(message)),
        AwsFailure::Network(message) => SamlStsError::Network(clean(message)),
        AwsFailure::Server(message) => SamlStsError::Server(clean(message)),
        AwsFailure::BadCredentials { code, message } | AwsFailure::Other { code, message } => {
            SamlStsError::Other { code: clean(code), message: clean(message) }
        }
    }
}

#[cfg(test)]
#[path = "sts_tests.rs"]
mod tests;
