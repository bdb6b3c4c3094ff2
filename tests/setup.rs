//! `rolecall setup credential-process --write` on the files people really
//! have: a config that is a symbolic link into a dotfiles repository, a mode
//! the umask would change, many runs (backups pile up), and target names
//! that would break the file. No network: setup only plans.

mod common;

use std::path::{Path, PathBuf};

use common::{Sandbox, ok, stderr, stdout};

const CONFIG: &str = "[profile hub]\nregion = us-east-1\n\n\
                      [profile prod]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = hub\n";
const CREDENTIALS: &str = "[hub]\naws_access_key_id = AKIAFAKEFAKEFAKE0001\naws_secret_access_key = fake\n";

/// `rolecall ARGS` under `umask 077`, as a careful user's shell has it.
fn under_umask_077(sb: &Sandbox, args: &[&str]) -> std::process::Output {
    let mut cmd = sb.cmd(Path::new("/bin/sh"), None);
    cmd.args(["-c", "umask 077; exec \"$0\" \"$@\""]).arg(assert_cmd::cargo::cargo_bin("rolecall")).args(args);
    cmd.output().unwrap()
}

fn backups(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("config.rolecall-backup-"))
        .collect();
    out.sort();
    out
}

#[test]
#[cfg(unix)]
fn a_linked_config_is_written_through_keeping_the_link_and_its_mode() {
    use std::os::unix::fs::PermissionsExt;
    let sb = Sandbox::new(CONFIG, CREDENTIALS);
    let dotfiles = sb.home().join("dotfiles");
    std::fs::create_dir_all(&dotfiles).unwrap();
    let real = dotfiles.join("aws-config");
    std::fs::rename(sb.config_path(), &real).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::os::unix::fs::symlink("../dotfiles/aws-config", sb.config_path()).unwrap();

    let out = ok(under_umask_077(&sb, &["setup", "credential-process", "prod", "--write"]), "setup --write");
    let link = std::fs::symlink_metadata(sb.config_path()).unwrap();
    assert!(link.file_type().is_symlink(), "~/.aws/config is no longer a link: {}", stderr(&out));
    let text = std::fs::read_to_string(&real).unwrap();
    assert!(text.starts_with(CONFIG) && text.contains("[profile rolecall-prod]\ncredential_process = "), "{text}");
    let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644, "the umask (077) changed the file's mode");
    assert_eq!(backups(&sb.home().join(".aws")).len(), 1, "the backup is beside the link");

    // aws-config's parser (through rolecall list) reads the result.
    let list = ok(sb.rolecall(None).args(["list", "--json"]).output().unwrap(), "list");
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let row = rows.as_array().unwrap().iter().find(|r| r["target"] == "rolecall-prod").cloned();
    assert!(row.is_some_and(|r| r["kind"] != "invalid"), "{}", stdout(&list));
}

#[test]
fn at_most_five_backups_are_kept() {
    let sb = Sandbox::new(CONFIG, CREDENTIALS);
    for i in 0..7 {
        let name = format!("p{i}");
        ok(
            sb.rolecall(None)
                .args(["setup", "credential-process", "prod", "--write", "--profile-name", &name])
                .output()
                .unwrap(),
            &name,
        );
    }
    let found = backups(&sb.home().join(".aws"));
    assert_eq!(found.len(), 5, "{found:?}");
    // The newest backup holds every profile but the last one added.
    let newest = std::fs::read_to_string(found.last().unwrap()).unwrap();
    assert!(newest.contains("[profile p5]") && !newest.contains("[profile p6]"), "{found:?}\n{newest}");
}

#[test]
fn a_target_with_a_newline_or_a_bracket_is_refused() {
    let sb = Sandbox::new(CONFIG, CREDENTIALS);
    for target in ["prod\n[profile evil]\ncredential_process = /bin/evil", "prod[1]"] {
        let out = sb.rolecall(None).args(["setup", "credential-process", target, "--write"]).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{target:?}: {err}");
        assert!(err.starts_with("rolecall: target "), "{target:?}: {err}");
        assert!(err.contains("control characters") || err.contains("'[' or ']'"), "{target:?}: {err}");
        assert_eq!(std::fs::read_to_string(sb.config_path()).unwrap(), CONFIG, "{target:?}: the file changed");
        assert!(backups(&sb.home().join(".aws")).is_empty(), "{target:?}");
    }
}
