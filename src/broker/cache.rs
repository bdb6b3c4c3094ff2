//! The small interface that keeps MFA sessions between assumes: in memory for
//! one run here, and in the OS keyring when a persistent store implements it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use crate::credentials::Session;

/// Which MFA session: the base credentials it was made from and the device.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MfaSessionKey {
    /// The base profile (or a description of the base, e.g. "environment").
    pub base: String,
    /// The MFA device serial or ARN.
    pub serial: String,
}

/// Keeps MFA sessions so one code serves every role.
pub trait SessionCache: Send + Sync {
    /// A stored MFA session for `key` that is still valid for at least `min_left`.
    fn mfa_session(&self, key: &MfaSessionKey, min_left: Duration) -> Option<Session>;
    /// Stores an MFA session.
    fn put_mfa_session(&self, key: &MfaSessionKey, session: &Session);
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
        Some(exp) => exp.duration_since(SystemTime::now()).is_ok_and(|left| left >= min_left),
    }
}

impl SessionCache for MemoryCache {
    fn mfa_session(&self, key: &MfaSessionKey, min_left: Duration) -> Option<Session> {
        let sessions = self.sessions.lock().ok()?;
        sessions.get(key).filter(|s| still_valid(s, min_left)).cloned()
    }

    fn put_mfa_session(&self, key: &MfaSessionKey, session: &Session) {
        if let Ok(mut sessions) = self.sessions.lock() {
            sessions.insert(key.clone(), session.clone());
        }
    }
}
