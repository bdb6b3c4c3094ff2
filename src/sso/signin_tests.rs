//! Token lifecycle against mocked OIDC/portal answers (aws-smithy-mocks):
//! refresh near expiry written back where the token came from, one refresh
//! for many concurrent callers, the end of a session, device code polling.

use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_ssooidc::operation::create_token::{CreateTokenError, CreateTokenOutput};
use aws_sdk_ssooidc::operation::register_client::RegisterClientOutput;
use aws_sdk_ssooidc::operation::start_device_authorization::StartDeviceAuthorizationOutput;
use aws_sdk_ssooidc::types::error::{AuthorizationPendingException, InvalidGrantException};
use aws_smithy_mocks::{MockResponse, Rule, RuleMode, mock, mock_client};

use super::*;
use crate::config::settings::SsoTokenCache;
use crate::paths;
use crate::sso::{client, token};
use crate::store::memory::MemoryStore;

fn session() -> SsoSession {
    SsoSession {
        name: Some("acme".into()),
        start_url: "https://acme.awsapps.com/start".into(),
        region: "eu-west-1".into(),
        scopes: vec!["sso:account:access".into()],
    }
}

fn token_json(access: &str, secs: u64) -> String {
    format!(
        r#"{{"startUrl":"https://acme.awsapps.com/start","region":"eu-west-1","accessToken":"{access}","expiresAt":"{}",
        "refreshToken":"RT","clientId":"cid","clientSecret":"cs","registrationExpiresAt":"2099-01-01T00:00:00Z"}}"#,
        time::rfc3339_unix(time::now_unix() + secs)
    )
}

struct Fixture {
    _dir: tempfile::TempDir,
    tokens: Arc<Tokens>,
    home: std::path::PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let tokens = Arc::new(Tokens::new(
        Arc::new(MemoryStore::default()),
        Some(home.clone()),
        &dir.path().join("cache"),
        Duration::from_secs(10),
        SsoTokenCache::Keyring,
    ));
    Fixture { _dir: dir, tokens, home }
}

fn access(f: &Fixture, rules: &[&Rule], interaction: Interaction) -> Access {
    let oidc = mock_client!(aws_sdk_ssooidc, RuleMode::MatchAny, rules.iter().copied());
    let portal = mock_client!(aws_sdk_sso, RuleMode::MatchAny, []);
    Access::new(
        session(),
        f.tokens.clone(),
        Clients::from_parts(oidc, portal),
        Env::from_slice(&[]),
        interaction,
        Duration::from_secs(15 * 60),
        Duration::from_secs(30),
    )
}

#[tokio::test]
async fn a_token_near_expiry_is_refreshed_once_for_many_callers_and_written_back_to_the_cli_file() {
    let f = fixture();
    let file = token::cli_cache_file(&f.home, &session());
    paths::write_private_atomic(&file, token_json("OLD", 300).as_bytes()).unwrap();
    let refreshes = Arc::new(AtomicUsize::new(0));
    let counter = refreshes.clone();
    let refresh = mock!(aws_sdk_ssooidc::Client::create_token)
        .match_requests(|r| r.grant_type() == Some("refresh_token") && r.refresh_token() == Some("RT"))
        .then_compute_output(move |r| {
            assert_eq!((r.client_id(), r.client_secret()), (Some("cid"), Some("cs")));
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(50));
            CreateTokenOutput::builder().access_token("NEW").expires_in(3600).build()
        });
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let a = access(&f, &[&refresh], Interaction::Never("test".into()));
        tasks.push(tokio::spawn(async move { a.token(false).await.map(|t| t.access().to_owned()) }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap(), "NEW");
    }
    assert_eq!(refreshes.load(Ordering::SeqCst), 1, "one refresh for twenty callers");
    let written = token::from_json(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(written.access(), "NEW");
    assert_eq!(written.refresh_token.as_ref().map(|t| t.expose_secret().to_owned()).as_deref(), Some("RT"));
}

#[tokio::test]
async fn an_ended_session_without_a_person_names_the_login_command() {
    let f = fixture();
    f.tokens.save(&session(), &token::from_json(&token_json("OLD", 0)).unwrap(), Origin::Keyring, true).unwrap();
    let refused = mock!(aws_sdk_ssooidc::Client::create_token).then_error(|| {
        CreateTokenError::InvalidGrantException(InvalidGrantException::builder().message("revoked").build())
    });
    let a = access(&f, &[&refused], Interaction::Never("there is no terminal to sign in on".into()));
    let err = a.token(false).await.unwrap_err();
    assert_eq!(err.exit_code(), 3);
    let text = err.to_string();
    assert!(text.contains("has ended") && text.contains("rolecall login --sso acme"), "{text}");
}

#[tokio::test]
async fn device_code_sign_in_polls_until_approved_and_keeps_the_registration() {
    let f = fixture();
    let register = mock!(aws_sdk_ssooidc::Client::register_client).then_compute_output(|r| {
        assert_eq!(r.client_type(), Some("public"));
        assert_eq!(r.scopes(), ["sso:account:access".to_owned()]);
        assert!(r.grant_types().contains(&client::DEVICE_GRANT.to_owned()));
        RegisterClientOutput::builder()
            .client_id("cid")
            .client_secret("cs")
            .client_secret_expires_at(i64::try_from(time::now_unix() + 90 * 86_400).unwrap())
            .build()
    });
    let start = mock!(aws_sdk_ssooidc::Client::start_device_authorization).then_output(|| {
        StartDeviceAuthorizationOutput::builder()
            .device_code("DC")
            .user_code("ABCD-EFGH")
            .verification_uri_complete("https://device.sso/?user_code=ABCD-EFGH")
            .expires_in(600)
            .interval(1)
            .build()
    });
    let polls = Arc::new(AtomicUsize::new(0));
    let counter = polls.clone();
    let poll = mock!(aws_sdk_ssooidc::Client::create_token)
        .match_requests(|r| r.grant_type() == Some(client::DEVICE_GRANT) && r.device_code() == Some("DC"))
        .then_compute_response(move |_| {
            if counter.fetch_add(1, Ordering::SeqCst) == 0 {
                MockResponse::Error(CreateTokenError::AuthorizationPendingException(
                    AuthorizationPendingException::builder().build(),
                ))
            } else {
                MockResponse::Output(
                    CreateTokenOutput::builder().access_token("AT").refresh_token("RT2").expires_in(3600).build(),
                )
            }
        });
    let said = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let sink = said.clone();
    let say: Arc<dyn Fn(&str) + Send + Sync> = Arc::new(move |s: &str| sink.lock().unwrap().push(s.to_owned()));
    let a = access(&f, &[&register, &start, &poll], Interaction::Allowed { flow: SignInFlow::DeviceCode, say });
    let t = a.token(false).await.unwrap();
    assert_eq!(t.access(), "AT");
    assert_eq!(polls.load(Ordering::SeqCst), 2);
    let said = said.lock().unwrap().join("\n");
    assert!(said.contains("ABCD-EFGH") && said.contains("https://device.sso/"), "{said}");
    assert!(!said.contains("AT\"") && !said.contains("RT2") && !said.contains("DC"), "no secret is shown: {said}");
    // Kept in the keyring (the default), with its registration for next time.
    assert_eq!(f.tokens.from_keyring(&session()).unwrap().unwrap().access(), "AT");
    assert!(f.tokens.registration(&session(), "device").unwrap().is_some());
    assert_eq!(f.tokens.note(&session()).unwrap().origin, Origin::Keyring);
}

/// Only a web page named by the service is handed to a browser command.
#[test]
fn only_web_urls_are_opened() {
    for (url, web) in [
        ("https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH", true),
        ("HTTP://127.0.0.1:8080/device", true),
        ("file:///etc/passwd", false),
        ("--new-window=evil", false),
        ("javascript:alert(1)", false),
        ("", false),
    ] {
        assert_eq!(is_web_url(url), web, "{url}");
    }
}
