//! rolecall's own files: where the cache dir is, and how files in it are
//! made: 0600 in a 0700 directory the user owns, created without following
//! symbolic links, written atomically (never half-written), and a directory
//! that is someone else's or writable by others is refused, not "fixed".

use std::io::Write;
use std::path::{Path, PathBuf};

/// `ROLECALL_CACHE_DIR`, else the platform cache dir's `rolecall`.
pub fn cache_dir() -> PathBuf {
    match std::env::var_os("ROLECALL_CACHE_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => dirs::cache_dir().unwrap_or_else(std::env::temp_dir).join("rolecall"),
    }
}

/// Creates `dir` and its missing parents, each 0700; a directory that exists
/// is left as it is (whoever made it chose its mode). For a directory the
/// user names, such as `run --output-dir`.
pub fn create_dirs_private(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// `ROLECALL_DATA_DIR`, else the platform data dir's `rolecall`: what must
/// outlive a cache clean-up (the vault).
pub fn data_dir() -> PathBuf {
    match std::env::var_os("ROLECALL_DATA_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => dirs::data_dir().unwrap_or_else(std::env::temp_dir).join("rolecall"),
    }
}

/// The vault's record files: `vault` in the data dir.
pub fn vault_dir() -> PathBuf {
    data_dir().join("vault")
}

fn refuse(dir: &Path, why: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::PermissionDenied, format!("'{}' {why}", dir.display()))
}

/// Creates `dir` (and parents) private to the user (0700 on Unix). An
/// existing `dir` must be a real directory (not a symbolic link) owned by the
/// user; if it is, its mode is tightened to 0700. Parents are created with
/// the umask, as any program's are.
pub fn ensure_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        match std::fs::DirBuilder::new().mode(0o700).create(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
        let meta = std::fs::symlink_metadata(dir)?;
        if meta.file_type().is_symlink() {
            return Err(refuse(dir, "is a symbolic link; rolecall keeps its files only in a real directory"));
        }
        if !meta.is_dir() {
            return Err(refuse(dir, "is not a directory"));
        }
        if meta.uid() != current_uid() {
            return Err(refuse(dir, "belongs to another user; set ROLECALL_CACHE_DIR to a directory of yours"));
        }
        if meta.permissions().mode() & 0o777 != 0o700 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

/// What is wrong with the privacy of `dir` and the files in it (two levels
/// down), without changing anything: not a real directory, another owner,
/// a directory mode other than 0700, files readable or writable by others.
/// An empty list when all is well or `dir` does not exist yet.
pub fn privacy_problems(dir: &Path) -> Vec<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let mut out = Vec::new();
        let Ok(meta) = std::fs::symlink_metadata(dir) else { return out };
        if meta.file_type().is_symlink() || !meta.is_dir() {
            out.push(format!("'{}' is not a real directory", dir.display()));
            return out;
        }
        if meta.uid() != current_uid() {
            out.push(format!("'{}' belongs to uid {}, not to you", dir.display(), meta.uid()));
        }
        if meta.mode() & 0o777 != 0o700 {
            out.push(format!("'{}' has mode {:04o}, not 0700", dir.display(), meta.mode() & 0o777));
        }
        let mut stack = vec![(dir.to_path_buf(), 0)];
        while let Some((d, depth)) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&d) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(m) = std::fs::symlink_metadata(&path) else { continue };
                if m.is_dir() && depth < 1 {
                    if m.mode() & 0o077 != 0 {
                        out.push(format!("'{}' has mode {:04o}, not 0700", path.display(), m.mode() & 0o777));
                    }
                    stack.push((path, depth + 1));
                } else if m.is_file() && m.mode() & 0o077 != 0 {
                    out.push(format!("'{}' has mode {:04o}, not 0600", path.display(), m.mode() & 0o777));
                } else if m.uid() != current_uid() {
                    out.push(format!("'{}' belongs to uid {}, not to you", path.display(), m.uid()));
                }
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Vec::new()
    }
}

#[cfg(unix)]
fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Writes `bytes` to `path` atomically: a new private (0600) temporary file
/// in the same directory (never an existing file or link), flushed to disk,
/// renamed over `path`, and the directory flushed. Readers see the old file
/// or the new one, never a mix.
pub fn write_private_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or_else(|| Path::new("."));
    ensure_private_dir(dir)?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.{}.tmp", std::process::id(), unique()));
    let result = (|| {
        let mut file = new_private_file(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)?;
        sync_dir(dir);
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    NEXT.fetch_add(1, Ordering::Relaxed)
}

/// Flushes a directory's entries to disk (after a rename); best effort.
pub fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

fn options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options
}

/// Creates a new file readable and writable by the user only; fails if
/// anything (a file, a link) is already there.
pub fn new_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    options().write(true).create_new(true).open(path)
}

/// Opens `path` for appending, creating it readable and writable by the user
/// only (an existing file keeps its mode); never follows a symbolic link.
pub fn append_private(path: &Path) -> std::io::Result<std::fs::File> {
    let file = options().append(true).create(true).open(path)?;
    // A file that was there already keeps its mode on open: make it private too.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

/// Opens (creating if needed) a private file without following a link and
/// without truncating it: for lock files.
pub fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    options().read(true).write(true).create(true).truncate(false).open(path)
}

/// A short, stable hash of `bytes` (16 hex digits of SHA-256), for file names.
pub fn short_hash(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn files_are_private_and_replaced_whole() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        let file = sub.join("index.json");
        write_private_atomic(&file, b"one").unwrap();
        write_private_atomic(&file, b"two").unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"two");
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(&sub).unwrap().permissions().mode() & 0o777, 0o700);
        let leftovers: Vec<_> = std::fs::read_dir(&sub).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "no temporary files left behind");
    }

    #[test]
    #[cfg(unix)]
    fn a_linked_cache_dir_is_refused_and_left_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let shared = dir.path().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        let link = dir.path().join("cache");
        std::os::unix::fs::symlink(&shared, &link).unwrap();
        let err = ensure_private_dir(&link).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        let mode = std::fs::metadata(&shared).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o1777, "the sticky, shared directory was not touched");
        assert!(write_private_atomic(&link.join("index.json"), b"x").is_err());
    }

    #[test]
    fn hashes_are_short_and_stable() {
        assert_eq!(short_hash(b"abc"), "ba7816bf8f01cfea");
    }
}
