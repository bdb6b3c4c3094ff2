#![cfg(feature = "e2e")]
//! End to end against the local IAM Identity Center emulator (`scripts/sso_emulator.py`, started
//! by scripts/test next to moto): the harness itself (the headless browser, the AWS CLI's token
//! cache), then rolecall's sign-in, discovery and credentials.

mod common;

use std::io::Read;
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use common::sso::{SCOPE, SsoEmu, browser_follow, request};
use common::{Sandbox, aws_cli, ok, stdout};
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
