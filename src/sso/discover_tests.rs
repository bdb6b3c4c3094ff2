//! Discovery against mocked portal answers (aws-smithy-mocks): paging, every
//! account listed despite throttling, the pace, and the cache file.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

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

/// How the mocked portal throttles `ListAccountRoles`.
#[derive(Clone, Copy)]
enum Throttle {
    /// Never.
    Never,
    /// Every call.
    Always,
    /// The first this many calls.
    First(usize),
    /// Above this many calls a second (a token bucket with bursts of a tenth of it), as Identity Center does.
    Rate(f64),
}

/// A token bucket on the real clock: whether a call at `now` goes through.
struct Bucket {
    rate: f64,
    tokens: f64,
    at: std::time::Instant,
}

impl Bucket {
    fn take(&mut self) -> bool {
        let now = std::time::Instant::now();
        let burst = (self.rate / 10.0).max(1.0);
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * self.rate).min(burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return true;
        }
        false
    }
}

fn clients(accounts: usize, throttle: Throttle) -> (Clients, Arc<AtomicUsize>) {
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
    let bucket = std::sync::Mutex::new(Bucket { rate: 0.0, tokens: 0.0, at: std::time::Instant::now() });
    let roles = mock!(aws_sdk_sso::Client::list_account_roles).then_compute_response(move |r| {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let throttled = match throttle {
            Throttle::Never => false,
            Throttle::Always => true,
            Throttle::First(first) => n < first,
            Throttle::Rate(rate) => {
                let mut b = bucket.lock().unwrap();
                if b.rate != rate {
                    *b = Bucket { rate, tokens: (rate / 10.0).max(1.0), at: std::time::Instant::now() };
                }
                !b.take()
            }
        };
        if throttled {
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
    // The first 12 requests are throttled (whatever the pace: this does not depend on the machine's speed).
    let (c, calls) = clients(230, Throttle::First(12));
    let pace = Pace { rate: 1000, concurrency: 8, attempts: 12, backoff: Duration::from_millis(2) };
    let snap = discover(&c, &session(), "AT", pace).await.unwrap();
    assert_eq!(snap.accounts.len(), 230, "three pages of accounts, none dropped");
    assert!(snap.accounts.iter().all(|a| a.roles == vec!["Admin", "ReadOnly"]));
    assert_eq!(snap.accounts[0].name, "acct-0000");
    assert_eq!(calls.load(Ordering::SeqCst), 242, "the 12 throttled calls were retried");
}

#[tokio::test]
async fn the_pace_settles_below_the_portals_limit_instead_of_hammering_it() {
    // Starting at 1000 requests a second against a portal that allows 300: the
    // pace is cut to what the portal allows, so few requests are throttled.
    let (c, calls) = clients(300, Throttle::Rate(300.0));
    let pace = Pace { rate: 1000, concurrency: 8, attempts: 12, backoff: Duration::from_millis(2) };
    let snap = discover(&c, &session(), "AT", pace).await.unwrap();
    assert_eq!(snap.accounts.len(), 300);
    let throttled = calls.load(Ordering::SeqCst) - 300;
    eprintln!("throttled {throttled} of 300");
    assert!(throttled < 30, "{throttled} of 300 requests were throttled");
}

#[tokio::test]
async fn the_pace_holds_the_rate() {
    let (c, _) = clients(20, Throttle::Never);
    let start = Instant::now();
    let pace = Pace { rate: 50, concurrency: 8, attempts: 3, backoff: Duration::from_millis(2) };
    discover(&c, &session(), "AT", pace).await.unwrap();
    // 21 requests 20 ms apart: at least 400 ms.
    assert!(start.elapsed() >= Duration::from_millis(390), "{:?}", start.elapsed());
}

#[tokio::test]
async fn giving_up_is_an_error_not_a_short_list() {
    let (c, _) = clients(3, Throttle::Always);
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
