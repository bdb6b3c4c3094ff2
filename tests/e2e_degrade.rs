#![cfg(feature = "e2e")]
//! A keyring that cannot be used does not stop commands that need not keep
//! anything (one warning, sessions in memory), while credential-process,
//! whose point is the cache, fails with exit 4. And a fresh assume reads
//! each AWS file once (strace counts the opens).

mod common;

use std::path::Path;

use common::{Sandbox, World, moto_requests, ok, stderr, stdout, unique};

fn config(w: &World, target: &str, role: &str) -> String {
    format!(
        "[profile hub]\nregion = us-east-1\n\n[profile {target}]\nrole_arn = arn:aws:iam::{}:role/{role}\nsource_profile = hub\n",
        w.account("payments-prod")
    )
}

#[test]
fn an_unusable_keyring_is_one_warning_for_commands_that_keep_nothing() {
    let w = World::main();
    let (role, target) = (unique("NoKeyring"), unique("nokr"));
    let sb = Sandbox::new(&config(&w, &target, &role), &w.credentials_file());
    sb.settings("[defaults]\nstore = \"secret-service\"\n");
    // A session bus that is not there: the Secret Service cannot be reached.
    let no_bus = |cmd: &mut assert_cmd::Command| {
        cmd.env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/rolecall-test-bus");
    };
    let mut export = sb.rolecall(Some(&w.endpoint()));
    no_bus(&mut export);
    let out = ok(export.args(["export", &target, "--format", "json"]).output().unwrap(), "export without a keyring");
    assert!(stdout(&out).contains("\"AccessKeyId\""), "{}", stdout(&out));
    let warnings: Vec<String> =
        stderr(&out).lines().filter(|l| l.contains("going on without keeping sessions")).map(str::to_owned).collect();
    assert_eq!(warnings.len(), 1, "one warning: {}", stderr(&out));
    assert!(warnings[0].contains("secret-service"), "{}", warnings[0]);
    assert_eq!(moto_requests("AssumeRole", &role), 1);

    let mut process = sb.rolecall(Some(&w.endpoint()));
    no_bus(&mut process);
    let out = process.args(["credential-process", &target]).output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

#[test]
fn a_fresh_assume_reads_each_aws_file_once() {
    let w = World::main();
    let (role, target) = (unique("ParseOnce"), unique("once"));
    let sb = Sandbox::new(&config(&w, &target, &role), &w.credentials_file());
    sb.settings("[defaults]\nstore = \"none\"\n");
    let trace = sb.home().join("strace.txt");
    let out = sb
        .cmd(Path::new("strace"), Some(&w.endpoint()))
        .args(["-f", "-qq", "-e", "trace=openat,open", "-o"])
        .arg(&trace)
        .arg(assert_cmd::cargo::cargo_bin("rolecall"))
        .args(["export", &target, "--format", "json"])
        .output()
        .unwrap();
    ok(out, "export under strace");
    let text = std::fs::read_to_string(&trace).unwrap();
    for file in [sb.config_path(), sb.home().join(".aws/credentials")] {
        let opens =
            text.lines().filter(|l| l.contains(&format!("\"{}\"", file.display())) && !l.contains("= -1")).count();
        assert_eq!(opens, 1, "'{}' opened {opens} times:\n{text}", file.display());
    }
}
