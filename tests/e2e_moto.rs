#![cfg(feature = "e2e")]
//! End to end against moto: rolecall assumes, the AWS CLI v1 consumes, and the
//! CLI's own resolution of the same profiles is the reference.

mod common;

use std::time::{Duration, SystemTime};

use common::{Sandbox, World, aws_cli, ok, stderr, stdout};

/// The profiles of the end-to-end set: (profile, account name, role, requested duration).
fn profiles(w: &World) -> (String, Vec<(&'static str, String, &'static str, u64)>) {
    let acct = |n: &str| w.account(n);
    let chain = &w.json["chain"];
    let link = |i: usize| chain[i][0].as_str().unwrap().to_owned();
    let config = format!(
        r#"[profile hub]
region = us-east-1

[profile ro]
role_arn = arn:aws:iam::{prod}:role/ReadOnly
source_profile = hub

[profile dev]
role_arn = arn:aws:iam::{prod}:role/Developer
source_profile = hub
mfa_serial = {mfa}
duration_seconds = 7200

[profile dev-long]
role_arn = arn:aws:iam::{prod}:role/Developer
source_profile = hub
mfa_serial = {mfa}
duration_seconds = 7200
rolecall_mfa_on_assume = true

[profile dev-proc]
role_arn = arn:aws:iam::{devacct}:role/Developer
source_profile = hub
mfa_serial = {mfa}
mfa_process = echo 246810

[profile audit]
role_arn = arn:aws:iam::{lake}:role/Auditor
source_profile = hub
external_id = audit-7f3a
duration_seconds = 1800

[profile chain-a]
role_arn = arn:aws:iam::{a}:role/ChainA
source_profile = hub
[profile chain-b]
role_arn = arn:aws:iam::{b}:role/ChainB
source_profile = chain-a
[profile chain-c]
role_arn = arn:aws:iam::{c}:role/ChainC
source_profile = chain-b
duration_seconds = 43200

[profile env-ro]
role_arn = arn:aws:iam::{lake}:role/ReadOnly
credential_source = Environment
"#,
        prod = acct("payments-prod"),
        devacct = acct("payments-dev"),
        lake = acct("data-lake"),
        mfa = w.s("mfa_serial"),
        a = link(0),
        b = link(1),
        c = link(2),
    );
    let set = vec![
        ("ro", acct("payments-prod"), "ReadOnly", 3600),
        // 7200 s asked, but a role assumed with an MFA session is role chaining: 1 h (rule 3).
        ("dev", acct("payments-prod"), "Developer", 3600),
        // The same with the code on AssumeRole itself: the full 7200 s.
        ("dev-long", acct("payments-prod"), "Developer", 7200),
        ("dev-proc", acct("payments-dev"), "Developer", 3600),
        ("audit", acct("data-lake"), "Auditor", 1800),
        ("chain-c", link(2), "ChainC", 3600),
        ("env-ro", acct("data-lake"), "ReadOnly", 3600),
    ];
    (config, set)
}

fn with_env_keys(cmd: &mut assert_cmd::Command, w: &World) {
    cmd.env("AWS_ACCESS_KEY_ID", w.s("access_key_id")).env("AWS_SECRET_ACCESS_KEY", w.s("secret_access_key"));
}

fn arn_of(json_text: &str) -> String {
    let v: serde_json::Value =
        serde_json::from_str(json_text.trim()).unwrap_or_else(|e| panic!("not JSON ({e}): {json_text}"));
    v["Arn"].as_str().expect("Arn").to_owned()
}

#[test]
fn exec_runs_the_aws_cli_as_the_assumed_role() {
    let w = World::main();
    let (config, set) = profiles(&w);
    let sb = Sandbox::new(&config, &w.credentials_file());
    let endpoint = w.endpoint();
    for (profile, account, role, _) in set {
        let mut cmd = sb.rolecall(Some(&endpoint));
        cmd.args(["exec", profile, "--mfa-code", "123456", "--"]).arg(aws_cli()).args(["sts", "get-caller-identity"]);
        if profile == "env-ro" {
            with_env_keys(&mut cmd, &w);
        }
        let out = ok(cmd.output().unwrap(), profile);
        let arn = arn_of(&stdout(&out));
        assert_eq!(arn, format!("arn:aws:sts::{account}:assumed-role/{role}/alice"), "{profile}");
        if profile == "chain-c" {
            assert!(
                stderr(&out).contains("'chain-c' asks for 43200 s, but it is assumed from another role session (role chaining), which AWS caps at 3600 s; using 3600 s"),
                "{}",
                stderr(&out)
            );
        }
    }
}

#[test]
fn export_json_carries_the_requested_expiry() {
    let w = World::main();
    let (config, set) = profiles(&w);
    let sb = Sandbox::new(&config, &w.credentials_file());
    for (profile, _, _, duration) in set {
        let mut cmd = sb.rolecall(Some(&w.endpoint()));
        cmd.args(["export", profile, "--format", "json", "--mfa-code", "123456"]);
        if profile == "env-ro" {
            with_env_keys(&mut cmd, &w);
        }
        let before = SystemTime::now();
        let out = ok(cmd.output().unwrap(), profile);
        let v: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{profile}: {e}: {}", stdout(&out)));
        assert_eq!(v["Version"], 1);
        assert!(v["AccessKeyId"].as_str().unwrap().starts_with("ASIA"), "{profile}");
        assert!(!v["SecretAccessKey"].as_str().unwrap().is_empty());
        assert!(!v["SessionToken"].as_str().unwrap().is_empty());
        let exp = aws_smithy_types::DateTime::from_str(
            v["Expiration"].as_str().unwrap(),
            aws_smithy_types::date_time::Format::DateTime,
        )
        .unwrap();
        let exp = SystemTime::try_from(exp).unwrap();
        let lifetime = exp.duration_since(before).unwrap_or_default();
        let want = Duration::from_secs(duration);
        assert!(
            lifetime <= want + Duration::from_secs(5) && lifetime + Duration::from_secs(60) >= want,
            "{profile}: lifetime {lifetime:?}, want about {want:?}"
        );
    }
}

#[test]
fn rolecall_and_the_aws_cli_resolve_the_same_identity() {
    let w = World::main();
    let (config, set) = profiles(&w);
    let sb = Sandbox::new(&config, &w.credentials_file());
    let endpoint = w.endpoint();
    let account_and_role = |arn: &str| {
        let parts: Vec<&str> = arn.split(':').collect();
        let role = parts[5].split('/').nth(1).unwrap_or_default().to_owned();
        (parts[4].to_owned(), role)
    };
    for (profile, _, _, _) in set {
        let mut ours = sb.rolecall(Some(&endpoint));
        ours.args(["whoami", profile, "--json", "--mfa-code", "123456"]);
        let mut theirs = sb.cmd(&aws_cli(), Some(&endpoint));
        theirs.args(["--profile", profile, "sts", "get-caller-identity"]).write_stdin("123456\n");
        // The CLI has no region fallback; rolecall's is us-east-1 (rule 6). Same region for both.
        ours.env("AWS_DEFAULT_REGION", "us-east-1");
        theirs.env("AWS_DEFAULT_REGION", "us-east-1");
        if profile == "env-ro" {
            with_env_keys(&mut ours, &w);
            with_env_keys(&mut theirs, &w);
        }
        let ours = arn_of(&stdout(&ok(ours.output().unwrap(), profile)));
        let theirs = arn_of(&stdout(&ok(theirs.output().unwrap(), &format!("aws --profile {profile}"))));
        assert_eq!(account_and_role(&ours), account_and_role(&theirs), "{profile}: rolecall {ours} vs aws {theirs}");
    }
}

#[test]
fn env_export_evaluates_in_a_shell() {
    let w = World::main();
    let (config, _) = profiles(&w);
    let sb = Sandbox::new(&config, &w.credentials_file());
    let out = ok(sb.rolecall(Some(&w.endpoint())).args(["export", "ro"]).output().unwrap(), "export ro");
    let script = format!("{}\n\"$AWS_CLI\" sts get-caller-identity", stdout(&out));
    let shell = sb
        .cmd(std::path::Path::new("/bin/sh"), Some(&w.endpoint()))
        .env("AWS_PROFILE", "hub")
        .env("AWS_CLI", aws_cli())
        .args(["-c", &script])
        .output()
        .unwrap();
    let arn = arn_of(&stdout(&ok(shell, "eval export")));
    assert_eq!(arn, format!("arn:aws:sts::{}:assumed-role/ReadOnly/alice", w.account("payments-prod")));
}

#[test]
fn exec_sets_the_session_environment_and_exit_code() {
    let w = World::main();
    let (config, _) = profiles(&w);
    let sb = Sandbox::new(&config, &w.credentials_file());
    let script = r#"env | grep -E '^(AWS_|ROLECALL_)' | sed 's/=.*//' | sort | tr '\n' ' '; exit 7"#;
    let out = sb
        .rolecall(Some(&w.endpoint()))
        .env("AWS_PROFILE", "hub")
        .args(["exec", "ro", "--", "/bin/sh", "-c", script])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7), "{}", stderr(&out));
    let names = stdout(&out);
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "ROLECALL_TARGET",
        "ROLECALL_EXPIRATION",
    ] {
        assert!(names.split(' ').any(|n| n == var), "{var} missing from {names}");
    }
    assert!(!names.contains("AWS_PROFILE"), "AWS_PROFILE must be removed: {names}");

    // Nesting is refused unless forced.
    let nested = sb
        .rolecall(Some(&w.endpoint()))
        .env("ROLECALL_TARGET", "ro")
        .args(["exec", "ro", "--", "true"])
        .output()
        .unwrap();
    assert_eq!(nested.status.code(), Some(1));
    assert!(stderr(&nested).contains("already inside a rolecall session for 'ro'"), "{}", stderr(&nested));
    let forced = sb
        .rolecall(Some(&w.endpoint()))
        .env("ROLECALL_TARGET", "ro")
        .args(["exec", "ro", "--force", "--", "true"])
        .output()
        .unwrap();
    ok(forced, "exec --force");
}

#[test]
fn secrets_never_reach_argv_or_stderr() {
    let w = World::main();
    let (config, _) = profiles(&w);
    let sb = Sandbox::new(&config, &w.credentials_file());
    // The child prints its own argv and rolecall's stderr is captured: neither may hold a secret.
    let out = ok(
        sb.rolecall(Some(&w.endpoint()))
            .args(["exec", "ro", "--", "/bin/sh", "-c", "echo \"$0 $@\"; echo \"$AWS_SECRET_ACCESS_KEY\" >&2"])
            .output()
            .unwrap(),
        "exec",
    );
    let err = stderr(&out);
    let secret = err.lines().last().unwrap_or_default().to_owned();
    assert!(secret.len() >= 20, "child should see the secret in its environment: {err}");
    assert!(!stdout(&out).contains(&secret));
    assert_eq!(err.matches(&secret).count(), 1, "only the child's own echo may show it: {err}");
    assert!(!err.contains(&w.s("secret_access_key")));
}

#[test]
fn endpoint_from_profile_and_services_section() {
    let w = World::main();
    let config = format!(
        "[profile direct]\nrole_arn = arn:aws:iam::{prod}:role/ReadOnly\nsource_profile = hub\nendpoint_url = {url}\n\n\
         [profile via-services]\nrole_arn = arn:aws:iam::{prod}:role/ReadOnly\nsource_profile = hub\nservices = local\n\n\
         [services local]\nsts =\n  endpoint_url = {url}\n\n\
         [profile closed]\nrole_arn = arn:aws:iam::{prod}:role/ReadOnly\nsource_profile = hub\nendpoint_url = http://127.0.0.1:9\n\n\
         [profile services-closed]\nrole_arn = arn:aws:iam::{prod}:role/ReadOnly\nsource_profile = hub\nservices = dead\n\n\
         [services dead]\nsts =\n  endpoint_url = http://127.0.0.1:9\n",
        prod = w.account("payments-prod"),
        url = w.endpoint()
    );
    let sb = Sandbox::new(&config, &w.credentials_file());
    for profile in ["direct", "via-services"] {
        let out = ok(sb.rolecall(None).args(["whoami", profile, "--json"]).output().unwrap(), profile);
        assert!(arn_of(&stdout(&out)).ends_with(":assumed-role/ReadOnly/alice"), "{profile}");
    }
    // AWS_ENDPOINT_URL beats a [services] entry, for rolecall as for the AWS CLI.
    let ours =
        ok(sb.rolecall(Some(&w.endpoint())).args(["whoami", "services-closed", "--json"]).output().unwrap(), "ours");
    let mut theirs = sb.cmd(&aws_cli(), Some(&w.endpoint()));
    theirs.env("AWS_DEFAULT_REGION", "us-east-1").args(["--profile", "services-closed", "sts", "get-caller-identity"]);
    let theirs = ok(theirs.output().unwrap(), "aws");
    assert_eq!(arn_of(&stdout(&ours)).split('/').nth(1), arn_of(&stdout(&theirs)).split('/').nth(1));

    let out = sb.rolecall(None).args(["export", "closed"]).output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot reach STS at 'http://127.0.0.1:9'"), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

#[test]
fn mfa_without_a_code_or_terminal_exits_3() {
    let w = World::main();
    let (config, _) = profiles(&w);
    let sb = Sandbox::new(&config, &w.credentials_file());
    // setsid: no controlling terminal, as under CI or a credential_process caller.
    let mut cmd = sb.cmd(std::path::Path::new("setsid"), Some(&w.endpoint()));
    let out = cmd.arg(assert_cmd::cargo::cargo_bin("rolecall")).args(["export", "dev"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains(&format!("an MFA code is needed for '{}'", w.s("mfa_serial"))), "{}", stderr(&out));
    assert!(stderr(&out).contains("or run 'rolecall login hub' in a terminal first"), "{}", stderr(&out));
}

#[test]
fn list_shows_every_target() {
    let w = World::main();
    let (config, _) = profiles(&w);
    let sb = Sandbox::new(&config, &w.credentials_file());
    let out = ok(sb.rolecall(None).args(["list", "--json"]).output().unwrap(), "list");
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = |t: &str| {
        rows.as_array().unwrap().iter().find(|r| r["target"] == t).cloned().unwrap_or_else(|| panic!("no {t}"))
    };
    assert_eq!(rows.as_array().unwrap().len(), 10, "9 profiles and dev-long");
    assert_eq!(row("dev")["mfa"], true);
    assert_eq!(row("dev")["chain"], "hub (keys) -> mfa-session -> dev");
    assert_eq!(row("chain-c")["chain"], "hub (keys) -> chain-a -> chain-b -> chain-c");
    assert_eq!(row("env-ro")["chain"], "environment -> env-ro");
    assert_eq!(row("hub")["kind"], "keys");
    assert_eq!(row("ro")["role_arn"], format!("arn:aws:iam::{}:role/ReadOnly", w.account("payments-prod")));
    let table = stdout(&ok(sb.rolecall(None).arg("list").output().unwrap(), "list"));
    assert!(table.starts_with("TARGET"), "{table}");
    assert!(table.lines().any(|l| l.starts_with("chain-c") && l.contains("ChainC")), "{table}");
}
