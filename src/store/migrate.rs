//! The old layout (one keyring item per secret, `index.json` in the cache
//! dir) moved into the vault: each item read, sealed as a record with its
//! index entry as header, and removed; once, under a lock, then a marker in
//! the vault dir says it is done.

use super::index::Index;
use super::vault::Vault;
use super::{StoreError, lock};

/// Key names the old layout used: `mfa/…` and `role/…` (named by the index),
/// IAM Identity Center tokens and registrations (found by listing the keyring).
const LISTED_PREFIXES: [&str; 2] = ["sso/", "sso-client/"];

/// The file that says this vault has no old layout left to move.
pub const MARKER: &str = "layout-2";

/// Moves the old layout into `vault` unless that was done.
pub fn run(vault: &Vault) -> Result<(), StoreError> {
    let marker = vault.records().dir().join(MARKER);
    if marker.exists() {
        return Ok(());
    }
    let index_path = vault.cache_dir().join("index.json");
    // Only a cache dir rolecall used before has anything to move; a new one needs no keyring call.
    if index_path.exists() || vault.cache_dir().join("sso").is_dir() {
        let _lock = lock::acquire(vault.cache_dir(), "vault-migrate", super::sessions::LOCK_TIMEOUT)?;
        if marker.exists() {
            return Ok(());
        }
        move_old(vault)?;
    }
    crate::paths::write_private_atomic(&marker, b"sealed records; no keyring item per secret\n")
        .map_err(|e| StoreError::Failed { store: "vault", detail: format!("'{}': {e}", marker.display()) })
}

fn move_old(vault: &Vault) -> Result<(), StoreError> {
    let index = Index::in_dir(vault.cache_dir());
    let (file, problem) = index.load();
    if let Some(p) = problem {
        vault.warn(format!("{p}; sessions it listed are assumed afresh"));
    }
    let keyring = vault.keyring()?;
    let mut names: Vec<String> =
        file.entries.iter().filter(|(_, e)| e.store == keyring.name()).map(|(k, _)| k.clone()).collect();
    if let Ok(Some(listed)) = keyring.keys() {
        names.extend(listed.into_iter().filter(|k| LISTED_PREFIXES.iter().any(|p| k.starts_with(p))));
    }
    names.sort();
    names.dedup();
    let mut moved = 0;
    for name in names {
        if let Some(secret) = keyring.get(&name)?.map(zeroize::Zeroizing::new) {
            let meta = file.entries.get(&name).cloned();
            vault.seal_and_write(&name, meta, &secret)?;
            moved += 1;
        }
        keyring.delete(&name)?;
    }
    tracing::debug!(moved, store = keyring.name(), "moved the old keyring layout into the vault");
    crate::store::records::remove_file(&vault.cache_dir().join("index.json"))
        .map_err(|e| StoreError::Failed { store: "vault", detail: format!("removing the old index: {e}") })
}
