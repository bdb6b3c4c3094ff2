#![cfg(feature = "e2e")]
//! `setup credential-process --write` judged by outside tools: botocore (the
//! AWS CLI's parser) reads the file rolecall wrote through a symbolic link,
//! and strace shows the directory flushed to disk after the rename.

mod common;

use std::path::{Path, PathBuf};

use common::{Sandbox, aws_cli, ok, stderr, stdout};

const CONFIG: &str = "# hand written\n[default]\nregion=eu-west-1\n\n[profile hub]\nregion = us-east-1 ; comment\n\n\
                      [profile prod]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = hub\n";
const CREDENTIALS: &str = "[hub]\naws_access_key_id = AKIAFAKEFAKEFAKE0001\naws_secret_access_key = fake\n";

fn venv_python() -> PathBuf {
    aws_cli().with_file_name("python")
}

/// A sandbox whose `~/.aws/config` is a link to `~/dotfiles/aws-config`; returns the real file.
fn linked(sb: &Sandbox) -> PathBuf {
    let real = sb.home().join("dotfiles/aws-config");
    std::fs::create_dir_all(real.parent().unwrap()).unwrap();
    std::fs::rename(sb.config_path(), &real).unwrap();
    std::os::unix::fs::symlink(&real, sb.config_path()).unwrap();
    real
}

#[test]
fn botocore_reads_what_setup_wrote() {
    let sb = Sandbox::new(CONFIG, CREDENTIALS);
    linked(&sb);
    ok(sb.rolecall(None).args(["setup", "credential-process", "prod", "--write"]).output().unwrap(), "setup");
    let script = "import botocore.session\n\
                  s = botocore.session.Session(profile='rolecall-prod')\n\
                  c = s.get_scoped_config()\n\
                  print(sorted(s.full_config['profiles']))\n\
                  print(c['credential_process'])\n\
                  print(c['region'])\n";
    let out = ok(sb.cmd(&venv_python(), None).args(["-c", script]).output().unwrap(), "botocore");
    let lines: Vec<String> = stdout(&out).lines().map(str::to_owned).collect();
    assert_eq!(lines[0], "['default', 'hub', 'prod', 'rolecall-prod']", "{}", stderr(&out));
    let bin = assert_cmd::cargo::cargo_bin("rolecall");
    assert_eq!(lines[1], format!("{} credential-process prod", bin.display()));
    assert_eq!(lines[2], "us-east-1");
    // And the AWS CLI's own view of the profile agrees.
    let region = ok(
        sb.cmd(&aws_cli(), None).args(["configure", "get", "region", "--profile", "rolecall-prod"]).output().unwrap(),
        "aws configure get",
    );
    assert_eq!(stdout(&region).trim(), "us-east-1");
}

#[test]
fn the_directory_is_flushed_after_the_rename() {
    let sb = Sandbox::new(CONFIG, CREDENTIALS);
    let real = linked(&sb);
    let trace = sb.home().join("strace.txt");
    let out = sb
        .cmd(Path::new("strace"), None)
        .args(["-f", "-qq", "-e", "trace=openat,rename,renameat,renameat2,fsync", "-o"])
        .arg(&trace)
        .arg(assert_cmd::cargo::cargo_bin("rolecall"))
        .args(["setup", "credential-process", "prod", "--write"])
        .output()
        .unwrap();
    ok(out, "setup under strace");
    let text = std::fs::read_to_string(&trace).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let dir = real.parent().unwrap().display().to_string();
    let renamed = lines
        .iter()
        .position(|l| l.contains("rename") && l.contains(&format!("\"{}\"", real.display())) && l.ends_with("= 0"))
        .unwrap_or_else(|| panic!("no rename onto the real file:\n{text}"));
    let opened = lines[renamed..]
        .iter()
        .find(|l| l.contains("openat(") && l.contains(&format!("\"{dir}\"")))
        .unwrap_or_else(|| panic!("the directory was not opened after the rename:\n{text}"));
    let fd = opened.rsplit("= ").next().unwrap().trim();
    assert!(
        lines[renamed..].iter().any(|l| l.contains(&format!("fsync({fd})")) && l.ends_with("= 0")),
        "no fsync of the directory (fd {fd}) after the rename:\n{text}"
    );
}
