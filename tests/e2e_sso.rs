#![cfg(feature = "e2e")]
//! End to end against the local IAM Identity Center emulator (`scripts/sso_emulator.py`, started
//! by scripts/test next to moto): the harness itself (the headless browser, the AWS CLI's token
//! cache), then rolecall's sign-in, discovery and credentials.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::sso::{SCOPE, SsoEmu, browser_follow, request};
use common::{Sandbox, World, aws_cli, ok, stderr, stdout};
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

// ---- rolecall against the emulator ----------------------------------------------------------

/// A sandbox whose AWS config has `[sso-session acme]` and the profiles `sso-admin`, `sso-ro`.
fn sandbox(emu: &SsoEmu, settings: &str) -> Sandbox {
    let sb = Sandbox::new(&emu.config_text(), "");
    sb.settings(settings);
    sb
}

/// rolecall in the sandbox, pointed at the emulator (and moto's STS).
fn rolecall(sb: &Sandbox, emu: &SsoEmu) -> assert_cmd::Command {
    let mut cmd = sb.rolecall(None);
    cmd.envs(emu.env());
    cmd
}

fn rolecall_std(sb: &Sandbox, emu: &SsoEmu) -> Command {
    let mut cmd = sb.rolecall_std(None);
    cmd.envs(emu.env());
    cmd
}

/// `rolecall login --sso acme --device-code`, approving the code at the emulator (as the person
/// in the browser would) until the command ends.
fn device_login(sb: &Sandbox, emu: &SsoEmu, extra: &[&str]) -> std::process::Output {
    let mut child = rolecall_std(sb, emu)
        .args(["login", "--sso", &emu.session, "--device-code"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rolecall login");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "rolecall login --sso did not finish within 60 s");
        emu.approve_all();
        std::thread::sleep(Duration::from_millis(200));
    }
    child.wait_with_output().unwrap()
}

/// `rolecall exec TARGET -- aws sts get-caller-identity`: the identity JSON.
fn exec_identity(sb: &Sandbox, emu: &SsoEmu, target: &str) -> Value {
    let aws = aws_cli();
    let out = rolecall(sb, emu)
        .args(["exec", target, "--"])
        .arg(&aws)
        .args(["sts", "get-caller-identity", "--output", "json"])
        .output()
        .unwrap();
    let out = ok(out, &format!("rolecall exec {target} -- aws sts get-caller-identity"));
    serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)))
}

/// The first account of the world and the assumed-role ARN prefix of its permission set.
fn first_account(emu: &SsoEmu) -> String {
    emu.accounts()[0]["accountId"].as_str().unwrap().to_owned()
}

fn assert_is_role(ident: &Value, emu: &SsoEmu, account: &str, permission_set: &str) {
    let role = emu.role_name(account, permission_set);
    assert_eq!(ident["Account"], account, "{ident}");
    assert!(
        ident["Arn"].as_str().unwrap_or_default().starts_with(&format!("arn:aws:sts::{account}:assumed-role/{role}/")),
        "expected the {permission_set} role {role}: {ident}"
    );
}

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

/// `rolecall list --json`: target id → kind.
fn list_kinds(sb: &Sandbox, emu: &SsoEmu, endpoint: Option<&str>) -> std::collections::BTreeMap<String, String> {
    let mut cmd = sb.rolecall(endpoint);
    cmd.envs(emu.env());
    let out =
        ok(cmd.args(["list", "--json"]).timeout(Duration::from_secs(300)).output().unwrap(), "rolecall list --json");
    let rows: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    rows.iter()
        .map(|r| (r["target"].as_str().unwrap().to_owned(), r["kind"].as_str().unwrap_or_default().to_owned()))
        .collect()
}

/// After a sign-in, every account × permission set is a target `ACCOUNT/PERMISSION_SET` next to
/// the organisation's `ACCOUNT/ROLE`; where both have the same id (ReadOnly in payments-prod)
/// the organisation keeps it and the permission set is `ACCOUNT/sso:ReadOnly`. exec gives each
/// its own identity.
#[test]
fn permission_sets_are_targets_beside_the_organisation() {
    let w = World::main();
    let emu = SsoEmu::private(0);
    let config = format!(
        "{}\n[profile hub]\nregion = us-east-1\n\n[profile org-reader]\nregion = us-east-1\n",
        emu.config_text()
    );
    let credentials = format!(
        "{}\n[org-reader]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
        w.credentials_file()
    );
    let sb = Sandbox::new(&config, &credentials);
    sb.settings(
        "[defaults]\nsso_token_cache = \"aws-cli\"\n\n[[organization]]\nname = \"acme\"\nprofile = \"org-reader\"\n\
         source_profile = \"hub\"\nroles = [\"ReadOnly\"]\n",
    );
    let moto = w.endpoint();
    let mut login = sb.rolecall_std(Some(&moto));
    login.envs(emu.env()).args(["login", "--sso", &emu.session, "--device-code"]);
    let out = run_approving(login, &emu);
    ok(out, "rolecall login --sso (device code)");

    let kinds = list_kinds(&sb, &emu, Some(&moto));
    let want = [
        ("payments-dev/AdministratorAccess", "sso"),
        ("payments-dev/sso:ReadOnly", "sso"),
        ("payments-dev/ReadOnly", "org"),
        ("payments-dev/DataScientist", "sso"),
        ("data-lake/DataScientist", "sso"),
        ("data-lake/ReadOnly", "org"),
        ("payments-prod/ReadOnly", "org"),
        // payments-prod's two permission sets are the profiles that name them.
        ("sso-admin", "sso"),
        ("sso-ro", "sso"),
    ];
    for (target, kind) in want {
        assert_eq!(kinds.get(target).map(String::as_str), Some(kind), "{target} in rolecall list: {kinds:?}");
    }
    assert!(!kinds.contains_key("payments-prod/AdministratorAccess"), "merged with the profile sso-admin: {kinds:?}");
    let sso_count = kinds.values().filter(|k| *k == "sso").count();
    let assigned: usize = emu.accounts().iter().map(|a| a["roles"].as_array().unwrap().len()).sum();
    assert_eq!(sso_count, assigned, "one SSO target per assignment: {kinds:?}");

    let prod = w.account("payments-prod");
    let exec = |target: &str| {
        let mut cmd = sb.rolecall(Some(&moto));
        cmd.envs(emu.env()).args(["exec", target, "--"]).arg(aws_cli()).args([
            "sts",
            "get-caller-identity",
            "--output",
            "json",
        ]);
        let out = ok(cmd.timeout(Duration::from_secs(120)).output().unwrap(), &format!("rolecall exec {target}"));
        serde_json::from_str::<Value>(&stdout(&out)).unwrap()
    };
    let dev = w.account("payments-dev");
    assert_is_role(&exec("payments-dev/sso:ReadOnly"), &emu, &dev, "ReadOnly");
    assert_is_role(&exec("payments-dev/AdministratorAccess"), &emu, &dev, "AdministratorAccess");
    // The merged target still answers to its ACCOUNT/PERMISSION_SET id.
    assert_is_role(&exec("payments-prod/AdministratorAccess"), &emu, &prod, "AdministratorAccess");
    let lake = w.account("data-lake");
    assert_is_role(&exec(&format!("{lake}/DataScientist")), &emu, &lake, "DataScientist");
    let org = exec("payments-prod/ReadOnly");
    assert!(
        org["Arn"].as_str().unwrap().starts_with(&format!("arn:aws:sts::{prod}:assumed-role/ReadOnly/")),
        "the organisation's role keeps its id: {org}"
    );
}

/// Runs `cmd` to its end, approving every device code at the emulator meanwhile.
fn run_approving(mut cmd: Command, emu: &SsoEmu) -> std::process::Output {
    let mut child =
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start rolecall");
    let deadline = Instant::now() + Duration::from_secs(300);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "rolecall did not finish within 300 s");
        emu.approve_all();
        std::thread::sleep(Duration::from_millis(200));
    }
    child.wait_with_output().unwrap()
}

/// 700 accounts × 3 permission sets behind an Identity Center that throttles at 20 requests a
/// second while rolecall asks for more: every one of the 2100 targets is listed, no warning.
#[test]
fn seven_hundred_accounts_listed_through_throttling() {
    let emu = SsoEmu::big();
    let sb = sandbox(&emu, "[defaults]\nsso_token_cache = \"aws-cli\"\nsso_rate_limit = 60\nsso_concurrency = 16\n");
    emu.set_rate(20);
    emu.reset_stats();
    let started = Instant::now();
    let mut login = rolecall_std(&sb, &emu);
    login.args(["login", "--sso", &emu.session, "--device-code"]);
    let out = ok(run_approving(login, &emu), "rolecall login --sso (700 accounts)");
    let took = started.elapsed();
    assert!(!stderr(&out).contains("warning"), "no account left out: {}", stderr(&out));
    let stats = emu.stats();
    eprintln!("700 × 3 discovery at 20 requests/s: {took:?}, {stats}");
    assert!(stats["throttled"].as_u64().unwrap_or(0) > 0, "the emulator throttled: {stats}");
    assert_eq!(stats["ListAccountRoles"], 700, "one served ListAccountRoles per account: {stats}");

    let kinds = list_kinds(&sb, &emu, None);
    let sso: Vec<&String> = kinds.iter().filter(|(_, k)| *k == "sso").map(|(t, _)| t).collect();
    // Two of them are the profiles sso-admin and sso-ro, merged with their targets.
    assert!(sso.len() >= 2098, "{} SSO targets of 2100", sso.len());
    for account in emu.accounts().iter().step_by(97) {
        let name = account["accountName"].as_str().unwrap();
        for ps in ["AdministratorAccess", "ReadOnly", "PowerUserAccess"] {
            let id = format!("{name}/{ps}");
            assert!(kinds.contains_key(&id) || account == &emu.accounts()[0], "{id} is listed");
        }
    }
    // Listing again reads the kept discovery: no portal request.
    emu.reset_stats();
    list_kinds(&sb, &emu, None);
    assert_eq!(emu.stat("ListAccounts") + emu.stat("ListAccountRoles"), 0, "{}", emu.stats());
}

/// A tmux server of its own for the TUI, killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn new() -> Self {
        Self { socket: common::unique("rolecall-sso-tui-") }
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux (scripts/test installs it)");
        assert!(out.status.success(), "tmux {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", "t", "-l", text]);
    }

    fn key(&self, key: &str) {
        self.run(&["send-keys", "-t", "t", key]);
    }

    fn wait_for(&self, want: &str) -> String {
        let start = Instant::now();
        loop {
            let screen = self.run(&["capture-pane", "-t", "t", "-p", "-J"]);
            if screen.contains(want) {
                return screen;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "waited 30 s for {want:?}; the screen is:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["-L", &self.socket, "-f", "/dev/null", "kill-server"]).output();
    }
}

/// The TUI in tmux: a permission set found by search, assumed with Enter (the token the AWS CLI
/// left), a shell in it that is the AWSReservedSSO role, and back.
#[test]
fn tui_finds_a_permission_set_assumes_it_and_opens_a_shell() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "[defaults]\nstore = \"none\"\nsso_token_cache = \"aws-cli\"\n");
    emu.write_cli_cache(sb.home(), Duration::from_secs(4 * 3600));
    // The token is valid: login signs nobody in, and lists the accounts for the catalog.
    ok(
        rolecall(&sb, &emu).args(["login", "--sso", &emu.session]).timeout(Duration::from_secs(60)).output().unwrap(),
        "login",
    );
    let dev = emu.account("payments-dev")["accountId"].as_str().unwrap().to_owned();
    let role = emu.role_name(&dev, "DataScientist");

    let tmux = Tmux::new();
    let home = sb.home().display().to_string();
    let venv_bin = aws_cli().parent().unwrap().display().to_string();
    let mut env = vec![
        format!("HOME={home}"),
        format!("AWS_CONFIG_FILE={home}/.aws/config"),
        format!("AWS_SHARED_CREDENTIALS_FILE={home}/.aws/credentials"),
        format!("ROLECALL_CONFIG={home}/rolecall.toml"),
        format!("ROLECALL_CACHE_DIR={home}/cache"),
        format!("PATH={venv_bin}:/usr/bin:/bin"),
        "SHELL=/bin/sh".to_owned(),
        "TERM=xterm-256color".to_owned(),
        "AWS_EC2_METADATA_DISABLED=true".to_owned(),
    ];
    env.extend(emu.env().into_iter().map(|(k, v)| format!("{k}={v}")));
    let bin = assert_cmd::cargo::cargo_bin("rolecall").display().to_string();
    let mut args: Vec<String> = ["new-session", "-d", "-s", "t", "-x", "140", "-y", "36"].map(String::from).to_vec();
    for e in env {
        args.extend(["-e".to_owned(), e]);
    }
    args.push(format!("{bin}; echo rolecall-exited-$?; sleep 30"));
    tmux.run(&args.iter().map(String::as_str).collect::<Vec<_>>());

    tmux.wait_for("payments-dev/DataScientist");
    tmux.text("devDataSci");
    let screen = tmux.wait_for("› devDataSci");
    let first_row = screen.lines().nth(2).unwrap_or_default();
    assert!(first_row.contains("payments-dev/DataScientist"), "best match first:\n{screen}");
    tmux.key("Enter");
    tmux.wait_for(&format!("arn:aws:sts::{dev}:assumed-role/{role}/"));
    assert_eq!(emu.stat("GetRoleCredentials"), 1, "{}", emu.stats());

    tmux.text("s");
    tmux.wait_for("rolecall: shell as");
    tmux.text("aws sts get-caller-identity --query Arn --output text");
    tmux.key("Enter");
    tmux.wait_for(&format!("\narn:aws:sts::{dev}:assumed-role/{role}/"));
    tmux.text("exit");
    tmux.key("Enter");
    tmux.wait_for("back in rolecall");
    tmux.key("C-c");
    tmux.wait_for("rolecall-exited-0");
}

/// The TUI with no token: Enter on an Identity Center profile starts a device-code sign-in
/// (no browser here) and shows its code; once the code is approved at the emulator, as the person
/// in the browser would, the role is assumed.
#[test]
fn tui_signs_in_with_a_device_code_when_there_is_no_token() {
    let emu = SsoEmu::private(0);
    let sb = sandbox(&emu, "[defaults]\nstore = \"none\"\nsso_token_cache = \"aws-cli\"\n");
    let account = first_account(&emu);
    let role = emu.role_name(&account, "ReadOnly");
    let tmux = Tmux::new();
    let home = sb.home().display().to_string();
    let mut env = vec![
        format!("HOME={home}"),
        format!("AWS_CONFIG_FILE={home}/.aws/config"),
        format!("AWS_SHARED_CREDENTIALS_FILE={home}/.aws/credentials"),
        format!("ROLECALL_CONFIG={home}/rolecall.toml"),
        format!("ROLECALL_CACHE_DIR={home}/cache"),
        "PATH=/usr/bin:/bin".to_owned(),
        "SHELL=/bin/sh".to_owned(),
        "TERM=xterm-256color".to_owned(),
        "AWS_EC2_METADATA_DISABLED=true".to_owned(),
    ];
    env.extend(emu.env().into_iter().map(|(k, v)| format!("{k}={v}")));
    let bin = assert_cmd::cargo::cargo_bin("rolecall").display().to_string();
    let mut args: Vec<String> = ["new-session", "-d", "-s", "t", "-x", "140", "-y", "36"].map(String::from).to_vec();
    for e in env {
        args.extend(["-e".to_owned(), e]);
    }
    args.push(format!("{bin}; echo rolecall-exited-$?; sleep 30"));
    tmux.run(&args.iter().map(String::as_str).collect::<Vec<_>>());

    tmux.wait_for("sso-ro");
    tmux.text("sso-ro");
    tmux.wait_for("› sso-ro");
    tmux.key("Enter");
    let deadline = Instant::now() + Duration::from_secs(30);
    let code = loop {
        if let Some(code) = emu.pending().pop() {
            break code;
        }
        assert!(Instant::now() < deadline, "no device authorization started");
        std::thread::sleep(Duration::from_millis(100));
    };
    tmux.wait_for(&code);
    assert_eq!(emu.stat("GetRoleCredentials"), 0, "{}", emu.stats());
    assert_eq!(emu.approve(&code), 1);
    tmux.wait_for(&format!("arn:aws:sts::{account}:assumed-role/{role}/"));
    assert_eq!(emu.stat("issued.device_code"), 1, "{}", emu.stats());
    assert!(emu.cli_cache_path(sb.home()).exists(), "the token is kept (aws-cli mode)");
    tmux.key("C-c");
    tmux.wait_for("rolecall-exited-0");
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
