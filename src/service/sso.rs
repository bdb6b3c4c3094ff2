//! IAM Identity Center for the command line and the TUI: finding a session
//! by the name the operator gives, access to it (the keyring, the AWS CLI's
//! token cache, the endpoints), whether a person may sign in, `login --sso`,
//! `logout --sso`, and what `status` shows.

use std::path::PathBuf;
use std::sync::Arc;

use super::assume::Prompt;
use super::cache::blocking;
use super::{AppError, Context};
use crate::broker::TtyPrompt;
use crate::config::{Base, SsoSession};
pub use crate::sso::SignInFlow;
use crate::sso::discover::{self, Snapshot};
pub use crate::sso::tokens::Note;
use crate::sso::tokens::Tokens;
use crate::sso::{Access, Interaction, Token};
use crate::store::SecretStore;
use crate::{paths, store};

/// The session the operator named: an `[sso-session NAME]`, else a profile
/// with Identity Center settings (its session, or its legacy start URL),
/// else a legacy start URL some profile uses.
pub fn find_session(ctx: &Context, name: &str) -> Result<SsoSession, AppError> {
    find_session_and_profile(ctx, name).map(|(session, _)| session)
}

/// As [`find_session`], with the profile named when `name` is one: its
/// endpoint settings (`endpoint_url`, `[services]`) apply to the calls made
/// for it, as they do when its credentials are resolved.
pub fn find_session_and_profile(ctx: &Context, name: &str) -> Result<(SsoSession, Option<String>), AppError> {
    if ctx.aws.sso_session_names().contains(&name) {
        return ctx.aws.sso_session(name).map(|s| (s, None)).map_err(AppError::usage);
    }
    if ctx.aws.has_profile(name)
        && let Some(role) = ctx.aws.profile(name)?.sso_role.clone()
    {
        return Ok((role.session, Some(name.to_owned())));
    }
    for profile in ctx.aws.profile_names() {
        if let Ok(def) = ctx.aws.profile(profile)
            && let Some(role) = &def.sso_role
            && role.session.id() == name
        {
            return Ok((role.session.clone(), None));
        }
    }
    let known = ctx.aws.sso_session_names().join(", ");
    Err(AppError::usage(format!(
        "'{name}' is not an [sso-session] in '{}' (known: {}), nor a profile with IAM Identity Center settings",
        ctx.aws.files.config.display(),
        if known.is_empty() { "none" } else { &known }
    )))
}

/// Where notices of a sign-in go: the terminal (`/dev/tty`) when there is
/// one (stdout and stderr may be captured, as under `credential_process`),
/// else stderr.
pub fn tty_say() -> Arc<dyn Fn(&str) + Send + Sync> {
    Arc::new(|text: &str| {
        use std::io::Write;
        let line = format!("rolecall: {}\n", crate::text::clean_multiline(text));
        let tty = if cfg!(unix) { std::fs::OpenOptions::new().write(true).open("/dev/tty").ok() } else { None };
        match tty {
            Some(mut t) => {
                let _ = t.write_all(line.as_bytes());
            }
            None => eprint!("{line}"),
        }
    })
}

/// Whether a person may sign in under `prompt`, with `flow`.
pub fn interaction(prompt: Prompt, flow: SignInFlow) -> Interaction {
    match prompt {
        Prompt::Terminal if TtyPrompt::available() => Interaction::Allowed { flow, say: tty_say() },
        Prompt::Terminal => Interaction::Never("there is no terminal to sign in on".into()),
        Prompt::Never => Interaction::Never("a sign-in cannot be started here".into()),
    }
}

/// The token places of this run: `opened` (the keyring the session cache
/// already opened), else the configured keyring, opened now.
pub async fn tokens(ctx: &Context, opened: Option<Arc<dyn SecretStore>>) -> Result<Arc<Tokens>, AppError> {
    let d = &ctx.settings.defaults;
    let (kind, lock_timeout, own) = (d.store, d.lock_timeout, d.sso_token_cache);
    let home = ctx.env.get("HOME").ok().filter(|h| !h.is_empty()).map(PathBuf::from).or_else(dirs::home_dir);
    let secrets = match opened {
        Some(s) => s,
        None => blocking(move || store::open(kind)).await?,
    };
    Ok(Arc::new(Tokens::new(secrets, home, &paths::cache_dir(), lock_timeout, own)))
}

/// Access to `session`, with `profile`'s endpoint settings (if any).
pub async fn access(
    ctx: &Context,
    session: &SsoSession,
    profile: Option<&str>,
    interaction: Interaction,
) -> Result<Access, AppError> {
    access_in(ctx, session, profile, interaction, None).await
}

/// As [`access`], with the keyring already opened (if it was).
async fn access_in(
    ctx: &Context,
    session: &SsoSession,
    profile: Option<&str>,
    interaction: Interaction,
    opened: Option<Arc<dyn SecretStore>>,
) -> Result<Access, AppError> {
    let clients = crate::sso::client::Clients::new(&ctx.aws, &ctx.env, profile, session, ctx.timeouts());
    let d = &ctx.settings.defaults;
    Ok(Access::new(
        session.clone(),
        tokens(ctx, opened).await?,
        clients,
        ctx.env.clone(),
        interaction,
        d.refresh_window,
        d.sso_login_timeout,
    ))
}

/// Access for a plan whose base is Identity Center, if it is. With `say`, a
/// sign-in may start (in the browser when one can be opened, else with a
/// device code) and its instructions go there.
pub async fn access_for_base(
    ctx: &Context,
    base: &Base,
    prompt: Prompt,
    say: Option<&Say>,
    opened: Option<Arc<dyn SecretStore>>,
) -> Result<Option<Access>, AppError> {
    let Base::Sso { profile, role } = base else { return Ok(None) };
    // As for role sessions: a keyring that cannot be used costs keeping, not the run
    // (a token the AWS CLI keeps is still found; a sign-in lasts for this run).
    let opened = match opened {
        Some(s) => s,
        None => {
            let kind = ctx.settings.defaults.store;
            match blocking(move || store::open(kind)).await {
                Ok(s) => s,
                Err(AppError::Store(e)) => {
                    ctx.warn(&format!("warning: {e}; IAM Identity Center tokens are kept for this run only"));
                    Arc::new(store::memory::MemoryStore::default())
                }
                Err(e) => return Err(e),
            }
        }
    };
    let opened = Some(opened);
    // As `login --sso`: the browser (PKCE on a loopback callback) when one can be
    // opened, else a device code; the address (and code) go to `say` either way.
    let interaction = match say {
        Some(Say(say)) => Interaction::Allowed { flow: SignInFlow::Auto, say: say.clone() },
        None => interaction(prompt, SignInFlow::Auto),
    };
    Ok(Some(access_in(ctx, &role.session, profile.as_deref(), interaction, opened).await?))
}

/// `rolecall login --sso NAME`: a token the portal accepts (the kept one,
/// refreshed, or a new sign-in when the portal refuses both), or a new
/// sign-in with `force`. A profile's endpoint settings apply.
pub async fn login(ctx: &Context, name: &str, flow: SignInFlow, force: bool) -> Result<Token, AppError> {
    let (session, profile) = find_session_and_profile(ctx, name)?;
    let interaction = Interaction::Allowed { flow, say: tty_say() };
    let access = access(ctx, &session, profile.as_deref(), interaction).await?;
    let token = if force { access.sign_in(flow).await? } else { access.accepted_token().await? };
    Ok(token)
}

/// After `login --sso NAME`: list the session's accounts now (the token is fresh).
pub async fn discover_after_login(ctx: &Context, name: &str) -> Result<Snapshot, AppError> {
    let (session, profile) = find_session_and_profile(ctx, name)?;
    let never = Interaction::Never("the sign-in just happened".into());
    discover_now(ctx, &session, profile.as_deref(), never).await
}

/// What `rolecall logout --sso NAME` did, part by part: what is here is
/// removed first, then the portal is told.
pub struct LoggedOut {
    /// Whether a token was kept here (and is now removed), or why removing failed.
    pub tokens: Result<bool, AppError>,
    /// The targets whose role sessions (made from the tokens) were forgotten, or why not.
    pub sessions: Result<Vec<String>, AppError>,
    /// What the portal said.
    pub portal: Portal,
}

/// The portal's part of a logout.
pub enum Portal {
    /// The session ended at Identity Center.
    Ended,
    /// Nothing to end there (no token kept, or it had expired or was no longer known).
    NothingToEnd,
    /// Not asked (`--local`).
    Skipped,
    /// Identity Center could not be told (unreachable, or an error).
    Failed(AppError),
}

/// `rolecall logout --sso NAME [--local]`: the tokens removed here and the
/// role sessions made from them forgotten, then (unless `local`) `Logout` at
/// the portal. A portal that cannot be reached leaves nothing behind here.
pub async fn logout(ctx: &Context, name: &str, local: bool) -> Result<LoggedOut, AppError> {
    let (session, profile) = find_session_and_profile(ctx, name)?;
    let access = access(ctx, &session, profile.as_deref(), Interaction::Never(String::new())).await?;
    let kept = access.forget_tokens().await.map_err(AppError::from);
    let sessions = forget_role_sessions(ctx, &session).await;
    let portal = match (&kept, local) {
        (_, true) => Portal::Skipped,
        (Ok(Some(token)), false) => match access.end_at_portal(token).await {
            Ok(true) => Portal::Ended,
            Ok(false) => Portal::NothingToEnd,
            Err(e) => Portal::Failed(e.into()),
        },
        (_, false) => Portal::NothingToEnd,
    };
    Ok(LoggedOut { tokens: kept.map(|t| t.is_some()), sessions, portal })
}

/// Forgets the role sessions whose plans start from `session`'s tokens.
async fn forget_role_sessions(ctx: &Context, session: &SsoSession) -> Result<Vec<String>, AppError> {
    let mut removed = Vec::new();
    let mut targets: Vec<String> = super::sessions::role_expiries().into_keys().collect();
    targets.sort();
    for target in targets {
        let Ok(plan) = super::assume::plan_for(ctx, &target, &super::Flags::default()) else { continue };
        if matches!(&plan.base, Base::Sso { role, .. } if role.session == *session) {
            super::sessions::forget(ctx, target.clone()).await?;
            removed.push(target);
        }
    }
    Ok(removed)
}

/// Every session the files name: `[sso-session]` sections, then the legacy
/// sessions of profiles.
pub fn sessions(ctx: &Context) -> Vec<SsoSession> {
    let mut sessions: Vec<SsoSession> = Vec::new();
    for name in ctx.aws.sso_session_names() {
        if let Ok(s) = ctx.aws.sso_session(name) {
            sessions.push(s);
        }
    }
    for profile in ctx.aws.profile_names() {
        if let Ok(def) = ctx.aws.profile(profile)
            && let Some(role) = &def.sso_role
            && !sessions.contains(&role.session)
        {
            sessions.push(role.session.clone());
        }
    }
    sessions
}

/// Every session's cached discovery (fresh or not), never the network. With
/// no discovery kept, nothing is read (the profiles are not scanned).
pub fn cached_views(ctx: &Context) -> Vec<(SsoSession, Snapshot)> {
    let (dir, ttl) = (paths::cache_dir(), ctx.settings.defaults.org_cache_ttl);
    let kept = discover::kept(&dir);
    if kept.is_empty() {
        return Vec::new();
    }
    let named = ctx.aws.sso_session_names();
    let mut legacy: Option<Vec<SsoSession>> = None;
    let mut out = Vec::new();
    for id in kept {
        let session = if named.contains(&id.as_str()) {
            ctx.aws.sso_session(&id).ok()
        } else {
            // The legacy form: its session is the start URL of some profile.
            legacy.get_or_insert_with(|| sessions(ctx)).iter().find(|s| s.id() == id).cloned()
        };
        if let Some(session) = session
            && let Some((snap, _)) = discover::load(&dir, &session, ttl)
        {
            out.push((session, snap));
        }
    }
    out
}

/// Lists `session`'s accounts and permission sets now (signing in only when
/// `interaction` allows) and keeps them for the catalog, under the session's
/// discovery lock as background discovery does: when another process listed
/// them while this one waited, its list is used.
pub async fn discover_now(
    ctx: &Context,
    session: &SsoSession,
    profile: Option<&str>,
    interaction: Interaction,
) -> Result<Snapshot, AppError> {
    let started = crate::time::now_unix();
    let _lock = discovery_lock(ctx, session).await?;
    if let Some((snap, _)) = discover::load(&paths::cache_dir(), session, ctx.settings.defaults.org_cache_ttl)
        && snap.fetched_at >= started
    {
        return Ok(snap);
    }
    discover_locked(ctx, session, profile, interaction).await
}

/// The lock one session's discovery holds, across processes.
async fn discovery_lock(ctx: &Context, session: &SsoSession) -> Result<crate::store::lock::SessionLock, AppError> {
    let (dir, key, timeout) =
        (paths::cache_dir(), format!("sso-discover/{}", session.id()), ctx.settings.defaults.lock_timeout);
    blocking(move || store::lock::acquire(&dir, &key, timeout)).await
}

/// [`discover_now`] with the discovery lock held.
async fn discover_locked(
    ctx: &Context,
    session: &SsoSession,
    profile: Option<&str>,
    interaction: Interaction,
) -> Result<Snapshot, AppError> {
    let access = access(ctx, session, profile, interaction).await?;
    let token = access.token(false).await?;
    let d = &ctx.settings.defaults;
    let pace = discover::Pace {
        rate: d.sso_rate_limit,
        concurrency: d.sso_concurrency as usize,
        attempts: 12,
        backoff: std::time::Duration::from_millis(200),
    };
    let snap = discover::discover(access.clients(), session, token.access(), pace).await?;
    let (dir, s, kept) = (paths::cache_dir(), session.clone(), snap.clone());
    blocking(move || {
        discover::store(&dir, &s, &kept).map_err(|e| crate::store::StoreError::Failed {
            store: "cache",
            detail: format!("the IAM Identity Center account list: {e}"),
        })
    })
    .await?;
    Ok(snap)
}

/// Before an `ACCOUNT/ROLE` target is planned. When some session's snapshot
/// (even a stale one) names `account` with `role` as a permission set, nothing is listed: serving comes
/// first, and `list`, the TUI or `login` refresh it. Otherwise sessions whose
/// discovery is missing or older than the TTL are listed again when a token
/// is at hand (no sign-in is started for this), one process at a time per
/// session (20 concurrent `credential-process` callers share one listing);
/// failures are warnings.
pub async fn prepare(ctx: &Context, account: &str, role: &str) {
    let (dir, ttl) = (paths::cache_dir(), ctx.settings.defaults.org_cache_ttl);
    // Named sessions, and legacy ones already discovered (no scan of every profile).
    let mut candidates: Vec<SsoSession> =
        ctx.aws.sso_session_names().into_iter().filter_map(|n| ctx.aws.sso_session(n).ok()).collect();
    for (session, _) in cached_views(ctx) {
        if !candidates.contains(&session) {
            candidates.push(session);
        }
    }
    // `ACCOUNT/sso:SET` names a permission set whose id an organisation role took.
    let set = role.strip_prefix("sso:").unwrap_or(role);
    let known = candidates.iter().any(|session| {
        discover::load(&dir, session, ttl).is_some_and(|(snap, _)| {
            snap.accounts.iter().any(|a| (a.id == account || a.name == account) && a.roles.iter().any(|r| r == set))
        })
    });
    if known {
        return;
    }
    for session in candidates {
        if matches!(discover::load(&dir, &session, ttl), Some((_, true))) {
            continue;
        }
        let _lock = match discovery_lock(ctx, &session).await {
            Ok(lock) => lock,
            Err(e) => {
                ctx.warn(&format!("warning: IAM Identity Center '{}': accounts not listed: {e}", session.id()));
                continue;
            }
        };
        // Another process may have listed them while this one waited.
        if matches!(discover::load(&dir, &session, ttl), Some((_, true))) {
            continue;
        }
        let never = Interaction::Never("it is only needed to list accounts".into());
        match discover_locked(ctx, &session, None, never).await {
            Ok(_) => {}
            Err(AppError::Sso(crate::sso::SsoError::SignInNeeded { .. })) => {}
            Err(e) => ctx.warn(&format!("warning: IAM Identity Center '{}': accounts not listed: {e}", session.id())),
        }
    }
}

/// Every session the files name, with what is known of its token (no secret read).
pub async fn statuses(ctx: &Context) -> Result<Vec<(SsoSession, Option<Note>)>, AppError> {
    let sessions = sessions(ctx);
    let home = ctx.env.get("HOME").ok().filter(|h| !h.is_empty()).map(PathBuf::from).or_else(dirs::home_dir);
    let d = &ctx.settings.defaults;
    // The notes are files; no keyring is opened for them.
    let tokens =
        Tokens::new(Arc::new(store::memory::NoStore), home, &paths::cache_dir(), d.lock_timeout, d.sso_token_cache);
    Ok(sessions
        .into_iter()
        .map(|s| {
            let note = tokens.note(&s).or_else(|| {
                // A token `aws sso login` wrote: its file holds the expiry.
                tokens.from_cli(&s).ok().flatten().map(|t| Note {
                    session: s.id().to_owned(),
                    start_url: s.start_url.clone(),
                    expires_at: crate::time::epoch_secs(t.expires_at),
                    refreshable: t.refresh_token.is_some(),
                    signed_in_at: None,
                    origin: crate::sso::token::Origin::AwsCli,
                })
            });
            (s, note)
        })
        .collect())
}

/// The TUI's quiet line: `SSO acme ends in 42 min` for each session with a
/// token (from the notes in the cache dir alone), or `None`.
pub fn status_line() -> Option<String> {
    let now = crate::time::now_unix();
    let parts: Vec<String> = Tokens::all_notes(&paths::cache_dir())
        .into_iter()
        .map(|n| {
            let id = crate::text::clean(&n.session).into_owned();
            match n.expires_at.saturating_sub(now) {
                0 if n.refreshable => format!("SSO {id} renews on next use"),
                0 => format!("SSO {id} ended: rolecall login --sso {id}"),
                left => format!("SSO {id} ends in {} min", left / 60),
            }
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// Where the TUI (or any caller) wants sign-in instructions: with it, a
/// device code sign-in may start without a terminal.
#[derive(Clone)]
pub struct Say(pub Arc<dyn Fn(&str) + Send + Sync>);

impl std::fmt::Debug for Say {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Say")
    }
}
