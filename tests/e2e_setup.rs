#![cfg(feature = "e2e")]
//! `setup credential-process --write` judged by outside tools: botocore (the
//! AWS CLI's parser) reads the file rolecall wrote through a symbolic link,
//! and strace shows the directory flushed to disk after the rename; and
//! `setup profiles` for hostile account names, used by the AWS CLI v1 and by
//! rolecall itself against moto.

mod common;

use std::path::{Path, PathBuf};

use common::{Sandbox, World, aws_cli, ok, stderr, stdout};

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
    assert_eq!(lines[1], format!("{} credential-process -- prod", bin.display()));
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

/// Account names AWS accepts that used to make `setup profiles` write
/// profiles that fail (issue 16): `--help` (read as a flag by
/// `credential-process`), ` #` and ` ;` (aws-config cuts the value there),
/// two names that map to one profile name (the whole run stopped), and an
/// id too long for a profile name (blamed on `--prefix`). Each profile works
/// in the AWS CLI v1 and in rolecall's own parser.
#[test]
fn profiles_for_hostile_account_names_work_in_the_aws_cli_and_in_rolecall() {
    let w = World::main();
    let (prod, dev, lake, hub) =
        (w.account("payments-prod"), w.account("payments-dev"), w.account("data-lake"), w.account("identity"));
    let long = format!("{}-x", "long".repeat(36));
    let config = format!(
        "[profile hub]\nregion = us-east-1\n\n[profile {long}]\nrole_arn = arn:aws:iam::{prod}:role/Developer\nsource_profile = hub\n"
    );
    let sb = Sandbox::new(&config, &w.credentials_file());
    sb.settings(
        "[defaults]\nstore = \"none\"\n\n[[organization]]\nname = \"o\"\nprofile = \"hub\"\nroles = [\"ReadOnly\"]\n",
    );
    let now = rolecall::time::now_unix();
    let account = |id: &str, name: &str| serde_json::json!({"id": id, "name": name, "email": "a@example.com", "state": "ACTIVE", "ou": "/W", "tags": {}});
    let snapshot = serde_json::json!({
        "version": 1, "org": "o", "profile": "hub",
        "fetched_at": rolecall::time::rfc3339_unix(now), "fetched_at_unix": now, "fetched_by": null,
        "accounts": [
            account(&prod, "--help"), account(&dev, "prod #1"), account(&lake, "x ;y"),
            account(&hub, "a b"), account("300000000009", "a-b"),
        ],
    });
    std::fs::create_dir_all(sb.home().join("cache")).unwrap();
    std::fs::write(sb.home().join("cache/org-o.json"), snapshot.to_string()).unwrap();

    let out = ok(
        sb.rolecall(None).args(["setup", "profiles", "*/ReadOnly", &long, "--write"]).output().unwrap(),
        "setup profiles",
    );
    let notes = stderr(&out);
    assert!(notes.contains("'a b/ReadOnly' is written as 'rolecall-a-b-ReadOnly-"), "{notes}");
    assert!(notes.contains("'a-b/ReadOnly' is written as 'rolecall-a-b-ReadOnly-"), "{notes}");
    let file = std::fs::read_to_string(sb.config_path()).unwrap();
    let named = |start: &str| -> String {
        let names: Vec<&str> = file
            .lines()
            .filter_map(|l| l.strip_prefix("[profile ")?.strip_suffix(']'))
            .filter(|n| n.starts_with(start))
            .collect();
        assert_eq!(names.len(), 1, "one profile starting {start:?} in:\n{file}");
        names[0].to_owned()
    };
    let bin = assert_cmd::cargo::cargo_bin("rolecall");
    assert!(
        file.contains(&format!("credential_process = {} credential-process -- --help/ReadOnly\n", bin.display())),
        "{file}"
    );
    let a_b = |id: &str| {
        file.lines()
            .position(|l| l.ends_with(&format!("credential-process -- {id}")))
            .and_then(|i| file.lines().nth(i - 1))
            .and_then(|h| h.strip_prefix("[profile ")?.strip_suffix(']'))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no profile for {id} in:\n{file}"))
    };
    let long_name = named("rolecall-longlong");
    assert_eq!(long_name.len(), 128, "{long_name}");
    let cases = [
        ("rolecall---help-ReadOnly".to_owned(), prod.clone(), "ReadOnly"),
        (format!("rolecall-{dev}-ReadOnly"), dev.clone(), "ReadOnly"),
        (format!("rolecall-{lake}-ReadOnly"), lake.clone(), "ReadOnly"),
        (a_b("'a b/ReadOnly'"), hub.clone(), "ReadOnly"),
        (a_b("a-b/ReadOnly"), "300000000009".to_owned(), "ReadOnly"),
        (long_name, prod.clone(), "Developer"),
    ];
    for (profile, account, role) in &cases {
        let want = format!("arn:aws:sts::{account}:assumed-role/{role}/");
        // The AWS CLI v1 runs the profile's credential_process.
        let out = sb
            .cmd(&aws_cli(), Some(&w.endpoint()))
            .args(["sts", "get-caller-identity", "--query", "Arn", "--output", "text", "--profile", profile])
            .output()
            .unwrap();
        assert!(stdout(&out).starts_with(&want), "aws --profile {profile}: {}{}", stdout(&out), stderr(&out));
        // rolecall reads the same profile with its own parser.
        let out = sb
            .rolecall(Some(&w.endpoint()))
            .args(["exec", profile, "--"])
            .arg(aws_cli())
            .args(["sts", "get-caller-identity", "--query", "Arn", "--output", "text"])
            .output()
            .unwrap();
        assert!(stdout(&out).starts_with(&want), "rolecall exec {profile}: {}{}", stdout(&out), stderr(&out));
    }
}
