#![cfg(feature = "e2e")]
//! The session cache with real keyrings and moto: a cached session is served
//! only for the plan and duration it was made for, a corrupt expiry is
//! discarded, long target names work, and `forget --all` finds every entry.
//! Requests are counted at moto's recorder, by role names no other test uses.

mod common;

use std::path::Path;
use std::process::Output;

use common::{Sandbox, World, moto_bodies, moto_requests, ok, stderr, stdout, unique};

fn config(w: &World, target: &str, account: &str, role: &str) -> String {
    format!(
        "[profile hub]\nregion = us-east-1\n\n[profile {target}]\nrole_arn = arn:aws:iam::{}:role/{role}\nsource_profile = hub\n",
        w.account(account)
    )
}

fn account_of(out: &Output) -> String {
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)));
    v["Account"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn a_cached_session_is_served_only_for_the_plan_it_was_made_for() {
    let w = World::main();
    let (role, target) = (unique("Plan"), unique("prod-ro"));
    let sb = Sandbox::new(&config(&w, &target, "payments-prod", &role), &w.credentials_file());
    sb.settings("[defaults]\nstore = \"secret-service\"\n");
    let other = sb.home().join("other-config");
    std::fs::write(&other, config(&w, &target, "data-lake", &role)).unwrap();
    let endpoint = w.endpoint();
    let whoami = |config: &Path| {
        let mut cmd = sb.rolecall(Some(&endpoint));
        ok(cmd.env("AWS_CONFIG_FILE", config).args(["whoami", &target, "--json"]).output().unwrap(), "whoami")
    };

    ok(sb.rolecall(Some(&endpoint)).args(["credential-process", &target]).output().unwrap(), "credential-process");
    assert_eq!(account_of(&whoami(&sb.config_path())), w.account("payments-prod"));
    assert_eq!(moto_requests("AssumeRole", &role), 1, "the second call was served from the keyring");

    // Same target name in another AWS config, another account: a miss.
    let out = whoami(&other);
    assert_eq!(account_of(&out), w.account("data-lake"), "{}", stderr(&out));
    assert_eq!(moto_requests("AssumeRole", &role), 2);

    // role_arn edited in place: a miss.
    ok(sb.rolecall(Some(&endpoint)).args(["credential-process", &target]).output().unwrap(), "refill");
    assert_eq!(moto_requests("AssumeRole", &role), 3);
    std::fs::write(sb.config_path(), config(&w, &target, "payments-dev", &role)).unwrap();
    assert_eq!(account_of(&whoami(&sb.config_path())), w.account("payments-dev"));
    assert_eq!(moto_requests("AssumeRole", &role), 4);

    // The target removed from the config: credential-process fails rather than serve the cache.
    ok(sb.rolecall(Some(&endpoint)).args(["credential-process", &target]).output().unwrap(), "cached again");
    assert_eq!(moto_requests("AssumeRole", &role), 4, "served from the keyring while the target exists");
    std::fs::write(sb.config_path(), "[profile hub]\nregion = us-east-1\n").unwrap();
    let gone = sb.rolecall(Some(&endpoint)).args(["credential-process", &target]).output().unwrap();
    assert_eq!(gone.status.code(), Some(1), "{}", stderr(&gone));
    assert!(stdout(&gone).is_empty(), "credentials for a target that no longer exists: {}", stdout(&gone));
    assert!(stderr(&gone).contains(&format!("'{target}'")), "{}", stderr(&gone));
}

#[test]
fn a_longer_duration_than_the_cache_holds_is_a_miss() {
    let w = World::main();
    let (role, target) = (unique("Long"), unique("dur"));
    let sb = Sandbox::new(&config(&w, &target, "payments-prod", &role), &w.credentials_file());
    sb.settings("[defaults]\nstore = \"secret-service\"\n");
    let endpoint = w.endpoint();
    ok(sb.rolecall(Some(&endpoint)).args(["credential-process", &target]).output().unwrap(), "1 h session");
    let twelve_hours = |body: &String| body.contains(&role) && body.contains("DurationSeconds=43200");
    assert_eq!(moto_bodies("AssumeRole").iter().filter(|b| twelve_hours(b)).count(), 0);

    let out = ok(
        sb.rolecall(Some(&endpoint))
            .args(["export", &target, "--duration", "12h", "--format", "json"])
            .output()
            .unwrap(),
        "export --duration 12h",
    );
    assert_eq!(moto_requests("AssumeRole", &role), 2, "the cached 1 h session was served for 12 h");
    assert_eq!(moto_bodies("AssumeRole").iter().filter(|b| twelve_hours(b)).count(), 1);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let exp = aws_smithy_types::DateTime::from_str(
        v["Expiration"].as_str().unwrap(),
        aws_smithy_types::date_time::Format::DateTime,
    )
    .unwrap();
    let left = exp.secs() - aws_smithy_types::DateTime::from(std::time::SystemTime::now()).secs();
    assert!(left > 11 * 3600, "{left} s left");

    // The 12 h session now serves shorter requests.
    ok(sb.rolecall(Some(&endpoint)).args(["export", &target, "--duration", "1h"]).output().unwrap(), "1 h");
    ok(sb.rolecall(Some(&endpoint)).args(["credential-process", &target]).output().unwrap(), "default");
    assert_eq!(moto_requests("AssumeRole", &role), 2);
}

#[test]
fn an_impossible_expiry_is_discarded_not_a_panic() {
    let w = World::main();
    let (role, target) = (unique("Expiry"), unique("exp"));
    let sb = Sandbox::new(&config(&w, &target, "payments-prod", &role), &w.credentials_file());
    sb.settings("[defaults]\nstore = \"secret-service\"\n");
    // A real session first (so the vault key exists), then its clear header says it never expires.
    ok(sb.rolecall(Some(&w.endpoint())).args(["credential-process", &target]).output().unwrap(), "first");
    common::edit_record_header(sb.home(), &format!("role/{target}"), |h| h["meta"]["expires_at"] = u64::MAX.into());
    let status = sb.rolecall(None).args(["status"]).output().unwrap();
    assert_eq!(status.status.code(), Some(0), "{}", stderr(&status));
    let out = sb.rolecall(Some(&w.endpoint())).args(["credential-process", &target]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("'role/{target}' has an impossible expiry; discarding it")),
        "{}",
        stderr(&out)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is the JSON object");
    assert!(v["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    assert_eq!(moto_requests("AssumeRole", &role), 2, "the impossible record is replaced by a new session");
}

#[test]
fn a_400_character_target_is_locked_cached_and_served() {
    let w = World::main();
    let role = unique("Long");
    let mut target = unique("long");
    target.push_str(&"x".repeat(400 - target.len()));
    let sb = Sandbox::new(&config(&w, &target, "payments-prod", &role), &w.credentials_file());
    for store in ["secret-service", "keyutils"] {
        sb.settings(&format!("[defaults]\nstore = \"{store}\"\n"));
        for _ in 0..2 {
            let out = sb.rolecall(Some(&w.endpoint())).args(["credential-process", &target]).output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{store}: {}", stderr(&out));
        }
    }
    assert_eq!(moto_requests("AssumeRole", &role), 2, "one per store; each second call was served from it");
}

/// Runs `script` with bash in a world of its own: a user namespace (so the
/// kernel's per-user persistent keyring is a new one), a new session
/// keyring, and a D-Bus session with its own unlocked gnome-keyring. What
/// `forget --all` removes there cannot be another test's (or person's) keys.
fn isolated(sb: &Sandbox, endpoint: &str, script: &str) -> Output {
    let setup = format!(
        "set -u; export XDG_DATA_HOME='{home}/keyring-data'; mkdir -p \"$XDG_DATA_HOME\"; \
         gnome-keyring-daemon --unlock --components=secrets <<<isolated >/dev/null; {script}",
        home = sb.home().display()
    );
    let mut cmd = sb.std_cmd(Path::new("unshare"), Some(endpoint));
    cmd.env_remove("DBUS_SESSION_BUS_ADDRESS").env("RC", assert_cmd::cargo::cargo_bin("rolecall")).args([
        "-U",
        "-r",
        "dbus-run-session",
        "--",
        "keyctl",
        "session",
        "-",
        "bash",
        "-c",
        &setup,
    ]);
    cmd.output().unwrap()
}

fn read(sb: &Sandbox, name: &str) -> String {
    std::fs::read_to_string(sb.home().join(name)).unwrap_or_default()
}

#[test]
fn forget_all_removes_records_the_key_and_the_old_layout() {
    let w = World::main();
    let (role_a, role_b) = (unique("ForgetA"), unique("ForgetB"));
    let (a, b) = (unique("fa"), unique("fb"));
    let config = format!(
        "{}\n[profile {b}]\nrole_arn = arn:aws:iam::{}:role/{role_b}\nsource_profile = hub\n",
        config(&w, &a, "payments-prod", &role_a),
        w.account("payments-prod")
    );
    let sb = Sandbox::new(&config, &w.credentials_file());
    let script = format!(
        r#"
        store() {{ printf '[defaults]\nstore = "%s"\n' "$1" > "$ROLECALL_CONFIG"; }}
        store secret-service; "$RC" credential-process {a} >/dev/null || exit 11
        "$RC" credential-process {b} >/dev/null || exit 12
        # Left by rolecall before the vault: an item per session, in each keyring.
        printf '{{}}' | secret-tool store --label old service rolecall username role/{a}-old || exit 15
        keyctl add user "keyring:role/{b}-old@rolecall" '{{}}' @s >/dev/null || exit 16
        "$RC" forget --all 2> "$HOME/forget.err"; echo $? > "$HOME/forget.rc"
        secret-tool search --all service rolecall > "$HOME/left.txt" 2>&1
        keyctl show @s >> "$HOME/left.txt" 2>&1
        ls -A "$ROLECALL_DATA_DIR/vault" > "$HOME/records.txt"
        "$RC" forget --all 2> "$HOME/again.err"; echo $? > "$HOME/again.rc"
        store secret-service; "$RC" credential-process {a} >/dev/null || exit 13
        store keyutils; "$RC" credential-process {b} >/dev/null || exit 14
        # No keyring reachable at all (no D-Bus, a closed session keyring): the records still go.
        keyctl setperm @s 0
        env -u DBUS_SESSION_BUS_ADDRESS "$RC" forget --all 2> "$HOME/blind.err"; echo $? > "$HOME/blind.rc"
        ls -A "$ROLECALL_DATA_DIR/vault" > "$HOME/blind-records.txt"
        "#
    );
    let out = isolated(&sb, &w.endpoint(), &script);
    assert!(out.status.success(), "the isolated script failed ({}): {}", out.status, stderr(&out));

    let forget = read(&sb, "forget.err");
    assert_eq!(read(&sb, "forget.rc").trim(), "0", "{forget}");
    for line in [
        format!("forgot role/{a} (vault)"),
        format!("forgot role/{b} (vault)"),
        format!("forgot role/{a}-old (secret-service)"),
        format!("forgot role/{b}-old (keyutils)"),
        "forgot vault/".to_owned(),
    ] {
        assert!(forget.contains(&line), "no '{line}' in:\n{forget}");
    }
    let left = read(&sb, "left.txt");
    assert!(!left.contains(&a) && !left.contains(&b) && !left.contains("vault/"), "still in a keyring:\n{left}");
    assert!(!read(&sb, "records.txt").contains(".rec"), "{}", read(&sb, "records.txt"));

    let again = read(&sb, "again.err");
    assert_eq!(read(&sb, "again.rc").trim(), "0", "{again}");
    assert!(again.contains("no cached sessions to forget"), "{again}");
    // Nothing was left to serve: both were assumed afresh.
    assert_eq!(moto_requests("AssumeRole", &role_a), 2);
    assert_eq!(moto_requests("AssumeRole", &role_b), 2);

    let blind = read(&sb, "blind.err");
    assert_eq!(read(&sb, "blind.rc").trim(), "0", "{blind}");
    assert!(blind.contains("cannot open the secret-service keyring"), "{blind}");
    assert!(!read(&sb, "blind-records.txt").contains(".rec"), "{}", read(&sb, "blind-records.txt"));
}
