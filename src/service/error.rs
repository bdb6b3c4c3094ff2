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
            Self::Store(e) => e.exit_code(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sso::SsoError;
    use crate::store::{EXIT_LOCK, EXIT_STORE};

    fn lock() -> StoreError {
        StoreError::LockTimeout { key: "role/prod".into(), holder: "pid 1".into(), secs: 30 }
    }

    fn locked() -> StoreError {
        StoreError::Locked { store: "secret-service", detail: "locked".into(), hint: "unlock it" }
    }

    /// A store failure keeps its exit code however many layers wrap it: the
    /// store chooses it, every wrapper asks the store.
    #[test]
    fn a_store_failure_has_one_exit_code_through_every_route() {
        let failed = || StoreError::Failed { store: "cache lock", detail: "EIO".into() };
        let unavailable =
            || StoreError::Unavailable { store: "keyutils", detail: "ENOSYS".into(), hint: "use another" };
        let rows: Vec<(&str, AppError, u8)> = vec![
            ("lock, direct", AppError::Store(lock()), EXIT_LOCK),
            ("lock via broker", AppError::Broker(BrokerError::Store(lock())), EXIT_LOCK),
            ("lock via sso", AppError::Sso(SsoError::Store(lock())), EXIT_LOCK),
            ("lock via broker via sso", AppError::Broker(BrokerError::Sso(SsoError::Store(lock()))), EXIT_LOCK),
            ("locked, direct", AppError::Store(locked()), EXIT_STORE),
            ("locked via broker", AppError::Broker(BrokerError::Store(locked())), EXIT_STORE),
            ("unavailable via sso", AppError::Sso(SsoError::Store(unavailable())), EXIT_STORE),
            ("failed via broker via sso", AppError::Broker(BrokerError::Sso(SsoError::Store(failed()))), EXIT_STORE),
        ];
        for (case, err, want) in rows {
            assert_eq!(err.exit_code(), want, "{case}: {err}");
        }
        assert_eq!((EXIT_LOCK, EXIT_STORE), (6, 4), "rule 12 of docs/rules.md");
    }
}
