//! The session cache of one run: role sessions and MFA sessions in the
//! configured keyring (or, when it cannot be used and nothing needs keeping,
//! in memory with one warning), the per-target lock, and the rule that a
//! cached session is served only for what it was made for.

use std::sync::Arc;
use std::time::Duration;

use crate::broker::{MemoryCache, SessionCache};
use crate::config::Settings;
use crate::config::settings::StoreKind;
use crate::credentials::Session;
use crate::store::index::{EntryKind, IndexEntry};
use crate::store::lock::SessionLock;
use crate::store::sessions::{MadeFor, Sessions, role_key};
use crate::store::{self, StoreError};

use super::AppError;
use super::error::join_error;

/// Runs blocking store work off the async runtime.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f).await.map_err(join_error)?.map_err(Into::into)
}

/// Whether a command needs the keyring, or can do without it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    /// Keeping is the point (`login`, keep in keyring): an unusable keyring is an error.
    Keep,
    /// Use it when it works; otherwise warn once and keep sessions in memory.
    Prefer,
    /// Neither read nor write it (`--no-cache`).
    Skip,
}

/// What a cached role session must have been made for to be served.
#[derive(Clone, Debug, Default)]
pub struct Want {
    /// The hash of the input files' identity now.
    pub files: Option<String>,
    /// The hash of the plan now, once known.
    pub plan: Option<String>,
    /// The session must have been made for at least this long (seconds):
    /// a request for more than the cache holds is a miss.
    pub lifetime: Option<u64>,
}

impl Want {
    fn accepts(&self, e: &IndexEntry) -> bool {
        let same = matches!((&self.plan, &e.plan), (Some(a), Some(b)) if a == b)
            || matches!((&self.files, &e.files), (Some(a), Some(b)) if a == b);
        // Sessions are stored a moment after STS made them; allow for that.
        same && self.lifetime.is_none_or(|want| e.lifetime() + 120 >= want)
    }
}

/// The session cache of one run.
pub struct Cache {
    sessions: Option<Arc<Sessions>>,
    memory: Arc<MemoryCache>,
    refresh_window: Duration,
    need: Need,
    /// Set when the keyring failed under [`Need::Prefer`]: the rest of the run keeps to memory.
    degraded: Arc<std::sync::Mutex<Option<String>>>,
    /// A run over many targets: MFA sessions are remembered in memory once read.
    bulk: bool,
    /// MFA sessions read from the keyring during a run.
    remembered: Arc<MemoryCache>,
}

/// The keyring's MFA sessions, each read once and then served from memory.
struct Remembering {
    inner: Arc<dyn SessionCache>,
    memory: Arc<MemoryCache>,
}

impl SessionCache for Remembering {
    fn mfa_session(
        &self,
        key: &crate::broker::MfaSessionKey,
        min_left: Duration,
    ) -> Result<Option<Session>, StoreError> {
        if let Some(found) = self.memory.mfa_session(key, min_left)? {
            return Ok(Some(found));
        }
        let found = self.inner.mfa_session(key, min_left)?;
        if let Some(session) = &found {
            self.memory.put_mfa_session(key, session)?;
        }
        Ok(found)
    }

    fn put_mfa_session(&self, key: &crate::broker::MfaSessionKey, session: &Session) -> Result<(), StoreError> {
        self.inner.put_mfa_session(key, session)?;
        self.memory.put_mfa_session(key, session)
    }

    fn lock_mfa(&self, key: &crate::broker::MfaSessionKey) -> Result<Option<SessionLock>, StoreError> {
        self.inner.lock_mfa(key)
    }
}

/// The MFA session cache the broker sees under [`Need::Prefer`]: the keyring
/// while it works; after a failure, memory (the failure is reported once).
struct Forgiving {
    sessions: Arc<Sessions>,
    memory: Arc<MemoryCache>,
    degraded: Arc<std::sync::Mutex<Option<String>>>,
}

impl Forgiving {
    fn failed(&self) -> bool {
        self.degraded.lock().map(|d| d.is_some()).unwrap_or(true)
    }

    fn fail(&self, e: &StoreError) {
        if let Ok(mut d) = self.degraded.lock()
            && d.is_none()
        {
            *d = Some(format!("{e}; going on without keeping sessions between runs"));
        }
    }
}

impl SessionCache for Forgiving {
    fn mfa_session(
        &self,
        key: &crate::broker::MfaSessionKey,
        min_left: Duration,
    ) -> Result<Option<Session>, StoreError> {
        if !self.failed() {
            match self.sessions.mfa_session(key, min_left) {
                Ok(found) => return Ok(found),
                Err(e) => self.fail(&e),
            }
        }
        self.memory.mfa_session(key, min_left)
    }

    fn put_mfa_session(&self, key: &crate::broker::MfaSessionKey, session: &Session) -> Result<(), StoreError> {
        if !self.failed() {
            match self.sessions.put_mfa_session(key, session) {
                Ok(()) => return Ok(()),
                Err(e) => self.fail(&e),
            }
        }
        self.memory.put_mfa_session(key, session)
    }

    fn lock_mfa(&self, key: &crate::broker::MfaSessionKey) -> Result<Option<SessionLock>, StoreError> {
        if self.failed() {
            return Ok(None);
        }
        match self.sessions.lock_mfa(key) {
            Err(e @ StoreError::LockTimeout { .. }) => Err(e),
            Err(e) => {
                self.fail(&e);
                Ok(None)
            }
            ok => ok,
        }
    }
}

impl Cache {
    /// Opens the configured store (`store = "none"` keeps nothing). With
    /// [`Need::Prefer`], a keyring that fails gives one warning and the run
    /// goes on with sessions in memory instead of failing.
    pub async fn open(settings: &Settings, need: Need) -> Result<Self, AppError> {
        let kind = settings.defaults.store;
        let degraded = Arc::new(std::sync::Mutex::new(None));
        let sessions = if need == Need::Skip || kind == StoreKind::None {
            None
        } else {
            let (lock_timeout, key_cache) = (settings.defaults.lock_timeout, settings.defaults.key_cache_timeout);
            // The keyring is reached only when the vault key is needed: at once when keeping is
            // the point (a locked keyring fails before an MFA prompt), else on first use.
            let vault = Arc::new(store::open_vault(kind, key_cache).with_lock_timeout(lock_timeout));
            let ready = match need {
                Need::Keep => {
                    let v = vault.clone();
                    blocking(move || v.ensure_key()).await
                }
                _ => Ok(()),
            };
            let opened = ready.map(|()| Sessions::new(vault).with_lock_timeout(lock_timeout));
            match opened {
                Ok(s) => Some(Arc::new(s)),
                Err(AppError::Store(e)) if need == Need::Prefer => {
                    if let Ok(mut d) = degraded.lock() {
                        *d = Some(format!("{e}; going on without keeping sessions between runs"));
                    }
                    None
                }
                Err(e) => return Err(e),
            }
        };
        Ok(Self {
            sessions,
            memory: Arc::default(),
            refresh_window: settings.defaults.refresh_window,
            need,
            degraded,
            bulk: false,
            remembered: Arc::default(),
        })
    }

    /// A run over many targets: an MFA session read from the vault is
    /// remembered in memory, so a thousand targets read it once. Each role
    /// session is one record file: nothing is rewritten per target.
    pub fn deferring(mut self) -> Self {
        self.bulk = true;
        self
    }

    fn usable(&self) -> Option<Arc<Sessions>> {
        let failed = self.degraded.lock().map(|d| d.is_some()).unwrap_or(true);
        if failed { None } else { self.sessions.clone() }
    }

    /// Under [`Need::Prefer`], turns a keyring failure into a warning and `fallback`.
    fn forgive<T>(&self, result: Result<T, AppError>, fallback: T) -> Result<T, AppError> {
        match result {
            Err(AppError::Store(e)) if self.need == Need::Prefer && !matches!(e, StoreError::LockTimeout { .. }) => {
                if let Ok(mut d) = self.degraded.lock()
                    && d.is_none()
                {
                    *d = Some(format!("{e}; going on without keeping sessions between runs"));
                }
                Ok(fallback)
            }
            other => other,
        }
    }

    /// The opened keyring, while it is usable (so the IAM Identity Center
    /// tokens need not open it again).
    pub fn secret_store(&self) -> Option<Arc<dyn crate::store::SecretStore>> {
        self.usable().map(|s| s.store())
    }

    /// The MFA session cache to hand the broker. While deferring (a run),
    /// an MFA session read from the keyring is remembered in memory, so a
    /// thousand targets read it once.
    pub fn session_cache(&self) -> Arc<dyn SessionCache> {
        let inner = self.keyring_cache();
        match (self.bulk, &self.sessions) {
            (true, Some(_)) => Arc::new(Remembering { inner, memory: self.remembered.clone() }),
            _ => inner,
        }
    }

    fn keyring_cache(&self) -> Arc<dyn SessionCache> {
        match (&self.sessions, self.need) {
            (Some(s), Need::Prefer) => Arc::new(Forgiving {
                sessions: s.clone(),
                memory: self.memory.clone(),
                degraded: self.degraded.clone(),
            }),
            (Some(s), _) => s.clone(),
            (None, _) => self.memory.clone(),
        }
    }

    /// `target`'s cached role session, if it has more than the refresh window
    /// left and was made for what `want` describes.
    pub async fn cached(&self, target: &str, want: &Want) -> Result<Option<Session>, AppError> {
        let Some(sessions) = self.usable() else { return Ok(None) };
        let (key, window, want) = (role_key(target), self.refresh_window, want.clone());
        let plan_matched = want.plan.clone();
        let files = want.files.clone();
        let found = blocking(move || {
            let mut matched_by_plan_only = false;
            let got = sessions.get_if(&key, window, |e| {
                let ok = want.accepts(e);
                matched_by_plan_only = ok && e.files != want.files;
                ok
            })?;
            // The files changed but the plan did not: remember that for the warm path.
            if got.is_some()
                && matched_by_plan_only
                && plan_matched.is_some()
                && let Some(files) = &files
            {
                sessions.touch_files(&key, files)?;
            }
            Ok(got)
        })
        .await;
        self.forgive(found, None)
    }

    /// Takes `target`'s lock (waiting for a process refreshing it).
    pub async fn lock(&self, target: &str) -> Result<Option<SessionLock>, AppError> {
        let Some(sessions) = self.usable() else { return Ok(None) };
        let key = role_key(target);
        let locked = blocking(move || sessions.lock(&key)).await.map(Some);
        self.forgive(locked, None)
    }

    /// Keeps `session` as `target`'s role session, recording what it was made
    /// for. Credentials without an expiry (an IAM user's own keys) are not
    /// sessions and are not copied.
    pub async fn store(&self, target: &str, session: &Session, want: &Want) -> Result<(), AppError> {
        let Some(sessions) = self.usable() else { return Ok(()) };
        if session.credentials.expiration.is_none() {
            return Ok(());
        }
        let (target, session, want) = (target.to_owned(), session.clone(), want.clone());
        let stored = blocking(move || {
            let made_for = MadeFor { plan: want.plan, files: want.files };
            sessions.put(&role_key(&target), EntryKind::Role, &target, None, &session, &made_for)
        })
        .await;
        self.forgive(stored, ())
    }

    /// Warnings the store collected (corrupted entries replaced, a keyring
    /// that could not be used…), for the caller to show.
    pub fn warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = self.degraded.lock().ok().and_then(|d| d.clone()).into_iter().collect();
        out.extend(self.sessions.as_ref().map(|s| s.take_warnings()).unwrap_or_default());
        out
    }
}
