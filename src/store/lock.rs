//! Per-session locks in the cache dir, so concurrent rolecall processes (e.g.
//! Terraform's providers calling credential_process at once) share one refresh.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

use super::StoreError;
use crate::paths;

/// Held while a session is refreshed; released on drop (or when the process dies).
#[derive(Debug)]
pub struct SessionLock {
    _file: File,
}

/// Waits up to `timeout` for the lock named `key` in `dir/locks`.
/// Long enough by default for a person to type an MFA code in another process.
pub fn acquire(dir: &Path, key: &str, timeout: Duration) -> Result<SessionLock, StoreError> {
    let failed = |detail: String| StoreError::Failed { store: "cache lock", detail };
    let locks = dir.join("locks");
    paths::ensure_private_dir(&locks).map_err(|e| failed(format!("'{}': {e}", locks.display())))?;
    let path = locks.join(format!("{}.lock", file_name(key)));
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| failed(format!("'{}': {e}", path.display())))?;
    let start = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(SessionLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) if start.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(25));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(failed(format!(
                    "another rolecall process held '{}' for more than {} s",
                    path.display(),
                    timeout.as_secs()
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(failed(format!("'{}': {e}", path.display()))),
        }
    }
}

/// A file name for any key: safe characters kept, the rest hex-escaped.
fn file_name(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'.' {
            out.push(b as char);
        } else {
            out.push_str(&format!("_{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_safe() {
        assert_eq!(file_name("role/prod-ro"), "role_2fprod-ro");
        assert_ne!(file_name("role/a_b"), file_name("role/a/b"));
    }

    #[test]
    fn a_held_lock_times_out_for_others() {
        let dir = tempfile::tempdir().unwrap();
        let held = acquire(dir.path(), "role/x", Duration::from_secs(1)).unwrap();
        let err = acquire(dir.path(), "role/x", Duration::from_millis(100)).unwrap_err().to_string();
        assert!(err.contains("another rolecall process held"), "{err}");
        drop(held);
        acquire(dir.path(), "role/x", Duration::from_millis(100)).unwrap();
    }
}
