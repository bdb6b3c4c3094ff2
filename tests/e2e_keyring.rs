#![cfg(feature = "e2e")]
//! The keyring store and credential_process, with real parts: gnome-keyring's
//! Secret Service and the kernel keyring (both provided by scripts/test), moto,
//! and the AWS CLI v1 calling `rolecall credential-process`.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{
    Sandbox, World, aws_cli, edit_record_header, moto_requests, ok, record_header, record_path, stderr, stdout, unique,
};

fn rolecall_bin() -> std::path::PathBuf {
    assert_cmd::cargo::cargo_bin("rolecall")
}

/// A sandbox whose profile `CP` assumes a role no other test uses (so requests
/// for it can be counted at moto), and `via-rolecall` gets it through credential_process.
/// Keyring entries are per user, not per HOME: each test needs its own target name.
fn setup(w: &World, store: &str) -> (Sandbox, String, String) {
    let role = unique("Cache");
    let target = unique("cp");
    let config = format!(
        "[profile hub]\nregion = us-east-1\n\n\
         [profile {target}]\nrole_arn = arn:aws:iam::{prod}:role/{role}\nsource_profile = hub\n\n\
         [profile via-rolecall]\ncredential_process = {bin} credential-process {target}\nregion = us-east-1\n",
        prod = w.account("payments-prod"),
        bin = rolecall_bin().display(),
    );
    let sb = Sandbox::new(&config, &w.credentials_file());
    sb.settings(&format!("[defaults]\nstore = \"{store}\"\n"));
    (sb, role, target)
}

fn secret_service_available() {
    assert!(
        std::env::var("DBUS_SESSION_BUS_ADDRESS").is_ok(),
        "no D-Bus session: run through scripts/test, which starts gnome-keyring under dbus-run-session"
    );
}

#[test]
fn second_aws_cli_call_is_served_from_the_keyring() {
    secret_service_available();
    let w = World::main();
    let (sb, role, cp) = setup(&w, "secret-service");
    let want = format!("arn:aws:sts::{}:assumed-role/{role}/alice", w.account("payments-prod"));
    for round in 1..=2 {
        let mut aws = sb.cmd(&aws_cli(), Some(&w.endpoint()));
        let out = ok(aws.args(["--profile", "via-rolecall", "sts", "get-caller-identity"]).output().unwrap(), "aws");
        assert!(stdout(&out).contains(&want), "round {round}: {}", stdout(&out));
        assert_eq!(moto_requests("AssumeRole", &role), 1, "round {round}: exactly one AssumeRole");
    }
    // The Secret Service holds one item for this home: the vault key, not the session.
    let lookup = |user: &str| {
        stdout(&Command::new("secret-tool").args(["lookup", "service", "rolecall", "username", user]).output().unwrap())
    };
    assert!(lookup(&format!("role/{cp}")).is_empty(), "no keyring item per session");
    let (header, body) = record_header(sb.home(), &format!("role/{cp}"));
    let key_item = lookup(&format!("vault/{}", vault_hash(&sb)));
    assert!(key_item.contains("\"key\":"), "secret-tool sees no vault key: {key_item}");
    assert!(key_item.contains(header["sealed_by"].as_str().unwrap()), "the record names the key that sealed it");
    // The record: a clear header with metadata only, a sealed body.
    assert_eq!(header["meta"]["target"], cp.as_str(), "{header}");
    assert!(header["meta"]["access_key_id"].as_str().unwrap().starts_with("ASIA"), "{header}");
    let text = format!("{header}{}", String::from_utf8_lossy(&body));
    assert!(!text.contains("SecretAccessKey") && !text.contains("SessionToken"), "{text}");
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(record_path(sb.home(), &format!("role/{cp}"))).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    assert!(!sb.home().join("cache/index.json").exists(), "no index is written");
}

/// The keyring user name of a sandbox's vault key: `vault/` and 16 hex digits
/// of the SHA-256 of its vault dir.
fn vault_hash(sb: &Sandbox) -> String {
    use sha2::Digest;
    let dir = sb.home().join("data/vault");
    sha2::Sha256::digest(dir.as_os_str().as_encoded_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// Stores `secret` in the Secret Service as rolecall did before the vault: one item per secret.
fn secret_tool_store(user: &str, secret: &str) {
    use std::io::Write;
    let mut child = Command::new("secret-tool")
        .args(["store", "--label", "rolecall old layout", "service", "rolecall", "username", user])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(secret.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success(), "secret-tool store {user}");
}

#[test]
fn the_old_layout_is_moved_into_the_vault_and_removed_from_the_keyring() {
    secret_service_available();
    let w = World::main();
    let (sb, role, cp) = setup(&w, "secret-service");
    let registration = format!("sso-client/{}/device", unique("corp"));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    // What the release before the vault left: keyring items and index.json.
    secret_tool_store(
        &format!("role/{cp}"),
        &serde_json::json!({"AccessKeyId": "ASIAOLDLAYOUT", "SecretAccessKey": "old-secret", "SessionToken": "old-token",
            "Expiration": now + 3600, "Identity": {"arn": "arn:aws:sts::1:assumed-role/R/alice", "account": "1", "user_id": "u"}})
        .to_string(),
    );
    secret_tool_store(&registration, r#"{"clientId":"c","clientSecret":"client-secret","expiresAt":4000000000}"#);
    let index = serde_json::json!({"version": 1, "entries": {format!("role/{cp}"): {
        "kind": "role", "target": cp, "store": "secret-service", "access_key_id": "ASIAOLDLAYOUT",
        "expires_at": now + 3600, "stored_at": now, "plan": "made-for-another-plan",
        "identity": {"arn": "arn:aws:sts::1:assumed-role/R/alice", "account": "1", "user_id": "u"}
    }}});
    std::fs::create_dir_all(sb.home().join("cache")).unwrap();
    std::fs::write(sb.home().join("cache/index.json"), index.to_string()).unwrap();

    let out = ok(sb.rolecall(Some(&w.endpoint())).args(["credential-process", &cp]).output().unwrap(), "first");
    assert!(!stdout(&out).contains("ASIAOLDLAYOUT"), "made for another plan: not served");
    assert_eq!(moto_requests("AssumeRole", &role), 1);
    let lookup = |user: &str| {
        stdout(&Command::new("secret-tool").args(["lookup", "service", "rolecall", "username", user]).output().unwrap())
    };
    assert!(lookup(&format!("role/{cp}")).is_empty(), "the old item is gone from the keyring");
    assert!(lookup(&registration).is_empty(), "the old item is gone from the keyring");
    assert!(!sb.home().join("cache/index.json").exists(), "the old index is gone");
    // The registration was sealed into the vault, not dropped.
    let (header, body) = record_header(sb.home(), &registration);
    assert_eq!(header["name"], registration.as_str());
    assert!(!String::from_utf8_lossy(&body).contains("client-secret"));
    // The next call is served from the vault.
    ok(sb.rolecall(Some(&w.endpoint())).args(["credential-process", &cp]).output().unwrap(), "second");
    assert_eq!(moto_requests("AssumeRole", &role), 1);
}

/// Keyring operations (reads and writes of an OS keyring item) one rolecall process made,
/// and whether it opened the keyring at all, from its `rolecall::keyring` log lines.
fn keyring_ops(sb: &Sandbox, w: &World, cp: &str) -> (usize, bool) {
    let out = ok(
        sb.rolecall(Some(&w.endpoint()))
            .env("ROLECALL_LOG", "rolecall::keyring=debug")
            .args(["credential-process", cp])
            .output()
            .unwrap(),
        "credential-process",
    );
    let err = stderr(&out);
    (err.matches("keyring operation").count(), err.contains("keyring opened"))
}

#[test]
fn a_warm_call_reads_no_keyring_item_once_the_kernel_keeps_the_key() {
    secret_service_available();
    let w = World::main();
    let (sb, _role, cp) = setup(&w, "secret-service");
    let (cold, _) = keyring_ops(&sb, &w, &cp);
    assert!(cold <= 2, "cold: read the key, maybe make it: {cold}");
    assert_eq!(keyring_ops(&sb, &w, &cp), (0, false), "warm: the key comes from the kernel keyring, no D-Bus call");
    // Without the kernel's copy, a warm call reads the Secret Service once.
    sb.settings("[defaults]\nstore = \"secret-service\"\nkey_cache_timeout = \"0s\"\n");
    let keys = stdout(&Command::new("keyctl").args(["show", "@u"]).output().unwrap());
    assert!(keys.contains(&format!("rolecall:vault/{}", vault_hash(&sb))), "the kernel keeps the key: {keys}");
    ok(
        Command::new("keyctl")
            .args(["purge", "-s", "user", &format!("rolecall:vault/{}", vault_hash(&sb))])
            .output()
            .unwrap(),
        "purge",
    );
    assert_eq!(keyring_ops(&sb, &w, &cp), (1, true));
    assert_eq!(keyring_ops(&sb, &w, &cp), (1, true), "with key_cache_timeout = 0 the kernel does not keep it");
}

#[test]
fn twenty_parallel_cold_calls_make_one_assume_role() {
    secret_service_available();
    let w = World::main();
    let (sb, role, cp) = setup(&w, "secret-service");
    let children: Vec<_> = (0..20)
        .map(|_| {
            let mut cmd = sb.rolecall_std(Some(&w.endpoint()));
            cmd.args(["credential-process", &cp]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
        })
        .collect();
    let mut key_ids = Vec::new();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("stdout is exactly the JSON object");
        assert_eq!(v["Version"], 1);
        key_ids.push(v["AccessKeyId"].as_str().unwrap().to_owned());
    }
    assert_eq!(moto_requests("AssumeRole", &role), 1, "twenty callers share one refresh");
    key_ids.dedup();
    assert_eq!(key_ids.len(), 1, "all twenty got the same session");
}

#[test]
fn an_expired_entry_is_refreshed() {
    secret_service_available();
    let w = World::main();
    let (sb, role, cp) = setup(&w, "secret-service");
    let first = ok(sb.rolecall(Some(&w.endpoint())).args(["credential-process", &cp]).output().unwrap(), "first");
    let name = format!("role/{cp}");
    edit_record_header(sb.home(), &name, |h| h["meta"]["expires_at"] = 1_000_000.into());
    let second = ok(sb.rolecall(Some(&w.endpoint())).args(["credential-process", &cp]).output().unwrap(), "second");
    assert_eq!(moto_requests("AssumeRole", &role), 2);
    assert_ne!(stdout(&first), stdout(&second));

    // A session with no more than the refresh window left is not served either.
    let short = ok(
        sb.rolecall(Some(&w.endpoint()))
            .args(["export", &cp, "--duration", "900", "--format", "json"])
            .output()
            .unwrap(),
        "short",
    );
    assert_eq!(moto_requests("AssumeRole", &role), 2, "export reused the cached session: {}", stderr(&short));
    // Ten minutes left is inside the default 15-minute refresh window.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    edit_record_header(sb.home(), &name, |h| h["meta"]["expires_at"] = (now + 600).into());
    ok(sb.rolecall(Some(&w.endpoint())).args(["credential-process", &cp]).output().unwrap(), "third");
    assert_eq!(moto_requests("AssumeRole", &role), 3, "a session inside the refresh window is refreshed");
}

#[test]
fn one_login_serves_five_mfa_roles_without_a_terminal() {
    secret_service_available();
    let w = World::main();
    let prod = w.account("payments-prod");
    let mut config = String::from("[profile hub]\nregion = us-east-1\n\n");
    let roles: Vec<String> = (0..5).map(|_| unique("Mfa")).collect();
    for (i, role) in roles.iter().enumerate() {
        config.push_str(&format!(
            "[profile m{i}]\nrole_arn = arn:aws:iam::{prod}:role/{role}\nsource_profile = hub\nmfa_serial = {}\n\n",
            w.s("mfa_serial")
        ));
    }
    let sb = Sandbox::new(&config, &w.credentials_file());
    sb.settings("[defaults]\nstore = \"secret-service\"\n");
    let no_tty = |args: &[&str]| {
        let mut cmd = sb.cmd(Path::new("setsid"), Some(&w.endpoint()));
        cmd.arg(rolecall_bin()).args(args).output().unwrap()
    };

    // Without a session and without a terminal: exit 3, one line naming the fix.
    let out = no_tty(&["credential-process", "m0"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(
        stderr(&out),
        format!(
            "rolecall: an MFA code is needed for '{}', and there is no terminal to ask on: pass --mfa-code, \
             set 'mfa_process' in the profile, or run 'rolecall login hub' in a terminal first\n",
            w.s("mfa_serial")
        )
    );
    assert!(stdout(&out).is_empty());

    let login = ok(no_tty(&["login", "hub", "--mfa-code", "123456"]), "login");
    assert!(stderr(&login).contains("MFA session for 'hub'"), "{}", stderr(&login));
    for (i, role) in roles.iter().enumerate() {
        let out = ok(no_tty(&["credential-process", &format!("m{i}")]), "credential-process after login");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(v["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
        assert_eq!(moto_requests("AssumeRole", role), 1);
        // Rule 3: the role call carries no MFA code: it came from the stored MFA session.
        assert_eq!(moto_requests("AssumeRole", &format!("{role}&RoleSessionName=alice&SerialNumber")), 0);
    }

    // status reads the index; forget removes.
    let status = ok(sb.rolecall(None).args(["status", "--json"]).output().unwrap(), "status");
    let rows: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 6, "one MFA session and five role sessions");
    assert!(rows.as_array().unwrap().iter().all(|r| r["seconds_left"].as_u64().unwrap() > 0));
    let forget = ok(sb.rolecall(None).args(["forget", "hub"]).output().unwrap(), "forget");
    assert!(stderr(&forget).contains("forgot mfa/hub/"), "{}", stderr(&forget));
    // Not 'forget --all': it empties every keyring of this user, other tests' sessions included
    // (tests/e2e_cache.rs runs it in a keyring world of its own).
    for i in 0..5 {
        ok(sb.rolecall(None).args(["forget", &format!("m{i}")]).output().unwrap(), "forget");
    }
    let status = ok(sb.rolecall(None).args(["status", "--json"]).output().unwrap(), "status");
    assert_eq!(stdout(&status).trim(), "[]");
    let nothing = sb.rolecall(None).args(["forget", "m0"]).output().unwrap();
    assert_eq!(nothing.status.code(), Some(1));
    assert!(stderr(&nothing).contains("nothing is cached for 'm0'"), "{}", stderr(&nothing));
}

#[test]
fn kernel_keyring_store() {
    let w = World::main();
    let (sb, role, cp) = setup(&w, "keyutils");
    for _ in 0..2 {
        ok(sb.rolecall(Some(&w.endpoint())).args(["credential-process", &cp]).output().unwrap(), "keyutils");
    }
    assert_eq!(
        moto_requests("AssumeRole", &role),
        1,
        "second call served from the vault, its key in the kernel keyring"
    );
    let (header, _) = record_header(sb.home(), &format!("role/{cp}"));
    assert_eq!(header["meta"]["target"], cp.as_str(), "{header}");
    let keys = stdout(&Command::new("keyctl").args(["show", "@s"]).output().unwrap());
    assert!(keys.contains(&format!("keyring:vault/{}@rolecall", vault_hash(&sb))), "{keys}");
}

#[test]
fn a_locked_keyring_exits_4_and_says_how_to_fix_it() {
    let w = World::main();
    let (sb, role, cp) = setup(&w, "secret-service");
    // A fresh D-Bus session whose gnome-keyring has no unlocked collection.
    let script = format!(
        "export XDG_DATA_HOME='{home}/locked-data'; mkdir -p \"$XDG_DATA_HOME\"; \
         gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1; \
         exec timeout 60 '{bin}' credential-process {cp}",
        home = sb.home().display(),
        bin = rolecall_bin().display()
    );
    let mut cmd = sb.cmd(Path::new("dbus-run-session"), Some(&w.endpoint()));
    cmd.env_remove("DBUS_SESSION_BUS_ADDRESS").args(["--", "bash", "-c", &script]);
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    // dbus-daemon may add its own notes to stderr; rolecall's message is one line.
    let err: String = stderr(&out).lines().filter(|l| l.starts_with("rolecall:")).collect();
    assert!(err.starts_with("rolecall: the secret-service keyring is locked or refused access"), "{err}");
    assert!(err.contains("set store = \"keyutils\""), "{err}");
    assert!(stdout(&out).is_empty());
    assert_eq!(moto_requests("AssumeRole", &role), 0, "it failed before any AWS call (or MFA prompt)");
}

#[test]
fn setup_writes_a_working_profile_and_keeps_every_byte() {
    let w = World::main();
    let original = format!(
        "# my AWS config — hand written\n[default]\nregion=eu-west-1\n\n\n[profile hub]   \nregion   =   us-east-1 ; comment\n; another comment\n\
         [profile ro]\nrole_arn = arn:aws:iam::{}:role/ReadOnly\nsource_profile = hub\n# trailing comment without newline",
        w.account("payments-prod")
    );
    let sb = Sandbox::new(&original, &w.credentials_file());
    let printed = ok(sb.rolecall(None).args(["setup", "credential-process", "ro"]).output().unwrap(), "print");
    let stanza = format!(
        "[profile rolecall-ro]\ncredential_process = {} credential-process -- ro\nregion = us-east-1\n",
        rolecall_bin().display()
    );
    assert_eq!(stdout(&printed), stanza);
    assert_eq!(std::fs::read_to_string(sb.config_path()).unwrap(), original, "printing writes nothing");

    let out = ok(sb.rolecall(None).args(["setup", "credential-process", "ro", "--write"]).output().unwrap(), "write");
    let updated = std::fs::read_to_string(sb.config_path()).unwrap();
    assert_eq!(updated, format!("{original}\n\n{stanza}"));
    let backups: Vec<_> = std::fs::read_dir(sb.home().join(".aws"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("config.rolecall-backup-"))
        .collect();
    assert_eq!(backups.len(), 1, "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&backups[0]).unwrap(), original);

    // The AWS CLI uses the new profile.
    let mut aws = sb.cmd(&aws_cli(), Some(&w.endpoint()));
    let who = ok(aws.args(["--profile", "rolecall-ro", "sts", "get-caller-identity"]).output().unwrap(), "aws");
    assert!(stdout(&who).contains(":assumed-role/ReadOnly/alice"), "{}", stdout(&who));

    let again = sb.rolecall(None).args(["setup", "credential-process", "ro", "--write"]).output().unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("profile 'rolecall-ro' already exists"), "{}", stderr(&again));
}
