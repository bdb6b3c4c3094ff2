//! Where sessions live between runs: a [`SecretStore`] for the secrets (the OS
//! keyring), an [`index::Index`] of non-secret metadata in the cache dir
//! (rule 9 of docs/rules.md: no secrets in cache files), per-target locks, and [`sessions::Sessions`] tying them together.
//!
//! Entries in the keyring use service `rolecall` and these user names:
//! `mfa/<base profile>/<MFA device>` for MFA sessions and `role/<target>` for
//! role sessions. Each holds one JSON object with the temporary credentials.

pub mod cache;
pub mod index;
pub mod keyring;
pub mod lock;
pub mod memory;
#[cfg(target_os = "linux")]
pub mod secret_service;
pub mod sessions;

use crate::config::settings::StoreKind;

/// The keyring service name every entry is filed under.
pub const SERVICE: &str = "rolecall";

/// A place for secrets. Calls block: run them off the async runtime.
pub trait SecretStore: Send + Sync {
    /// Which store this is, for messages and the index (`secret-service`, `keyutils`, …).
    fn name(&self) -> &'static str;
    /// The secret stored under `key`, if any.
    fn get(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Stores `value` under `key`, replacing what was there.
    fn set(&self, key: &str, value: &str) -> Result<(), StoreError>;
    /// Removes `key`; removing a missing key is not an error.
    fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Every key rolecall has in this store (service [`SERVICE`]), whatever
    /// the index says; `None` when the store cannot list them, and the index
    /// is the only record of what is there.
    fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        Ok(None)
    }
}

/// The store could not be used. Always exit code 4 (rule 12 of docs/rules.md: exit codes).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store exists but refuses access (typically: locked).
    #[error("the {store} keyring is locked or refused access ({detail}); {hint}")]
    Locked {
        /// Which store.
        store: &'static str,
        /// What the platform said.
        detail: String,
        /// How to unlock it or choose another.
        hint: &'static str,
    },
    /// The store cannot be reached at all.
    #[error("the {store} keyring is not available ({detail}); {hint}")]
    Unavailable {
        /// Which store.
        store: &'static str,
        /// What the platform said.
        detail: String,
        /// How to make it available or choose another.
        hint: &'static str,
    },
    /// Another rolecall process held a session's lock for longer than the wait allows.
    #[error(
        "another rolecall process ({holder}) has been refreshing '{key}' for more than {secs} s; \
         wait for it (it may be asking for an MFA code) or stop it, then try again"
    )]
    LockTimeout {
        /// The session being refreshed.
        key: String,
        /// Who holds the lock (`pid 1234`, or `unknown`).
        holder: String,
        /// How long this process waited, seconds.
        secs: u64,
    },
    /// Any other failure of the store or of rolecall's cache files.
    #[error("the {store} store failed: {detail}")]
    Failed {
        /// Which store (or "cache index").
        store: &'static str,
        /// What happened.
        detail: String,
    },
}

/// Opens the store the settings ask for.
pub fn open(kind: StoreKind) -> Result<std::sync::Arc<dyn SecretStore>, StoreError> {
    match kind {
        StoreKind::None => Ok(std::sync::Arc::new(memory::NoStore)),
        other => keyring::open(other),
    }
}

/// A store by the name the index records for it, opened or why not.
pub type Opened = (&'static str, Result<std::sync::Arc<dyn SecretStore>, StoreError>);

/// Every keyring rolecall may have used on this platform, opened (or why
/// not), whatever the settings say now: on Linux the Secret Service and the
/// kernel keyring, elsewhere the platform's own. For `forget --all`.
pub fn open_every() -> Vec<Opened> {
    #[cfg(target_os = "linux")]
    {
        vec![
            ("secret-service", keyring::open(StoreKind::SecretService)),
            ("keyutils", keyring::open(StoreKind::Keyutils)),
        ]
    }
    #[cfg(not(target_os = "linux"))]
    {
        let opened = keyring::open(StoreKind::Auto);
        let name = opened.as_ref().map(|s| s.name()).unwrap_or("keyring");
        vec![(name, opened)]
    }
}
