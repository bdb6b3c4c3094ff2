//! The picker's memory between runs: favourite and recent targets, in the
//! cache dir (0600, atomic). Conveniences: an unreadable file is empty.

use serde::{Deserialize, Serialize};

use crate::paths;

/// Favourites and recent targets, kept in the cache dir.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Prefs {
    /// Favourite target ids.
    #[serde(default)]
    pub favourites: Vec<String>,
    /// Recently assumed target ids, newest first.
    #[serde(default)]
    pub recent: Vec<String>,
}

impl Prefs {
    fn path() -> std::path::PathBuf {
        paths::cache_dir().join("tui.json")
    }

    /// Loads them (missing or unreadable: empty).
    pub fn load() -> Self {
        std::fs::read(Self::path()).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    /// Saves them (0600, atomic); failures are ignored: they are conveniences.
    pub fn save(&self) {
        if let Ok(text) = serde_json::to_vec_pretty(self) {
            let _ = paths::write_private_atomic(&Self::path(), &text);
        }
    }
}
