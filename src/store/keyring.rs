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
    /// Lists rolecall's keys where keyring-core's store cannot.
    list: Option<ListKeys>,
}

/// A function listing rolecall's keys in one store.
type ListKeys = fn() -> Result<Vec<String>, StoreError>;

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
            Ok(Arc::new(KeyringStore { name: "keyutils", hint: KEYUTILS_HINT, store, list: Some(keyutils_keys) }))
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
        Ok(Arc::new(KeyringStore { name: "keychain", hint: NATIVE_HINT, store, list: None }))
    }
    #[cfg(target_os = "windows")]
    {
        let _ = kind;
        let store = windows_native_keyring_store::Store::new().map_err(|e| StoreError::Unavailable {
            store: "credential-manager",
            detail: e.to_string(),
            hint: NATIVE_HINT,
        })?;
        Ok(Arc::new(KeyringStore { name: "credential-manager", hint: NATIVE_HINT, store, list: None }))
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

/// rolecall's keys in the kernel keyring: user keys described
/// `keyring:<key>@rolecall` (the store's naming) linked in the session
/// keyring or in a keyring linked there (the per-user persistent keyring,
/// where keys outlive a login session). linux-keyutils-keyring-store has no
/// search, so this reads the links with linux-keyutils itself.
#[cfg(target_os = "linux")]
fn keyutils_keys() -> Result<Vec<String>, StoreError> {
    use linux_keyutils::{KeyRing, KeyRingIdentifier, LinkNode};
    /// Links read per keyring: far more than rolecall makes.
    const MAX_LINKS: usize = 4096;
    let unavailable = |e: linux_keyutils::KeyError| StoreError::Unavailable {
        store: "keyutils",
        detail: format!("cannot list the session keyring: {e}"),
        hint: KEYUTILS_HINT,
    };
    let session = KeyRing::from_special_id(KeyRingIdentifier::Session, false).map_err(unavailable)?;
    let suffix = format!("@{SERVICE}");
    let (mut keys, mut seen) = (Vec::new(), vec![session]);
    let mut rings = vec![(session, 0)];
    while let Some((ring, depth)) = rings.pop() {
        let links = match ring.get_links(MAX_LINKS) {
            Ok(links) => links,
            Err(e) if depth == 0 => return Err(unavailable(e)),
            // A keyring someone else linked into the session and keeps closed holds none of rolecall's keys.
            Err(_) => continue,
        };
        for node in links.iter() {
            match node {
                LinkNode::Key(key) => {
                    let Ok(meta) = key.metadata() else { continue };
                    let name = meta.get_description().strip_prefix("keyring:").and_then(|d| d.strip_suffix(&suffix));
                    if let Some(name) = name.filter(|n| !n.is_empty()) {
                        keys.push(name.to_owned());
                    }
                }
                LinkNode::KeyRing(nested) if depth < 2 && !seen.contains(nested) => {
                    seen.push(*nested);
                    rings.push((*nested, depth + 1));
                }
                LinkNode::KeyRing(_) => {}
            }
        }
    }
    keys.sort();
    keys.dedup();
    Ok(keys)
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

    fn limits(&self) -> super::Limits {
        match self.name {
            "credential-manager" => super::WINDOWS_LIMITS,
            "keychain" => super::MACOS_LIMITS,
            _ => super::Limits::default(),
        }
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

    fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        self.list.map(|list| list()).transpose()
    }
}
