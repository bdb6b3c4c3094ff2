//! Session metadata: what is cached, for which target, until when, as which
//! identity. It lives in each vault record's clear header (rule 9 of
//! docs/rules.md), so listing sessions never touches the keyring. The
//! `index.json` of the layout before the vault is only read, to move it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::credentials::Identity;

/// What kind of session an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A `GetSessionToken` MFA session for a base profile and device.
    Mfa,
    /// A role session for a target.
    Role,
}

/// One cached session's metadata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexEntry {
    /// MFA or role session.
    pub kind: EntryKind,
    /// The target id (role) or the base profile (MFA).
    pub target: String,
    /// The MFA device, for MFA sessions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_serial: Option<String>,
    /// Which store holds the secret (`secret-service`, `keyutils`, …).
    pub store: String,
    /// The access key id (not secret; shown so sessions can be told apart).
    pub access_key_id: String,
    /// Seconds since the Unix epoch when the session expires.
    pub expires_at: u64,
    /// Seconds since the Unix epoch when it was stored.
    pub stored_at: u64,
    /// The identity the session was verified as.
    pub identity: Identity,
    /// What the session was made for: a hash of the resolved plan (role chain,
    /// ExternalId, session policy and tags, source identity, region, endpoint,
    /// the AWS files). A session is served only for the same plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// A hash of the identity (path, device, inode, size, mtime) of the files
    /// and settings the plan was made from: while they are unchanged, the plan
    /// is too, so the warm path need not parse them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<String>,
}

impl IndexEntry {
    /// Time left before expiry (zero when expired, or when the expiry is corrupt).
    pub fn time_left(&self, now: SystemTime) -> Duration {
        self.expiry().map(|exp| crate::time::left(exp, now)).unwrap_or_default()
    }

    /// When the session expires, or `None` when the stored value is impossible (a corrupt file).
    pub fn expiry(&self) -> Option<SystemTime> {
        crate::time::from_epoch(self.expires_at)
    }

    /// The session's whole lifetime as stored, seconds.
    pub fn lifetime(&self) -> u64 {
        self.expires_at.saturating_sub(self.stored_at)
    }
}

/// The file's contents: entries by keyring key.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct IndexFile {
    /// Format version.
    #[serde(default)]
    pub version: u32,
    /// Entries by keyring key (`role/<target>`, `mfa/<base>/<device>`).
    #[serde(default)]
    pub entries: BTreeMap<String, IndexEntry>,
}

/// The old layout's index file, read once to move it into the vault.
#[derive(Clone, Debug)]
pub struct Index {
    path: PathBuf,
}

impl Index {
    /// The index in cache dir `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        Self { path: dir.join("index.json") }
    }

    /// Reads the index. A missing file is empty; an unparsable one is reported
    /// in the second value and treated as empty.
    pub fn load(&self) -> (IndexFile, Option<String>) {
        match std::fs::read(&self.path) {
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(file) => (file, None),
                Err(e) => (
                    IndexFile::default(),
                    Some(format!("the cache index '{}' is unreadable ({e})", self.path.display())),
                ),
            },
            Err(_) => (IndexFile::default(), None),
        }
    }
}

pub use crate::time::epoch_secs;
