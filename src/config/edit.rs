//! Adding a profile to the user's AWS config file: a timestamped backup first
//! (the newest five kept), then an atomic, flushed write that keeps every
//! existing byte, the file's mode and a symbolic link to it, and appends the stanza.

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
    if let Some(at) = inline_comment(value) {
        return Err(format!(
            "'{value}' holds '{}', where aws-config's parser starts a comment and cuts the value",
            &value[at..at + 2]
        ));
    }
    Ok(())
}

/// Where a value holds a blank followed by `#` or `;`: aws-config (the AWS
/// SDKs' parser, and rolecall's) ends the value there, though botocore does not.
fn inline_comment(value: &str) -> Option<usize> {
    value.as_bytes().windows(2).position(|w| matches!(w[0], b' ' | b'\t') && matches!(w[1], b'#' | b';'))
}

/// Checks a target id for the `credential_process` line: a value as
/// [`check_value`] wants it, and no '[' or ']': no target needs them there
/// (an account whose name has them is also `ACCOUNT_ID/ROLE`), and without
/// them nothing rolecall writes can look like a section header to a
/// line-based reader of the file.
pub fn check_target(target: &str) -> Result<(), String> {
    check_value(target)?;
    if target.contains(['[', ']']) {
        return Err(format!(
            "'{target}' holds '[' or ']', which rolecall does not write into the AWS config file; \
             use the profile name or the ACCOUNT_ID/ROLE form of the target"
        ));
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

/// How many rolecall backups of one file are kept; older ones are deleted.
pub const KEEP_BACKUPS: usize = 5;

/// Appends `stanza` to the file at `path` (created if missing). Returns the
/// backup's path, if there was a file to back up.
///
/// When `path` is a symbolic link (a config kept in a dotfiles repository),
/// the file it points to is updated and the link stays. The file keeps its
/// permissions exactly (the umask does not apply), the new contents replace
/// it by an atomic rename whose directory entry is flushed to disk, and the
/// backup goes beside `path`, where at most [`KEEP_BACKUPS`] rolecall backups
/// of it are kept.
pub fn append_stanza(path: &Path, stanza: &str) -> Result<Option<PathBuf>, ConfigError> {
    rewrite(path, |original| {
        let mut updated = original.unwrap_or_default().to_vec();
        if !updated.is_empty() {
            if !updated.ends_with(b"\n") {
                updated.push(b'\n');
            }
            updated.push(b'\n');
        }
        updated.extend_from_slice(stanza.as_bytes());
        Ok(updated)
    })
}

/// Replaces the contents of the file at `path` (created if missing) with
/// what `update` makes of the current ones (`None`: no file yet), keeping
/// a backup, the mode and a symbolic link as [`append_stanza`] does. An
/// error from `update` leaves the file alone. Returns the backup's path.
pub fn rewrite(
    path: &Path,
    update: impl FnOnce(Option<&[u8]>) -> Result<Vec<u8>, String>,
) -> Result<Option<PathBuf>, ConfigError> {
    let fail =
        |what: &str, e: std::io::Error| ConfigError::Read { path: path.to_path_buf(), message: format!("{what}: {e}") };
    let real = resolve_links(path).map_err(|e| fail("cannot follow its symbolic link", e))?;
    let original = match std::fs::read(&real) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(fail("cannot read it", e)),
    };
    let updated =
        update(original.as_deref()).map_err(|message| ConfigError::Read { path: path.to_path_buf(), message })?;
    let mode = file_mode(&real);

    let backup = match &original {
        Some(bytes) => {
            let backup = write_backup(path, bytes, mode)
                .map_err(|e| fail(&format!("cannot write a backup beside it ('{}')", path.display()), e))?;
            prune_backups(path);
            Some(backup)
        }
        None => None,
    };
    let dir = real.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| fail("cannot create its directory", e))?;
    let tmp = dir.join(format!(".{}.rolecall-{}.tmp", file_name(&real), std::process::id()));
    let result = write_new(&tmp, &updated, mode).and_then(|()| std::fs::rename(&tmp, &real));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail("cannot replace it", e));
    }
    // The rename is only durable once the directory entry is on disk.
    crate::paths::sync_dir(dir);
    Ok(backup)
}

/// Follows `path` through symbolic links (at most 40, as the kernel does) to
/// the file they name, which need not exist yet.
fn resolve_links(path: &Path) -> std::io::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&current)?;
                current = match current.parent() {
                    Some(parent) if target.is_relative() => parent.join(target),
                    _ => target,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "config".into())
}

/// The permission bits of the file at `path` (0600 when it does not exist).
fn file_mode(path: &Path) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).map(|m| m.permissions().mode() & 0o7777).unwrap_or(0o600)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        0o600
    }
}

/// The prefix of every rolecall backup of `path`: `config.rolecall-backup-`.
fn backup_prefix(path: &Path) -> String {
    format!("{}.rolecall-backup-", file_name(path))
}

/// Writes `bytes` to a new backup beside `path`:
/// `config.rolecall-backup-20261122T180000Z`, then `…Z-2`, `…Z-3` within one
/// second (numbered after the highest one there, so a pruned name is not reused).
fn write_backup(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<PathBuf> {
    let stamp: String =
        crate::time::rfc3339(SystemTime::now()).chars().take(19).filter(|c| *c != '-' && *c != ':').collect();
    let stamp = format!("{stamp}Z");
    let prefix = backup_prefix(path);
    let highest = existing_backups(path).into_iter().filter(|((s, _), _)| *s == stamp).map(|((_, n), _)| n).max();
    let first = highest.map_or(1, |n| n + 1);
    for n in first..first + 100 {
        let name = if n == 1 { format!("{prefix}{stamp}") } else { format!("{prefix}{stamp}-{n}") };
        let backup = path.with_file_name(name);
        match write_new(&backup, bytes, mode) {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            other => return other.map(|()| backup),
        }
    }
    Err(std::io::Error::other("a hundred backups in one second already exist"))
}

/// Where a backup's name sorts: (timestamp, sequence), or `None` when the
/// name is not exactly one of rolecall's backup names for `prefix`.
fn backup_order(name: &str, prefix: &str) -> Option<(String, u32)> {
    let rest = name.strip_prefix(prefix)?;
    let (stamp, seq) = rest.split_at_checked(16)?;
    let stamp_ok = stamp.bytes().enumerate().all(|(i, b)| match i {
        8 => b == b'T',
        15 => b == b'Z',
        _ => b.is_ascii_digit(),
    });
    let seq = match seq.strip_prefix('-') {
        None if seq.is_empty() => 1,
        Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => n.parse().ok()?,
        _ => return None,
    };
    stamp_ok.then(|| (stamp.to_owned(), seq))
}

/// rolecall's backups of `path`: regular files beside it whose names are
/// exactly rolecall's backup names, with their order, oldest first.
fn existing_backups(path: &Path) -> Vec<((String, u32), PathBuf)> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or_else(|| Path::new("."));
    let prefix = backup_prefix(path);
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut backups: Vec<((String, u32), PathBuf)> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| Some((backup_order(&e.file_name().to_string_lossy(), &prefix)?, e.path())))
        .collect();
    backups.sort();
    backups
}

/// Deletes all but the newest [`KEEP_BACKUPS`] rolecall backups of `path`,
/// and nothing else. Best effort: a backup that cannot be deleted stays.
fn prune_backups(path: &Path) {
    let backups = existing_backups(path);
    let excess = backups.len().saturating_sub(KEEP_BACKUPS);
    for (_, old) in backups.into_iter().take(excess) {
        let _ = std::fs::remove_file(old);
    }
}

/// Writes a new file with permission bits `mode` exactly (not reduced by the
/// umask), synced to disk. Fails if anything is already at `path`.
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_aws_config_would_cut_are_refused() {
        for bad in ["prod #1/ReadOnly", "x ;y", "a\t#b", "two\nlines", " lead", ""] {
            assert!(check_value(bad).is_err(), "{bad:?}");
        }
        for good in ["prod#1/ReadOnly", "x;y", "--help/ReadOnly", "a b/ReadOnly"] {
            assert_eq!(check_value(good), Ok(()), "{good:?}");
        }
        assert!(check_target("prod #1/ReadOnly").is_err());
    }

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

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    #[cfg(unix)]
    fn a_linked_config_is_written_through_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("dotfiles")).unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        let real = dir.path().join("dotfiles/aws-config");
        std::fs::write(&real, "[profile a]\n").unwrap();
        let link = dir.path().join(".aws/config");
        // A relative link, as dotfile managers make them.
        std::os::unix::fs::symlink("../dotfiles/aws-config", &link).unwrap();
        let backup = append_stanza(&link, "[profile new]\n").unwrap().unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink(), "the link was replaced");
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "[profile a]\n\n[profile new]\n");
        assert_eq!(backup.parent(), link.parent(), "the backup is beside the path the user named");
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), "[profile a]\n");
        assert_eq!(names_in(&dir.path().join("dotfiles")), ["aws-config"], "nothing left beside the real file");
    }

    #[test]
    #[cfg(unix)]
    fn the_file_keeps_its_mode_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        // 0o666 and 0o604 lose bits under any umask but 0; 0o600 gains none.
        for mode in [0o666, 0o604, 0o600] {
            let path = dir.path().join(format!("config-{mode:o}"));
            std::fs::write(&path, "[default]\n").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            let backup = append_stanza(&path, "[profile new]\n").unwrap().unwrap();
            let got = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(got(&path), mode, "config {mode:o}");
            assert_eq!(got(&backup), mode, "backup of {mode:o}");
        }
    }

    #[test]
    fn at_most_five_backups_are_kept_and_nothing_else_is_touched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(&path, "[default]\n").unwrap();
        // Older backups, and files that only look like them.
        let old: Vec<String> = (1..=6).map(|d| format!("config.rolecall-backup-2020010{d}T000000Z")).collect();
        let strangers = [
            "config.rolecall-backup-notes",
            "config.rolecall-backup-20200101T000000Z.txt",
            "config.rolecall-backup-20200101T000000Z-x",
            "config.rolecall-backup-2020010AT000000Z",
            "other.rolecall-backup-20200101T000000Z",
            "config.bak",
        ];
        for name in old.iter().map(String::as_str).chain(strangers) {
            std::fs::write(dir.path().join(name), name).unwrap();
        }
        std::fs::create_dir(dir.path().join("config.rolecall-backup-20190101T000000Z")).unwrap();
        // Seven writes within a second or two: each gets its own backup name.
        for i in 0..7 {
            append_stanza(&path, &format!("[profile p{i}]\n")).unwrap().unwrap();
        }
        let backups: Vec<String> = names_in(dir.path())
            .into_iter()
            .filter(|n| backup_order(n, "config.rolecall-backup-").is_some())
            .filter(|n| dir.path().join(n).is_file())
            .collect();
        assert_eq!(backups.len(), KEEP_BACKUPS, "{backups:?}");
        let newest = existing_backups(&path).pop().unwrap().1;
        let newest = std::fs::read_to_string(newest).unwrap();
        assert!(newest.contains("[profile p5]") && !newest.contains("[profile p6]"), "{newest}");
        assert!(backups.iter().all(|n| !old.contains(n)), "the oldest went first: {backups:?}");
        for name in strangers {
            assert_eq!(std::fs::read_to_string(dir.path().join(name)).unwrap(), name, "{name} was touched");
        }
        assert!(dir.path().join("config.rolecall-backup-20190101T000000Z").is_dir());
        let text = std::fs::read_to_string(&path).unwrap();
        assert!((0..7).all(|i| text.contains(&format!("[profile p{i}]"))), "{text}");
    }

    #[test]
    fn backup_names_sort_by_time_then_sequence() {
        let p = "config.rolecall-backup-";
        assert_eq!(backup_order("config.rolecall-backup-20261122T180000Z", p), Some(("20261122T180000Z".into(), 1)));
        assert_eq!(
            backup_order("config.rolecall-backup-20261122T180000Z-12", p),
            Some(("20261122T180000Z".into(), 12))
        );
        for bad in ["config.rolecall-backup-20261122T180000Z-", "config.rolecall-backup-20261122T180000", "config"] {
            assert_eq!(backup_order(bad, p), None, "{bad}");
        }
        let mut names = ["…Z-10", "…Z-2", "…Z"].map(|s| s.replace('…', "config.rolecall-backup-20261122T180000"));
        names.sort_by_key(|n| backup_order(n, p));
        assert!(names[0].ends_with('Z') && names[1].ends_with("-2") && names[2].ends_with("-10"), "{names:?}");
    }

    #[test]
    fn targets_that_could_break_the_file_are_refused() {
        for bad in ["prod\n[profile evil]", "a[b", "x]", "prod\r", ""] {
            assert!(check_target(bad).is_err(), "{bad:?}");
        }
        for good in ["prod", "payments-prod/ReadOnly", "Zürich Ops/ReadOnly", "222222222222/Admin"] {
            assert!(check_target(good).is_ok(), "{good:?}");
        }
    }
}
