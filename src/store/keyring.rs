//! The OS keyring through keyring-core and its platform stores: macOS Keychain,
//! Windows Credential Manager, the freedesktop Secret Service on Linux, and the
//! Linux kernel keyring (keyutils) for headless machines.

use std::sync::Arc;

use keyring_core::{CredentialStore, Error as KeyringError};

use super::{SERVICE, SecretStore, StoreError};
use crate::config::settings::StoreKind;

/// A keyring-core store and the name rolecall shows for it.
pub struct KeyringStore {
    name: &'static str,
    hint: &'static str,
    store: Arc<CredentialStore>,
}

const KEYUTILS_HINT: &str = "run rolecall inside a login session (or under 'keyctl session -'), \
    or set store = \"secret-service\" under [defaults] in rolecall's settings";
#[cfg_attr(target_os = "linux", allow(dead_code))]
const NATIVE_HINT: &str = "unlock the system keychain, or set store = \"none\" under [defaults] \
    in rolecall's settings to keep nothing between runs";

/// Opens the keyring for `kind` (`Auto` picks the platform's; on Linux the
/// Secret Service when a session bus answers, else the kernel keyring).
pub fn open(kind: StoreKind) -> Result<Arc<dyn SecretStore>, StoreError> {
    #[cfg(target_os = "linux")]
    {
        let secret_service = || -> Result<Arc<dyn SecretStore>, StoreError> {
            Ok(Arc::new(super::secret_service::SecretServiceStore::connect()?))
        };
        let keyutils = || -> Result<Arc<dyn SecretStore>, StoreError> {
            let store = linux_keyutils_keyring_store::Store::new().map_err(|e| StoreError::Unavailable {
                store: "keyutils",
                detail: e.to_string(),
                hint: KEYUTILS_HINT,
            })?;
            Ok(Arc::new(KeyringStore { name: "keyutils", hint: KEYUTILS_HINT, store }))
        };
        match kind {
            StoreKind::SecretService => secret_service(),
            StoreKind::Keyutils => keyutils(),
            // No session bus or no Secret Service on it: a headless machine.
            // A Secret Service that answers but is locked is not skipped (exit 4).
            _ => secret_service().or_else(|_| keyutils()),
        }
    }
    #[cfg(target_os = "macos")]
    {
        let _ = kind;
        let store = apple_native_keyring_store::keychain::Store::new().map_err(|e| StoreError::Unavailable {
            store: "keychain",
            detail: e.to_string(),
            hint: NATIVE_HINT,
        })?;
        Ok(Arc::new(KeyringStore { name: "keychain", hint: NATIVE_HINT, store }))
    }
    #[cfg(target_os = "windows")]
    {
        let _ = kind;
        let store = windows_native_keyring_store::Store::new().map_err(|e| StoreError::Unavailable {
            store: "credential-manager",
            detail: e.to_string(),
            hint: NATIVE_HINT,
        })?;
        Ok(Arc::new(KeyringStore { name: "credential-manager", hint: NATIVE_HINT, store }))
    }
    #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
    {
        let _ = (kind, NATIVE_HINT);
        Err(StoreError::Unavailable {
            store: "keyring",
            detail: "no keyring support on this platform".into(),
            hint: "set store = \"none\" under [defaults] in rolecall's settings",
        })
    }
}

impl KeyringStore {
    fn entry(&self, key: &str) -> Result<keyring_core::Entry, StoreError> {
        self.store.build(SERVICE, key, None).map_err(|e| self.error(e))
    }

    fn error(&self, e: KeyringError) -> StoreError {
        match e {
            KeyringError::NoStorageAccess(detail) => {
                StoreError::Locked { store: self.name, detail: detail.to_string(), hint: self.hint }
            }
            KeyringError::PlatformFailure(detail) => {
                StoreError::Unavailable { store: self.name, detail: detail.to_string(), hint: self.hint }
            }
            other => StoreError::Failed { store: self.name, detail: other.to_string() },
        }
    }
}

impl SecretStore for KeyringStore {
    fn name(&self) -> &'static str {
        self.name
    }

    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        match self.entry(key)?.get_password() {
            Ok(value) => Ok(Some(value)),
            Err(KeyringError::NoEntry) => Ok(None),
            // Not text: treat as a corrupted entry for the caller to replace.
            Err(KeyringError::BadEncoding(_)) => Ok(Some(String::new())),
            Err(e) => Err(self.error(e)),
        }
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.entry(key)?.set_password(value).map_err(|e| self.error(e))
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(self.error(e)),
        }
    }
}
