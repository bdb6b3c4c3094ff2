//! Discovery against mocked portal answers (aws-smithy-mocks): paging, every
//! account listed despite throttling, the pace, and the cache file.

use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_sso::operation::list_account_roles::{ListAccountRolesError, ListAccountRolesOutput};
use aws_sdk_sso::operation::list_accounts::ListAccountsOutput;
use aws_sdk_sso::types::{AccountInfo, RoleInfo};
use aws_smithy_mocks::{MockResponse, RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;

use super::*;

fn session() -> SsoSession {
    SsoSession {
        name: Some("acme".into()),
        start_url: "https://acme.awsapps.com/start".into(),
        region: "eu-west-1".into(),
        scopes: vec![],
    }
}

fn clients(accounts: usize, throttle_every: usize) -> (Clients, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let list = mock!(aws_sdk_sso::Client::list_accounts).then_compute_output(move |r| {
        assert_eq!(r.access_token(), Some("AT"));
        let start: usize = r.next_token().and_then(|t| t.parse().ok()).unwrap_or(0);
        let end = (start + 100).min(accounts);
        let page: Vec<AccountInfo> = (start..end)
            .map(|i| {
                AccountInfo::builder()
                    .account_id(format!("{:012}", i))
                    .account_name(format!("acct-{i:04}"))
                    .email_address(format!("a{i}@x"))
                    .build()
            })
            .collect();
        let b = ListAccountsOutput::builder().set_account_list(Some(page));
        if end < accounts { b.next_token(end.to_string()).build() } else { b.build() }
    });
    let counter = calls.clone();
    let roles = mock!(aws_sdk_sso::Client::list_account_roles).then_compute_response(move |r| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        if throttle_every > 0 && n.is_multiple_of(throttle_every) {
            return MockResponse::Error(ListAccountRolesError::generic(
                ErrorMetadata::builder().code("TooManyRequestsException").message("slow down").build(),
            ));
        }
        let id = r.account_id().unwrap_or_default().to_owned();
        MockResponse::Output(
            ListAccountRolesOutput::builder()
                .role_list(RoleInfo::builder().account_id(&id).role_name("ReadOnly").build())
                .role_list(RoleInfo::builder().account_id(&id).role_name("Admin").build())
                .build(),
        )
    });
    let portal = mock_client!(aws_sdk_sso, RuleMode::MatchAny, [&list, &roles], |c| c
        .retry_config(aws_sdk_sso::config::retry::RetryConfig::disabled()));
    let oidc = mock_client!(aws_sdk_ssooidc, RuleMode::MatchAny, []);
    (Clients::from_parts(oidc, portal), calls)
}

#[tokio::test]
async fn every_account_is_listed_through_throttling() {
    let (c, calls) = clients(230, 3);
    let pace = Pace { rate: 1000, concurrency: 8, attempts: 12, backoff: Duration::from_millis(2) };
    let snap = discover(&c, &session(), "AT", pace).await.unwrap();
    assert_eq!(snap.accounts.len(), 230, "three pages of accounts, none dropped");
    assert!(snap.accounts.iter().all(|a| a.roles == vec!["Admin", "ReadOnly"]));
    assert_eq!(snap.accounts[0].name, "acct-0000");
    assert!(calls.load(Ordering::SeqCst) > 230, "throttled calls were retried");
}

#[tokio::test]
async fn the_pace_holds_the_rate() {
    let (c, _) = clients(20, 0);
    let start = Instant::now();
    let pace = Pace { rate: 50, concurrency: 8, attempts: 3, backoff: Duration::from_millis(2) };
    discover(&c, &session(), "AT", pace).await.unwrap();
    // 21 requests 20 ms apart: at least 400 ms.
    assert!(start.elapsed() >= Duration::from_millis(390), "{:?}", start.elapsed());
}

#[tokio::test]
async fn giving_up_is_an_error_not_a_short_list() {
    let (c, _) = clients(3, 1);
    let pace = Pace { rate: 1000, concurrency: 2, attempts: 2, backoff: Duration::from_millis(2) };
    let err = discover(&c, &session(), "AT", pace).await.unwrap_err();
    assert!(err.to_string().contains("TooManyRequestsException"), "{err}");
}

#[test]
fn backoff_grows_is_capped_and_jittered() {
    let first = Duration::from_millis(200);
    assert_eq!(backoff(first, 1, 0.0), Duration::from_millis(200));
    assert_eq!(backoff(first, 1, 1.0), Duration::from_millis(400));
    assert_eq!(backoff(first, 20, 1.0), Duration::from_millis(5000));
    assert!(backoff(first, 3, 0.5) > backoff(first, 2, 0.5));
}

#[test]
fn the_cache_round_trips_and_checks_its_session() {
    let dir = tempfile::tempdir().unwrap();
    let s = session();
    let snap = Snapshot {
        version: VERSION,
        session: "acme".into(),
        start_url: s.start_url.clone(),
        fetched_at: time::now_unix(),
        accounts: vec![SsoAccount { id: "1".repeat(12), name: "a".into(), email: "e".into(), roles: vec!["R".into()] }],
    };
    assert!(kept(dir.path()).is_empty());
    store(dir.path(), &s, &snap).unwrap();
    assert_eq!(kept(dir.path()), vec!["acme"]);
    assert_eq!(load(dir.path(), &s, Duration::from_secs(60)), Some((snap.clone(), true)));
    assert_eq!(load(dir.path(), &s, Duration::ZERO).map(|(_, fresh)| fresh), Some(false));
    let other = SsoSession { start_url: "https://other/start".into(), ..s };
    assert_eq!(load(dir.path(), &other, Duration::from_secs(60)), None);
}
