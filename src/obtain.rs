//! Cached-or-fresh role sessions for a target: look in the store, take the
//! target's lock, look again, and only then let the broker assume. Shared by
//! every command (and the TUI) so they use and fill the same cache.

use std::sync::Arc;
use std::time::Duration;

use std::future::Future;

use crate::broker::{BrokerError, MemoryCache, Outcome, SessionCache};
use crate::config::Settings;
use crate::config::settings::StoreKind;
use crate::credentials::Session;
use crate::store::index::EntryKind;
use crate::store::lock::SessionLock;
use crate::store::sessions::{Sessions, role_key};
use crate::{paths, store};

/// Runs blocking store work off the async runtime.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, store::StoreError> + Send + 'static,
) -> Result<T, BrokerError> {
    tokio::task::spawn_blocking(f).await.map_err(|e| BrokerError::Unexpected(e.to_string()))?.map_err(Into::into)
}

/// The session cache of one run: persistent when the settings allow it.
pub struct Cache {
    sessions: Option<Arc<Sessions>>,
    memory: Arc<MemoryCache>,
    refresh_window: Duration,
}

impl Cache {
    /// Opens the configured store (unless `persistent` is false or `store = "none"`).
    pub async fn open(settings: &Settings, persistent: bool) -> Result<Self, BrokerError> {
        let kind = settings.defaults.store;
        let sessions = if persistent && kind != StoreKind::None {
            let secret_store = blocking(move || store::open(kind)).await?;
            Some(Arc::new(Sessions::new(secret_store, &paths::cache_dir())))
        } else {
            None
        };
        Ok(Self { sessions, memory: Arc::default(), refresh_window: settings.defaults.refresh_window })
    }

    /// The MFA session cache to hand the broker.
    pub fn session_cache(&self) -> Arc<dyn SessionCache> {
        match &self.sessions {
            Some(s) => s.clone(),
            None => self.memory.clone(),
        }
    }

    /// A cached role session for `target` with more than the refresh window left.
    pub async fn cached(&self, target: &str) -> Result<Option<Session>, BrokerError> {
        let Some(sessions) = self.sessions.clone() else { return Ok(None) };
        let (key, window) = (role_key(target), self.refresh_window);
        blocking(move || sessions.get(&key, window)).await
    }

    /// Takes `target`'s lock (waiting for a process refreshing it).
    pub async fn lock(&self, target: &str) -> Result<Option<SessionLock>, BrokerError> {
        let Some(sessions) = self.sessions.clone() else { return Ok(None) };
        let key = role_key(target);
        blocking(move || sessions.lock(&key)).await.map(Some)
    }

    /// Keeps `session` as `target`'s role session. Credentials without an
    /// expiry (an IAM user's own keys) are not sessions and are not copied.
    pub async fn store(&self, target: &str, session: &Session) -> Result<(), BrokerError> {
        let Some(sessions) = self.sessions.clone() else { return Ok(()) };
        if session.credentials.expiration.is_none() {
            return Ok(());
        }
        let (target, session) = (target.to_owned(), session.clone());
        blocking(move || sessions.put(&role_key(&target), EntryKind::Role, &target, None, &session)).await
    }

    /// `target`'s cached role session, or else — once across concurrent
    /// processes, under the target's lock — the outcome of `assume`, which is
    /// then cached. A cached session comes with no notices.
    pub async fn get_or_assume<F, Fut>(&self, target: &str, assume: F) -> Result<Outcome, BrokerError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Outcome, BrokerError>>,
    {
        if let Some(session) = self.cached(target).await? {
            return Ok(Outcome { session, notices: Vec::new() });
        }
        let _lock = self.lock(target).await?;
        // Another process may have refreshed it while this one waited.
        if let Some(session) = self.cached(target).await? {
            return Ok(Outcome { session, notices: Vec::new() });
        }
        let outcome = assume().await?;
        self.store(target, &outcome.session).await?;
        Ok(outcome)
    }

    /// Warnings the store collected (corrupted entries replaced…).
    pub fn warnings(&self) -> Vec<String> {
        self.sessions.as_ref().map(|s| s.take_warnings()).unwrap_or_default()
    }
}
