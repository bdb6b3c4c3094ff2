//! What can go wrong while turning a plan into credentials, worded for the operator.

use crate::config::ConfigError;

use super::plan::PlanError;

/// A failure of the broker, with the exit code it maps to (rule 12 of docs/rules.md: exit codes).
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// The configuration or a flag is wrong.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// MFA is needed and no code could be obtained without a person.
    #[error("an MFA code is needed for '{device}', and {reason}")]
    MfaUnavailable {
        /// The device.
        device: String,
        /// Why no code could be had.
        reason: String,
    },
    /// The `mfa_process` command failed or printed something else than a code.
    #[error("mfa_process '{command}' gave no MFA code: {reason}")]
    MfaProcess {
        /// The command line.
        command: String,
        /// What happened.
        reason: String,
    },
    /// AWS rejected the MFA code.
    #[error(
        "AWS rejected the MFA code for '{device}' (a code is valid once, for about 30 seconds; check the device's clock): {message}"
    )]
    MfaRejected {
        /// The device.
        device: String,
        /// AWS's message.
        message: String,
    },
    /// `AssumeRole` was denied: the checklist of rule 13 in docs/rules.md.
    #[error("{}", access_denied_text(.0))]
    AccessDenied(Box<AccessDenied>),
    /// The base credentials are expired, unknown or malformed.
    #[error(
        "the base credentials from {source_desc} were rejected by AWS ({code}): {message}\n\
         check or rotate those keys (an expired session token needs new credentials)"
    )]
    BadCredentials {
        /// Where the credentials came from, e.g. "profile 'hub' (keys)".
        source_desc: String,
        /// AWS's error code (ExpiredToken, InvalidClientTokenId, …).
        code: String,
        /// AWS's message.
        message: String,
    },
    /// The requested duration is above what the role allows.
    #[error(
        "role '{role_arn}' does not allow a {requested} s session (its maximum session duration is lower); \
         ask for less, e.g. '--duration 3600', or raise the role's MaxSessionDuration. AWS said: {message}"
    )]
    DurationTooLong {
        /// The role.
        role_arn: String,
        /// What was asked for.
        requested: u32,
        /// AWS's message.
        message: String,
    },
    /// STS answered for a role with credentials that prove another identity.
    #[error(
        "STS returned credentials for '{role_arn}' that prove to be '{arn}' (account '{account}'), \
         not that role; nothing was kept. Check the STS endpoint in use (AWS_ENDPOINT_URL*, endpoint_url)"
    )]
    WrongIdentity {
        /// The role asked for.
        role_arn: String,
        /// What GetCallerIdentity said.
        arn: String,
        /// Its account.
        account: String,
    },
    /// Any other refusal by AWS.
    #[error("{operation} failed ({code}): {message}")]
    Aws {
        /// The STS operation.
        operation: &'static str,
        /// AWS's error code.
        code: String,
        /// AWS's message.
        message: String,
    },
    /// STS could not be reached.
    #[error("cannot reach STS at '{endpoint}': {detail}")]
    Network {
        /// The endpoint URL that was tried.
        endpoint: String,
        /// The connection error.
        detail: String,
    },
    /// Something answered at the STS endpoint, but not with an AWS answer
    /// (HTTP 5xx, a proxy's page, garbage): the endpoint or the path to it is wrong.
    #[error(
        "STS at '{endpoint}' did not give an AWS answer: {detail}; check the endpoint \
         (AWS_ENDPOINT_URL*, a profile's endpoint_url or [services]) and any proxy in between, or try again later"
    )]
    Server {
        /// The endpoint URL that was tried.
        endpoint: String,
        /// What came back.
        detail: String,
    },
    /// The base credentials could not be obtained.
    #[error("cannot get base credentials from {source_desc}: {reason}")]
    Base {
        /// Where they were to come from.
        source_desc: String,
        /// Why not.
        reason: String,
    },
    /// The profile kind cannot be assumed yet.
    #[error("{0}")]
    Unsupported(String),
    /// The keyring or rolecall's cache files could not be used.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// IAM Identity Center gave no role credentials.
    #[error(transparent)]
    Sso(#[from] crate::sso::SsoError),
    /// A background task of the broker failed (a panic): a bug, not AWS.
    #[error("internal error while assuming ({0}); this is a bug worth reporting")]
    Internal(String),
    /// STS returned something that breaks its own contract.
    #[error("STS returned unexpected data ({0}); this is a bug worth reporting")]
    Unexpected(String),
}

impl From<ConfigError> for BrokerError {
    fn from(e: ConfigError) -> Self {
        Self::Plan(PlanError::Config(e))
    }
}

impl BrokerError {
    /// The process exit code for this error (rule 12 of docs/rules.md: exit codes).
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Plan(_) | Self::Base { .. } | Self::Unsupported(_) | Self::Internal(_) => 1,
            Self::MfaUnavailable { .. } | Self::MfaProcess { .. } => 3,
            Self::Network { .. } | Self::Server { .. } => 5,
            Self::Store(e) => e.exit_code(),
            Self::Sso(e) => e.exit_code(),
            Self::MfaRejected { .. }
            | Self::AccessDenied(_)
            | Self::BadCredentials { .. }
            | Self::DurationTooLong { .. }
            | Self::Aws { .. }
            | Self::WrongIdentity { .. }
            | Self::Unexpected(_) => 2,
        }
    }
}

/// The facts behind an AccessDenied on `AssumeRole`.
#[derive(Debug, Clone)]
pub struct AccessDenied {
    /// The role that was asked for.
    pub role_arn: String,
    /// Who asked (from `GetCallerIdentity`), if known.
    pub caller_arn: Option<String>,
    /// Whether `SerialNumber`/`TokenCode` were sent, or the caller is an MFA session.
    pub mfa_sent: bool,
    /// Whether an `ExternalId` was sent.
    pub external_id_sent: bool,
    /// AWS's own message.
    pub message: String,
}

fn access_denied_text(d: &AccessDenied) -> String {
    let caller = d.caller_arn.as_deref().unwrap_or("(unknown caller)");
    let mfa = if d.mfa_sent { "An MFA code was sent" } else { "No MFA code was sent" };
    let ext = if d.external_id_sent { "An ExternalId was sent" } else { "No ExternalId was sent" };
    format!(
        "AccessDenied: sts:AssumeRole on '{role}' was refused for '{caller}'.\n\
         Check, in this order:\n\
         \x20 1. Does the role's trust policy trust this caller? Caller: {caller}\n\
         \x20 2. Does the trust policy require MFA (aws:MultiFactorAuthPresent)? {mfa}; set 'mfa_serial' on the profile if it does.\n\
         \x20 3. Does the trust policy require an ExternalId (sts:ExternalId)? {ext}; check 'external_id'.\n\
         \x20 4. Does the caller's own identity policy allow sts:AssumeRole on {role}?\n\
         \x20 5. Could a service control policy (SCP) of the organisation deny it?\n\
         AWS said: {msg}",
        role = d.role_arn,
        msg = d.message,
    )
}
