//! Stores that are not the OS keyring: in memory (tests of the logic above the
//! store) and `store = "none"` (keep nothing between runs).

use std::collections::HashMap;
use std::sync::Mutex;

use super::{SecretStore, StoreError};

/// Secrets in a map, for tests.
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, String>>,
}

impl MemoryStore {
    fn map(&self) -> Result<std::sync::MutexGuard<'_, HashMap<String, String>>, StoreError> {
        self.entries.lock().map_err(|_| StoreError::Failed { store: "memory", detail: "poisoned".into() })
    }
}

impl SecretStore for MemoryStore {
    fn name(&self) -> &'static str {
        "memory"
    }
    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.map()?.get(key).cloned())
    }
    fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.map()?.insert(key.to_owned(), value.to_owned());
        Ok(())
    }
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.map()?.remove(key);
        Ok(())
    }
    fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        let mut keys: Vec<String> = self.map()?.keys().cloned().collect();
        keys.sort();
        Ok(Some(keys))
    }
}

/// A memory store with a platform's rules, for tests: refuses an item over
/// its size limit (as Windows' Credential Manager does) and counts reads
/// (each one a possible macOS Keychain prompt) and writes.
pub struct LimitedStore {
    inner: MemoryStore,
    limits: super::Limits,
    /// Reads so far.
    pub reads: std::sync::atomic::AtomicUsize,
    /// Writes so far.
    pub writes: std::sync::atomic::AtomicUsize,
}

impl LimitedStore {
    /// An empty store keeping to `limits`.
    pub fn new(limits: super::Limits) -> Self {
        Self { inner: MemoryStore::default(), limits, reads: Default::default(), writes: Default::default() }
    }
}

impl SecretStore for LimitedStore {
    fn name(&self) -> &'static str {
        "limited"
    }
    fn limits(&self) -> super::Limits {
        self.limits
    }
    fn get(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.reads.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.inner.get(key)
    }
    fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.writes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if !self.limits.fits(value) {
            return Err(StoreError::Failed {
                store: "limited",
                detail: format!("'{key}' is {} bytes as UTF-16, over the limit", value.encode_utf16().count() * 2),
            });
        }
        self.inner.set(key, value)
    }
    fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.inner.delete(key)
    }
    fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        self.inner.keys()
    }
}

/// `store = "none"`: nothing is kept, so every run assumes afresh.
pub struct NoStore;

impl SecretStore for NoStore {
    fn name(&self) -> &'static str {
        "none"
    }
    fn get(&self, _key: &str) -> Result<Option<String>, StoreError> {
        Ok(None)
    }
    fn set(&self, _key: &str, _value: &str) -> Result<(), StoreError> {
        Ok(())
    }
    fn delete(&self, _key: &str) -> Result<(), StoreError> {
        Ok(())
    }
    fn keys(&self) -> Result<Option<Vec<String>>, StoreError> {
        Ok(Some(Vec::new()))
    }
}
