//! A snapshot of the catalog in the cache dir, so `list` and the TUI's first
//! frame need not parse the AWS files: the entries (non-secret metadata
//! only: ids, role ARNs, routes, account facts), the organisations'
//! headings and the warnings, valid while the identity (device, inode, size,
//! mtime) of every input file and the environment variables plans depend on
//! are unchanged. It is never used to assume: planning always re-reads the files.

use std::path::{Path, PathBuf};

use aws_types::os_shim_internal::Env;
use serde::{Deserialize, Serialize};

use std::collections::HashMap;
use std::sync::Arc;

use super::provenance;
use crate::catalog::{AccountRef, Alias, Entry, Kind, Problem, Route};

use crate::config::RoleArn;
use crate::config::{AwsFiles, Settings};
use crate::{paths, time};

/// Bumped whenever the stored shape changes.
const VERSION: u32 = 6;

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
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// Every target.
    pub entries: Vec<Entry>,
    /// The organisations that were loaded.
    pub orgs: Vec<OrgMeta>,
    /// Warnings about the files (keys set in both files…).
    pub warnings: Vec<String>,
}

/// An entry as stored: its route and account are indices into shared tables,
/// so the thousands of organisation targets that share a route (per
/// organisation and role) and an account (per role) are stored and read once.
#[derive(Serialize, Deserialize)]
struct StoredEntry {
    id: String,
    kind: Kind,
    role_arn: Option<String>,
    route: Option<u32>,
    account: Option<u32>,
    alias: Option<Alias>,
    problem: Option<Problem>,
}

/// The file's shape.
#[derive(Serialize, Deserialize)]
struct Stored {
    version: u32,
    program: String,
    inputs: String,
    routes: Vec<Route>,
    accounts: Vec<AccountRef>,
    entries: Vec<StoredEntry>,
    orgs: Vec<OrgMeta>,
    warnings: Vec<String>,
}

/// Interns equal values: each is stored once and read back as one shared `Arc`
/// (five thousand profiles from one hub share one route).
struct Table<T> {
    index: HashMap<T, u32>,
    values: Vec<T>,
}

impl<T: Clone + Eq + std::hash::Hash> Table<T> {
    fn new() -> Self {
        Self { index: HashMap::new(), values: Vec::new() }
    }

    fn add(&mut self, value: &Arc<T>) -> u32 {
        let next = u32::try_from(self.values.len()).unwrap_or(u32::MAX);
        *self.index.entry((**value).clone()).or_insert_with(|| {
            self.values.push((**value).clone());
            next
        })
    }
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
    load_from(&path(), inputs)
}

/// Keeps `entries` as the snapshot for `inputs` (best effort: a cache).
pub fn save(inputs: &Inputs, entries: &[Entry], orgs: Vec<OrgMeta>, warnings: Vec<String>) {
    save_to(&path(), inputs, entries, orgs, warnings);
}

fn load_from(file: &Path, inputs: &Inputs) -> Option<Snapshot> {
    let bytes = std::fs::read(file).ok()?;
    let stored: Stored = postcard::from_bytes(&bytes).ok()?;
    let current =
        stored.version == VERSION && stored.program == env!("CARGO_PKG_VERSION") && stored.inputs == inputs.key;
    if !current {
        return None;
    }
    let routes: Vec<Arc<Route>> = stored.routes.into_iter().map(Arc::new).collect();
    let accounts: Vec<Arc<AccountRef>> = stored.accounts.into_iter().map(Arc::new).collect();
    let mut entries = Vec::with_capacity(stored.entries.len());
    for e in stored.entries {
        let route = match e.route {
            Some(i) => Some(routes.get(i as usize)?.clone()),
            None => None,
        };
        let account = match e.account {
            Some(i) => Some(accounts.get(i as usize)?.clone()),
            None => None,
        };
        let role_arn = match e.role_arn {
            Some(text) => Some(RoleArn::from_known(text)?),
            None => None,
        };
        entries.push(Entry { id: e.id, kind: e.kind, role_arn, route, account, alias: e.alias, problem: e.problem });
    }
    Some(Snapshot { entries, orgs: stored.orgs, warnings: stored.warnings })
}

fn save_to(file: &Path, inputs: &Inputs, entries: &[Entry], orgs: Vec<OrgMeta>, warnings: Vec<String>) {
    let (mut routes, mut accounts) = (Table::new(), Table::new());
    let stored_entries = entries
        .iter()
        .map(|e| StoredEntry {
            id: e.id.clone(),
            kind: e.kind,
            role_arn: e.role_arn.as_ref().map(|a| a.as_str().to_owned()),
            route: e.route.as_ref().map(|r| routes.add(r)),
            account: e.account.as_ref().map(|a| accounts.add(a)),
            alias: e.alias.clone(),
            problem: e.problem.clone(),
        })
        .collect();
    let stored = Stored {
        version: VERSION,
        program: env!("CARGO_PKG_VERSION").to_owned(),
        inputs: inputs.key.clone(),
        routes: routes.values,
        accounts: accounts.values,
        entries: stored_entries,
        orgs,
        warnings,
    };
    if let Ok(bytes) = postcard::to_stdvec(&stored) {
        let _ = paths::write_private_atomic(file, &bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::BaseRef;

    #[test]
    fn shared_routes_and_accounts_stay_shared_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let route = Arc::new(Route {
            base: BaseRef { name: "hub".into(), detail: Some("keys".into()) },
            via: Vec::new(),
            assumes: true,
            mfa: false,
            region: "eu-west-1".into(),
        });
        let account = Arc::new(AccountRef {
            org: "acme".into(),
            id: "222222222222".into(),
            name: "payments".into(),
            ou: Some("/Prod".into()),
            state: "ACTIVE".into(),
            tags: Default::default(),
        });
        let entry = |role: &str| Entry {
            id: format!("payments/{role}"),
            kind: Kind::OrgRole,
            role_arn: Some(RoleArn::new("222222222222", role)),
            route: Some(route.clone()),
            account: Some(account.clone()),
            alias: None,
            problem: None,
        };
        let entries = vec![entry("ReadOnly"), entry("Admin")];
        let inputs = Inputs {
            env: Env::from_slice(&[]),
            settings: Settings::default(),
            files: AwsFiles { config: dir.path().join("c"), credentials: dir.path().join("k") },
            key: "k1".into(),
        };
        let file = dir.path().join("catalog.bin");
        save_to(&file, &inputs, &entries, Vec::new(), vec!["w".into()]);
        let snap = load_from(&file, &inputs).expect("the same inputs read it back");
        assert_eq!(snap.entries, entries);
        assert!(Arc::ptr_eq(snap.entries[0].route.as_ref().unwrap(), snap.entries[1].route.as_ref().unwrap()));
        assert!(Arc::ptr_eq(snap.entries[0].account.as_ref().unwrap(), snap.entries[1].account.as_ref().unwrap()));
        let other = Inputs { key: "k2".into(), ..inputs };
        assert!(load_from(&file, &other).is_none(), "other inputs: no snapshot");
        // A broken file is no snapshot (the catalog is built from the files), never an error.
        std::fs::write(&file, b"\xff\x00garbage").unwrap();
        assert!(load_from(&file, &other).is_none());
    }
}
