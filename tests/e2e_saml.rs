#![cfg(feature = "e2e")]
//! End to end against the local SAML IdP (`scripts/saml_idp.py`) and the STS stand-in that
//! checks `AssumeRoleWithSAML` in front of moto (`scripts/saml_standin.py`), both started by
//! scripts/test: rolecall's assertion reader on every kind of assertion the IdP can send, and
//! the Rust SDK's `AssumeRoleWithSAML` with the pairs it read, each proved by `GetCallerIdentity`;
//! rolecall's `saml::sts::assume` capping the duration and falling back to an hour.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Mutex;
use std::time::Duration;

use aws_sdk_sts::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_sts::error::ProvideErrorMetadata;
use rolecall::saml::{Assertion, AssertionError, SamlResponse, parse};
use serde_json::Value;

/// The IdP's "next assertion" switch is shared: one test at a time changes it.
static IDP: Mutex<()> = Mutex::new(());

fn env(var: &str) -> String {
    std::env::var(var)
        .unwrap_or_else(|_| panic!("{var} is not set: run these tests through scripts/test, which starts the SAML IdP"))
}

fn world() -> Value {
    let path = env("ROLECALL_TEST_SAML_WORLD");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// One HTTP/1.1 request to a loopback server: (status, body).
fn http(base: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let host = base.strip_prefix("http://").expect("an http URL");
    let mut stream = TcpStream::connect(host).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(body.as_bytes())).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    (head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status"), body.to_owned())
}

/// A fresh assertion from the IdP, saying what `mode` asks (scripts/saml_idp.py's modes).
fn assertion(mode: &str) -> SamlResponse {
    let idp = env("ROLECALL_TEST_SAML_IDP_URL");
    let _one_at_a_time = IDP.lock().unwrap_or_else(|e| e.into_inner());
    let (status, _) = http(&idp, "POST", "/__idp/next", &format!(r#"{{"mode": "{mode}", "count": 200}}"#));
    assert_eq!(status, 200, "mode {mode}");
    let (status, body) = http(&idp, "GET", "/__idp/assertion", "");
    assert_eq!(status, 200);
    SamlResponse::from(body)
}

fn read(mode: &str) -> Result<Assertion, AssertionError> {
    parse(assertion(mode), std::time::SystemTime::now())
}

#[test]
fn the_reader_takes_every_role_the_idp_grants_and_refuses_its_bad_assertions() {
    let world = world();
    let a = read("normal").unwrap();
    let granted: Vec<(String, String)> = world["roles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["roleArn"].as_str().unwrap().to_owned(), r["principalArn"].as_str().unwrap().to_owned()))
        .collect();
    let pairs: Vec<(String, String)> =
        a.roles().iter().map(|p| (p.role.as_str().to_owned(), p.provider.as_str().to_owned())).collect();
    assert_eq!(pairs, granted, "every pair, in either order in the assertion, the role first here");
    assert_eq!(a.role_session_name(), world["user"]["name"].as_str().unwrap());
    assert_eq!(a.session_duration(), Some(Duration::from_secs(28800)));
    assert!(a.is_valid_at(std::time::SystemTime::now()));

    assert_eq!(read("many-roles").unwrap().roles().len(), 200);
    let refused = [
        ("expired", "expired"),
        ("no-roles", "grants no AWS role"),
        ("hostile", "role value 8 of the SAML assertion"),
        ("dtd-bomb", "document type declaration"),
        ("xxe", "document type declaration"),
        ("huge", "AWS accepts at most 100000"),
        ("unsigned-roles", "holds 2 assertions"),
    ];
    for (mode, want) in refused {
        let message = read(mode).map(|_| ()).unwrap_err().to_string();
        assert!(message.contains(want), "{mode}: {message}");
        assert!(
            !message.contains(['\u{9b}', '\u{202e}']) && !message.contains("pwned"),
            "{mode}: hostile text in {message:?}"
        );
    }
}

fn sts(endpoint: &str, credentials: Option<Credentials>) -> aws_sdk_sts::Client {
    let mut conf = aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint);
    if let Some(c) = credentials {
        conf = conf.credentials_provider(c);
    }
    aws_sdk_sts::Client::from_conf(conf.build())
}

#[tokio::test]
async fn the_sdk_assumes_each_role_read_and_the_standin_refuses_a_pair_not_granted() {
    let endpoint = env("ROLECALL_TEST_SAML_STS_URL");
    let a = read("normal").unwrap();
    let client = sts(&endpoint, None);
    let wanted = ["SamlAdmin", "SamlDeveloper"];
    for pair in a.roles().iter().filter(|p| wanted.contains(&p.role.name())) {
        let out = client
            .assume_role_with_saml()
            .role_arn(pair.role.as_str())
            .principal_arn(pair.provider.as_str())
            .saml_assertion(a.response().expose())
            .duration_seconds(3600)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {:?}", pair.role, e.code()));
        let c = out.credentials().expect("credentials");
        let keys = Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_owned()),
            None,
            "saml",
        );
        let me = sts(&endpoint, Some(keys)).get_caller_identity().send().await.unwrap();
        let want =
            format!("arn:aws:sts::{}:assumed-role/{}/{}", pair.role.account(), pair.role.name(), a.role_session_name());
        assert_eq!(me.arn(), Some(want.as_str()));
    }
    // A role of one account with the provider of another: in neither assertion pair.
    let (first, other) = (&a.roles()[0], a.roles().iter().find(|p| p.provider != a.roles()[0].provider).unwrap());
    let err = client
        .assume_role_with_saml()
        .role_arn(first.role.as_str())
        .principal_arn(other.provider.as_str())
        .saml_assertion(a.response().expose())
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("AccessDenied"));
}

#[tokio::test]
async fn rolecall_caps_the_duration_by_session_duration_and_falls_back_to_an_hour_below_the_roles_maximum() {
    use rolecall::saml::sts::assume;
    let endpoint = env("ROLECALL_TEST_SAML_STS_URL");
    let a = read("normal").unwrap();
    let client = sts(&endpoint, None);
    let pair = |role: &str| a.roles().iter().find(|p| p.role.name() == role).unwrap();
    // SamlAdmin allows 12 h; the assertion's SessionDuration (8 h) caps what is asked.
    let admin = assume(&client, &a, pair("SamlAdmin"), 43200).await.unwrap();
    assert_eq!((admin.duration, admin.fell_back), (28800, false));
    // SamlDeveloper allows 1 h: AWS refuses 2 h, the retry at 1 h succeeds.
    let dev = assume(&client, &a, pair("SamlDeveloper"), 7200).await.unwrap();
    assert_eq!((dev.duration, dev.fell_back), (3600, true));
    for (session, role) in [(admin, "SamlAdmin"), (dev, "SamlDeveloper")] {
        let me = sts(&endpoint, Some(session.credentials.to_sdk())).get_caller_identity().send().await.unwrap();
        let want = format!("arn:aws:sts::{}:assumed-role/{role}/{}", pair(role).role.account(), a.role_session_name());
        assert_eq!(me.arn(), Some(want.as_str()));
    }
}

#[tokio::test]
async fn an_assertion_from_a_command_is_read_and_assumed() {
    let idp = env("ROLECALL_TEST_SAML_IDP_URL");
    let python = env("ROLECALL_TEST_PYTHON");
    // ?mode= leaves the IdP's shared "next assertion" switch alone.
    let cmd = format!(
        "'{python}' -c 'import urllib.request; print(urllib.request.urlopen(\"{idp}/__idp/assertion?mode=normal\", timeout=10).read().decode())'"
    );
    let response = rolecall::saml::source::from_command(&cmd, Duration::from_secs(30)).await.unwrap();
    let a = parse(response, std::time::SystemTime::now()).unwrap();
    let pair = a.roles().iter().find(|p| p.role.name() == "SamlAdmin").unwrap();
    let endpoint = env("ROLECALL_TEST_SAML_STS_URL");
    let session = rolecall::saml::sts::assume(&sts(&endpoint, None), &a, pair, 3600).await.unwrap();
    let me = sts(&endpoint, Some(session.credentials.to_sdk())).get_caller_identity().send().await.unwrap();
    let want = format!("arn:aws:sts::{}:assumed-role/SamlAdmin/{}", pair.role.account(), a.role_session_name());
    assert_eq!(me.arn(), Some(want.as_str()));
}
