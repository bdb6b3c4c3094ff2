//! Credentials held in memory: secrets zeroized on drop and redacted in `Debug`.

use std::fmt;
use std::time::SystemTime;

use secrecy::{ExposeSecret, SecretString};

/// A set of AWS credentials. The secret parts never appear in `Debug` output;
/// read them only where they leave the process on purpose (the SDK, a child's
/// environment, or exports the user asked for).
#[derive(Clone)]
pub struct Credentials {
    /// The access key id (`AKIA…` for IAM users, `ASIA…` for temporary credentials).
    pub access_key_id: String,
    secret_access_key: SecretString,
    session_token: Option<SecretString>,
    /// When the credentials stop working; `None` for long-lived keys.
    pub expiration: Option<SystemTime>,
}

impl Credentials {
    /// Builds credentials from their parts.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
        expiration: Option<SystemTime>,
    ) -> Self {
        Self {
            access_key_id: access_key_id.into(),
            secret_access_key: SecretString::from(secret_access_key.into()),
            session_token: session_token.map(SecretString::from),
            expiration,
        }
    }

    /// The secret access key, exposed for the places it must go.
    pub fn secret_access_key(&self) -> &str {
        self.secret_access_key.expose_secret()
    }

    /// The session token, exposed for the places it must go.
    pub fn session_token(&self) -> Option<&str> {
        self.session_token.as_ref().map(|t| t.expose_secret())
    }

    /// True when these are temporary (session) credentials rather than an IAM user's keys.
    pub fn is_temporary(&self) -> bool {
        self.session_token.is_some()
    }

    /// Converts to the SDK's credential type for signing requests.
    pub fn to_sdk(&self) -> aws_credential_types::Credentials {
        aws_credential_types::Credentials::new(
            self.access_key_id.clone(),
            self.secret_access_key().to_owned(),
            self.session_token().map(str::to_owned),
            self.expiration,
            "rolecall",
        )
    }

    /// Converts from the SDK's credential type.
    pub fn from_sdk(creds: &aws_credential_types::Credentials) -> Self {
        Self::new(
            creds.access_key_id(),
            creds.secret_access_key(),
            creds.session_token().map(str::to_owned),
            creds.expiry(),
        )
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[REDACTED]")
            .field("session_token", &self.session_token.as_ref().map(|_| "[REDACTED]"))
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// Temporary credentials together with the identity `GetCallerIdentity` proved for them.
#[derive(Clone, Debug)]
pub struct Session {
    /// The credentials themselves.
    pub credentials: Credentials,
    /// The verified caller identity.
    pub identity: Identity,
}

/// The answer of `sts:GetCallerIdentity`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    /// The caller's ARN, e.g. `arn:aws:sts::222222222222:assumed-role/ReadOnly/alice`.
    pub arn: String,
    /// The 12-digit account id.
    pub account: String,
    /// The unique id of the principal (`AIDA…` or `AROA…:session`).
    pub user_id: String,
}

impl Identity {
    /// The human part of the ARN: the user name for IAM users, the session name
    /// for assumed roles, the last path segment otherwise.
    pub fn user_name(&self) -> &str {
        let resource = self.arn.splitn(6, ':').nth(5).unwrap_or(&self.arn);
        if let Some(rest) = resource.strip_prefix("assumed-role/") {
            return rest.split('/').nth(1).unwrap_or(rest);
        }
        resource.rsplit('/').next().unwrap_or(resource)
    }

    /// True when the caller is an assumed-role session (so assuming from it is chaining).
    pub fn is_assumed_role(&self) -> bool {
        self.arn.contains(":assumed-role/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_secrets() {
        let c = Credentials::new("ASIAEXAMPLE", "very-secret", Some("token-secret".into()), None);
        let shown = format!("{c:?}");
        assert!(shown.contains("ASIAEXAMPLE"));
        assert!(!shown.contains("very-secret"));
        assert!(!shown.contains("token-secret"));
    }

    #[test]
    fn user_name_from_arns() {
        let cases = [
            ("arn:aws:iam::111111111111:user/alice", "alice"),
            ("arn:aws:iam::111111111111:user/team/bob", "bob"),
            ("arn:aws:sts::222222222222:assumed-role/ReadOnly/carol", "carol"),
            ("arn:aws:iam::111111111111:root", "root"),
        ];
        for (arn, want) in cases {
            let id = Identity { arn: arn.into(), account: String::new(), user_id: String::new() };
            assert_eq!(id.user_name(), want, "{arn}");
        }
    }
}
