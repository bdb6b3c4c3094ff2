//! The cached sessions as the operator manages them: listing them from the
//! vault's clear headers (never unlocking the keyring) and forgetting them.

use super::cache::blocking;
use super::{AppError, Context};
use crate::store::index::{EntryKind, IndexEntry};
use crate::store::sessions::{Forgotten, forget_every};
use crate::{paths, store};

/// Every cached session's metadata by record name, and warnings: a record
/// cannot be read, or has an impossible expiry (a damaged file; it is left
/// out here, and discarded when its session is next looked up).
pub fn list() -> (Vec<(String, IndexEntry)>, Vec<String>) {
    let (index, mut warnings) = store::vault::listing(&paths::vault_dir());
    let mut entries = Vec::with_capacity(index.entries.len());
    for (key, entry) in index.entries {
        if entry.expiry().is_some() {
            entries.push((key, entry));
        } else {
            warnings.push(format!(
                "the sealed record '{key}' has an impossible expiry; leaving it out (the next use of '{}' discards it)",
                entry.target
            ));
        }
    }
    (entries, warnings)
}

/// Cached role sessions from the headers: target → expiry (unix seconds).
pub fn role_expiries() -> std::collections::HashMap<String, u64> {
    let (entries, _) = list();
    entries.into_iter().filter(|(_, e)| e.kind == EntryKind::Role).map(|(_, e)| (e.target, e.expires_at)).collect()
}

/// Removes the cached sessions of `target` (its role session, or a base
/// profile's MFA sessions), as the headers list them. Returns the names removed.
pub async fn forget(ctx: &Context, target: String) -> Result<Vec<String>, AppError> {
    let kind = ctx.settings.defaults.store;
    let ttl = ctx.settings.defaults.key_cache_timeout;
    blocking(move || {
        let vault = store::open_vault(kind, ttl);
        let (index, _) = store::vault::listing(vault.records().dir());
        let keys: Vec<String> =
            index.entries.iter().filter(|(_, e)| e.target == target).map(|(k, _)| k.clone()).collect();
        for key in &keys {
            vault.remove(key)?;
        }
        Ok(keys)
    })
    .await
}

/// Removes every record, the vault key from every keyring that can be
/// opened (whatever the settings name now) and the kernel's copy, and any
/// item of the old layout. The notes `status` reads for the IAM Identity
/// Center tokens removed go with them.
pub async fn forget_all() -> Result<Forgotten, AppError> {
    let dir = paths::cache_dir();
    blocking(move || {
        let vault = store::open_vault(crate::config::settings::StoreKind::Auto, store::KEY_CACHE_TIMEOUT);
        let done = forget_every(&vault, store::open_every())?;
        let sessions: Vec<&str> = done.removed.iter().filter_map(|(_, key)| key.strip_prefix("sso/")).collect();
        crate::sso::tokens::Tokens::forget_keyring_notes(&dir, &sessions);
        Ok(done)
    })
    .await
}
