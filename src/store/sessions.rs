//! Cached sessions: sealed records in the [`Vault`] (metadata in their clear
//! headers), one lock per session so concurrent processes share a refresh.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::cache::{MfaSessionKey, SessionCache};
use super::index::{EntryKind, Index, IndexEntry, epoch_secs};
use super::lock::{self, SessionLock};
use super::vault::Vault;
use super::{Opened, SecretStore, StoreError};
use crate::credentials::{Credentials, Identity, Session};
use crate::time::Clock;

/// How long a process waits for another one refreshing the same session
/// (which may be waiting for a person to type an MFA code), unless set.
pub const LOCK_TIMEOUT: Duration = Duration::from_secs(180);

/// The keyring key of a target's role session.
pub fn role_key(target: &str) -> String {
    format!("role/{target}")
}

/// The keyring key of an MFA session.
pub fn mfa_key(key: &MfaSessionKey) -> String {
    format!("mfa/{}/{}", key.base, key.serial)
}

/// What one session record's sealed body holds.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Stored {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    /// Seconds since the Unix epoch.
    expiration: u64,
    identity: Identity,
}

impl Stored {
    fn from_session(s: &Session) -> Self {
        let c = &s.credentials;
        Self {
            access_key_id: c.access_key_id.clone(),
            secret_access_key: c.secret_access_key().to_owned(),
            session_token: c.session_token().map(str::to_owned),
            expiration: c.expiration.map(epoch_secs).unwrap_or(0),
            identity: s.identity.clone(),
        }
    }

    /// The session, or `None` when the stored expiry is out of range (corrupt).
    fn into_session(mut self) -> Option<Session> {
        let expiration = Some(crate::time::from_epoch(self.expiration)?);
        let credentials = Credentials::new(
            std::mem::take(&mut self.access_key_id),
            std::mem::take(&mut self.secret_access_key),
            self.session_token.take(),
            expiration,
        );
        Some(Session { credentials, identity: self.identity.clone() })
    }
}

impl Drop for Stored {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.secret_access_key.zeroize();
        if let Some(t) = self.session_token.as_mut() {
            t.zeroize();
        }
    }
}

/// What a role session was made for, as recorded in its record's header.
#[derive(Clone, Debug, Default)]
pub struct MadeFor {
    /// The hash of the plan.
    pub plan: Option<String>,
    /// The hash of the input files' identity.
    pub files: Option<String>,
}

/// Sessions kept between runs, as sealed records in the vault.
pub struct Sessions {
    vault: Arc<Vault>,
    dir: PathBuf,
    lock_timeout: Duration,
    clock: Clock,
}

impl Sessions {
    /// Sessions in `vault`, with their locks in its cache dir.
    pub fn new(vault: Arc<Vault>) -> Self {
        let dir = vault.cache_dir().to_path_buf();
        Self { vault, dir, lock_timeout: LOCK_TIMEOUT, clock: crate::time::now }
    }

    /// The vault.
    pub fn vault(&self) -> &Arc<Vault> {
        &self.vault
    }

    /// The secret store the sessions are in (shared with the IAM Identity Center tokens).
    pub fn store(&self) -> Arc<dyn SecretStore> {
        self.vault.clone()
    }

    /// Warnings collected since the last call (damaged records discarded…), for the caller to show.
    pub fn take_warnings(&self) -> Vec<String> {
        self.vault.take_warnings()
    }

    /// A cached session under `key` with more than `min_left` before it expires.
    /// The record's clear header is consulted first, so a miss needs no key.
    pub fn get(&self, key: &str, min_left: Duration) -> Result<Option<Session>, StoreError> {
        self.get_if(key, min_left, |_| true)
    }

    /// As [`Self::get`], served only when `accept` approves the header's entry
    /// (the plan it was made for, its lifetime); a refusal is a miss. "Now" is
    /// the sessions' clock ([`Self::with_clock`]), read once.
    pub fn get_if(
        &self,
        key: &str,
        min_left: Duration,
        accept: impl FnOnce(&IndexEntry) -> bool,
    ) -> Result<Option<Session>, StoreError> {
        let now = (self.clock)();
        let Some((header, bytes)) = self.vault.read(key)? else {
            tracing::debug!(key, "cache miss: no record");
            return Ok(None);
        };
        let Some(entry) = self.sound_entry(key, header.meta.as_ref())? else { return Ok(None) };
        let left = entry.time_left(now);
        if left <= min_left {
            tracing::debug!(
                key,
                left_s = left.as_secs(),
                refresh_window_s = min_left.as_secs(),
                "cache miss: inside the refresh window"
            );
            return Ok(None);
        }
        if !accept(entry) {
            tracing::debug!(key, "cache miss: made for another plan, input files or a shorter duration");
            return Ok(None);
        }
        let Some(session) = self.open(key, &bytes, &entry.access_key_id)? else { return Ok(None) };
        Ok(fresh(key, session, now, min_left))
    }

    /// The header's entry when it can be trusted; a record without one, or
    /// with an impossible expiry, is discarded with a warning.
    fn sound_entry<'a>(&self, key: &str, meta: Option<&'a IndexEntry>) -> Result<Option<&'a IndexEntry>, StoreError> {
        let problem = match meta {
            None => "holds no session",
            Some(entry) if entry.expiry().is_none() => "has an impossible expiry",
            Some(entry) => return Ok(Some(entry)),
        };
        self.vault.warn(format!("the sealed record '{key}' {problem}; discarding it"));
        self.remove(key)?;
        Ok(None)
    }

    /// The session sealed in record `key`'s body, when it opens and matches
    /// its header (`expected_key_id`); a damaged body is discarded with a warning.
    fn open(&self, key: &str, bytes: &[u8], expected_key_id: &str) -> Result<Option<Session>, StoreError> {
        let Some(text) = self.vault.unseal(key, bytes)? else {
            tracing::debug!(key, "cache miss: the record does not open");
            return Ok(None);
        };
        let problem = match serde_json::from_str::<Stored>(&text) {
            Ok(stored) if stored.access_key_id != expected_key_id => "does not match its header; discarding it".into(),
            Ok(stored) => match stored.into_session() {
                Some(session) => return Ok(Some(session)),
                None => "has an impossible expiry; discarding it and assuming afresh".into(),
            },
            Err(e) => format!("is corrupted ({}); discarding it and assuming afresh", e.classify_name()),
        };
        self.vault.warn(format!("the sealed record '{key}' {problem}"));
        self.remove(key)?;
        Ok(None)
    }

    /// Records in the header that the session under `key` also holds for
    /// `files` (the files changed, but the plan made from them did not).
    pub fn touch_files(&self, key: &str, files: &str) -> Result<(), StoreError> {
        let Some((header, bytes)) = self.vault.read(key)? else { return Ok(()) };
        let Some(mut meta) = header.meta else { return Ok(()) };
        let Some(text) = self.vault.unseal(key, &bytes)? else { return Ok(()) };
        meta.files = Some(files.to_owned());
        self.vault.put(key, Some(meta), &text)
    }

    /// Seals `session` as record `key`, with what it was made for (the plan
    /// and input-file hashes; empty for MFA sessions) in its clear header.
    /// One file is written; no other record is touched.
    pub fn put(
        &self,
        key: &str,
        kind: EntryKind,
        target: &str,
        serial: Option<&str>,
        session: &Session,
        made_for: &MadeFor,
    ) -> Result<(), StoreError> {
        let stored = Stored::from_session(session);
        let text =
            serde_json::to_string(&stored).map_err(|e| StoreError::Failed { store: "vault", detail: e.to_string() })?;
        let text = Zeroizing::new(text);
        let entry = IndexEntry {
            kind,
            target: target.to_owned(),
            mfa_serial: serial.map(str::to_owned),
            store: "vault".to_owned(),
            access_key_id: session.credentials.access_key_id.clone(),
            expires_at: stored.expiration,
            stored_at: epoch_secs((self.clock)()),
            identity: session.identity.clone(),
            plan: made_for.plan.clone(),
            files: made_for.files.clone(),
        };
        self.vault.put(key, Some(entry), &text)
    }

    /// Removes the record `key`.
    pub fn remove(&self, key: &str) -> Result<(), StoreError> {
        self.vault.remove(key)
    }

    /// Takes the lock for session `key`, waiting for another process that holds it.
    pub fn lock(&self, key: &str) -> Result<SessionLock, StoreError> {
        lock::acquire(&self.dir, key, self.lock_timeout)
    }

    /// Sets how long [`Self::lock`] waits for another process.
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// Sets the clock that says what time it is (the system clock unless set),
    /// so that tests can put a session just inside or outside the refresh window.
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }
}

/// `session` when the expiry in its body (not only its header's) leaves more
/// than `min_left` from `now`.
fn fresh(key: &str, session: Session, now: SystemTime, min_left: Duration) -> Option<Session> {
    match session.credentials.expiration.map(|e| crate::time::left(e, now)) {
        Some(left) if left > min_left => {
            tracing::debug!(key, left_s = left.as_secs(), "cache hit");
            Some(session)
        }
        _ => {
            tracing::debug!(key, "cache miss: the stored session is inside the refresh window");
            None
        }
    }
}

/// What [`forget_every`] did.
#[derive(Debug, Default)]
pub struct Forgotten {
    /// What was removed: (where, name).
    pub removed: Vec<(String, String)>,
    /// Items known to exist that are still there, each with why.
    pub left: Vec<String>,
    /// What the operator should know (a keyring that could not list its items).
    pub notes: Vec<String>,
}

impl Forgotten {
    /// The failure to report when something known is left behind.
    pub fn error(&self) -> Option<StoreError> {
        (!self.left.is_empty()).then(|| StoreError::Failed {
            store: "keyring",
            detail: format!("{} of rolecall's items could not be removed (see above)", self.left.len()),
        })
    }
}

/// Whether `key` is an item of the layout before the vault.
fn old_layout(key: &str) -> bool {
    ["role/", "mfa/", "sso/", "sso-client/"].iter().any(|p| key.starts_with(p))
}

/// Removes every record of `vault`, its key from every keyring in `stores`
/// (name, opened store or why not) and the kernel's copy, and any item of the
/// old layout those keyrings list or the old index names.
pub fn forget_every(vault: &Vault, stores: Vec<Opened>) -> Result<Forgotten, StoreError> {
    let mut out = Forgotten::default();
    out.removed.extend(vault.forget_all()?.into_iter().map(|name| ("vault".to_owned(), name)));
    let index = Index::in_dir(vault.cache_dir());
    let (file, problem) = index.load();
    if let Some(p) = problem {
        out.notes.push(p);
    }
    for (name, opened) in stores {
        let named: Vec<String> = file.entries.iter().filter(|(_, e)| e.store == name).map(|(k, _)| k.clone()).collect();
        let store = match opened {
            Ok(store) => store,
            Err(e) => {
                out.notes
                    .push(format!("cannot open the {name} keyring ({e}); the vault key or old items there may remain"));
                continue;
            }
        };
        let mut keys = match store.keys() {
            Ok(Some(keys)) => keys.into_iter().filter(|k| old_layout(k)).collect(),
            Ok(None) => Vec::new(),
            Err(e) => {
                out.notes.push(format!("cannot list rolecall's items in the {name} keyring ({e})"));
                Vec::new()
            }
        };
        keys.extend(named);
        keys.sort();
        keys.dedup();
        // The vault key, where this keyring has it.
        match store.get(vault.entry()) {
            Ok(Some(_)) => keys.push(vault.entry().to_owned()),
            Ok(None) => {}
            Err(e) => out.notes.push(format!("cannot look for the vault key in the {name} keyring ({e})")),
        }
        for key in keys {
            match store.delete(&key) {
                Ok(()) => out.removed.push((name.to_owned(), key)),
                Err(e) => out.left.push(format!("'{key}' in the {name} keyring: {e}")),
            }
        }
    }
    let old_index = vault.cache_dir().join("index.json");
    super::records::remove_file(&old_index)
        .map_err(|e| StoreError::Failed { store: "vault", detail: format!("'{}': {e}", old_index.display()) })?;
    Ok(out)
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    /// The kind of JSON problem, without echoing any of the (possibly secret) text.
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax => "not JSON",
            serde_json::error::Category::Data => "missing or wrong fields",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

impl SessionCache for Sessions {
    fn mfa_session(&self, key: &MfaSessionKey, min_left: Duration) -> Result<Option<Session>, StoreError> {
        self.get(&mfa_key(key), min_left)
    }

    fn put_mfa_session(&self, key: &MfaSessionKey, session: &Session) -> Result<(), StoreError> {
        self.put(&mfa_key(key), EntryKind::Mfa, &key.base, Some(&key.serial), session, &MadeFor::default())
    }

    fn lock_mfa(&self, key: &MfaSessionKey) -> Result<Option<SessionLock>, StoreError> {
        self.lock(&mfa_key(key)).map(Some)
    }
}

#[cfg(test)]
#[path = "sessions_tests.rs"]
mod tests;
