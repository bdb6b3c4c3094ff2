//! Discovery: every account the person can reach in an Identity Center
//! session (`ListAccounts`) and its permission sets (`ListAccountRoles`),
//! with bounded concurrency, an adaptive pace (`pace`: starts at the
//! rate limit, cut on throttling, regained while requests pass), and retries
//! with backoff and jitter on throttling, so no account is given up on. The
//! result (account metadata only, never a token) is cached like an
//! organisation snapshot: one JSON file per session, 0600, with a TTL.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

use super::SsoError;
use super::client::Clients;
use super::pace::Pacer;
use crate::config::SsoSession;
use crate::{paths, time};

/// Bumped when the cache format changes (older files are ignored).
pub const VERSION: u32 = 1;

/// An account and the permission sets the person has in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoAccount {
    /// 12-digit id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its email address.
    pub email: String,
    /// Permission set names, sorted.
    pub roles: Vec<String>,
}

/// One session's accounts, as discovered at `fetched_at`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// [`VERSION`].
    pub version: u32,
    /// The session id.
    pub session: String,
    /// Its start URL.
    pub start_url: String,
    /// Seconds since the epoch.
    pub fetched_at: u64,
    /// Accounts sorted by name, then id.
    pub accounts: Vec<SsoAccount>,
}

impl Snapshot {
    /// Seconds since it was fetched.
    pub fn age(&self, now: u64) -> u64 {
        now.saturating_sub(self.fetched_at)
    }
}

/// How discovery paces itself.
#[derive(Clone, Copy, Debug)]
pub struct Pace {
    /// Requests per second at most, and at first ([`Pacer`]: cut on
    /// throttling, regained while requests go through).
    pub rate: u32,
    /// Accounts listed at once.
    pub concurrency: usize,
    /// Throttled attempts per request before giving up.
    pub attempts: u32,
    /// The first backoff (doubling, capped at 25 times this).
    pub backoff: Duration,
}

/// The backoff before retry `attempt` (1-based): exponential from `first`
/// (200 ms by default), capped at 25 times it (5 s), with jitter in its upper half.
pub fn backoff(first: Duration, attempt: u32, jitter: f64) -> Duration {
    let first = first.as_millis() as u64;
    let base = first.saturating_mul(1 << attempt.min(10)).min(first * 25);
    let ms = base / 2 + ((base / 2) as f64 * jitter.clamp(0.0, 1.0)) as u64;
    Duration::from_millis(ms)
}

fn jitter() -> f64 {
    let mut b = [0u8; 2];
    let _ = getrandom::fill(&mut b);
    f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX)
}

/// Runs `call` at the pacer's pace, telling it how each attempt went, and
/// retries throttling (and network failures a few times) with backoff.
async fn paced<T, F, Fut>(limit: &Pacer, pace: Pace, mut call: F) -> Result<T, SsoError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, (bool, SsoError)>>,
{
    let mut attempt = 0;
    loop {
        let sent = limit.wait().await;
        attempt += 1;
        match call().await {
            Ok(v) => {
                limit.passed();
                return Ok(v);
            }
            Err((throttled, e)) => {
                if throttled {
                    limit.throttled(sent, jitter());
                }
                let retry = if throttled { attempt < pace.attempts } else { e.exit_code() == 5 && attempt < 3 };
                if !retry {
                    return Err(e);
                }
                tokio::time::sleep(backoff(pace.backoff, attempt, jitter())).await;
            }
        }
    }
}

/// Lists every account and its permission sets with `access`.
pub async fn discover(clients: &Clients, session: &SsoSession, access: &str, pace: Pace) -> Result<Snapshot, SsoError> {
    let limit = Arc::new(Pacer::new(pace.rate));
    let mut accounts = Vec::new();
    let mut next = None;
    loop {
        let token = next.clone();
        let (page, more) = paced(&limit, pace, || clients.list_accounts(access, token.clone())).await?;
        accounts.extend(page);
        match more {
            Some(t) if !t.is_empty() => next = Some(t),
            _ => break,
        }
    }
    let listed = futures_util::stream::iter(accounts.into_iter().map(|(id, name, email)| {
        let limit = limit.clone();
        async move {
            let mut roles = Vec::new();
            let mut next = None;
            loop {
                let token = next.clone();
                let (page, more) = paced(&limit, pace, || clients.list_roles(access, &id, token.clone())).await?;
                roles.extend(page);
                match more {
                    Some(t) if !t.is_empty() => next = Some(t),
                    _ => break,
                }
            }
            let clean = |s: &str| crate::text::clean(s).into_owned();
            let mut roles: Vec<String> = roles.iter().map(|r| clean(r)).collect();
            roles.sort();
            roles.dedup();
            Ok::<_, SsoError>(SsoAccount { id: clean(&id), name: clean(&name), email: clean(&email), roles })
        }
    }))
    .buffer_unordered(pace.concurrency.max(1))
    .collect::<Vec<_>>()
    .await;
    let mut accounts = listed.into_iter().collect::<Result<Vec<_>, _>>()?;
    accounts.sort_by(|a, b| (a.name.as_str(), a.id.as_str()).cmp(&(b.name.as_str(), b.id.as_str())));
    Ok(Snapshot {
        version: VERSION,
        session: session.id().to_owned(),
        start_url: session.start_url.clone(),
        fetched_at: time::now_unix(),
        accounts,
    })
}

/// The directory of the snapshots under rolecall's cache dir `dir` (its
/// identity changes with every snapshot written, which the catalog snapshot watches).
pub fn cache_dir(dir: &Path) -> PathBuf {
    dir.join("sso-accounts")
}

/// The file of `session`'s snapshot under rolecall's cache dir `dir`.
pub fn cache_path(dir: &Path, session: &SsoSession) -> PathBuf {
    cache_dir(dir).join(format!("{}.json", paths::short_hash(session.id().as_bytes())))
}

/// The cached snapshot of `session`, and whether it is within `ttl`
/// (`None` when missing, of another version, or for another start URL).
pub fn load(dir: &Path, session: &SsoSession, ttl: Duration) -> Option<(Snapshot, bool)> {
    let bytes = std::fs::read(cache_path(dir, session)).ok()?;
    let snap: Snapshot = serde_json::from_slice(&bytes).ok()?;
    if snap.version != VERSION || snap.session != session.id() || snap.start_url != session.start_url {
        return None;
    }
    let fresh = snap.age(time::now_unix()) < ttl.as_secs();
    Some((snap, fresh))
}

/// The session ids that have a snapshot under rolecall's cache dir `dir`.
pub fn kept(dir: &Path) -> Vec<String> {
    #[derive(Deserialize)]
    struct Head {
        session: String,
    }
    let mut out: Vec<String> = std::fs::read_dir(cache_dir(dir))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let bytes = std::fs::read(e.path()).ok()?;
            serde_json::from_slice::<Head>(&bytes).ok().map(|h| h.session)
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Keeps `snapshot` (atomically, 0600).
pub fn store(dir: &Path, session: &SsoSession, snapshot: &Snapshot) -> std::io::Result<()> {
    let bytes = serde_json::to_vec(snapshot).map_err(std::io::Error::other)?;
    paths::write_private_atomic(&cache_path(dir, session), &bytes)
}

#[cfg(test)]
#[path = "discover_tests.rs"]
mod tests;
