//! The organisation cache: one JSON snapshot per organisation in the cache
//! dir (rule 9 of docs/rules.md: 0600 in a 0700 directory), replaced whole, never
//! half-written. It holds account metadata only, never credentials.

use std::path::{Path, PathBuf};

use super::model::{SNAPSHOT_VERSION, Snapshot};
use crate::config::org::OrgSettings;
use crate::paths;

/// Where snapshots live.
#[derive(Clone, Debug)]
pub struct OrgCache {
    dir: PathBuf,
}

/// What the cache holds for one organisation.
#[derive(Debug)]
pub enum Cached {
    /// Nothing usable: no file, another format version, or another profile's view.
    Missing,
    /// A snapshot, and whether it is younger than the TTL.
    Found {
        /// The snapshot.
        snapshot: Snapshot,
        /// True when it is within `org_cache_ttl`.
        fresh: bool,
    },
    /// The file exists but cannot be read; the message says why.
    Unreadable(String),
}

impl OrgCache {
    /// A cache in `dir` (normally [`paths::cache_dir`]).
    pub fn new(dir: &Path) -> Self {
        Self { dir: dir.to_path_buf() }
    }

    /// The file for organisation `name`: `org-NAME.json`, with characters other
    /// than letters, digits, `-`, `_` and `.` replaced and a hash of the name
    /// added when any were, so different names never share a file.
    pub fn path(&self, name: &str) -> PathBuf {
        let safe: String =
            name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
        let file = if safe == name && !name.starts_with('.') {
            format!("org-{name}.json")
        } else {
            format!("org-{}-{:08x}.json", safe.trim_start_matches('.'), fnv1a(name))
        };
        self.dir.join(file)
    }

    /// The cached snapshot of `org`, judged against `ttl_secs` at `now_unix`.
    pub fn load(&self, org: &OrgSettings, ttl_secs: u64, now_unix: u64) -> Cached {
        let path = self.path(&org.name);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Cached::Missing,
            Err(e) => return Cached::Unreadable(format!("'{}': {e}", path.display())),
        };
        match serde_json::from_slice::<Snapshot>(&bytes) {
            Ok(s) if s.version != SNAPSHOT_VERSION || s.org != org.name || s.profile != org.profile => Cached::Missing,
            Ok(snapshot) => {
                let fresh = snapshot.age(now_unix) < ttl_secs;
                Cached::Found { snapshot, fresh }
            }
            Err(e) => Cached::Unreadable(format!("'{}' is not a rolecall organisation cache ({e})", path.display())),
        }
    }

    /// Writes `snapshot` atomically (0600, temp file + rename).
    pub fn store(&self, snapshot: &Snapshot) -> std::io::Result<PathBuf> {
        let path = self.path(&snapshot.org);
        let bytes = serde_json::to_vec(snapshot).map_err(std::io::Error::other)?;
        paths::write_private_atomic(&path, &bytes)?;
        Ok(path)
    }
}

fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::model::Account;

    fn org(name: &str) -> OrgSettings {
        toml::from_str(&format!("name = '{name}'\nprofile = 'reader'\nroles = ['ReadOnly']")).unwrap()
    }

    #[test]
    fn file_names_are_safe_and_distinct() {
        let cache = OrgCache::new(Path::new("/c"));
        let rows = [
            ("acme", "org-acme.json"),
            ("acme corp", "org-acme_corp-"),
            ("acme_corp", "org-acme_corp.json"),
            ("../x", "org-_x-"),
            ("Zürich", "org-Z_rich-"),
        ];
        for (name, want) in rows {
            let file = cache.path(name).file_name().unwrap().to_string_lossy().into_owned();
            assert!(file.starts_with(want), "{name}: {file}");
            assert_eq!(cache.path(name).parent(), Some(Path::new("/c")), "{name}");
        }
        assert_ne!(cache.path("a b"), cache.path("a/b"));
    }

    #[test]
    fn round_trip_freshness_and_views() {
        let dir = tempfile::tempdir().unwrap();
        let cache = OrgCache::new(dir.path());
        let acme = org("acme");
        assert!(matches!(cache.load(&acme, 60, 1000), Cached::Missing));
        let account = Account {
            id: "222222222222".into(),
            name: "données équipe".into(),
            email: "x@example.com".into(),
            state: "ACTIVE".into(),
            joined: None,
            ou: Some("/Workloads".into()),
            tags: [("env".to_owned(), "prod".to_owned())].into(),
        };
        let snapshot = Snapshot::new(&acme, 1000, Some("arn:aws:iam::1:user/r".into()), vec![account]);
        let path = cache.store(&snapshot).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let rows = [(1000, true), (1059, true), (1060, false), (10, true)];
        for (now, want_fresh) in rows {
            match cache.load(&acme, 60, now) {
                Cached::Found { snapshot: s, fresh } => {
                    assert_eq!(s, snapshot);
                    assert_eq!(fresh, want_fresh, "now {now}");
                }
                other => panic!("{other:?}"),
            }
        }
        let mut other_profile = acme.clone();
        other_profile.profile = "someone-else".into();
        assert!(matches!(cache.load(&other_profile, 60, 1000), Cached::Missing), "another profile's view");
        std::fs::write(&path, b"{half").unwrap();
        assert!(
            matches!(cache.load(&acme, 60, 1000), Cached::Unreadable(m) if m.contains("not a rolecall organisation cache"))
        );
    }
}
