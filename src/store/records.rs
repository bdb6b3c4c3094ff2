//! The vault's record files: one per secret in one private directory, named
//! by a hash of the key name (never the name itself, which may hold hostile
//! text from AWS), written atomically (temp file, then rename: a reader or a
//! crash sees the old record or the new one), read without following links.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::paths;

/// Largest record read: far above any session or token, far below harm.
const MAX_RECORD: u64 = 1 << 20;

/// The directory of record files.
#[derive(Clone, Debug)]
pub struct Records {
    dir: PathBuf,
}

impl Records {
    /// Records in `dir` (made, 0700, on the first write).
    pub fn new(dir: &Path) -> Self {
        Self { dir: dir.to_path_buf() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file of the record named `name`.
    pub fn path(&self, name: &str) -> PathBuf {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(name.as_bytes());
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{hex}.rec"))
    }

    /// The bytes of the record named `name`, `None` when there is none.
    pub fn read(&self, name: &str) -> std::io::Result<Option<Vec<u8>>> {
        read_file(&self.path(name))
    }

    /// Writes the record named `name` whole (0600 in a 0700 directory).
    pub fn write(&self, name: &str, bytes: &[u8]) -> std::io::Result<()> {
        paths::write_private_atomic(&self.path(name), bytes)
    }

    /// Removes the record named `name`; a missing one is not an error.
    pub fn remove(&self, name: &str) -> std::io::Result<()> {
        remove_file(&self.path(name))
    }

    /// Every record file (path and bytes), in name order; leftovers of an
    /// interrupted write (`.*.tmp`) are not records and are skipped.
    pub fn all(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        let mut paths: Vec<PathBuf> =
            entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "rec")).collect();
        paths.sort();
        paths.into_iter().filter_map(|p| read_file(&p).ok().flatten().map(|b| (p, b))).collect()
    }
}

/// Removes a file; a missing one is not an error.
pub fn remove_file(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Reads a regular file without following a link; `None` when it is not there.
fn read_file(path: &Path) -> std::io::Result<Option<Vec<u8>>> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(MAX_RECORD).read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(unix)]
    fn names_are_hashed_files_private_and_links_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let records = Records::new(&dir.path().join("vault"));
        let hostile = "role/../../etc/passwd\n\u{1b}[31m";
        records.write(hostile, b"one").unwrap();
        records.write(hostile, b"two").unwrap();
        assert_eq!(records.read(hostile).unwrap().unwrap(), b"two");
        let path = records.path(hostile);
        assert_eq!(path.parent().unwrap(), records.dir());
        let file = path.file_name().unwrap().to_str().unwrap();
        assert!(file.len() == 36 && file.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'), "{file}");
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(records.dir()).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(records.all().len(), 1, "no temporary file left behind");

        let victim = dir.path().join("victim");
        std::fs::write(&victim, "not yours").unwrap();
        std::os::unix::fs::symlink(&victim, records.path("role/x")).unwrap();
        assert!(records.read("role/x").is_err(), "a link is not followed");
        records.write("role/x", b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "not yours", "a link is replaced, not written through");
        records.remove("role/x").unwrap();
        records.remove("role/x").unwrap();
        assert!(records.read("role/x").unwrap().is_none());
    }
}
