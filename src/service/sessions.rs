//! The cached sessions as the operator manages them: listing them from the
//! index (never unlocking the keyring) and forgetting them.

use super::cache::blocking;
use super::{AppError, Context};
use crate::store::index::{EntryKind, Index, IndexEntry};
use crate::store::sessions::{Forgotten, Sessions, forget_every};
use crate::{paths, store};

/// Every cached session's metadata by keyring key, and warnings: the index
/// could not be read, or an entry has an impossible expiry (a corrupt file;
/// it is left out here, and discarded when its session is next looked up).
pub fn list() -> (Vec<(String, IndexEntry)>, Vec<String>) {
    let (index, problem) = Index::in_dir(&paths::cache_dir()).load();
    let mut warnings: Vec<String> = problem.into_iter().collect();
    let mut entries = Vec::with_capacity(index.entries.len());
    for (key, entry) in index.entries {
        if entry.expiry().is_some() {
            entries.push((key, entry));
        } else {
            warnings.push(format!(
                "the cache index entry '{key}' has an impossible expiry; leaving it out (the next use of '{}' discards it)",
                entry.target
            ));
        }
    }
    (entries, warnings)
}

/// Cached role sessions from the index: target → expiry (unix seconds).
pub fn role_expiries() -> std::collections::HashMap<String, u64> {
    let (entries, _) = list();
    entries.into_iter().filter(|(_, e)| e.kind == EntryKind::Role).map(|(_, e)| (e.target, e.expires_at)).collect()
}

/// Removes the cached sessions of `target` (its role session, or a base
/// profile's MFA sessions), as the index lists them. Returns the keys removed.
pub async fn forget(ctx: &Context, target: String) -> Result<Vec<String>, AppError> {
    let dir = paths::cache_dir();
    let kind = ctx.settings.defaults.store;
    blocking(move || {
        let sessions = Sessions::new(store::open(kind)?, &dir);
        let (index, problem) = sessions.index().load();
        if let Some(p) = problem {
            return Err(store::StoreError::Failed { store: "cache index", detail: p });
        }
        let keys: Vec<String> =
            index.entries.iter().filter(|(_, e)| e.target == target).map(|(k, _)| k.clone()).collect();
        for key in &keys {
            sessions.remove(key)?;
        }
        Ok(keys)
    })
    .await
}

/// Removes every cached session from every keyring that can be opened
/// (whatever the settings name now): what each keyring lists as rolecall's,
/// and what the index names, so sessions are found even when the index is
/// unreadable or names another store.
/// The notes `status` reads for the IAM Identity Center tokens removed go
/// with them.
pub async fn forget_all() -> Result<Forgotten, AppError> {
    let dir = paths::cache_dir();
    blocking(move || {
        let done = forget_every(&dir, store::open_every())?;
        let sessions: Vec<&str> = done.removed.iter().filter_map(|(_, key)| key.strip_prefix("sso/")).collect();
        crate::sso::tokens::Tokens::forget_keyring_notes(&dir, &sessions);
        Ok(done)
    })
    .await
}
