//! Per-session locks in the cache dir, so concurrent rolecall processes (e.g.
//! Terraform's providers calling credential_process at once) share one
//! refresh. A lock file holds its holder's process id, so a process that
//! waits too long can say who it waited for.

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use super::StoreError;
use crate::paths;

/// Held while a session is refreshed; released on drop (or when the process dies).
#[derive(Debug)]
pub struct SessionLock {
    _file: File,
}

/// Longest lock file name kept readable; longer keys are shortened with a hash.
const MAX_NAME: usize = 120;

/// Waits up to `timeout` for the lock named `key` in `dir/locks`.
pub fn acquire(dir: &Path, key: &str, timeout: Duration) -> Result<SessionLock, StoreError> {
    let failed = |detail: String| StoreError::Failed { store: "cache lock", detail };
    let locks = dir.join("locks");
    // The cache dir first: nothing is created inside a directory that is not the user's own.
    paths::ensure_private_dir(dir).map_err(|e| failed(format!("'{}': {e}", dir.display())))?;
    paths::ensure_private_dir(&locks).map_err(|e| failed(format!("'{}': {e}", locks.display())))?;
    let path = locks.join(format!("{}.lock", file_name(key)));
    let mut file = paths::open_private(&path).map_err(|e| failed(format!("'{}': {e}", path.display())))?;
    let start = Instant::now();
    let mut waited = false;
    loop {
        match file.try_lock() {
            Ok(()) => {
                if waited {
                    tracing::debug!(key, waited_ms = start.elapsed().as_millis(), "lock taken after waiting");
                } else {
                    tracing::trace!(key, "lock taken");
                }
                // Who holds it, for anyone who waits: this process's id.
                let _ = file.set_len(0).and_then(|()| file.rewind());
                let _ = write!(file, "pid {}", std::process::id());
                return Ok(SessionLock { _file: file });
            }
            Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < timeout => {
                if !waited {
                    waited = true;
                    tracing::debug!(key, timeout_s = timeout.as_secs(), "lock held by another process: waiting");
                }
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = File::open(&path).and_then(|f| f.take(64).read_to_string(&mut holder));
                let holder = crate::text::clean(holder.trim()).into_owned();
                tracing::debug!(key, holder = %holder, "lock wait timed out");
                return Err(StoreError::LockTimeout {
                    key: key.to_owned(),
                    holder: if holder.is_empty() { "unknown".into() } else { holder },
                    secs: timeout.as_secs(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(failed(format!("'{}': {e}", path.display()))),
        }
    }
}

/// A file name for any key: safe characters kept, the rest hex-escaped; a
/// name that would be too long for the file system keeps a readable prefix
/// and ends in a hash of the whole key.
fn file_name(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'.' {
            out.push(b as char);
        } else {
            out.push_str(&format!("_{b:02x}"));
        }
    }
    if out.len() > MAX_NAME {
        out.truncate(MAX_NAME - 17);
        out.push('~');
        out.push_str(&paths::short_hash(key.as_bytes()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_safe_and_short() {
        assert_eq!(file_name("role/prod-ro"), "role_2fprod-ro");
        assert_ne!(file_name("role/a_b"), file_name("role/a/b"));
        let long_a = format!("role/{}", "Ä".repeat(300));
        let long_b = format!("role/{}B", "Ä".repeat(300));
        assert!(file_name(&long_a).len() <= MAX_NAME);
        assert_ne!(file_name(&long_a), file_name(&long_b));
    }

    #[test]
    fn a_long_target_can_be_locked() {
        let dir = tempfile::tempdir().unwrap();
        let key = format!("role/{}", "x".repeat(400));
        acquire(dir.path(), &key, Duration::from_secs(1)).unwrap();
    }

    #[test]
    fn a_held_lock_times_out_for_others_and_names_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        let held = acquire(dir.path(), "role/x", Duration::from_secs(1)).unwrap();
        let err = acquire(dir.path(), "role/x", Duration::from_millis(100)).unwrap_err();
        assert!(matches!(err, StoreError::LockTimeout { .. }), "{err:?}");
        assert!(err.to_string().contains(&format!("pid {}", std::process::id())), "{err}");
        drop(held);
        acquire(dir.path(), "role/x", Duration::from_millis(100)).unwrap();
    }

    #[test]
    #[cfg(unix)]
    fn lock_files_are_private_and_never_follow_links() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        drop(acquire(dir.path(), "role/x", Duration::from_secs(1)).unwrap());
        let path = dir.path().join("locks/role_2fx.lock");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let victim = dir.path().join("victim");
        std::os::unix::fs::symlink(&victim, dir.path().join("locks/role_2fy.lock")).unwrap();
        assert!(acquire(dir.path(), "role/y", Duration::from_secs(1)).is_err());
        assert!(!victim.exists(), "a dangling link was not followed");
    }
}
