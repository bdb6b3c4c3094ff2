//! The vault: one random key in the OS keyring (made on first need), every
//! secret a sealed record file in rolecall's data dir. The keyring is opened
//! only when the key is needed and not cached (on Linux the kernel keyring
//! keeps it for a while), so a warm lookup makes no keyring call at all;
//! headers are read without the key (`status`).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use zeroize::Zeroizing;

use super::index::IndexEntry;
use super::records::Records;
use super::seal::{self, Header, STORE_VERSION, Unusable, VaultKey};
use super::{SecretStore, StoreError, kcache, lock};

/// Opens the keyring that holds the vault key, when first needed.
pub type Opener = Box<dyn Fn() -> Result<Arc<dyn SecretStore>, StoreError> + Send + Sync>;

const NAME: &str = "vault";

/// The log target of keyring operations: `ROLECALL_LOG=rolecall::keyring=debug`
/// shows one line per read or write of the OS keyring (scripts/bench counts them).
pub const KEYRING_LOG: &str = "rolecall::keyring";

fn failed(detail: String) -> StoreError {
    StoreError::Failed { store: NAME, detail }
}

/// Where the key came from this process.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Kernel,
    Keyring,
}

/// The vault of one data dir.
pub struct Vault {
    records: Records,
    cache_dir: PathBuf,
    entry: String,
    open: Opener,
    keyring: Mutex<Option<Arc<dyn SecretStore>>>,
    key: Mutex<Option<(Arc<VaultKey>, Source)>>,
    fetching: Mutex<()>,
    key_ttl: Option<Duration>,
    lock_timeout: Duration,
    warnings: Mutex<Vec<String>>,
    migrated: std::sync::OnceLock<()>,
    keyring_calls: AtomicUsize,
    keyring_reads: AtomicUsize,
}

/// The keyring user name of the key for the vault in `dir`: one per data dir
/// (so two homes on one keyring, as in tests, never share or remove each other's).
pub fn key_entry(dir: &Path) -> String {
    format!("vault/{}", crate::paths::short_hash(dir.as_os_str().as_encoded_bytes()))
}

impl Vault {
    /// The vault whose records are in `dir`, whose key is in the keyring
    /// `open` opens, with locks (and the old layout's index) in `cache_dir`.
    pub fn new(open: Opener, dir: &Path, cache_dir: &Path) -> Self {
        Self {
            records: Records::new(dir),
            cache_dir: cache_dir.to_path_buf(),
            entry: key_entry(dir),
            open,
            keyring: Mutex::new(None),
            key: Mutex::new(None),
            fetching: Mutex::new(()),
            key_ttl: None,
            lock_timeout: super::sessions::LOCK_TIMEOUT,
            warnings: Mutex::new(Vec::new()),
            migrated: std::sync::OnceLock::new(),
            keyring_calls: AtomicUsize::new(0),
            keyring_reads: AtomicUsize::new(0),
        }
    }

    /// Keeps the key in the kernel keyring for `ttl` after reading it from the keyring (zero: never).
    pub fn with_key_cache(mut self, ttl: Duration) -> Self {
        self.key_ttl = Some(ttl).filter(|t| !t.is_zero());
        self
    }

    /// Leaves the old layout where it is (`doctor` changes nothing but its probe).
    pub fn without_migration(self) -> Self {
        let _ = self.migrated.set(());
        self
    }

    /// How long to wait for another process making the key or migrating.
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// The record files.
    pub fn records(&self) -> &Records {
        &self.records
    }

    /// The cache dir (locks, the old layout's index).
    pub fn cache_dir(&self) -> &Path {
        &self.cache_dir
    }

    /// The keyring user name of the key.
    pub fn entry(&self) -> &str {
        &self.entry
    }

    /// Keyring operations this process made (reads and writes of an item; opening
    /// the connection is not counted), and how many of them were reads.
    pub fn keyring_calls(&self) -> (usize, usize) {
        (self.keyring_calls.load(Ordering::Relaxed), self.keyring_reads.load(Ordering::Relaxed))
    }

    /// Warnings collected since the last call, for the caller to show.
    pub fn take_warnings(&self) -> Vec<String> {
        self.warnings.lock().map(|mut w| std::mem::take(&mut *w)).unwrap_or_default()
    }

    pub(super) fn warn(&self, text: String) {
        if let Ok(mut w) = self.warnings.lock()
            && !w.contains(&text)
        {
            w.push(text);
        }
    }

    /// Makes sure the key is at hand (read, or made): for commands whose point
    /// is keeping, so a locked keyring fails before anything is asked of the person.
    pub fn ensure_key(&self) -> Result<(), StoreError> {
        self.key(true).map(|_| ())
    }

    /// The keyring, opened on first use.
    pub fn keyring(&self) -> Result<Arc<dyn SecretStore>, StoreError> {
        let mut slot = self.keyring.lock().map_err(|_| failed("poisoned".into()))?;
        if let Some(k) = slot.as_ref() {
            return Ok(k.clone());
        }
        tracing::debug!(target: KEYRING_LOG, "keyring opened");
        let opened = (self.open)()?;
        *slot = Some(opened.clone());
        Ok(opened)
    }

    fn count(&self, read: bool) {
        let calls = self.keyring_calls.fetch_add(1, Ordering::Relaxed) + 1;
        if read {
            self.keyring_reads.fetch_add(1, Ordering::Relaxed);
        }
        tracing::debug!(target: KEYRING_LOG, calls, op = if read { "read" } else { "write" }, "keyring operation");
    }

    fn remember(&self, key: VaultKey, source: Source) -> Arc<VaultKey> {
        let key = Arc::new(key);
        if let Ok(mut slot) = self.key.lock() {
            *slot = Some((key.clone(), source));
        }
        key
    }

    fn cache_in_kernel(&self, key: &VaultKey) {
        if let Some(ttl) = self.key_ttl
            && let Err(e) = kcache::write(&self.entry, key.to_text().as_bytes(), ttl.as_secs())
        {
            tracing::debug!(error = %e, "the kernel keyring cannot keep the vault key; each call reads the keyring");
        }
    }

    /// The key from the keyring itself (not the kernel's copy), if it is there.
    fn key_from_keyring(&self) -> Result<Option<VaultKey>, StoreError> {
        let keyring = self.keyring()?;
        self.count(true);
        let Some(text) = keyring.get(&self.entry)?.map(Zeroizing::new) else { return Ok(None) };
        match VaultKey::from_text(&text) {
            Some(key) => Ok(Some(key)),
            None => {
                self.warn(format!(
                    "the vault key '{}' in the {} keyring is damaged or from a newer rolecall; making a new one",
                    self.entry,
                    keyring.name()
                ));
                Ok(None)
            }
        }
    }

    /// The vault key: remembered, else the kernel's copy, else the keyring's;
    /// with `create`, made (under a lock, so concurrent processes agree on one)
    /// when there is none.
    fn key(&self, create: bool) -> Result<Option<Arc<VaultKey>>, StoreError> {
        // One thread fetches; the others (a run's parallel targets) wait and use its key.
        let _one = self.fetching.lock().map_err(|_| failed("poisoned".into()))?;
        if let Some((key, _)) = self.key.lock().ok().and_then(|k| k.clone()) {
            return Ok(Some(key));
        }
        if self.key_ttl.is_some()
            && let Some(key) = kcache::read(&self.entry).and_then(|t| VaultKey::from_text(&String::from_utf8_lossy(&t)))
        {
            tracing::debug!("vault key from the kernel keyring");
            return Ok(Some(self.remember(key, Source::Kernel)));
        }
        // Made only under the lock, so concurrent processes agree on one key:
        // a writer reads there (once), a reader does not wait.
        let _lock =
            if create { Some(lock::acquire(self.records.dir(), "vault-key", self.lock_timeout)?) } else { None };
        if let Some(key) = self.key_from_keyring()? {
            self.cache_in_kernel(&key);
            return Ok(Some(self.remember(key, Source::Keyring)));
        }
        if !create {
            return Ok(None);
        }
        let key = VaultKey::generate().map_err(failed)?;
        self.discard_unopenable(&key.id);
        let keyring = self.keyring()?;
        let text = key.to_text();
        if !keyring.limits().fits(&text) {
            return Err(failed(format!("the vault key does not fit in one {} item", keyring.name())));
        }
        self.count(false);
        keyring.set(&self.entry, &text)?;
        tracing::debug!(store = keyring.name(), "made a new vault key");
        self.cache_in_kernel(&key);
        Ok(Some(self.remember(key, Source::Keyring)))
    }

    /// The key, read again from the keyring when the one in hand came from the
    /// kernel's copy and `id` is not it (the keyring's key was replaced since).
    fn key_for(&self, id: &str) -> Result<Option<Arc<VaultKey>>, StoreError> {
        let Some(key) = self.key(false)? else { return Ok(None) };
        let from_kernel = self.key.lock().ok().and_then(|k| k.as_ref().map(|(_, s)| *s)) == Some(Source::Kernel);
        if key.id == id || !from_kernel {
            return Ok(Some(key));
        }
        kcache::remove(&self.entry);
        if let Ok(mut slot) = self.key.lock() {
            *slot = None;
        }
        match self.key_from_keyring()? {
            Some(fresh) => {
                self.cache_in_kernel(&fresh);
                Ok(Some(self.remember(fresh, Source::Keyring)))
            }
            None => Ok(None),
        }
    }

    /// Removes every record the key `id` did not seal, with one warning: the
    /// key that sealed them is gone (a reset keyring, a home copied from
    /// another machine, the key removed by hand).
    fn discard_unopenable(&self, id: &str) {
        let mut gone = 0;
        for (path, bytes) in self.records.all() {
            let other = seal::header(&bytes, None).map(|(h, _)| h.sealed_by != id).unwrap_or(true);
            if other && super::records::remove_file(&path).is_ok() {
                gone += 1;
            }
        }
        if gone > 0 {
            self.warn(format!(
                "the vault key '{}' is not in the keyring (it was reset or removed, the kernel keyring was cleared \
                 at reboot, or this home came from another machine), so {gone} sealed record(s) in '{}' cannot be opened; discarded them, sessions will be made afresh",
                self.entry,
                self.records.dir().display()
            ));
        }
    }

    /// Moves the old layout (one keyring item per secret) into the vault, once.
    fn migrate(&self) -> Result<(), StoreError> {
        if self.migrated.get().is_some() {
            return Ok(());
        }
        super::migrate::run(self)?;
        let _ = self.migrated.set(());
        Ok(())
    }

    /// The clear header of record `name`, and its bytes; `None` when there
    /// is no usable record (a damaged or swapped one is removed with a
    /// warning; one from a newer rolecall is left for the next write to replace).
    pub fn read(&self, name: &str) -> Result<Option<(Header, Vec<u8>)>, StoreError> {
        self.migrate()?;
        let bytes = match self.records.read(name) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return Ok(None),
            Err(e) => {
                self.unusable(name, &format!("it cannot be read ({e})"), true);
                return Ok(None);
            }
        };
        match seal::header(&bytes, Some(name)) {
            Ok((header, _)) => Ok(Some((header, bytes))),
            Err(why) => {
                self.unusable(name, &why.to_string(), !matches!(why, Unusable::Future(_)));
                Ok(None)
            }
        }
    }

    fn unusable(&self, name: &str, why: &str, remove: bool) {
        self.warn(format!(
            "the sealed record for '{}' is not used: {why}; it will be replaced",
            crate::text::clean(name)
        ));
        if remove {
            let _ = self.records.remove(name);
        }
    }

    /// Opens a record [`Self::read`] returned. `None` (with a warning, the
    /// record removed) when it does not open.
    pub fn unseal(&self, name: &str, bytes: &[u8]) -> Result<Option<Zeroizing<String>>, StoreError> {
        let (header, _) = seal::header(bytes, Some(name)).map_err(|e| failed(e.to_string()))?;
        let Some(key) = self.key_for(&header.sealed_by)? else {
            self.discard_unopenable("");
            return Ok(None);
        };
        match seal::open(&key, bytes, name) {
            Ok((_, secret)) => match String::from_utf8(secret.to_vec()) {
                Ok(text) => Ok(Some(Zeroizing::new(text))),
                Err(_) => {
                    self.unusable(name, "its content is not text", true);
                    Ok(None)
                }
            },
            Err(why) => {
                self.unusable(name, &why.to_string(), true);
                Ok(None)
            }
        }
    }

    /// Seals `secret` as record `name` with `meta` in its clear header.
    pub fn put(&self, name: &str, meta: Option<IndexEntry>, secret: &str) -> Result<(), StoreError> {
        self.migrate()?;
        self.seal_and_write(name, meta, secret)
    }

    pub(super) fn seal_and_write(&self, name: &str, meta: Option<IndexEntry>, secret: &str) -> Result<(), StoreError> {
        let key = self.key(true)?.ok_or_else(|| failed("no vault key".into()))?;
        let header = Header { v: STORE_VERSION, name: name.to_owned(), sealed_by: key.id.clone(), meta };
        let sealed = seal::seal(&key, &header, secret.as_bytes()).map_err(failed)?;
        self.records.write(name, &sealed).map_err(|e| failed(format!("'{}': {e}", self.records.path(name).display())))
    }

    /// Removes record `name`.
    pub fn remove(&self, name: &str) -> Result<(), StoreError> {
        self.records.remove(name).map_err(|e| failed(format!("'{}': {e}", self.records.path(name).display())))
    }

    /// Every record's header, without the key; unreadable records are left
    /// out with a warning each.
    pub fn headers(&self) -> (Vec<Header>, Vec<String>) {
        let (mut out, mut warnings) = (Vec::new(), Vec::new());
        for (path, bytes) in self.records.all() {
            match seal::header(&bytes, None) {
                Ok((h, _)) => out.push(h),
                Err(why) => warnings.push(format!("the sealed record '{}' is not used: {why}", path.display())),
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        (out, warnings)
    }

    /// Removes every record, the key from the keyring and the kernel's copy.
    /// Returns the names of the records removed.
    pub fn forget_all(&self) -> Result<Vec<String>, StoreError> {
        let mut removed = Vec::new();
        for (path, bytes) in self.records.all() {
            super::records::remove_file(&path).map_err(|e| failed(format!("'{}': {e}", path.display())))?;
            let name = seal::header(&bytes, None).map(|(h, _)| h.name).unwrap_or_else(|_| path.display().to_string());
            removed.push(name);
        }
        removed.sort();
        kcache::remove(&self.entry);
        if let Ok(mut slot) = self.key.lock() {
            *slot = None;
        }
        Ok(removed)
    }
}

/// What the records in `dir` hold, from their clear headers alone (no key,
/// no keyring): session entries by name, and a warning per record that
/// cannot be read.
pub fn listing(dir: &Path) -> (super::index::IndexFile, Vec<String>) {
    let mut out = super::index::IndexFile { version: STORE_VERSION, ..Default::default() };
    let mut warnings = Vec::new();
    for (path, bytes) in Records::new(dir).all() {
        match seal::header(&bytes, None) {
            Ok((Header { name, meta: Some(meta), .. }, _)) => {
                out.entries.insert(name, meta);
            }
            Ok(_) => {}
            Err(why) => warnings.push(format!("the sealed record '{}' is not used: {why}", path.display())),
        }
    }
    (out, warnings)
}

impl SecretStore for Vault {
    fn name(&self) -> &'static str {
        NAME
    }

    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        let Some((_, bytes)) = self.read(key)? else { return Ok(None) };
        Ok(self.unseal(key, &bytes)?.map(|s| s.to_string()))
    }

    fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.put(key, None, value)
    }

    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.remove(key)
    }

    fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        Ok(Some(self.headers().0.into_iter().map(|h| h.name).collect()))
    }
}
