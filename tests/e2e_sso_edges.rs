#![cfg(feature = "e2e")]
//! End to end against the local IAM Identity Center emulator: the sharp edges of sign-in and
//! sign-out (issue 16): a logout while the portal is down, a kept token the portal refuses, the
//! AWS CLI's token file refreshed with its own registration, a profile's endpoints, the
//! discovery lock, one `Expiration` form, the browser for a device code, `forget --all`.

mod common;

use std::net::TcpListener;
use std::path::PathBuf;
use std::time::Duration;

use common::sso::{
    SsoEmu, assert_is_role, browser_follow, device_login, exec_identity, first_account, rolecall, rolecall_std,
    run_approving, sandbox,
};
use common::{Sandbox, World, ok, stderr, stdout};
use serde_json::Value;

/// A local port nothing listens on: the portal "unreachable".
fn dead_url() -> String {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    format!("http://127.0.0.1:{port}")
}

fn credential_process(sb: &Sandbox, emu: &SsoEmu, target: &str) -> std::process::Output {
    rolecall(sb, emu).args(["credential-process", target]).timeout(Duration::from_secs(60)).output().unwrap()
}

// ---- 4: logout removes what is local first -----------------------------------------------------

/// The portal cannot be reached at logout: the tokens and the role sessions made from them are
/// gone all the same, the failure is reported, and the exit code (5) says the portal was not told.
#[test]
fn logout_with_the_portal_unreachable_still_removes_every_local_secret() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "# defaults: keyring\n");
    ok(device_login(&sb, &emu, &["--no-discover"]), "rolecall login --sso --device-code");
    ok(credential_process(&sb, &emu, "sso-admin"), "credential-process (cold)");
    assert_eq!(emu.stat("GetRoleCredentials"), 1, "{}", emu.stats());
    let out = rolecall(&sb, &emu)
        .args(["logout", "--sso", &emu.session])
        .env("AWS_ENDPOINT_URL_SSO", dead_url())
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(5), "the portal was not reached: {err}");
    assert_eq!(emu.stat("Logout"), 0, "{}", emu.stats());
    // Nothing is served from the role session cache, and no token is left to get one.
    let out = credential_process(&sb, &emu, "sso-admin");
    assert_eq!(out.status.code(), Some(3), "a sign-in is needed now: {}", stderr(&out));
    assert!(stdout(&out).is_empty());
    assert_eq!(emu.stat("GetRoleCredentials"), 1, "{}", emu.stats());
    let status = stdout(&ok(rolecall(&sb, &emu).arg("status").output().unwrap(), "status"));
    assert!(status.contains(&format!("SSO {}: not signed in", emu.session)), "{status}");
    assert!(err.contains("cannot reach"), "says the portal could not be reached: {err}");
    assert!(err.contains("removed"), "says what was removed here: {err}");
}

/// `logout --sso NAME --local` removes the tokens here and does not call the portal.
#[test]
fn logout_local_removes_the_tokens_without_calling_the_portal() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "[defaults]\nsso_token_cache = \"aws-cli\"\n");
    ok(device_login(&sb, &emu, &["--no-discover"]), "rolecall login --sso --device-code");
    let path = emu.cli_cache_path(sb.home());
    let cache: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let out = rolecall(&sb, &emu)
        .args(["logout", "--sso", &emu.session, "--local"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    ok(out, "rolecall logout --sso --local");
    assert_eq!(emu.stat("Logout"), 0, "the portal is not told: {}", emu.stats());
    assert!(!path.exists(), "the token file is removed");
    assert!(
        emu.token_works(cache["accessToken"].as_str().unwrap()),
        "the portal was not told, so the token still works there"
    );
    let out = credential_process(&sb, &emu, "sso-admin");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

// ---- 13: login signs in again when the portal refuses the kept token ---------------------------

/// A kept token that looks valid but that the portal refuses: `login` refreshes it when the
/// refresh token still works, and signs in again when an administrator ended the session.
#[test]
fn login_signs_in_again_when_the_portal_refuses_the_kept_token() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "# defaults\n");
    ok(device_login(&sb, &emu, &[]), "rolecall login --sso --device-code");
    // The access token is refused, the refresh token still works: a refresh, no sign-in.
    emu.expire_access();
    emu.reset_stats();
    let out = ok(device_login(&sb, &emu, &[]), "rolecall login --sso (access token refused)");
    assert_eq!(emu.stat("issued.refresh_token"), 1, "{} {}", emu.stats(), stderr(&out));
    assert_eq!(emu.stat("StartDeviceAuthorization"), 0, "{}", emu.stats());
    // An administrator ended the session: access and refresh tokens are refused.
    emu.revoke_all();
    emu.reset_stats();
    let out = ok(device_login(&sb, &emu, &[]), "rolecall login --sso (session revoked)");
    let err = stderr(&out);
    assert_eq!(emu.stat("issued.device_code"), 1, "signed in again: {} {err}", emu.stats());
    assert!(!err.contains("not found or invalid"), "{err}");
    assert!(emu.stat("ListAccounts") >= 1, "and listed the accounts with the new token: {}", emu.stats());
    assert_is_role(&exec_identity(&sb, &emu, "sso-ro"), &emu, &first_account(&emu), "ReadOnly");
}

// ---- 14: the AWS CLI's token file is refreshed with its own registration -----------------------

/// rolecall signed in (aws-cli cache), then `aws sso login` replaced the file with its own client
/// registration and refresh token. Five minutes before the file's token expires, the refresh uses
/// the file's registration and refresh token (the emulator ties refresh tokens to their client)
/// and writes the result back to the file.
#[test]
fn the_aws_clis_token_file_is_refreshed_with_its_own_registration() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "[defaults]\nsso_token_cache = \"aws-cli\"\n");
    ok(device_login(&sb, &emu, &["--no-discover"]), "rolecall login --sso --device-code");
    let path = emu.cli_cache_path(sb.home());
    let ours: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    // What `aws sso login` writes: its own registration and tokens, here 5 minutes from expiry.
    emu.write_cli_cache(sb.home(), Duration::from_secs(300));
    let theirs: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_ne!(theirs["clientId"], ours["clientId"]);
    emu.reset_stats();
    let out = credential_process(&sb, &emu, "sso-admin");
    let out = ok(out, "credential-process with the AWS CLI's token about to expire");
    assert!(stdout(&out).contains("\"AccessKeyId\""));
    assert_eq!(emu.stat("refreshed-by.test-cli"), 1, "refreshed by the file's own client: {}", emu.stats());
    assert_eq!(emu.stat("issued.refresh_token"), 1, "{}", emu.stats());
    let after: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(after["clientId"], theirs["clientId"], "the file keeps the AWS CLI's registration");
    assert_ne!(after["refreshToken"], theirs["refreshToken"], "the rotated refresh token is written back");
    assert!(emu.token_works(after["accessToken"].as_str().unwrap()));
}

/// Keyring mode, rolecall's token expiring first and the AWS CLI's file the better one: the
/// file's token is refreshed with the file's registration and written back to the file; the
/// keyring's token is left as it was.
#[test]
fn the_better_token_is_refreshed_with_its_registration_and_written_back_where_it_came_from() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "# defaults: keyring\n");
    emu.set_token_ttl(120);
    ok(device_login(&sb, &emu, &["--no-discover"]), "rolecall login --sso --device-code (keyring)");
    emu.set_token_ttl(8 * 3600);
    let path = emu.write_cli_cache(sb.home(), Duration::from_secs(300));
    let theirs: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    emu.reset_stats();
    ok(credential_process(&sb, &emu, "sso-ro"), "credential-process (both tokens due)");
    assert_eq!(emu.stat("refreshed-by.test-cli"), 1, "the file's token, by the file's client: {}", emu.stats());
    assert_eq!(emu.stat("issued.refresh_token"), 1, "{}", emu.stats());
    let after: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(after["clientId"], theirs["clientId"]);
    assert_ne!(after["accessToken"], theirs["accessToken"], "the refresh went back to the file");
}

// ---- 12: endpoints, the discovery lock, one Expiration form ------------------------------------

/// `login --sso PROFILE` reaches Identity Center where the profile's `[services]` section says,
/// as credential resolution does (HTTPS goes through a proxy that is not there, so nothing
/// reaches the real Identity Center).
#[test]
fn login_honours_the_profiles_services_endpoints() {
    let emu = SsoEmu::private(0);
    let account = first_account(&emu);
    let config = format!(
        "[sso-session {s}]\nsso_start_url = {start}\nsso_region = {region}\nsso_registration_scopes = sso:account:access\n\n\
         [profile via-services]\nsso_session = {s}\nsso_account_id = {account}\nsso_role_name = ReadOnly\nregion = us-east-1\nservices = emu\n\n\
         [services emu]\nsso =\n  endpoint_url = {url}\nsso_oidc =\n  endpoint_url = {url}\nsts =\n  endpoint_url = {moto}\n",
        s = emu.session,
        start = emu.start_url(),
        region = emu.region(),
        url = emu.url,
        moto = std::env::var("MOTO_URL").unwrap(),
    );
    let sb = Sandbox::new(&config, "");
    sb.settings("# defaults\n");
    let no_proxy = dead_url();
    let mut login = sb.rolecall_std(None);
    login.args(["login", "--sso", "via-services", "--device-code"]).env("HTTPS_PROXY", &no_proxy);
    let out = run_approving(login, &emu);
    ok(out, "rolecall login --sso via-services (endpoints from [services])");
    assert_eq!(emu.stat("issued.device_code"), 1, "{}", emu.stats());
    assert!(emu.stat("ListAccounts") >= 1, "discovery went there too: {}", emu.stats());
    let out = sb.rolecall(None).args(["credential-process", "via-services"]).env("HTTPS_PROXY", &no_proxy).output();
    let out = out.unwrap();
    let json: Value = serde_json::from_str(&stdout(&ok(out, "credential-process via-services"))).unwrap();
    assert!(json["AccessKeyId"].as_str().unwrap().starts_with("ASIA"), "{json}");
}

/// The lock file of a session's discovery (`store::lock`'s naming: `/` is `_2f`).
fn discovery_lock(sb: &Sandbox, session: &str) -> PathBuf {
    let dir = sb.home().join("cache/locks");
    std::fs::create_dir_all(&dir).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        for d in [sb.home().join("cache"), dir.clone()] {
            std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
        }
    }
    dir.join(format!("sso-discover_2f{session}.lock"))
}

/// `login` lists the accounts under the discovery lock, as background discovery does: while
/// another process holds it, no listing starts, and the wait ends with exit 6 naming the lock.
#[test]
fn login_discovery_waits_for_the_discovery_lock() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "[defaults]\nlock_timeout = \"1s\"\n");
    ok(device_login(&sb, &emu, &["--no-discover"]), "rolecall login --sso --no-discover");
    let path = discovery_lock(&sb, &emu.session);
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).unwrap();
    file.lock().unwrap();
    emu.reset_stats();
    let out = rolecall(&sb, &emu).args(["login", "--sso", &emu.session]).timeout(Duration::from_secs(60)).output();
    let out = out.unwrap();
    assert_eq!(emu.stat("ListAccountRoles"), 0, "no listing while another process lists: {}", emu.stats());
    assert_eq!(out.status.code(), Some(6), "{}", stderr(&out));
    drop(file);
    ok(rolecall(&sb, &emu).args(["login", "--sso", &emu.session]).output().unwrap(), "login once the lock is free");
    assert!(emu.stat("ListAccountRoles") >= 1, "{}", emu.stats());
}

/// True for `2026-12-08T12:00:00Z`: RFC 3339 UTC in whole seconds.
fn whole_second_rfc3339(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

/// `credential-process` prints `Expiration` in one form, cold and warm, for an Identity Center
/// target and for a role assumed with STS (moto answers in milliseconds): whole seconds, UTC, as
/// the AWS CLI does (`2026-12-08T12:00:00Z`).
#[test]
fn credential_process_expiration_has_one_form_cold_and_warm() {
    let emu = SsoEmu::private(0);
    let w = World::main();
    let role = common::unique("Expiry");
    let config = format!(
        "{}\n[profile hub]\nregion = us-east-1\n\n[profile by-sts]\nrole_arn = arn:aws:iam::{}:role/{role}\nsource_profile = hub\n",
        emu.config_text(),
        w.account("payments-prod")
    );
    let sb = Sandbox::new(&config, &w.credentials_file());
    ok(device_login(&sb, &emu, &["--no-discover"]), "rolecall login --sso --device-code");
    for target in ["sso-ro", "by-sts"] {
        let expiration = |what: &str| {
            let mut cmd = rolecall(&sb, &emu);
            cmd.env("AWS_ENDPOINT_URL_STS", w.endpoint()).args(["credential-process", target]);
            let out = ok(cmd.timeout(Duration::from_secs(60)).output().unwrap(), what);
            let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
            json["Expiration"].as_str().unwrap().to_owned()
        };
        let cold = expiration(&format!("credential-process {target} (cold)"));
        let warm = expiration(&format!("credential-process {target} (warm)"));
        for text in [&cold, &warm] {
            assert!(whole_second_rfc3339(text), "{target}: Expiration '{text}' is not whole-second RFC 3339 UTC");
        }
        assert_eq!(cold, warm, "{target}: the warm answer is the cached session");
    }
    assert_eq!(emu.stat("GetRoleCredentials"), 1, "the second was served from the cache: {}", emu.stats());
}

// ---- 9: a device code sign-in opens the browser too --------------------------------------------

/// With a browser (`BROWSER`), a device code sign-in opens the verification page, as the AWS CLI
/// does, and still prints the URL and the code.
#[test]
fn device_code_sign_in_opens_the_verification_page() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "# defaults\n");
    let log = sb.home().join("browser.log");
    let script = sb.home().join("record-browser");
    std::fs::write(&script, format!("#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{}'\n", log.display())).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let mut login = rolecall_std(&sb, &emu);
    login.args(["login", "--sso", &emu.session, "--device-code", "--no-discover"]).env("BROWSER", &script);
    let out = ok(run_approving(login, &emu), "rolecall login --sso --device-code with BROWSER");
    let opened = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(opened.starts_with(&format!("{}/device?user_code=", emu.url)), "the browser got the page: '{opened}'");
    let code = opened.trim().rsplit('=').next().unwrap().to_owned();
    let err = stderr(&out);
    assert!(err.contains(opened.trim()) && err.contains(&format!("code {code}")), "URL and code printed: {err}");
    // No browser (no BROWSER, no display, over SSH): print only.
    let mut login = rolecall_std(&sb, &emu);
    login
        .args(["login", "--sso", &emu.session, "--device-code", "--no-discover", "--force"])
        .env("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")
        .env("PATH", "/nonexistent");
    let out = ok(run_approving(login, &emu), "rolecall login --sso --device-code over SSH");
    assert!(stderr(&out).contains("/device?user_code="), "{}", stderr(&out));
    assert!(!stderr(&out).contains("could not open"), "nothing is opened, so nothing fails: {}", stderr(&out));
}

// ---- 6: a slow local connection does not block the browser's callback -------------------------

/// A local process connects to the loopback callback first and trickles a byte every half second
/// (never a whole request); the browser's callback still gets through and the sign-in completes.
#[test]
fn a_slow_local_connection_does_not_block_the_browser_sign_in() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "[defaults]\nsso_login_timeout = \"30s\"\n");
    let log = sb.home().join("browser.log");
    let out = rolecall(&sb, &emu)
        .args(["login", "--sso", &emu.session, "--no-discover"])
        .env("BROWSER", browser_follow())
        .env("BROWSER_FOLLOW_LOG", &log)
        .env("BROWSER_FOLLOW_SLOW_LORIS", "1")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let steps = std::fs::read_to_string(&log).unwrap_or_default();
    ok(out, &format!("rolecall login --sso (browser, with a slow local connection): {steps}"));
    assert!(steps.contains("loris connected"), "the slow connection was there first: {steps}");
    assert!(steps.contains("callback 200"), "the callback answered: {steps}");
    assert_eq!(emu.stat("issued.authorization_code"), 1, "{}", emu.stats());
}

// ---- 7: forget --all also forgets what status shows --------------------------------------------

/// `forget --all` removes the keyring's Identity Center token, and `status` stops reporting it.
/// Run in a world of its own (a user namespace, a new session keyring, a D-Bus session with its
/// own gnome-keyring): `forget --all` empties every keyring of the user, other tests' included.
#[test]
fn forget_all_leaves_no_identity_center_token_in_status() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "# defaults: keyring\n");
    let script = format!(
        r#"set -u; export XDG_DATA_HOME="$HOME/keyring-data"; mkdir -p "$XDG_DATA_HOME"
        gnome-keyring-daemon --unlock --components=secrets <<<isolated >/dev/null
        "$RC" login --sso {s} --device-code --no-discover 2> "$HOME/login.err" || exit 11
        "$RC" status > "$HOME/before.txt" || exit 12
        "$RC" forget --all 2> "$HOME/forget.err" || exit 13
        "$RC" status > "$HOME/after.txt" || exit 14
        "$RC" credential-process sso-admin > /dev/null 2> "$HOME/cp.err"; echo $? > "$HOME/cp.rc""#,
        s = emu.session
    );
    let mut cmd = sb.std_cmd(std::path::Path::new("unshare"), None);
    cmd.envs(emu.env())
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env("RC", assert_cmd::cargo::cargo_bin("rolecall"))
        .args(["-U", "-r", "dbus-run-session", "--", "keyctl", "session", "-", "bash", "-c", &script]);
    let out = run_approving(cmd, &emu);
    let read = |name: &str| std::fs::read_to_string(sb.home().join(name)).unwrap_or_default();
    assert!(
        out.status.success(),
        "the isolated script failed ({}): {} {}",
        out.status,
        stderr(&out),
        read("login.err")
    );
    let before = read("before.txt");
    assert!(before.contains(&format!("SSO {}: token valid", emu.session)), "{before}");
    assert!(read("forget.err").contains(&format!("forgot sso/{}", emu.session)), "{}", read("forget.err"));
    let after = read("after.txt");
    assert!(after.contains(&format!("SSO {}: not signed in", emu.session)), "{after}");
    assert_eq!(read("cp.rc").trim(), "3", "the token is really gone: {}", read("cp.err"));
}
