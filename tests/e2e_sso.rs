#![cfg(feature = "e2e")]
//! End to end against the local IAM Identity Center emulator (`scripts/sso_emulator.py`, started
//! by scripts/test next to moto): the harness itself (the headless browser, the AWS CLI's token
//! cache), then rolecall's sign-in, tokens and credentials. Targets and the TUI: e2e_sso_targets.rs.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::sso::{
    SCOPE, SsoEmu, assert_is_role, browser_follow, device_login, exec_identity, first_account, request, rolecall,
    rolecall_std, run_approving, sandbox,
};
use common::{Sandbox, aws_cli, ok, stderr, stdout};
use serde_json::{Value, json};

/// The request line a loopback listener receives within `timeout`.
fn accept_request_line(listener: &TcpListener, timeout: Duration) -> String {
    listener.set_nonblocking(true).unwrap();
    let deadline = Instant::now() + timeout;
    loop {
        match listener.accept() {
            Ok((mut stream, _)) => {
                stream.set_nonblocking(false).unwrap();
                stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut buf = [0u8; 4096];
                let n = stream.read(&mut buf).unwrap_or(0);
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                return text.lines().next().unwrap_or_default().to_owned();
            }
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline, "nothing reached the loopback callback");
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("accept: {e}"),
        }
    }
}

fn authorize_url(emu: &SsoEmu, client_id: &str, redirect: &str) -> String {
    format!(
        "{}/authorize?response_type=code&client_id={client_id}&redirect_uri={}&state=s7&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&scopes={}",
        emu.url,
        redirect.replace(':', "%3A").replace('/', "%2F"),
        SCOPE.replace(':', "%3A")
    )
}

/// The fixture BROWSER follows /authorize's redirect to the loopback callback, whether it is
/// used as `BROWSER=path` (URL appended) or `BROWSER="path %s"` (URL in place of %s).
#[test]
fn harness_browser_follow_reaches_the_loopback_callback() {
    let emu = SsoEmu::small();
    let client = request(
        &emu.url,
        "POST",
        "/client/register",
        Some(&json!({"clientName": "harness", "clientType": "public", "scopes": [SCOPE],
            "grantTypes": ["authorization_code", "refresh_token"], "redirectUris": ["http://127.0.0.1/oauth/callback"]})),
        &[],
    )
    .expect("RegisterClient");
    let client_id = client["clientId"].as_str().unwrap();
    for via_placeholder in [false, true] {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let redirect = format!("http://127.0.0.1:{}/oauth/callback", listener.local_addr().unwrap().port());
        let url = authorize_url(&emu, client_id, &redirect);
        let status = if via_placeholder {
            // What a launcher does with BROWSER="… %s": the URL replaces %s, run through a shell.
            let line = format!("{} %s", browser_follow().display()).replace("%s", &format!("'{url}'"));
            Command::new("sh").arg("-c").arg(line).status().unwrap()
        } else {
            Command::new(browser_follow()).arg(&url).status().unwrap()
        };
        assert!(status.success(), "browser-follow exited with {status}");
        let line = accept_request_line(&listener, Duration::from_secs(10));
        assert!(line.starts_with("GET /oauth/callback?code=emu-code-"), "callback request: {line}");
        assert!(line.contains("state=s7"), "the state comes back: {line}");
    }
}

/// A token cache written the way the AWS CLI writes it (the harness's `write_cli_cache`) is one
/// the AWS CLI v1 itself reads for an `sso_session` profile: the credentials are the
/// AWSReservedSSO role that the emulator assumed in moto.
#[test]
fn harness_cli_cache_is_read_by_the_aws_cli() {
    let emu = SsoEmu::small();
    let sandbox = Sandbox::new(&emu.config_text(), "");
    emu.write_cli_cache(sandbox.home(), Duration::from_secs(3600));
    let out = sandbox
        .cmd(&aws_cli(), None)
        .envs(emu.env())
        .args(["sts", "get-caller-identity", "--profile", "sso-admin", "--output", "json"])
        .output()
        .unwrap();
    let out = ok(out, "aws sts get-caller-identity --profile sso-admin");
    let ident: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let account = emu.accounts()[0]["accountId"].as_str().unwrap().to_owned();
    assert_eq!(ident["Account"], account.as_str());
    let role = emu.role_name(&account, "AdministratorAccess");
    assert!(ident["Arn"].as_str().unwrap().contains(&format!(":assumed-role/{role}/")), "{ident}");
}

// ---- rolecall's sign-in and tokens against the emulator ---------------------------------------

#[test]
fn device_code_sign_in_then_exec_as_the_permission_set() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "# defaults\n");
    let out = ok(device_login(&sb, &emu, &[]), "rolecall login --sso acme --device-code");
    assert!(stderr(&out).contains(&emu.session), "login says which session: {}", stderr(&out));
    assert_eq!(emu.stat("issued.device_code"), 1, "{}", emu.stats());
    assert!(emu.stat("CreateToken.device_code") >= 1);
    let account = first_account(&emu);
    assert_is_role(&exec_identity(&sb, &emu, "sso-admin"), &emu, &account, "AdministratorAccess");
    assert_is_role(&exec_identity(&sb, &emu, "sso-ro"), &emu, &account, "ReadOnly");
    assert_eq!(emu.stat("CreateToken"), emu.stat("CreateToken.device_code"), "no refresh needed: {}", emu.stats());
    // The token is kept: a second login without --force signs nobody in again.
    ok(
        rolecall(&sb, &emu)
            .args(["login", "--sso", &emu.session, "--device-code"])
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap(),
        "second login",
    );
    assert_eq!(emu.stat("StartDeviceAuthorization"), 1, "{}", emu.stats());
    ok(device_login(&sb, &emu, &["--force"]), "rolecall login --sso acme --device-code --force");
    assert_eq!(emu.stat("StartDeviceAuthorization"), 2, "--force signs in again: {}", emu.stats());
}

#[test]
fn browser_sign_in_with_pkce_then_exec() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "# defaults\n");
    let log = sb.home().join("browser.log");
    let out = rolecall(&sb, &emu)
        .args(["login", "--sso", &emu.session])
        .env("BROWSER", format!("{} %s", browser_follow().display()))
        .env("BROWSER_FOLLOW_LOG", &log)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    ok(out, "rolecall login --sso acme (browser)");
    let steps = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(steps.contains("authorize 302 /authorize"), "the browser went to /authorize: {steps}");
    assert!(steps.contains("callback 200"), "and rolecall's callback answered: {steps}");
    assert_eq!(emu.stat("issued.authorization_code"), 1, "{}", emu.stats());
    assert_eq!(emu.stat("StartDeviceAuthorization"), 0, "no device code with a browser: {}", emu.stats());
    let account = first_account(&emu);
    assert_is_role(&exec_identity(&sb, &emu, "sso-admin"), &emu, &account, "AdministratorAccess");
}

/// A token the AWS CLI wrote (`aws sso login`) is used as it is, and refreshed in place when it
/// is about to expire: the file then holds the rotated refresh token.
#[test]
fn a_token_the_aws_cli_wrote_is_used_and_refreshed_in_place() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "# defaults\n");
    let path = emu.write_cli_cache(sb.home(), Duration::from_secs(4 * 3600));
    emu.reset_stats();
    let account = first_account(&emu);
    assert_is_role(&exec_identity(&sb, &emu, "sso-ro"), &emu, &account, "ReadOnly");
    assert_eq!(emu.stat("CreateToken"), 0, "a valid CLI token needs no sign-in and no refresh: {}", emu.stats());

    // Five minutes left: inside every refresh window.
    let path2 = emu.write_cli_cache(sb.home(), Duration::from_secs(300));
    assert_eq!(path, path2);
    let before: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    emu.reset_stats();
    assert_is_role(&exec_identity(&sb, &emu, "sso-admin"), &emu, &account, "AdministratorAccess");
    assert_eq!(emu.stat("issued.refresh_token"), 1, "{}", emu.stats());
    let after: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_ne!(after["refreshToken"], before["refreshToken"], "the rotated refresh token is written back");
    assert_ne!(after["accessToken"], before["accessToken"]);
    for field in ["startUrl", "region", "clientId", "clientSecret", "registrationExpiresAt"] {
        assert_eq!(after[field], before[field], "{field} is kept");
    }
    assert!(after["expiresAt"].as_str().unwrap() > before["expiresAt"].as_str().unwrap());
    // The AWS CLI still reads the file rolecall rewrote.
    let out = sb
        .cmd(&aws_cli(), None)
        .envs(emu.env())
        .args(["sts", "get-caller-identity", "--profile", "sso-ro", "--output", "json"])
        .output()
        .unwrap();
    let ident: Value = serde_json::from_str(&stdout(&ok(out, "aws --profile sso-ro"))).unwrap();
    assert_is_role(&ident, &emu, &account, "ReadOnly");
}

/// `sso_token_cache = "aws-cli"`: rolecall's own sign-in lands in ~/.aws/sso/cache in the CLI's
/// format (0600), and the AWS CLI v1 (botocore's sso_session provider) works from it.
#[test]
fn aws_cli_mode_sign_in_is_read_by_the_aws_cli() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "[defaults]\nsso_token_cache = \"aws-cli\"\n");
    ok(device_login(&sb, &emu, &[]), "rolecall login --sso acme --device-code (aws-cli cache)");
    let path = emu.cli_cache_path(sb.home());
    let cache: Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap();
    for field in [
        "startUrl",
        "region",
        "accessToken",
        "expiresAt",
        "refreshToken",
        "clientId",
        "clientSecret",
        "registrationExpiresAt",
    ] {
        assert!(cache[field].is_string(), "the cache has {field}");
    }
    assert_eq!(cache["startUrl"], emu.start_url().as_str());
    assert!(
        emu.token_works(cache["accessToken"].as_str().unwrap()),
        "the cached access token is the one the emulator issued"
    );
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the token cache file is private");
    }
    let out = sb
        .cmd(&aws_cli(), None)
        .envs(emu.env())
        .args(["sts", "get-caller-identity", "--profile", "sso-admin", "--output", "json"])
        .output()
        .unwrap();
    let ident: Value = serde_json::from_str(&stdout(&ok(out, "aws --profile sso-admin"))).unwrap();
    assert_is_role(&ident, &emu, &first_account(&emu), "AdministratorAccess");
}

/// Twenty `credential-process` calls at once, nothing cached and the token about to expire:
/// one refresh (the others wait for it) and one GetRoleCredentials per target.
#[test]
fn twenty_parallel_cold_credential_process_calls_share_one_refresh() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "# defaults\n");
    emu.set_token_ttl(120); // the sign-in's token expires inside the refresh window
    ok(device_login(&sb, &emu, &[]), "rolecall login --sso acme --device-code");
    emu.set_token_ttl(8 * 3600);
    emu.reset_stats();
    let children: Vec<_> = (0..20)
        .map(|i| {
            rolecall_std(&sb, &emu)
                .args(["credential-process", if i % 2 == 0 { "sso-admin" } else { "sso-ro" }])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = ok(child.wait_with_output().unwrap(), "rolecall credential-process");
        let json: Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(json["Version"], 1);
        assert!(json["AccessKeyId"].as_str().unwrap().starts_with("ASIA"), "{json}");
    }
    let stats = emu.stats();
    assert_eq!(stats["CreateToken.refresh_token"], 1, "one refresh for twenty processes: {stats}");
    let account = first_account(&emu);
    let targets = &stats["GetRoleCredentials.targets"];
    assert_eq!(targets[format!("{account}/AdministratorAccess")], 1, "{stats}");
    assert_eq!(targets[format!("{account}/ReadOnly")], 1, "{stats}");
    assert_eq!(stats["GetRoleCredentials"], 2, "{stats}");
}

/// The Identity Center session ended (the refresh token is refused): a message that says so
/// and names the command that signs in again, nothing on stdout, and exit code 3 (a sign-in is
/// needed and credential_process has no terminal to do it on).
#[test]
fn an_ended_session_says_how_to_sign_in_again() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "# defaults\n");
    emu.set_token_ttl(120);
    ok(device_login(&sb, &emu, &[]), "rolecall login --sso acme --device-code");
    emu.expire_refresh();
    emu.expire_access();
    let out = rolecall(&sb, &emu)
        .args(["credential-process", "sso-admin"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "stderr: {}", stderr(&out));
    assert!(stdout(&out).is_empty(), "nothing on stdout: {}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("ended"), "says the session ended: {err}");
    assert!(err.contains(&format!("rolecall login --sso {}", emu.session)), "names the fix: {err}");
    assert!(!err.contains("aor") && !err.contains("aoa"), "no token in the message: {err}");
    assert_eq!(emu.stat("GetRoleCredentials"), 0, "{}", emu.stats());
}

#[test]
fn logout_ends_the_session_at_identity_center() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "[defaults]\nsso_token_cache = \"aws-cli\"\n");
    ok(device_login(&sb, &emu, &[]), "rolecall login --sso acme --device-code");
    let cache: Value = serde_json::from_slice(&std::fs::read(emu.cli_cache_path(sb.home())).unwrap()).unwrap();
    let access = cache["accessToken"].as_str().unwrap().to_owned();
    ok(
        rolecall(&sb, &emu).args(["logout", "--sso", &emu.session]).timeout(Duration::from_secs(30)).output().unwrap(),
        "rolecall logout --sso acme",
    );
    assert_eq!(emu.stat("Logout"), 1, "{}", emu.stats());
    assert!(!emu.token_works(&access), "the access token is dead at the service");
    let out = rolecall(&sb, &emu)
        .args(["credential-process", "sso-admin"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert!(!out.status.success(), "no credentials after logout");
    assert!(stderr(&out).contains(&format!("rolecall login --sso {}", emu.session)), "{}", stderr(&out));
}

/// Every file under `dir`, recursively, with its bytes.
fn files_under(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, Vec<u8>)>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(&path, out);
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
}

/// With the keyring holding the tokens (the default), no access token, refresh token or client
/// secret the emulator handed out reaches a file, stdout or stderr, through a sign-in, a refresh
/// (the token was due) and the commands that use it.
#[test]
fn keyring_mode_writes_no_token_anywhere() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "# defaults: store = auto, sso_token_cache = keyring\n");
    emu.set_token_ttl(120);
    let mut outputs = vec![ok(device_login(&sb, &emu, &[]), "rolecall login --sso --device-code")];
    emu.set_token_ttl(8 * 3600);
    for args in [&["credential-process", "sso-ro"][..], &["list"], &["status"], &["whoami", "sso-ro"]] {
        let out = rolecall(&sb, &emu).args(args).timeout(Duration::from_secs(60)).output().unwrap();
        outputs.push(ok(out, &format!("rolecall {args:?}")));
    }
    assert!(emu.stat("issued.refresh_token") >= 1, "a refresh happened: {}", emu.stats());
    assert!(!emu.cli_cache_path(sb.home()).exists(), "keyring mode writes no AWS CLI cache file");
    let secrets = emu.secrets();
    assert!(secrets.len() >= 4, "client secret, two access and two refresh tokens: {}", secrets.len());
    let mut files = Vec::new();
    files_under(sb.home(), &mut files);
    assert!(!files.is_empty());
    for secret in &secrets {
        for (path, bytes) in &files {
            let text = String::from_utf8_lossy(bytes);
            assert!(!text.contains(secret.as_str()), "a token or client secret is in {}", path.display());
        }
        for out in &outputs {
            assert!(
                !stdout(out).contains(secret.as_str()) && !stderr(out).contains(secret.as_str()),
                "a token in the output"
            );
        }
    }
}

/// The service stops honouring an access token that still looks valid (revoked, or the
/// session's access ended early): GetRoleCredentials says 401, and rolecall refreshes the token
/// once and goes on (the AWS CLI would stop and ask for `aws sso login`).
#[test]
fn an_access_token_the_service_refuses_is_refreshed() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "# defaults\n");
    ok(device_login(&sb, &emu, &[]), "rolecall login --sso --device-code");
    emu.expire_access();
    emu.reset_stats();
    let out = rolecall(&sb, &emu)
        .args(["credential-process", "sso-admin"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let out = ok(out, "rolecall credential-process sso-admin (token refused)");
    assert!(stdout(&out).contains("\"AccessKeyId\""));
    assert_eq!(emu.stat("issued.refresh_token"), 1, "{}", emu.stats());
    assert_eq!(emu.stat("GetRoleCredentials"), 1, "{}", emu.stats());
}

/// The client registration stopped working (expired, or Identity Center forgot it): a new
/// sign-in registers a new client instead of failing with the old one.
#[test]
fn a_dead_client_registration_is_replaced_at_the_next_sign_in() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "# defaults\n");
    emu.set_token_ttl(120);
    ok(device_login(&sb, &emu, &[]), "rolecall login --sso --device-code");
    emu.set_token_ttl(8 * 3600);
    emu.expire_clients();
    let out = ok(device_login(&sb, &emu, &[]), "rolecall login --sso --device-code (client registration dead)");
    assert_eq!(emu.stat("RegisterClient"), 2, "a new client: {} {}", emu.stats(), stderr(&out));
    assert_eq!(emu.stat("issued.device_code"), 2, "{}", emu.stats());
    let account = first_account(&emu);
    assert_is_role(&exec_identity(&sb, &emu, "sso-ro"), &emu, &account, "ReadOnly");
}

/// The person refuses the device code in the browser: the sign-in fails at once with a message
/// that says so, exit code 2, and no token is kept.
#[test]
fn a_denied_device_code_fails_clearly() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "[defaults]\nsso_token_cache = \"aws-cli\"\n");
    let mut child = rolecall_std(&sb, &emu)
        .args(["login", "--sso", &emu.session, "--device-code"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "rolecall login did not end after the denial");
        emu.deny_all();
        std::thread::sleep(Duration::from_millis(200));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("denied") || err.contains("AccessDenied"), "says it was refused: {err}");
    assert!(!emu.cli_cache_path(sb.home()).exists(), "no token kept");
}

/// `slow_down` while polling for a device code: rolecall waits 5 s longer (RFC 8628 §3.5), does
/// not hammer the token endpoint, and the sign-in still completes.
#[test]
fn device_code_polling_slows_down_when_told() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "# defaults\n");
    emu.slow_down(1);
    let started = Instant::now();
    ok(device_login(&sb, &emu, &[]), "rolecall login --sso --device-code (slow_down once)");
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(5), "after slow_down the next poll waits 5 s more: signed in after {took:?}");
    assert!(emu.stat("CreateToken.device_code") <= 4, "polls: {}", emu.stats());
    assert_eq!(emu.stat("issued.device_code"), 1, "{}", emu.stats());
}

/// The person refuses in the browser: /authorize comes back to rolecall's callback with
/// `error=access_denied`; the sign-in fails at once (exit 2) saying so, and keeps no token.
#[test]
fn a_browser_sign_in_refused_fails_clearly() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "[defaults]\nsso_token_cache = \"aws-cli\"\n");
    emu.deny_authorize(1);
    let out = rolecall(&sb, &emu)
        .args(["login", "--sso", &emu.session])
        .env("BROWSER", browser_follow())
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("access_denied") || stderr(&out).contains("denied"), "{}", stderr(&out));
    assert_eq!(emu.stat("CreateToken"), 0, "{}", emu.stats());
    assert!(!emu.cli_cache_path(sb.home()).exists(), "no token kept");
}

/// Nobody approves the device code: after `sso_login_timeout` the sign-in gives up with a
/// message that says why, exit code 2.
#[test]
fn an_unapproved_device_code_times_out() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "[defaults]\nsso_login_timeout = \"10s\"\n");
    let started = Instant::now();
    let out = rolecall(&sb, &emu)
        .args(["login", "--sso", &emu.session, "--device-code"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(took >= Duration::from_secs(9) && took < Duration::from_secs(40), "gave up after {took:?}");
    assert!(stderr(&out).contains("time") || stderr(&out).contains("expired"), "says it timed out: {}", stderr(&out));
    assert_eq!(emu.stat("issued.device_code"), 0, "{}", emu.stats());
}

/// The legacy form (`sso_start_url` and `sso_region` on the profile, no `[sso-session]`):
/// `login --sso PROFILE` signs in, the profile gets its role, and the token lands where the AWS
/// CLI looks for a legacy profile's (the file named after the start URL), which it reads.
#[test]
fn a_legacy_sso_profile_signs_in_and_assumes() {
    let emu = SsoEmu::private(0);
    let account = first_account(&emu);
    let config = format!(
        "[profile legacy]\nsso_start_url = {}\nsso_region = {}\nsso_account_id = {account}\nsso_role_name = ReadOnly\nregion = us-east-1\n",
        emu.start_url(),
        emu.region()
    );
    let sb = Sandbox::new(&config, "");
    sb.settings("[defaults]\nsso_token_cache = \"aws-cli\"\n");
    let mut login = rolecall_std(&sb, &emu);
    login.args(["login", "--sso", "legacy", "--device-code"]);
    ok(run_approving(login, &emu), "rolecall login --sso legacy --device-code");
    assert_eq!(emu.stat("issued.device_code"), 1, "{}", emu.stats());
    assert_is_role(&exec_identity(&sb, &emu, "legacy"), &emu, &account, "ReadOnly");
    // The AWS CLI's legacy cache file is named after the start URL.
    let key: String = {
        use sha1::Digest;
        sha1::Sha1::digest(emu.start_url().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
    };
    let cache: Value =
        serde_json::from_slice(&std::fs::read(sb.home().join(format!(".aws/sso/cache/{key}.json"))).unwrap()).unwrap();
    assert_eq!(cache["startUrl"], emu.start_url().as_str());
    let out = sb
        .cmd(&aws_cli(), None)
        .envs(emu.env())
        .args(["sts", "get-caller-identity", "--profile", "legacy", "--output", "json"])
        .output()
        .unwrap();
    let ident: Value = serde_json::from_str(&stdout(&ok(out, "aws --profile legacy"))).unwrap();
    assert_is_role(&ident, &emu, &account, "ReadOnly");
}

/// In keyring mode, logout also forgets the role sessions made from the session's tokens: a
/// credential-process that was served from the cache before needs a sign-in after.
#[test]
fn logout_forgets_the_role_sessions_made_from_the_tokens() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "# defaults: keyring\n");
    ok(device_login(&sb, &emu, &[]), "rolecall login --sso --device-code");
    let cp = || {
        rolecall(&sb, &emu).args(["credential-process", "sso-admin"]).timeout(Duration::from_secs(60)).output().unwrap()
    };
    ok(cp(), "credential-process (cold)");
    ok(cp(), "credential-process (cached)");
    assert_eq!(emu.stat("GetRoleCredentials"), 1, "the second was served from the cache: {}", emu.stats());
    ok(
        rolecall(&sb, &emu).args(["logout", "--sso", &emu.session]).timeout(Duration::from_secs(30)).output().unwrap(),
        "logout",
    );
    assert_eq!(emu.stat("Logout"), 1, "{}", emu.stats());
    let out = cp();
    assert_eq!(out.status.code(), Some(3), "a sign-in is needed now: {}", stderr(&out));
    assert!(stdout(&out).is_empty());
    assert_eq!(emu.stat("GetRoleCredentials"), 1, "{}", emu.stats());
}
