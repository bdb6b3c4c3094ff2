//! `rolecall accounts`, and the command line's way to organisations: load each
//! configured organisation from the cache or from Organizations (with the
//! credentials of its `profile`), and resolve `ACCOUNT/ROLE` targets.

use clap::Args;
use serde::Serialize;

use super::assume::AssumeArgs;
use super::{Context, print};
use crate::broker::{BrokerError, Overrides, Plan};
use crate::config::ConfigError;
use crate::config::org::OrgSettings;
use crate::org::discover::discover;
use crate::org::model::{age_label, scope};
use crate::org::targets::{self, OrgView};
use crate::org::{Cached, Loaded, OrgCache, OrgError, Origin, Refresh, Snapshot, client, load_or_fetch, now_unix};
use crate::paths;
use crate::target::TargetId;

/// List organisation accounts with id, name, state, OU path and tags.
#[derive(Debug, Args)]
pub struct AccountsCmd {
    /// Fetch the organisation now instead of using the cache.
    #[arg(long)]
    pub refresh: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Only this organisation (its `name` in the settings).
    #[arg(long, value_name = "NAME")]
    pub org: Option<String>,
    /// MFA code, when the organisation's profile needs one.
    #[arg(long, value_name = "CODE")]
    pub mfa_code: Option<String>,
}

/// One account in `--json` output.
#[derive(Debug, Serialize)]
struct AccountRow<'a> {
    org: &'a str,
    id: &'a str,
    name: &'a str,
    email: &'a str,
    state: &'a str,
    joined: Option<&'a str>,
    ou: Option<&'a str>,
    tags: &'a std::collections::BTreeMap<String, String>,
    /// False when `include_ous`/`exclude_accounts` keep the account from being a target.
    in_scope: bool,
}

impl AccountsCmd {
    /// Runs the command.
    pub async fn run(self, ctx: &Context) -> Result<u8, BrokerError> {
        let orgs = &ctx.settings.organizations;
        if orgs.is_empty() {
            return Err(ConfigError::Usage(
                "no organisation is configured: add an [[organization]] table to the settings (see assets/config.example.toml)"
                    .into(),
            )
            .into());
        }
        if let Some(name) = &self.org
            && !orgs.iter().any(|o| &o.name == name)
        {
            let known: Vec<&str> = orgs.iter().map(|o| o.name.as_str()).collect();
            return Err(OrgError::Settings(format!(
                "no organisation '{name}' in the settings (configured: {known:?})"
            ))
            .into());
        }
        let mut args = AssumeArgs::default();
        if let Some(code) = &self.mfa_code {
            args.mfa_code = Some(
                crate::broker::MfaCode::parse(code)
                    .map_err(|e| ConfigError::Usage(format!("--mfa-code '{code}': {e}")))?,
            );
        }
        let refresh = if self.refresh { Refresh::Force } else { Refresh::IfStale };
        let (loaded, mut failures) = load_orgs(ctx, self.org.as_deref(), refresh, &args).await;
        let now = now_unix();
        let mut rows = Vec::new();
        for (org, l) in &loaded {
            if l.origin != Origin::Fetched {
                eprintln!(
                    "rolecall: organisation '{}': {} accounts from the cache, fetched {} ({} ago); --refresh lists it again",
                    org.name,
                    l.snapshot.accounts.len(),
                    l.snapshot.fetched_at,
                    age_label(l.snapshot.age(now))
                );
            }
            rows.extend(l.snapshot.accounts.iter().map(|a| AccountRow {
                org: &org.name,
                id: &a.id,
                name: &a.name,
                email: &a.email,
                state: &a.state,
                joined: a.joined.as_deref(),
                ou: a.ou.as_deref(),
                tags: &a.tags,
                in_scope: scope(org, a).is_ok(),
            }));
        }
        if self.json {
            print(&format!("{}\n", serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into())))?;
        } else {
            print(&table(&rows))?;
        }
        match failures.len() {
            0 => Ok(0),
            _ if loaded.is_empty() && failures.len() == 1 => Err(failures.remove(0).into()),
            _ => {
                let code = failures.iter().map(OrgError::exit_code).max().unwrap_or(1);
                for f in failures {
                    eprintln!("rolecall: {f}");
                }
                Ok(code)
            }
        }
    }
}

fn table(rows: &[AccountRow<'_>]) -> String {
    let header = ["ORG", "ID", "NAME", "STATE", "OU", "TAGS"];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            let tags = r.tags.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
            let state = if r.in_scope { r.state.to_owned() } else { format!("{} (excluded)", r.state) };
            [r.org.into(), r.id.into(), r.name.into(), state, r.ou.unwrap_or("?").into(), tags]
        })
        .collect();
    crate::output::table::render(header, &cells)
}

/// Loads the configured organisations (only `only`, when given): from the
/// cache within `org_cache_ttl`, else from Organizations. Returns what loaded
/// and, separately, what failed; warnings are printed on stderr.
pub(crate) async fn load_orgs<'a>(
    ctx: &'a Context,
    only: Option<&str>,
    refresh: Refresh,
    args: &AssumeArgs,
) -> (Vec<(&'a OrgSettings, Loaded)>, Vec<OrgError>) {
    let cache = OrgCache::new(&paths::cache_dir());
    let ttl = ctx.settings.defaults.org_cache_ttl.as_secs();
    let (mut loaded, mut failed) = (Vec::new(), Vec::new());
    for org in ctx.settings.organizations.iter().filter(|o| only.is_none_or(|n| n == o.name)) {
        match load_or_fetch(&cache, org, ttl, refresh, now_unix(), || fetch(ctx, org, args)).await {
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

/// Lists `org` now: credentials of its `profile` (through the broker, so
/// role profiles, MFA and the session cache apply), then discovery.
async fn fetch(ctx: &Context, org: &OrgSettings, args: &AssumeArgs) -> Result<Snapshot, OrgError> {
    if !ctx.aws.has_profile(&org.profile) {
        return Err(OrgError::Settings(format!(
            "[[organization]] '{}': profile '{}' is not defined in '{}' or '{}'",
            org.name,
            org.profile,
            ctx.aws.files.config.display(),
            ctx.aws.files.credentials.display()
        )));
    }
    let creds_args = AssumeArgs { mfa_code: args.mfa_code.clone(), ..AssumeArgs::default() };
    let (_, outcome) = Box::pin(super::assume::assume(ctx, &org.profile, &creds_args)).await.map_err(|e| {
        OrgError::Credentials { org: org.name.clone(), profile: org.profile.clone(), source: Box::new(e) }
    })?;
    let region = org.region();
    let creds = &outcome.session.credentials;
    let client = client::client(&ctx.aws, Some(&org.profile), region, creds).await;
    let endpoint = client::endpoint_for(&ctx.aws, &ctx.env, Some(&org.profile), region);
    let caller = outcome.session.identity.arn.clone();
    let accounts = discover(&client, org.tag_concurrency)
        .await
        .map_err(|f| OrgError::from_discovery(f, org, &caller, &endpoint))?;
    Ok(Snapshot::new(org, now_unix(), Some(caller), accounts))
}

/// Before an `ACCOUNT/ROLE` target is planned: makes sure the organisations
/// are cached, listing those whose cache is missing or stale (unless a fresh
/// cache already has the account). Profile targets need nothing.
pub(super) async fn prepare(ctx: &Context, target: &str, args: &AssumeArgs) {
    let TargetId::Account { account, .. } = TargetId::parse(target, &ctx.aws) else { return };
    let cache = OrgCache::new(&paths::cache_dir());
    let (ttl, now) = (ctx.settings.defaults.org_cache_ttl.as_secs(), now_unix());
    let known_fresh = ctx.settings.organizations.iter().any(|org| match cache.load(org, ttl, now) {
        Cached::Found { snapshot, fresh: true } => {
            snapshot.accounts.iter().any(|a| a.id == account || a.name == account)
        }
        _ => false,
    });
    if known_fresh {
        return;
    }
    let (_, failures) = load_orgs(ctx, None, Refresh::IfStale, args).await;
    for f in failures {
        ctx.warn(&format!("warning: {f}"));
    }
}

/// The plan for organisation target `target` (`account`/`role`) from the
/// cached organisations (see [`prepare`]).
pub(super) fn plan_for_account(
    ctx: &Context,
    target: &str,
    account: &str,
    role: &str,
    flags: &Overrides,
) -> Result<Plan, BrokerError> {
    let orgs = &ctx.settings.organizations;
    if orgs.is_empty() {
        return Err(ConfigError::Usage(format!(
            "'{target}' is not a profile in '{}', and no organisation is configured in the settings ([[organization]]) to have account '{account}' with role '{role}'",
            ctx.aws.files.config.display()
        ))
        .into());
    }
    let cache = OrgCache::new(&paths::cache_dir());
    let (ttl, now) = (ctx.settings.defaults.org_cache_ttl.as_secs(), now_unix());
    let mut snapshots = Vec::new();
    let mut missing = Vec::new();
    for org in orgs {
        match cache.load(org, ttl, now) {
            Cached::Found { snapshot, .. } => snapshots.push((org, snapshot)),
            _ => missing.push(format!("'{}'", org.name)),
        }
    }
    let views: Vec<OrgView<'_>> = snapshots.iter().map(|(o, s)| OrgView { settings: o, snapshot: s }).collect();
    let not_listed = || {
        format!(
            "organisation {} could not be listed (see above), so '{target}' cannot be looked up there; 'rolecall accounts' shows why",
            missing.join(", ")
        )
    };
    if views.is_empty() {
        return Err(OrgError::Target(not_listed()).into());
    }
    match targets::plan(target, account, role, &views, &ctx.aws, &ctx.settings, flags) {
        Ok(plan) => Ok(plan?),
        Err(OrgError::Target(text)) if !missing.is_empty() && text.starts_with("no account") => {
            Err(OrgError::Target(format!("{text}; {}", not_listed())).into())
        }
        Err(e) => Err(e.into()),
    }
}

/// The loaded organisations for listings: from the cache, or listed now when
/// missing or stale; failures are printed as warnings.
pub(super) async fn for_listing(ctx: &Context) -> Vec<(&OrgSettings, Snapshot)> {
    let (loaded, failures) = load_orgs(ctx, None, Refresh::IfStale, &AssumeArgs::default()).await;
    for f in failures {
        eprintln!("rolecall: warning: {f}");
    }
    loaded.into_iter().map(|(o, l)| (o, l.snapshot)).collect()
}
