//! Cached sessions: secrets in the [`SecretStore`], metadata in the [`Index`],
//! one lock per session so concurrent processes share a refresh.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::cache::{MfaSessionKey, SessionCache};
use super::index::{EntryKind, Index, IndexEntry, epoch_secs};
use super::lock::{self, SessionLock};
use super::{Opened, SecretStore, StoreError};
use crate::credentials::{Credentials, Identity, Session};

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

/// What one keyring entry holds.
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

/// What a role session was made for, as recorded in the index.
#[derive(Clone, Debug, Default)]
pub struct MadeFor {
    /// The hash of the plan.
    pub plan: Option<String>,
    /// The hash of the input files' identity.
    pub files: Option<String>,
}

/// Sessions kept between runs.
pub struct Sessions {
    store: Arc<dyn SecretStore>,
    index: Index,
    dir: PathBuf,
    warnings: Mutex<Vec<String>>,
    lock_timeout: Duration,
}

impl Sessions {
    /// Sessions in `store`, with the index and locks in cache dir `dir`.
    pub fn new(store: Arc<dyn SecretStore>, dir: &Path) -> Self {
        Self {
            store,
            index: Index::in_dir(dir),
            dir: dir.to_path_buf(),
            warnings: Mutex::new(Vec::new()),
            lock_timeout: LOCK_TIMEOUT,
        }
    }

    /// The index.
    pub fn index(&self) -> &Index {
        &self.index
    }

    /// The secret store the sessions are in (shared with the IAM Identity Center tokens).
    pub fn store(&self) -> Arc<dyn SecretStore> {
        self.store.clone()
    }

    /// Warnings collected since the last call (corrupted entries discarded…), for the caller to show.
    pub fn take_warnings(&self) -> Vec<String> {
        self.warnings.lock().map(|mut w| std::mem::take(&mut *w)).unwrap_or_default()
    }

    fn warn(&self, text: String) {
        if let Ok(mut w) = self.warnings.lock() {
            w.push(text);
        }
    }

    /// A cached session under `key` with more than `min_left` before it expires.
    /// The index is consulted first, so a miss never touches the keyring.
    pub fn get(&self, key: &str, min_left: Duration) -> Result<Option<Session>, StoreError> {
        self.get_if(key, min_left, |_| true)
    }

    /// As [`Self::get`], served only when `accept` approves the index entry
    /// (the plan it was made for, its lifetime); a refusal is a miss.
    pub fn get_if(
        &self,
        key: &str,
        min_left: Duration,
        accept: impl FnOnce(&IndexEntry) -> bool,
    ) -> Result<Option<Session>, StoreError> {
        let (index, problem) = self.index.load();
        if let Some(p) = problem {
            self.warn(format!("{p}; starting a new one"));
        }
        let now = SystemTime::now();
        let Some(entry) = index.entries.get(key) else {
            tracing::debug!(key, "cache miss: no entry");
            return Ok(None);
        };
        if entry.expiry().is_none() {
            self.warn(format!("the cache index entry '{key}' has an impossible expiry; discarding it"));
            self.remove(key)?;
            return Ok(None);
        }
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
        if entry.store != self.store.name() {
            tracing::debug!(key, kept_in = %entry.store, store = self.store.name(), "cache miss: kept in another store");
            return Ok(None);
        }
        if !accept(entry) {
            tracing::debug!(key, "cache miss: made for another plan, input files or a shorter duration");
            return Ok(None);
        }
        let expected_key_id = entry.access_key_id.clone();
        let Some(text) = self.store.get(key)?.map(Zeroizing::new) else {
            tracing::debug!(key, "cache miss: indexed but gone from the keyring");
            self.index.update(|f| {
                f.entries.remove(key);
            })?;
            return Ok(None);
        };
        match serde_json::from_str::<Stored>(&text) {
            // Another cache dir (another HOME) wrote this entry since: not ours.
            Ok(stored) if stored.access_key_id != expected_key_id => {
                tracing::debug!(key, "cache miss: the keyring entry belongs to another cache dir");
                Ok(None)
            }
            Ok(stored) => match stored.into_session() {
                Some(session) => {
                    let fresh = session.credentials.expiration.map(|e| crate::time::left(e, now));
                    let served = fresh.filter(|left| *left > min_left).map(|_| session);
                    match fresh {
                        Some(left) if served.is_some() => {
                            tracing::debug!(key, left_s = left.as_secs(), store = self.store.name(), "cache hit")
                        }
                        _ => tracing::debug!(key, "cache miss: the stored session is inside the refresh window"),
                    }
                    Ok(served)
                }
                None => {
                    self.warn(format!(
                        "the {} entry '{key}' has an impossible expiry; discarding it and assuming afresh",
                        self.store.name()
                    ));
                    self.remove(key)?;
                    Ok(None)
                }
            },
            Err(e) => {
                self.warn(format!(
                    "the {} entry '{key}' is corrupted ({}); discarding it and assuming afresh",
                    self.store.name(),
                    e.classify_name()
                ));
                self.remove(key)?;
                Ok(None)
            }
        }
    }

    /// Records in the index that the entry under `key` also holds for `files`
    /// (the files changed, but the plan made from them did not).
    pub fn touch_files(&self, key: &str, files: &str) -> Result<(), StoreError> {
        self.index.update(|f| {
            if let Some(e) = f.entries.get_mut(key) {
                e.files = Some(files.to_owned());
            }
        })
    }

    /// Stores `session` under `key` and records it in the index, with what it
    /// was made for (the plan and input-file hashes; empty for MFA sessions).
    pub fn put(
        &self,
        key: &str,
        kind: EntryKind,
        target: &str,
        serial: Option<&str>,
        session: &Session,
        made_for: &MadeFor,
    ) -> Result<(), StoreError> {
        let entry = self.put_secret(key, kind, target, serial, session, made_for)?;
        self.record(vec![(key.to_owned(), entry)])
    }

    /// The keyring half of [`Self::put`]: stores the secret and returns the
    /// index entry for it, for the caller to [`Self::record`] (many at once,
    /// for `rolecall run`: one index write instead of one per target).
    pub fn put_secret(
        &self,
        key: &str,
        kind: EntryKind,
        target: &str,
        serial: Option<&str>,
        session: &Session,
        made_for: &MadeFor,
    ) -> Result<IndexEntry, StoreError> {
        let stored = Stored::from_session(session);
        let text =
            serde_json::to_string(&stored).map_err(|e| StoreError::Failed { store: "cache", detail: e.to_string() })?;
        let text = Zeroizing::new(text);
        self.store.set(key, &text)?;
        Ok(IndexEntry {
            kind,
            target: target.to_owned(),
            mfa_serial: serial.map(str::to_owned),
            store: self.store.name().to_owned(),
            access_key_id: session.credentials.access_key_id.clone(),
            expires_at: stored.expiration,
            stored_at: epoch_secs(SystemTime::now()),
            identity: session.identity.clone(),
            plan: made_for.plan.clone(),
            files: made_for.files.clone(),
        })
    }

    /// The index half of [`Self::put`]: records `entries` in one update.
    pub fn record(&self, entries: Vec<(String, IndexEntry)>) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        self.index.update(|f| f.entries.extend(entries))
    }

    /// Removes `key` from the store and the index.
    pub fn remove(&self, key: &str) -> Result<(), StoreError> {
        self.store.delete(key)?;
        self.index.update(|f| {
            f.entries.remove(key);
        })
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
}

/// What [`forget_every`] did.
#[derive(Debug, Default)]
pub struct Forgotten {
    /// What was removed: (store, key).
    pub removed: Vec<(String, String)>,
    /// Entries known to exist (listed by a store or named in the index) that
    /// are still there, each with why.
    pub left: Vec<String>,
    /// What the operator should know: an unreadable index, a store that could
    /// not list its entries (so only those the index names were removed).
    pub notes: Vec<String>,
}

impl Forgotten {
    /// The failure to report when something known is left behind.
    pub fn error(&self) -> Option<StoreError> {
        (!self.left.is_empty()).then(|| StoreError::Failed {
            store: "keyring",
            detail: format!("{} of rolecall's entries could not be removed (see above)", self.left.len()),
        })
    }
}

/// Removes every rolecall entry from every store in `stores` (name, opened
/// store or why not): the keys each store lists, and those the index in
/// `dir` names for it, so an unreadable index or a store the settings no
/// longer name does not leave sessions behind. The index loses what was
/// removed (an unreadable one is set aside). Fails, removing nothing, when
/// the index cannot be read and no store could list its entries.
pub fn forget_every(dir: &Path, stores: Vec<Opened>) -> Result<Forgotten, StoreError> {
    let index = Index::in_dir(dir);
    let (file, problem) = index.load();
    let mut out = Forgotten::default();
    let mut listed_any = false;
    for (name, opened) in stores {
        let named: Vec<String> = file.entries.iter().filter(|(_, e)| e.store == name).map(|(k, _)| k.clone()).collect();
        let store = match opened {
            Ok(store) => store,
            Err(e) => {
                if !named.is_empty() {
                    out.left.push(format!("{} cached session(s) in the {name} keyring: {e}", named.len()));
                }
                continue;
            }
        };
        let mut keys = match store.keys() {
            Ok(Some(keys)) => {
                listed_any = true;
                keys
            }
            Ok(None) => {
                if problem.is_some() {
                    out.notes.push(format!(
                        "the {name} keyring cannot list its entries and the index is unreadable, so sessions kept there may remain"
                    ));
                }
                Vec::new()
            }
            Err(e) => {
                out.notes.push(format!(
                    "cannot list rolecall's entries in the {name} keyring ({e}); removing those the index names"
                ));
                Vec::new()
            }
        };
        keys.extend(named);
        keys.sort();
        keys.dedup();
        for key in keys {
            match store.delete(&key) {
                Ok(()) => out.removed.push((name.to_owned(), key)),
                Err(e) => out.left.push(format!("'{key}' in the {name} keyring: {e}")),
            }
        }
    }
    if let Some(p) = problem.as_ref() {
        if !listed_any {
            return Err(StoreError::Failed {
                store: "cache index",
                detail: format!("{p}, and no keyring could list rolecall's entries, so nothing was removed"),
            });
        }
        out.notes.push(p.clone());
    }
    if problem.is_some() || !out.removed.is_empty() {
        let removed: std::collections::HashSet<(&str, &str)> =
            out.removed.iter().map(|(s, k)| (s.as_str(), k.as_str())).collect();
        index.update(|f| f.entries.retain(|k, e| !removed.contains(&(e.store.as_str(), k.as_str()))))?;
    }
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
mod tests {
    use super::*;
    use crate::store::memory::MemoryStore;

    fn session(secs: u64) -> Session {
        let exp = SystemTime::now() + Duration::from_secs(secs);
        Session {
            credentials: Credentials::new("ASIAX", "secret-value", Some("token".into()), Some(exp)),
            identity: Identity {
                arn: "arn:aws:sts::1:assumed-role/R/alice".into(),
                account: "1".into(),
                user_id: "u".into(),
            },
        }
    }

    #[test]
    fn round_trip_refresh_window_and_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(MemoryStore::default());
        let sessions = Sessions::new(store.clone(), dir.path());
        let key = role_key("prod");
        assert!(sessions.get(&key, Duration::ZERO).unwrap().is_none());

        sessions.put(&key, EntryKind::Role, "prod", None, &session(3600), &MadeFor::default()).unwrap();
        let got = sessions.get(&key, Duration::from_secs(900)).unwrap().unwrap();
        assert_eq!(got.credentials.secret_access_key(), "secret-value");
        assert!(sessions.get(&key, Duration::from_secs(3700)).unwrap().is_none(), "inside the refresh window");

        let index = std::fs::read_to_string(dir.path().join("index.json")).unwrap();
        assert!(index.contains("ASIAX") && !index.contains("secret-value") && !index.contains("token"), "{index}");

        store.set(&key, "{not json").unwrap();
        assert!(sessions.get(&key, Duration::ZERO).unwrap().is_none());
        let warnings = sessions.take_warnings();
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("'role/prod' is corrupted (not JSON)"), "{warnings:?}");
        assert!(store.get(&key).unwrap().is_none(), "discarded");
        assert!(!std::fs::read_to_string(dir.path().join("index.json")).unwrap().contains("role/prod"));
    }

    /// A store that keeps secrets but cannot list them (as keyring-core's
    /// macOS and Windows stores here), or fails to.
    struct Unlisted {
        name: &'static str,
        inner: MemoryStore,
        fail: bool,
    }

    impl SecretStore for Unlisted {
        fn name(&self) -> &'static str {
            self.name
        }
        fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
            self.inner.get(key)
        }
        fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
            self.inner.set(key, value)
        }
        fn delete(&self, key: &str) -> Result<(), StoreError> {
            self.inner.delete(key)
        }
        fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
            if self.fail { Err(StoreError::Failed { store: "unlisted", detail: "no".into() }) } else { Ok(None) }
        }
    }

    fn unlisted(name: &'static str, fail: bool) -> Arc<Unlisted> {
        Arc::new(Unlisted { name, inner: MemoryStore::default(), fail })
    }

    type Stores = Vec<Opened>;

    #[test]
    fn forget_every_finds_what_the_index_does_not_list() {
        let dir = tempfile::tempdir().unwrap();
        let listed = Arc::new(MemoryStore::default());
        let other = unlisted("other", false);
        // Through the index: one session in each store.
        Sessions::new(listed.clone(), dir.path())
            .put(&role_key("a"), EntryKind::Role, "a", None, &session(3600), &MadeFor::default())
            .unwrap();
        Sessions::new(other.clone(), dir.path())
            .put(&role_key("b"), EntryKind::Role, "b", None, &session(3600), &MadeFor::default())
            .unwrap();
        // Behind the index's back: written by another cache dir, or before the index was lost.
        listed.set("mfa/hub/arn:aws:iam::1:mfa/alice", "{}").unwrap();
        std::fs::write(dir.path().join("index.json"), "{ not json").unwrap();

        let stores: Stores = vec![("memory", Ok(listed.clone())), ("other", Ok(other.clone()))];
        let done = forget_every(dir.path(), stores).unwrap();
        assert_eq!(
            done.removed,
            [("memory".to_owned(), "mfa/hub/arn:aws:iam::1:mfa/alice".to_owned()), ("memory".into(), "role/a".into())]
        );
        assert!(listed.keys().unwrap().unwrap().is_empty());
        // The unreadable index named 'b' in the store that cannot list: it stays, and the note says why.
        assert!(other.get("role/b").unwrap().is_some());
        assert!(done.notes.iter().any(|n| n.contains("the other keyring cannot list its entries")), "{:?}", done.notes);
        assert!(done.notes.iter().any(|n| n.contains("is unreadable (")), "{:?}", done.notes);
        assert!(done.error().is_none());
        assert!(
            std::fs::read_dir(dir.path()).unwrap().any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("index.json.unreadable-")),
            "the unreadable index is set aside"
        );
    }

    #[test]
    fn forget_every_uses_the_index_for_stores_that_cannot_list() {
        let dir = tempfile::tempdir().unwrap();
        let other = unlisted("other", true);
        let gone = Arc::new(MemoryStore::default());
        Sessions::new(other.clone(), dir.path())
            .put(&role_key("b"), EntryKind::Role, "b", None, &session(3600), &MadeFor::default())
            .unwrap();
        Sessions::new(gone.clone(), dir.path())
            .put(&role_key("c"), EntryKind::Role, "c", None, &session(3600), &MadeFor::default())
            .unwrap();
        let unavailable = StoreError::Unavailable { store: "memory", detail: "no bus".into(), hint: "start one" };
        let stores: Stores = vec![("other", Ok(other.clone())), ("memory", Err(unavailable))];
        let done = forget_every(dir.path(), stores).unwrap();
        assert_eq!(done.removed, [("other".to_owned(), "role/b".to_owned())]);
        assert!(other.get("role/b").unwrap().is_none());
        assert!(
            done.notes.iter().any(|n| n.contains("cannot list rolecall's entries in the other keyring")),
            "{:?}",
            done.notes
        );
        // The session in the store that could not be opened is still there, and said so.
        assert_eq!(done.left.len(), 1, "{:?}", done.left);
        assert!(done.left[0].contains("1 cached session(s) in the memory keyring") && done.left[0].contains("no bus"));
        assert!(done.error().is_some());
        let index = std::fs::read_to_string(dir.path().join("index.json")).unwrap();
        assert!(!index.contains("role/b") && index.contains("role/c"), "{index}");
    }

    #[test]
    fn forget_every_fails_when_nothing_can_be_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("index.json"), "garbage").unwrap();
        let other = unlisted("other", false);
        other.set("role/x", "{}").unwrap();
        let stores: Stores = vec![("other", Ok(other.clone()))];
        let err = forget_every(dir.path(), stores).unwrap_err().to_string();
        assert!(err.contains("is unreadable") && err.contains("nothing was removed"), "{err}");
        assert_eq!(std::fs::read_to_string(dir.path().join("index.json")).unwrap(), "garbage", "left as it was");
    }
}
