//! Organisations for every command and the TUI: the cached snapshots (no
//! network), loading each configured organisation from its cache or from
//! Organizations with the credentials of its `profile`, and making sure the
//! organisations are known before an `ACCOUNT/ROLE` target is planned.

use super::assume::{Flags, Prompt, assume};
use super::{AppError, Context};
use crate::broker::MfaCode;
use crate::config::org::OrgSettings;
use crate::org::discover::discover;
use crate::org::{Cached, Loaded, OrgCache, OrgError, Refresh, Snapshot, client, load_or_fetch};
use crate::{paths, time};

/// The organisation cache in the cache dir.
pub fn cache() -> OrgCache {
    OrgCache::new(&paths::cache_dir())
}

/// Every configured organisation's cached snapshot, fresh or stale (no
/// network), and the names of those with none.
pub fn cached(ctx: &Context) -> (Vec<(&OrgSettings, Snapshot)>, Vec<String>) {
    let (loaded, missing, _) = cached_with_staleness(ctx);
    (loaded, missing)
}

/// As [`cached`], and whether any organisation is missing or past its TTL
/// (so a refresh is due).
pub fn cached_with_staleness(ctx: &Context) -> (Vec<(&OrgSettings, Snapshot)>, Vec<String>, bool) {
    let cache = cache();
    let (ttl, now) = (ctx.settings.defaults.org_cache_ttl.as_secs(), time::now_unix());
    let (mut loaded, mut missing, mut stale) = (Vec::new(), Vec::new(), false);
    for org in &ctx.settings.organizations {
        match cache.load(org, ttl, now) {
            Cached::Found { snapshot, fresh } => {
                stale |= !fresh;
                loaded.push((org, snapshot));
            }
            Cached::Missing | Cached::Unreadable(_) => {
                stale = true;
                missing.push(org.name.clone());
            }
        }
    }
    (loaded, missing, stale)
}

/// Loads the configured organisations (only `only`, when given): from the
/// cache within `org_cache_ttl`, else from Organizations. Returns what loaded
/// and, separately, what failed; warnings go to `ctx`'s notifier.
pub async fn load<'a>(
    ctx: &'a Context,
    only: Option<&str>,
    refresh: Refresh,
    code: Option<MfaCode>,
    prompt: Prompt,
) -> (Vec<(&'a OrgSettings, Loaded)>, Vec<OrgError>) {
    let cache = cache();
    let ttl = ctx.settings.defaults.org_cache_ttl.as_secs();
    let (mut loaded, mut failed) = (Vec::new(), Vec::new());
    for org in ctx.settings.organizations.iter().filter(|o| only.is_none_or(|n| n == o.name)) {
        let fetching = || fetch(ctx, org, code.clone(), prompt);
        match load_or_fetch(&cache, org, ttl, refresh, time::now_unix(), fetching).await {
            Ok(l) => {
                for w in &l.warnings {
                    ctx.warn(&format!("warning: {w}"));
                }
                loaded.push((org, l));
            }
            Err(e) => failed.push(e),
        }
    }
    (loaded, failed)
}

/// True when `account` is a target of `org` (not excluded, in `include_ous`).
pub fn in_scope(org: &OrgSettings, account: &crate::org::Account) -> bool {
    crate::org::model::scope(org, account).is_ok()
}

/// Lists `org` now: credentials of its `profile` (through the one assume
/// path, so role profiles, MFA and the session cache apply), then discovery.
async fn fetch(ctx: &Context, org: &OrgSettings, code: Option<MfaCode>, prompt: Prompt) -> Result<Snapshot, OrgError> {
    if !ctx.aws.has_profile(&org.profile) {
        return Err(OrgError::Settings(format!(
            "[[organization]] '{}': profile '{}' is not defined in '{}' or '{}'",
            org.name,
            org.profile,
            ctx.aws.files.config.display(),
            ctx.aws.files.credentials.display()
        )));
    }
    let flags = Flags { mfa_code: code, ..Flags::default() };
    let assumed = Box::pin(assume(ctx, &org.profile, &flags, prompt)).await.map_err(|e: AppError| {
        let exit_code = e.exit_code();
        OrgError::Credentials { org: org.name.clone(), profile: org.profile.clone(), source: Box::new(e), exit_code }
    })?;
    let creds = &assumed.session.credentials;
    let (client, endpoint) =
        client::client(&ctx.aws, &ctx.env, Some(&org.profile), org.region(), creds, ctx.timeouts());
    let caller = assumed.session.identity.arn.clone();
    let accounts = discover(&client, org.tag_concurrency)
        .await
        .map_err(|f| OrgError::from_discovery(f, org, &caller, &endpoint.url))?;
    Ok(Snapshot::new(org, time::now_unix(), Some(caller), accounts))
}

/// Before an `ACCOUNT/ROLE` target is planned: makes sure the organisations
/// are cached, listing those whose cache is missing or stale (unless a fresh
/// cache already has `account`, a name or id). Failures become warnings.
pub async fn prepare(ctx: &Context, account: &str, code: Option<MfaCode>, prompt: Prompt) {
    let cache = cache();
    let (ttl, now) = (ctx.settings.defaults.org_cache_ttl.as_secs(), time::now_unix());
    let known_fresh = ctx.settings.organizations.iter().any(|org| match cache.load(org, ttl, now) {
        Cached::Found { snapshot, fresh: true } => {
            snapshot.accounts.iter().any(|a| a.id == account || a.name == account)
        }
        _ => false,
    });
    if known_fresh {
        return;
    }
    let (_, failures) = load(ctx, None, Refresh::IfStale, code, prompt).await;
    for f in failures {
        ctx.warn(&format!("warning: {f}"));
    }
}

/// The organisations for listings: from the cache, or listed now when
/// missing or stale; failures are warnings.
pub async fn for_listing(ctx: &Context) -> Vec<(&OrgSettings, Snapshot)> {
    let (loaded, failures) = load(ctx, None, Refresh::IfStale, None, Prompt::Terminal).await;
    for f in failures {
        ctx.warn(&format!("warning: {f}"));
    }
    loaded.into_iter().map(|(o, l)| (o, l.snapshot)).collect()
}
