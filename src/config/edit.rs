//! Adding a profile to the user's AWS config file: a timestamped backup first,
//! then an atomic write that keeps every existing byte and appends the stanza.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::error::ConfigError;

/// Checks a value written into the INI file: no control characters (a
/// newline would end the line and could start a new profile), and no
/// leading or trailing space (the parsers trim it).
pub fn check_value(value: &str) -> Result<(), String> {
    if value.chars().any(char::is_control) {
        return Err(format!("{:?} holds control characters; it cannot be written to the AWS config file", value));
    }
    if value.trim() != value || value.is_empty() {
        return Err(format!("'{value}' is empty or starts or ends with spaces"));
    }
    Ok(())
}

/// Checks a profile name for a `[profile NAME]` header: letters, digits and `-_.@+`.
pub fn check_profile_name(name: &str) -> Result<(), String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || "-_.@+".contains(c);
    if !name.is_empty() && name.len() <= 128 && name.chars().all(ok) {
        Ok(())
    } else {
        Err(format!("{name:?} is not a usable profile name (letters, digits and '-_.@+')"))
    }
}

/// Appends `stanza` to the file at `path` (created if missing). Returns the
/// backup's path, if there was a file to back up.
pub fn append_stanza(path: &Path, stanza: &str) -> Result<Option<PathBuf>, ConfigError> {
    let fail =
        |what: &str, e: std::io::Error| ConfigError::Read { path: path.to_path_buf(), message: format!("{what}: {e}") };
    let original = match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(fail("cannot read it", e)),
    };
    let mut updated = original.clone().unwrap_or_default();
    if !updated.is_empty() {
        if !updated.ends_with(b"\n") {
            updated.push(b'\n');
        }
        updated.push(b'\n');
    }
    updated.extend_from_slice(stanza.as_bytes());

    let backup = match &original {
        Some(bytes) => {
            let backup = backup_path(path);
            write_new(&backup, bytes, path)
                .map_err(|e| fail(&format!("cannot write the backup '{}'", backup.display()), e))?;
            Some(backup)
        }
        None => None,
    };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| fail("cannot create its directory", e))?;
    let tmp = dir.join(format!(
        ".{}.rolecall-{}.tmp",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        std::process::id()
    ));
    let result = write_new(&tmp, &updated, path).and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail("cannot replace it", e));
    }
    Ok(backup)
}

/// `config.rolecall-backup-20261122T180000Z` beside the file.
fn backup_path(path: &Path) -> PathBuf {
    let stamp: String =
        crate::time::rfc3339(SystemTime::now()).chars().take(19).filter(|c| *c != '-' && *c != ':').collect();
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "config".into());
    path.with_file_name(format!("{name}.rolecall-backup-{stamp}Z"))
}

/// Writes a new file with `like`'s permissions (0600 if `like` does not exist), synced to disk.
fn write_new(path: &Path, bytes: &[u8], like: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let mode = std::fs::metadata(like).map(|m| m.permissions().mode() & 0o777).unwrap_or(0o600);
        options.mode(mode);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_every_byte_and_backs_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let original = "# my config\r\n[profile a]   \n  region=eu-west-1 ; trailing\n\n\n[default]\noutput = json";
        std::fs::write(&path, original).unwrap();
        let backup = append_stanza(&path, "[profile new]\nregion = x\n").unwrap().unwrap();
        let updated = std::fs::read_to_string(&path).unwrap();
        assert_eq!(updated, format!("{original}\n\n[profile new]\nregion = x\n"));
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), original);
        assert!(backup.file_name().unwrap().to_string_lossy().starts_with("config.rolecall-backup-"));

        let fresh = dir.path().join("sub/new-config");
        assert!(append_stanza(&fresh, "[profile n]\n").unwrap().is_none());
        assert_eq!(std::fs::read_to_string(&fresh).unwrap(), "[profile n]\n");
    }
}
