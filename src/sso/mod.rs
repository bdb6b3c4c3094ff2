//! IAM Identity Center (SSO): signing in (OAuth 2.0 authorization code with
//! PKCE on a loopback redirect, or the device authorization grant), the
//! tokens (keyring, or the AWS CLI's `~/.aws/sso/cache`), refreshing them
//! under a cross-process lock, role credentials from the portal, and the
//! portal's accounts × permission sets for discovery.

pub mod browser;
pub mod client;
pub mod discover;
pub mod loopback;
pub mod pace;
pub mod pkce;
pub mod signin;
pub mod token;
pub mod tokens;

use std::future::Future;
use std::pin::Pin;

pub use signin::{Access, Interaction, SignInFlow};
pub use token::Token;

use crate::config::SsoRole;
use crate::credentials::Credentials;

/// What can go wrong with Identity Center, worded for the operator. Each
/// names the command that fixes it when there is one.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    /// No usable token and no person to sign in (exit 3).
    #[error("IAM Identity Center session '{session}': {reason}; run 'rolecall login --sso {session}' in a terminal")]
    SignInNeeded {
        /// The session id.
        session: String,
        /// Why no token could be had.
        reason: String,
    },
    /// The Identity Center session ended: the refresh token stopped working (exit 2).
    #[error(
        "the IAM Identity Center session '{session}' has ended ({detail}); sign in again with 'rolecall login --sso {session}'"
    )]
    SessionEnded {
        /// The session id.
        session: String,
        /// What the service said.
        detail: String,
    },
    /// The sign-in did not complete (denied, expired, timed out, wrong state…) (exit 2).
    #[error("IAM Identity Center sign-in for '{session}' failed: {reason}")]
    SignInFailed {
        /// The session id.
        session: String,
        /// What happened.
        reason: String,
    },
    /// The portal or OIDC refused a call (exit 2).
    #[error("IAM Identity Center {operation} failed ({code}): {message}")]
    Refused {
        /// The operation.
        operation: &'static str,
        /// The service's code.
        code: String,
        /// The service's message.
        message: String,
    },
    /// The service could not be reached or did not answer properly (exit 5).
    #[error("cannot reach IAM Identity Center {operation} at '{endpoint}': {detail}")]
    Network {
        /// The operation.
        operation: &'static str,
        /// The endpoint URL.
        endpoint: String,
        /// What happened.
        detail: String,
    },
    /// The token files, the keyring or a lock failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// A token cache file is unreadable or malformed.
    #[error("IAM Identity Center token file '{}': {problem}", path.display())]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A local problem (the loopback port, a background task).
    #[error("{0}")]
    Local(String),
}

impl SsoError {
    /// The process exit code (rule 12 of docs/rules.md).
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::SignInNeeded { .. } => 3,
            Self::SessionEnded { .. } | Self::SignInFailed { .. } | Self::Refused { .. } => 2,
            Self::Network { .. } => 5,
            Self::Store(e) => e.exit_code(),
            Self::File { .. } | Self::Local(_) => 1,
        }
    }
}

/// A boxed future, for the object-safe [`RoleCredentials`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Role credentials for an Identity Center account × permission set: what
/// the broker needs from this module for a `Base::Sso` plan.
pub trait RoleCredentials: Send + Sync {
    /// `GetRoleCredentials` with a valid token of `role`'s session (signing in
    /// or refreshing first when the policy allows).
    fn role_credentials<'a>(&'a self, role: &'a SsoRole) -> BoxFuture<'a, Result<Credentials, SsoError>>;
}
