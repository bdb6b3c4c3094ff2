//! Tests of [`super::Sessions`] and the vault under it, its key in a memory
//! keyring: round trips, damaged records, a lost key, the old layout moved,
//! platform limits, forgetting, concurrency.

use std::path::Path;
use std::sync::atomic::Ordering;

use super::*;
use crate::store::index::IndexFile;
use crate::store::memory::{LimitedStore, MemoryStore};
use crate::store::vault::Vault;
use crate::store::{WINDOWS_LIMITS, seal};

fn session(secs: u64) -> Session {
    session_with("ASIAX", secs)
}

fn session_with(key_id: &str, secs: u64) -> Session {
    let exp = SystemTime::now() + Duration::from_secs(secs);
    Session {
        credentials: Credentials::new(key_id, "secret-value", Some("token-value".into()), Some(exp)),
        identity: Identity {
            arn: "arn:aws:sts::1:assumed-role/R/alice".into(),
            account: "1".into(),
            user_id: "u".into(),
        },
    }
}

/// A vault in `dir` (records in `dir/data/vault`, locks in `dir/cache`): a new one is a new process.
fn vault(dir: &Path, keyring: Arc<dyn SecretStore>) -> Arc<Vault> {
    Arc::new(Vault::new(Box::new(move || Ok(keyring.clone())), &dir.join("data/vault"), &dir.join("cache")))
}

fn put(s: &Sessions, target: &str, session: &Session) {
    s.put(&role_key(target), EntryKind::Role, target, None, session, &MadeFor::default()).unwrap();
}

fn served(s: &Sessions, target: &str) -> Option<String> {
    s.get(&role_key(target), Duration::ZERO).unwrap().map(|x| x.credentials.access_key_id.clone())
}

#[test]
fn round_trip_refresh_window_and_nothing_secret_in_the_clear() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = Arc::new(MemoryStore::default());
    let sessions = Sessions::new(vault(dir.path(), keyring.clone()));
    let key = role_key("prod");
    assert!(sessions.get(&key, Duration::ZERO).unwrap().is_none());
    assert!(keyring.keys().unwrap().unwrap().is_empty(), "a miss needs no key");

    put(&sessions, "prod", &session(3600));
    let got = sessions.get(&key, Duration::from_secs(900)).unwrap().unwrap();
    assert_eq!(got.credentials.secret_access_key(), "secret-value");
    assert!(sessions.get(&key, Duration::from_secs(3700)).unwrap().is_none(), "inside the refresh window");

    let file = std::fs::read(sessions.vault().records().path(&key)).unwrap();
    let text = String::from_utf8_lossy(&file);
    assert!(text.contains("ASIAX") && text.contains("\"target\":\"prod\""), "the header is clear: {text}");
    assert!(!text.contains("secret-value") && !text.contains("token-value"), "{text}");
    // One keyring item: the key, named by the vault dir.
    assert_eq!(keyring.keys().unwrap().unwrap(), [sessions.vault().entry().to_owned()]);
    // status reads headers only.
    let (listed, warnings) = crate::store::vault::listing(sessions.vault().records().dir());
    assert!(warnings.is_empty() && listed.entries.contains_key(&key), "{warnings:?}");
}

/// Each way a record can go wrong, applied to the file of `role/a` (`b` is another good record).
fn damage(how: &str, records: &crate::store::records::Records, other_vault: &Sessions) {
    let path = records.path("role/a");
    let bytes = std::fs::read(&path).unwrap();
    let head_end = bytes.iter().position(|b| *b == b'\n').unwrap();
    let changed = match how {
        "truncated" => bytes[..bytes.len() - 7].to_vec(),
        "truncated in the header" => bytes[..head_end / 2].to_vec(),
        "a bit flipped in the body" => {
            let mut b = bytes.clone();
            let last = b.len() - 20;
            b[last] ^= 0x10;
            b
        }
        "expiry pushed out in the header" => {
            let head = String::from_utf8(bytes[..head_end].to_vec()).unwrap();
            let at = head.find("\"expires_at\":").unwrap() + "\"expires_at\":".len();
            let head = format!("{}9{}", &head[..at], &head[at..]);
            [head.as_bytes(), &bytes[head_end..]].concat()
        }
        "swapped with another name's" => std::fs::read(records.path("role/b")).unwrap(),
        "sealed with another key" => {
            put(other_vault, "a", &session_with("ASIAOTHER", 3600));
            std::fs::read(other_vault.vault().records().path("role/a")).unwrap()
        }
        "from a future version" => {
            let head = String::from_utf8(bytes[..head_end].to_vec()).unwrap().replacen("{\"v\":1", "{\"v\":9", 1);
            [head.as_bytes(), &bytes[head_end..]].concat()
        }
        other => panic!("{other}"),
    };
    std::fs::write(&path, changed).unwrap();
}

#[test]
fn a_damaged_record_is_absent_with_one_warning_never_served_and_replaced() {
    for how in [
        "truncated",
        "truncated in the header",
        "a bit flipped in the body",
        "expiry pushed out in the header",
        "swapped with another name's",
        "sealed with another key",
        "from a future version",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let sessions = Sessions::new(vault(dir.path(), Arc::new(MemoryStore::default())));
        let other_dir = tempfile::tempdir().unwrap();
        let other = Sessions::new(vault(other_dir.path(), Arc::new(MemoryStore::default())));
        put(&sessions, "a", &session_with("ASIAA", 3600));
        put(&sessions, "b", &session_with("ASIAB", 3600));
        damage(how, sessions.vault().records(), &other);

        assert_eq!(served(&sessions, "a"), None, "{how}: never served");
        let warnings = sessions.take_warnings();
        assert_eq!(warnings.len(), 1, "{how}: {warnings:?}");
        assert!(warnings[0].contains("'role/a'"), "{how}: {warnings:?}");
        assert!(!warnings[0].contains("secret-value"), "{how}: {warnings:?}");
        assert_eq!(served(&sessions, "b").as_deref(), Some("ASIAB"), "{how}: the other record is untouched");
        // The next assume replaces it.
        put(&sessions, "a", &session_with("ASIANEW", 3600));
        assert_eq!(served(&sessions, "a").as_deref(), Some("ASIANEW"), "{how}");
        assert!(sessions.take_warnings().is_empty(), "{how}");
    }
}

#[test]
fn the_key_removed_alone_makes_every_record_unreadable_with_one_warning() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = Arc::new(MemoryStore::default());
    let first = Sessions::new(vault(dir.path(), keyring.clone()));
    for t in ["a", "b", "c"] {
        put(&first, t, &session(3600));
    }
    keyring.delete(first.vault().entry()).unwrap();

    // A new process: the records are there, the key is not.
    let next = Sessions::new(vault(dir.path(), keyring.clone()));
    assert_eq!(served(&next, "a"), None);
    assert_eq!(served(&next, "b"), None);
    let warnings = next.take_warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("is not in the keyring") && warnings[0].contains("3 sealed record(s)"),
        "{warnings:?}"
    );
    assert!(next.vault().records().all().is_empty(), "discarded, so no error loop");
    put(&next, "a", &session_with("ASIANEW", 3600));
    assert_eq!(served(&next, "a").as_deref(), Some("ASIANEW"));
    assert!(next.take_warnings().is_empty());
}

/// The keyring and `index.json` as rolecall wrote them before the vault.
fn old_layout(dir: &Path, keyring: &MemoryStore) {
    let stored = serde_json::to_string(&Stored::from_session(&session_with("ASIAOLD", 3600))).unwrap();
    let mfa = serde_json::to_string(&Stored::from_session(&session_with("ASIAMFA", 7200))).unwrap();
    keyring.set("role/old", &stored).unwrap();
    keyring.set("mfa/hub/arn:aws:iam::1:mfa/alice", &mfa).unwrap();
    keyring.set("sso/corp", "{\"accessToken\":\"sso-secret\"}").unwrap();
    keyring.set("sso-client/corp/device", "{\"clientSecret\":\"client-secret\"}").unwrap();
    let entry = |kind, target: &str, key_id: &str, secs| IndexEntry {
        kind,
        target: target.into(),
        mfa_serial: None,
        store: "memory".into(),
        access_key_id: key_id.into(),
        expires_at: epoch_secs(SystemTime::now() + Duration::from_secs(secs)),
        stored_at: epoch_secs(SystemTime::now()),
        identity: session(1).identity,
        plan: Some("plan-hash".into()),
        files: None,
    };
    let mut index = IndexFile { version: 1, ..Default::default() };
    index.entries.insert("role/old".into(), entry(EntryKind::Role, "old", "ASIAOLD", 3600));
    index.entries.insert("mfa/hub/arn:aws:iam::1:mfa/alice".into(), entry(EntryKind::Mfa, "hub", "ASIAMFA", 7200));
    std::fs::create_dir_all(dir.join("cache")).unwrap();
    std::fs::write(dir.join("cache/index.json"), serde_json::to_vec_pretty(&index).unwrap()).unwrap();
}

#[test]
fn the_old_layout_is_moved_into_the_vault_once() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = Arc::new(MemoryStore::default());
    old_layout(dir.path(), &keyring);
    let sessions = Sessions::new(vault(dir.path(), keyring.clone()));

    let got = sessions.get_if(&role_key("old"), Duration::ZERO, |e| e.plan.as_deref() == Some("plan-hash")).unwrap();
    assert_eq!(got.unwrap().credentials.secret_access_key(), "secret-value", "served from the moved record");
    let mfa = MfaSessionKey { base: "hub".into(), serial: "arn:aws:iam::1:mfa/alice".into() };
    assert!(sessions.mfa_session(&mfa, Duration::ZERO).unwrap().is_some());
    let store = sessions.store();
    assert!(store.get("sso/corp").unwrap().unwrap().contains("sso-secret"));
    assert!(store.get("sso-client/corp/device").unwrap().unwrap().contains("client-secret"));
    // The keyring keeps only the key; the old index is gone.
    assert_eq!(keyring.keys().unwrap().unwrap(), [sessions.vault().entry().to_owned()]);
    assert!(!dir.path().join("cache/index.json").exists());
    assert!(sessions.take_warnings().is_empty());

    // The next process does not look for the old layout again.
    let next = vault(dir.path(), keyring.clone());
    assert!(next.read("role/none").unwrap().is_none());
    assert_eq!(next.keyring_calls(), (0, 0));
}

#[test]
fn the_keyring_is_read_once_per_process_and_every_item_fits_windows() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = Arc::new(LimitedStore::new(WINDOWS_LIMITS));
    let sessions = Sessions::new(vault(dir.path(), keyring.clone()));
    // A thousand role sessions, and an Identity Center token far over Windows' 2,560 bytes.
    for i in 0..1000 {
        put(&sessions, &format!("t{i}"), &session(3600));
    }
    let token = format!("{{\"accessToken\":\"{}\"}}", "x".repeat(8000));
    sessions.store().set("sso/corp", &token).unwrap();
    for i in 0..1000 {
        assert!(served(&sessions, &format!("t{i}")).is_some());
    }
    assert_eq!(sessions.store().get("sso/corp").unwrap().as_deref(), Some(token.as_str()));
    assert_eq!(keyring.writes.load(Ordering::Relaxed), 1, "one item written: the key");
    assert_eq!(keyring.reads.load(Ordering::Relaxed), 1, "read once (under the lock), then made");
    assert_eq!(sessions.vault().keyring_calls().1, keyring.reads.load(Ordering::Relaxed));

    // Each later process reads it once (one "Always Allow" per binary, not one per account).
    for _ in 0..3 {
        let before = keyring.reads.load(Ordering::Relaxed);
        let next = Sessions::new(vault(dir.path(), keyring.clone()));
        for i in 0..1000 {
            assert!(served(&next, &format!("t{i}")).is_some());
        }
        assert_eq!(keyring.reads.load(Ordering::Relaxed) - before, 1);
    }
    assert_eq!(keyring.writes.load(Ordering::Relaxed), 1);
}

#[test]
fn forget_every_removes_records_the_key_and_the_old_layout_but_no_other_vault() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = Arc::new(MemoryStore::default());
    let sessions = Sessions::new(vault(dir.path(), keyring.clone()));
    put(&sessions, "a", &session(3600));
    sessions.store().set("sso/corp", "token").unwrap();
    // Left by the old layout, and another home's vault on the same keyring.
    keyring.set("role/stale", "{}").unwrap();
    keyring.set("vault/someone-else", "{}").unwrap();

    let stores: Vec<Opened> = vec![("memory", Ok(keyring.clone() as Arc<dyn SecretStore>))];
    let done = forget_every(sessions.vault(), stores).unwrap();
    let removed: Vec<String> = done.removed.iter().map(|(w, k)| format!("{k} ({w})")).collect();
    assert_eq!(
        removed,
        [
            "role/a (vault)",
            "sso/corp (vault)",
            "role/stale (memory)",
            &format!("{} (memory)", sessions.vault().entry())
        ],
        "{done:?}"
    );
    assert!(sessions.vault().records().all().is_empty());
    assert_eq!(keyring.keys().unwrap().unwrap(), ["vault/someone-else"]);
    assert!(done.error().is_none());
    // Nothing left: a second pass removes nothing.
    let again = forget_every(sessions.vault(), vec![("memory", Ok(keyring.clone() as Arc<dyn SecretStore>))]).unwrap();
    assert!(again.removed.is_empty(), "{again:?}");
}

#[test]
fn an_interrupted_write_leaves_the_old_record() {
    let dir = tempfile::tempdir().unwrap();
    let sessions = Sessions::new(vault(dir.path(), Arc::new(MemoryStore::default())));
    put(&sessions, "a", &session_with("ASIAOLD", 3600));
    // A crash after the temporary file was written, before the rename.
    let path = sessions.vault().records().path("role/a");
    let tmp = path.with_file_name(format!(".{}.999.0.tmp", path.file_name().unwrap().to_string_lossy()));
    std::fs::write(&tmp, b"half a rec").unwrap();
    assert_eq!(served(&sessions, "a").as_deref(), Some("ASIAOLD"));
    assert_eq!(sessions.vault().headers().0.len(), 1, "the leftover is not a record");
    assert!(sessions.take_warnings().is_empty());
}

#[test]
fn many_processes_at_once_make_one_key_and_lose_no_record() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = Arc::new(MemoryStore::default());
    std::thread::scope(|scope| {
        for p in 0..16 {
            let (dir, keyring) = (dir.path(), keyring.clone());
            scope.spawn(move || {
                let sessions = Sessions::new(vault(dir, keyring));
                for i in 0..64 {
                    put(&sessions, &format!("p{p}-{i}"), &session(3600));
                }
            });
        }
    });
    assert_eq!(keyring.keys().unwrap().unwrap().len(), 1, "one key");
    let sessions = Sessions::new(vault(dir.path(), keyring.clone()));
    for p in 0..16 {
        for i in 0..64 {
            assert!(served(&sessions, &format!("p{p}-{i}")).is_some(), "p{p}-{i}");
        }
    }
    assert!(sessions.take_warnings().is_empty());
    let (headers, warnings) = sessions.vault().headers();
    assert_eq!((headers.len(), warnings.len()), (1024, 0));
    assert!(headers.iter().all(|h| h.v == seal::STORE_VERSION));
}

#[test]
fn a_run_s_parallel_targets_read_the_keyring_once() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = Arc::new(LimitedStore::new(WINDOWS_LIMITS));
    let sessions = Sessions::new(vault(dir.path(), keyring.clone()));
    std::thread::scope(|scope| {
        for t in 0..16 {
            let sessions = &sessions;
            scope.spawn(move || {
                for i in 0..16 {
                    put(sessions, &format!("t{t}-{i}"), &session(3600));
                }
            });
        }
    });
    assert_eq!((keyring.reads.load(Ordering::Relaxed), keyring.writes.load(Ordering::Relaxed)), (1, 1));
    assert_eq!(sessions.vault().headers().0.len(), 256);
}

/// The time a controlled clock says it is: years from the real now, so that a
/// session placed by it is judged by this clock or not at all.
const FIXED: u64 = 2_000_000_000;

fn fixed_now() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(FIXED)
}

fn expiring_at(key_id: &str, at: SystemTime) -> Session {
    let mut s = session_with(key_id, 0);
    s.credentials = Credentials::new(key_id, "secret-value", Some("token-value".into()), Some(at));
    s
}

#[test]
fn the_refresh_window_is_measured_by_the_injected_clock() {
    let dir = tempfile::tempdir().unwrap();
    let sessions = Sessions::new(vault(dir.path(), Arc::new(MemoryStore::default()))).with_clock(fixed_now);
    let window = Duration::from_secs(300);
    put(&sessions, "inside", &expiring_at("ASIAIN", fixed_now() + window + Duration::from_secs(1)));
    put(&sessions, "outside", &expiring_at("ASIAOUT", fixed_now() + window));
    let get =
        |target: &str| sessions.get(&role_key(target), window).unwrap().map(|x| x.credentials.access_key_id.clone());
    assert_eq!(get("inside").as_deref(), Some("ASIAIN"), "one second more than the window is served");
    assert_eq!(get("outside"), None, "exactly the window left is a miss");
    let (header, _) = sessions.vault().read(&role_key("inside")).unwrap().unwrap();
    assert_eq!(header.meta.unwrap().stored_at, FIXED, "the clock also stamps when a session was kept");
}
