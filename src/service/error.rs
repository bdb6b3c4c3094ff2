//! The application's error: each layer's own error, plus what belongs to no
//! layer (the terminal, stdout, a failed task), with the exit code each maps
//! to: 0 ok; 1 usage or configuration; 2 AWS refused; 3 MFA needed but not
//! available without a person; 4 keyring unavailable or locked; 5 network or
//! endpoint; 6 another rolecall process holds the lock too long.

use crate::aws::federation::FederationError;
use crate::broker::BrokerError;
use crate::broker::plan::PlanError;
use crate::catalog::CatalogError;
use crate::config::ConfigError;
use crate::org::OrgError;
use crate::store::StoreError;

/// Exit code for a lock held too long by another rolecall process.
pub const EXIT_LOCK: u8 = 6;

/// Anything a command can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The AWS files, the settings or a flag are wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A plan could not be made.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// A target id names nothing assumable.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// Assuming failed.
    #[error(transparent)]
    Broker(#[from] BrokerError),
    /// An organisation could not be listed.
    #[error(transparent)]
    Org(Box<OrgError>),
    /// The keyring or rolecall's cache files could not be used.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The console sign-in failed.
    #[error(transparent)]
    Federation(#[from] FederationError),
    /// IAM Identity Center failed.
    #[error(transparent)]
    Sso(#[from] crate::sso::SsoError),
    /// The terminal could not be used.
    #[error("terminal: {0}")]
    Terminal(String),
    /// Writing the output failed (stdout closed or full).
    #[error("cannot write the output: {0}")]
    Output(String),
    /// A command could not be started.
    #[error("{0}")]
    Spawn(String),
    /// Something that should not happen did (a task panicked).
    #[error("internal error: {0}; this is a bug worth reporting")]
    Internal(String),
}

impl From<OrgError> for AppError {
    fn from(e: OrgError) -> Self {
        Self::Org(Box::new(e))
    }
}

impl AppError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Config(_) | Self::Plan(_) | Self::Terminal(_) | Self::Spawn(_) => 1,
            Self::Catalog(e) => e.exit_code(),
            Self::Broker(e) => e.exit_code(),
            Self::Org(e) => e.exit_code(),
            Self::Federation(e) => e.exit_code(),
            Self::Store(StoreError::LockTimeout { .. }) => EXIT_LOCK,
            Self::Store(_) => 4,
            Self::Sso(e) => e.exit_code(),
            Self::Output(_) | Self::Internal(_) => 1,
        }
    }

    /// A usage error with this text.
    pub fn usage(text: impl Into<String>) -> Self {
        Self::Config(ConfigError::Usage(text.into()))
    }
}

/// A task that ended without an answer (a panic or a cancellation).
pub fn join_error(e: tokio::task::JoinError) -> AppError {
    AppError::Internal(format!("a background task failed ({e})"))
}
