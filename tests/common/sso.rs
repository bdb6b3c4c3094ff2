//! The local IAM Identity Center emulator (`scripts/sso_emulator.py`) that `scripts/test` starts
//! twice: a small one whose accounts are the organisation's (`ROLECALL_TEST_SSO_URL`,
//! `ROLECALL_TEST_SSO_WORLD`) and a throttled one with 700 accounts × 3 permission sets
//! (`ROLECALL_TEST_SSO_BIG_URL`, `ROLECALL_TEST_SSO_BIG_WORLD`). Tests that count requests
//! start a private one ([`SsoEmu::private`]) so that other tests running at the same time do
//! not add to the counts.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{Value, json};

use super::{Sandbox, aws_cli, ok, stdout};

/// The scope that makes Identity Center hand out refresh tokens.
pub const SCOPE: &str = "sso:account:access";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// One running emulator and the world it serves.
pub struct SsoEmu {
    /// `http://127.0.0.1:PORT`: both sso-oidc and the portal.
    pub url: String,
    /// The `[sso-session NAME]` the configs of this handle use: `acme…`, unique to it, because
    /// tokens and client registrations are kept per session name in the one test keyring.
    pub session: String,
    /// `{"startUrl", "region", "accounts": [{"accountId", "accountName", "emailAddress", "roles", "roleArns"}]}`.
    pub world: Value,
    world_path: PathBuf,
    child: Option<Child>,
    _log: Option<tempfile::NamedTempFile>,
}

fn env(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| {
        panic!("{var} is not set: run the SSO tests through scripts/test, which starts the Identity Center emulator")
    })
}

impl SsoEmu {
    fn shared(url_var: &str, world_var: &str) -> Self {
        let world_path = PathBuf::from(env(world_var));
        let text = std::fs::read_to_string(&world_path)
            .unwrap_or_else(|e| panic!("{world_var}='{}': {e}", world_path.display()));
        Self {
            url: env(url_var),
            world: serde_json::from_str(&text).expect("SSO world JSON"),
            world_path,
            session: super::unique("acme"),
            child: None,
            _log: None,
        }
    }

    /// The shared small emulator (the organisation's accounts; 100 portal requests a second).
    pub fn small() -> Self {
        Self::shared("ROLECALL_TEST_SSO_URL", "ROLECALL_TEST_SSO_WORLD")
    }

    /// The shared big emulator: 700 accounts × 3 permission sets, throttled at 20 requests a second.
    pub fn big() -> Self {
        Self::shared("ROLECALL_TEST_SSO_BIG_URL", "ROLECALL_TEST_SSO_BIG_WORLD")
    }

    /// An emulator of the small world for this test alone (stopped when dropped).
    /// `rate`: portal requests a second (0: no limit).
    pub fn private(rate: u32) -> Self {
        Self::private_with(&Self::small().world_path, rate, None)
    }

    /// A private emulator for `world` with the given rate and access token lifetime.
    pub fn private_with(world: &Path, rate: u32, token_ttl: Option<u64>) -> Self {
        let text = std::fs::read_to_string(world).unwrap_or_else(|e| panic!("{}: {e}", world.display()));
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = tempfile::NamedTempFile::new().unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/sso_emulator.py");
        let mut cmd = std::process::Command::new(env("ROLECALL_TEST_PYTHON"));
        cmd.arg(script)
            .args(["--port", &port.to_string(), "--moto", &env("MOTO_URL"), "--rate", &rate.to_string()])
            .arg("--world")
            .arg(world)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log.reopen().unwrap());
        if let Some(ttl) = token_ttl {
            cmd.args(["--token-ttl", &ttl.to_string()]);
        }
        let child = cmd.spawn().expect("start scripts/sso_emulator.py");
        let emu = Self {
            url: format!("http://127.0.0.1:{port}"),
            world: serde_json::from_str(&text).expect("SSO world JSON"),
            world_path: world.to_owned(),
            session: super::unique("acme"),
            child: Some(child),
            _log: Some(log),
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        while request(&emu.url, "GET", "/__emu/stats", None, &[]).is_err() {
            assert!(Instant::now() < deadline, "the private SSO emulator did not start on {}", emu.url);
            std::thread::sleep(Duration::from_millis(100));
        }
        emu
    }

    pub fn world_path(&self) -> &Path {
        &self.world_path
    }

    pub fn start_url(&self) -> String {
        self.world["startUrl"].as_str().expect("world startUrl").to_owned()
    }

    pub fn region(&self) -> String {
        self.world["region"].as_str().expect("world region").to_owned()
    }

    pub fn accounts(&self) -> Vec<Value> {
        self.world["accounts"].as_array().expect("world accounts").clone()
    }

    /// The account named `name` in the world.
    pub fn account(&self, name: &str) -> Value {
        self.accounts()
            .into_iter()
            .find(|a| a["accountName"] == name)
            .unwrap_or_else(|| panic!("no SSO account '{name}'"))
    }

    /// The AWSReservedSSO role ARN that GetRoleCredentials assumes for an account id and permission set.
    pub fn role_arn(&self, account_id: &str, permission_set: &str) -> String {
        let account =
            self.accounts().into_iter().find(|a| a["accountId"] == account_id).expect("account in the SSO world");
        account["roleArns"][permission_set].as_str().expect("permission set in the SSO world").to_owned()
    }

    /// The role name in the assumed-role ARN that `GetCallerIdentity` shows for it.
    pub fn role_name(&self, account_id: &str, permission_set: &str) -> String {
        self.role_arn(account_id, permission_set).rsplit('/').next().unwrap().to_owned()
    }

    fn admin(&self, path: &str, body: Value) -> Value {
        request(&self.url, "POST", path, Some(&body), &[]).unwrap_or_else(|e| panic!("{path} on {}: {e}", self.url))
    }

    /// Approves every pending device authorization.
    pub fn approve_all(&self) -> u64 {
        self.admin("/__emu/approve", json!({"all": true}))["changed"].as_u64().unwrap_or(0)
    }

    pub fn approve(&self, user_code: &str) -> u64 {
        self.admin("/__emu/approve", json!({ "userCode": user_code }))["changed"].as_u64().unwrap_or(0)
    }

    /// The user codes of device authorizations waiting for approval.
    pub fn pending(&self) -> Vec<String> {
        let all = request(&self.url, "GET", "/__emu/pending", None, &[]).unwrap_or_else(|e| panic!("pending: {e}"));
        all["userCodes"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect()
    }

    pub fn deny_all(&self) {
        self.admin("/__emu/deny", json!({"all": true}));
    }

    /// Every access token handed out so far stops working now.
    pub fn expire_access(&self) {
        self.admin("/__emu/expire", json!({"access": true}));
    }

    /// Every refresh token handed out so far stops working (the sign-in session ended).
    pub fn expire_refresh(&self) {
        self.admin("/__emu/expire", json!({"refresh": true}));
    }

    /// An administrator ends every sign-in session: access and refresh tokens handed out so far
    /// are refused (401 at the portal, `invalid_grant` for a refresh) although they look valid.
    pub fn revoke_all(&self) {
        self.admin("/__emu/revoke", json!({}));
    }

    /// The next `count` visits of /authorize come back to the callback with `error=access_denied`.
    pub fn deny_authorize(&self, count: u32) {
        self.admin("/__emu/deny-authorize", json!({ "count": count }));
    }

    /// The next `count` device-code polls get `slow_down` whatever their pace.
    pub fn slow_down(&self, count: u32) {
        self.admin("/__emu/slow-down", json!({ "count": count }));
    }

    /// Every client registration stops working (as when it expires).
    pub fn expire_clients(&self) {
        self.admin("/__emu/expire", json!({"clients": true}));
    }

    /// Portal requests a second before 429 TooManyRequestsException (0: no limit).
    pub fn set_rate(&self, rate: u32) {
        self.admin("/__emu/rate", json!({ "rate": rate }));
    }

    /// Access tokens issued from now on live `seconds` (a token that expires within the
    /// clients' refresh window makes the next use refresh it).
    pub fn set_token_ttl(&self, seconds: u64) {
        self.admin("/__emu/token-ttl", json!({ "seconds": seconds }));
    }

    /// Counts per operation: `RegisterClient`, `StartDeviceAuthorization`, `CreateToken`,
    /// `CreateToken.device_code|authorization_code|refresh_token` (requests),
    /// `issued.<grant>` (tokens handed out), `refreshed-by.<clientName>` (`test-cli` for the
    /// registration of [`SsoEmu::write_cli_cache`]), `Authorize`, `ListAccounts`, `ListAccountRoles`,
    /// `GetRoleCredentials`, `GetRoleCredentials.targets` (`{"ACCOUNT/PS": n}`), `Logout`,
    /// `throttled`, `throttled.<operation>`, and the current `rate`.
    pub fn stats(&self) -> Value {
        request(&self.url, "GET", "/__emu/stats", None, &[]).unwrap_or_else(|e| panic!("stats from {}: {e}", self.url))
    }

    /// Every access token, refresh token and client secret this emulator handed out.
    pub fn secrets(&self) -> Vec<String> {
        let all = request(&self.url, "GET", "/__emu/secrets", None, &[]).unwrap_or_else(|e| panic!("secrets: {e}"));
        all["secrets"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect()
    }

    /// One count from [`SsoEmu::stats`] (0 when absent).
    pub fn stat(&self, key: &str) -> u64 {
        self.stats()[key].as_u64().unwrap_or(0)
    }

    pub fn reset_stats(&self) {
        self.admin("/__emu/reset-stats", json!({}));
    }

    /// An AWS config: `[sso-session SESSION]` and the profiles `sso-admin` (AdministratorAccess)
    /// and `sso-ro` (ReadOnly) in the world's first account.
    pub fn config_text(&self) -> String {
        let first = &self.accounts()[0];
        let account = first["accountId"].as_str().unwrap();
        format!(
            "[sso-session {session}]\nsso_start_url = {start}\nsso_region = {region}\nsso_registration_scopes = {SCOPE}\n\n\
             [profile sso-admin]\nsso_session = {session}\nsso_account_id = {account}\nsso_role_name = AdministratorAccess\nregion = us-east-1\n\n\
             [profile sso-ro]\nsso_session = {session}\nsso_account_id = {account}\nsso_role_name = ReadOnly\nregion = us-east-1\n",
            session = self.session,
            start = self.start_url(),
            region = self.region(),
        )
    }

    /// Appends [`SsoEmu::config_text`] to `home/.aws/config` (creating it).
    pub fn config_for(&self, home: &Path) {
        std::fs::create_dir_all(home.join(".aws")).unwrap();
        let path = home.join(".aws/config");
        let mut text = std::fs::read_to_string(&path).unwrap_or_default();
        text.push('\n');
        text.push_str(&self.config_text());
        std::fs::write(path, text).unwrap();
    }

    /// The environment a command needs to reach this emulator (and moto's STS).
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL_SSO_OIDC", self.url.clone()),
            ("AWS_ENDPOINT_URL_SSO", self.url.clone()),
            ("AWS_ENDPOINT_URL_STS", env("MOTO_URL")),
        ]
    }

    /// Signs in as the AWS CLI would (device code, approved here) and writes its token cache
    /// `home/.aws/sso/cache/<sha1(session)>.json`; `expires_in` sets `expiresAt`. Returns the file.
    pub fn write_cli_cache(&self, home: &Path, expires_in: Duration) -> PathBuf {
        let tokens = self.device_login();
        let path = self.cli_cache_path(home);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let at = |t: SystemTime| humantime::format_rfc3339_seconds(t).to_string();
        let now = SystemTime::now();
        let cache = json!({
            "startUrl": self.start_url(),
            "region": self.region(),
            "accessToken": tokens["accessToken"],
            "expiresAt": at(now + expires_in),
            "refreshToken": tokens["refreshToken"],
            "clientId": tokens["clientId"],
            "clientSecret": tokens["clientSecret"],
            "registrationExpiresAt": at(SystemTime::UNIX_EPOCH + Duration::from_secs(tokens["clientSecretExpiresAt"].as_u64().unwrap())),
        });
        std::fs::write(&path, serde_json::to_vec_pretty(&cache).unwrap()).unwrap();
        path
    }

    /// RegisterClient (with the refresh scope), StartDeviceAuthorization, approval, CreateToken:
    /// `{"accessToken", "refreshToken", "clientId", "clientSecret", "clientSecretExpiresAt"}`.
    pub fn device_login(&self) -> Value {
        let call = |path: &str, body: Value| {
            request(&self.url, "POST", path, Some(&body), &[]).unwrap_or_else(|e| panic!("{path} on {}: {e}", self.url))
        };
        let client =
            call("/client/register", json!({"clientName": "test-cli", "clientType": "public", "scopes": [SCOPE]}));
        let (id, secret) = (client["clientId"].clone(), client["clientSecret"].clone());
        let device = call(
            "/device_authorization",
            json!({"clientId": id, "clientSecret": secret, "startUrl": self.start_url()}),
        );
        self.approve(device["userCode"].as_str().unwrap());
        let mut token = call(
            "/token",
            json!({"clientId": id, "clientSecret": secret, "grantType": DEVICE_GRANT, "deviceCode": device["deviceCode"]}),
        );
        token["clientId"] = id;
        token["clientSecret"] = secret;
        token["clientSecretExpiresAt"] = client["clientSecretExpiresAt"].clone();
        token
    }

    /// The AWS CLI's token cache file for this session under `home`:
    /// `~/.aws/sso/cache/<sha1 hex of the session name>.json`.
    pub fn cli_cache_path(&self, home: &Path) -> PathBuf {
        use sha1::Digest;
        let digest = sha1::Sha1::digest(self.session.as_bytes());
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        home.join(".aws/sso/cache").join(format!("{hex}.json"))
    }

    /// ListAccounts with an access token, as a check of whether the token still works.
    pub fn token_works(&self, access_token: &str) -> bool {
        request(
            &self.url,
            "GET",
            "/assignment/accounts?max_result=1",
            None,
            &[("x-amz-sso_bearer_token", access_token)],
        )
        .is_ok()
    }
}

impl Drop for SsoEmu {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

// ---- running rolecall against an emulator ---------------------------------------------------

/// A sandbox whose AWS config has `[sso-session acme]` and the profiles `sso-admin`, `sso-ro`.
pub fn sandbox(emu: &SsoEmu, settings: &str) -> Sandbox {
    let sb = Sandbox::new(&emu.config_text(), "");
    sb.settings(settings);
    sb
}

/// rolecall in the sandbox, pointed at the emulator (and moto's STS).
pub fn rolecall(sb: &Sandbox, emu: &SsoEmu) -> assert_cmd::Command {
    let mut cmd = sb.rolecall(None);
    cmd.envs(emu.env());
    cmd
}

pub fn rolecall_std(sb: &Sandbox, emu: &SsoEmu) -> std::process::Command {
    let mut cmd = sb.rolecall_std(None);
    cmd.envs(emu.env());
    cmd
}

/// `rolecall login --sso acme --device-code`, approving the code at the emulator (as the person
/// in the browser would) until the command ends.
pub fn device_login(sb: &Sandbox, emu: &SsoEmu, extra: &[&str]) -> std::process::Output {
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
pub fn exec_identity(sb: &Sandbox, emu: &SsoEmu, target: &str) -> Value {
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
pub fn first_account(emu: &SsoEmu) -> String {
    emu.accounts()[0]["accountId"].as_str().unwrap().to_owned()
}

pub fn assert_is_role(ident: &Value, emu: &SsoEmu, account: &str, permission_set: &str) {
    let role = emu.role_name(account, permission_set);
    assert_eq!(ident["Account"], account, "{ident}");
    assert!(
        ident["Arn"].as_str().unwrap_or_default().starts_with(&format!("arn:aws:sts::{account}:assumed-role/{role}/")),
        "expected the {permission_set} role {role}: {ident}"
    );
}

/// Runs `cmd` to its end, approving every device code at the emulator meanwhile.
pub fn run_approving(mut cmd: std::process::Command, emu: &SsoEmu) -> std::process::Output {
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

/// `rolecall list --json`: target id → kind.
pub fn list_kinds(sb: &Sandbox, emu: &SsoEmu, endpoint: Option<&str>) -> BTreeMap<String, String> {
    let mut cmd = sb.rolecall(endpoint);
    cmd.envs(emu.env());
    let out =
        ok(cmd.args(["list", "--json"]).timeout(Duration::from_secs(300)).output().unwrap(), "rolecall list --json");
    let rows: Vec<Value> = serde_json::from_str(&stdout(&out)).unwrap_or_else(|e| panic!("{e}: {}", stdout(&out)));
    rows.iter()
        .map(|r| (r["target"].as_str().unwrap().to_owned(), r["kind"].as_str().unwrap_or_default().to_owned()))
        .collect()
}

/// `tests/fixtures/browser-follow`: the headless browser for the authorization-code sign-in
/// (use as `BROWSER`; it follows /authorize's redirect to rolecall's loopback callback).
pub fn browser_follow() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/browser-follow")
}

/// A plain HTTP/1.1 request to the emulator (one connection, closed after): the JSON body of a
/// 2xx answer, or `Err("STATUS body")`.
pub fn request(
    base: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> Result<Value, String> {
    let host = base.strip_prefix("http://").ok_or("not an http URL")?;
    let mut stream = TcpStream::connect(host).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    stream.set_write_timeout(Some(Duration::from_secs(30))).unwrap();
    let payload = body.map(|b| b.to_string()).unwrap_or_default();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
        payload.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(payload.as_bytes())).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").ok_or("no HTTP head")?;
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or("no HTTP status")?;
    if !(200..300).contains(&status) {
        return Err(format!("{status} {body}"));
    }
    serde_json::from_str(body).map_err(|e| format!("{e}: {body}"))
}
