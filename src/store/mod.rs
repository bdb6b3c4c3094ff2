//! Where sessions live between runs: the [`vault::Vault`] (one random key in
//! the OS keyring, every secret a sealed record file in the data dir with its
//! non-secret metadata in a clear header: rules 8 and 9 of docs/rules.md),
//! per-target locks, and [`sessions::Sessions`] tying them together.
//!
//! Record names: `mfa/<base profile>/<MFA device>` for MFA sessions,
//! `role/<target>` for role sessions, `sso/…` and `sso-client/…` for IAM
//! Identity Center tokens and registrations. The keyring holds one item,
//! service `rolecall`, user `vault/<hash of the vault dir>`. The layout
//! before the vault (one keyring item per secret, `index.json`) is moved
//! into it on first use ([`migrate`]).

pub mod cache;
pub mod index;
pub mod kcache;
pub mod keyring;
pub mod lock;
pub mod memory;
pub mod migrate;
pub mod records;
pub mod seal;
#[cfg(target_os = "linux")]
pub mod secret_service;
pub mod sessions;
pub mod vault;

use crate::config::settings::StoreKind;

/// The keyring service name every entry is filed under.
pub const SERVICE: &str = "rolecall";

/// What a store can hold and how reading it behaves, so the vault can keep
/// within it: Windows' Credential Manager takes at most 2,560 bytes per
/// credential, and keyring-rs's `set_password` stores text as UTF-16; the
/// macOS Keychain may ask "Always Allow" on a read by a newly signed binary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Largest item, in bytes as the store keeps it (UTF-16 for Windows).
    pub max_item_utf16_bytes: Option<usize>,
    /// Whether a read may show the person a prompt.
    pub reads_may_prompt: bool,
}

/// Windows' Credential Manager: 2,560 bytes per credential (`CRED_MAX_CREDENTIAL_BLOB_SIZE`).
pub const WINDOWS_LIMITS: Limits = Limits { max_item_utf16_bytes: Some(2560), reads_may_prompt: false };
/// The macOS Keychain: no small size limit, but a read may prompt.
pub const MACOS_LIMITS: Limits = Limits { max_item_utf16_bytes: None, reads_may_prompt: true };

impl Limits {
    /// Whether `value` fits in one item.
    pub fn fits(&self, value: &str) -> bool {
        self.max_item_utf16_bytes.is_none_or(|max| value.encode_utf16().count() * 2 <= max)
    }
}

/// A place for secrets. Calls block: run them off the async runtime.
pub trait SecretStore: Send + Sync {
    /// Which store this is, for messages (`secret-service`, `keyutils`, `vault`, …).
    fn name(&self) -> &'static str;
    /// What it can hold; no limit unless said.
    fn limits(&self) -> Limits {
        Limits::default()
    }
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

/// The store could not be used: exit code 4, or 6 for a lock held too long
/// (rule 12 of docs/rules.md: exit codes). The one place those codes are chosen:
/// every error wrapping a `StoreError` asks [`StoreError::exit_code`].
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

/// Exit code for a lock held too long by another rolecall process.
pub const EXIT_LOCK: u8 = 6;

/// Exit code for a keyring (or cache file) that cannot be used.
pub const EXIT_STORE: u8 = 4;

impl StoreError {
    /// The process exit code (rule 12 of docs/rules.md: exit codes).
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::LockTimeout { .. } => EXIT_LOCK,
            Self::Locked { .. } | Self::Unavailable { .. } | Self::Failed { .. } => EXIT_STORE,
        }
    }
}

pub use crate::config::settings::KEY_CACHE_TIMEOUT;

/// Opens the store the settings ask for: the vault (`store = "none"`: nothing kept).
/// Nothing is opened yet: the keyring is reached when the key is first needed.
pub fn open(kind: StoreKind) -> Result<std::sync::Arc<dyn SecretStore>, StoreError> {
    match kind {
        StoreKind::None => Ok(std::sync::Arc::new(memory::NoStore)),
        other => Ok(std::sync::Arc::new(open_vault(other, KEY_CACHE_TIMEOUT))),
    }
}

/// The vault in the data dir, its key in the keyring `kind` names; on Linux
/// with the Secret Service, the key is kept in the kernel keyring for
/// `key_cache` after one read (`store = "keyutils"` keeps it there only).
pub fn open_vault(kind: StoreKind, key_cache: std::time::Duration) -> vault::Vault {
    let cache = if kind == StoreKind::Keyutils { std::time::Duration::ZERO } else { key_cache };
    vault::Vault::new(Box::new(move || keyring::open(kind)), &crate::paths::vault_dir(), &crate::paths::cache_dir())
        .with_key_cache(cache)
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
