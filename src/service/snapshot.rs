//! A snapshot of the catalog in the cache dir, so `list` and the TUI's first
//! frame need not parse the AWS files: the entries (non-secret metadata
//! only: ids, role ARNs, routes, account facts), the organisations'
//! headings and the warnings, valid while the identity (device, inode, size,
//! mtime) of every input file and the environment variables plans depend on
//! are unchanged. It is never used to assume: planning always re-reads the files.

use std::path::{Path, PathBuf};

use aws_types::os_shim_internal::Env;
use serde::{Deserialize, Serialize};

use super::provenance;
use crate::catalog::Entry;
use crate::config::{AwsFiles, Settings};
use crate::{paths, time};

/// Bumped whenever the stored shape changes.
const VERSION: u32 = 1;

/// What a listing says about one organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgMeta {
    /// Its `name` in the settings.
    pub name: String,
    /// How many accounts its snapshot has.
    pub accounts: usize,
    /// When it was listed, RFC 3339.
    pub fetched_at: String,
    /// When it was listed, seconds since the epoch.
    pub fetched_at_unix: u64,
}

/// The catalog as last built.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Snapshot {
    version: u32,
    program: String,
    inputs: String,
    /// Every target.
    pub entries: Vec<Entry>,
    /// The organisations that were loaded.
    pub orgs: Vec<OrgMeta>,
    /// Warnings about the files (keys set in both files…).
    pub warnings: Vec<String>,
}

/// Where the inputs are and what they are now, without parsing anything.
pub struct Inputs {
    /// The process environment.
    pub env: Env,
    /// The settings (parsed: a small file, and needed anyway).
    pub settings: Settings,
    /// The AWS files' paths.
    pub files: AwsFiles,
    key: String,
}

impl Inputs {
    /// Reads the settings and takes the identity of every input file.
    pub fn read(settings_flag: Option<&Path>) -> Result<Self, crate::config::ConfigError> {
        let env = Env::real();
        let settings = Settings::load(settings_flag)?;
        let files = AwsFiles::from_env(&env);
        let key = provenance::files_key(&provenance::input_files(&files, settings_flag, &settings), &env);
        Ok(Self { env, settings, files, key })
    }

    /// True when every configured organisation is in `snap` and younger than its TTL.
    pub fn orgs_fresh(&self, snap: &Snapshot) -> bool {
        let (ttl, now) = (self.settings.defaults.org_cache_ttl.as_secs(), time::now_unix());
        self.settings
            .organizations
            .iter()
            .all(|o| snap.orgs.iter().any(|m| m.name == o.name && now.saturating_sub(m.fetched_at_unix) < ttl))
    }
}

fn path() -> PathBuf {
    paths::cache_dir().join("catalog.bin")
}

/// The snapshot, if there is one for exactly these inputs.
pub fn load(inputs: &Inputs) -> Option<Snapshot> {
    let bytes = std::fs::read(path()).ok()?;
    let snap: Snapshot = postcard::from_bytes(&bytes).ok()?;
    let current = snap.version == VERSION && snap.program == env!("CARGO_PKG_VERSION") && snap.inputs == inputs.key;
    current.then_some(snap)
}

/// Keeps `entries` as the snapshot for `inputs` (best effort: a cache).
pub fn save(inputs: &Inputs, entries: &[Entry], orgs: Vec<OrgMeta>, warnings: Vec<String>) {
    let snap = Snapshot {
        version: VERSION,
        program: env!("CARGO_PKG_VERSION").to_owned(),
        inputs: inputs.key.clone(),
        entries: entries.to_vec(),
        orgs,
        warnings,
    };
    if let Ok(bytes) = postcard::to_stdvec(&snap) {
        let _ = paths::write_private_atomic(&path(), &bytes);
    }
}
