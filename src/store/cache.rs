//! The small interface the broker keeps MFA sessions behind: in memory for
//! one run ([`MemoryCache`]), or in the OS keyring ([`super::sessions::Sessions`]).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use super::StoreError;
use super::lock::SessionLock;
use crate::credentials::Session;

/// Which MFA session: the base credentials it was made from and the device.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MfaSessionKey {
    /// The base profile (or a description of the base, e.g. "environment").
    pub base: String,
    /// The MFA device serial or ARN.
    pub serial: String,
}

/// Keeps MFA sessions so one code serves every role. Calls may block (a
/// keyring): the broker runs them off the async runtime.
pub trait SessionCache: Send + Sync {
    /// A stored MFA session for `key` that is still valid for at least `min_left`.
    fn mfa_session(&self, key: &MfaSessionKey, min_left: Duration) -> Result<Option<Session>, StoreError>;
    /// Stores an MFA session.
    fn put_mfa_session(&self, key: &MfaSessionKey, session: &Session) -> Result<(), StoreError>;
    /// Serialises the making of one MFA session across processes, so only one asks for a code.
    fn lock_mfa(&self, _key: &MfaSessionKey) -> Result<Option<SessionLock>, StoreError> {
        Ok(None)
    }
}

/// A cache that lives as long as the process.
#[derive(Default)]
pub struct MemoryCache {
    sessions: Mutex<HashMap<MfaSessionKey, Session>>,
}

/// True when `session` has at least `min_left` before it expires (or never expires).
pub fn still_valid(session: &Session, min_left: Duration) -> bool {
    match session.credentials.expiration {
        None => true,
        Some(exp) => crate::time::left(exp, crate::time::now()) >= min_left,
    }
}

fn poisoned() -> StoreError {
    StoreError::Failed { store: "memory", detail: "poisoned lock".into() }
}

impl SessionCache for MemoryCache {
    fn mfa_session(&self, key: &MfaSessionKey, min_left: Duration) -> Result<Option<Session>, StoreError> {
        let sessions = self.sessions.lock().map_err(|_| poisoned())?;
        Ok(sessions.get(key).filter(|s| still_valid(s, min_left)).cloned())
    }

    fn put_mfa_session(&self, key: &MfaSessionKey, session: &Session) -> Result<(), StoreError> {
        self.sessions.lock().map_err(|_| poisoned())?.insert(key.clone(), session.clone());
        Ok(())
    }
}
