//! The one path from a target id to verified credentials, for every command
//! and the TUI: make sure organisations are known (for `ACCOUNT/ROLE`), plan,
//! look in the cache, take the target's lock, look again, assume, keep.
//! A cached session is served only for the plan it was made for.

use std::sync::Arc;

use aws_types::os_shim_internal::Env;

use super::cache::{Cache, Need, Want};
use super::{AppError, Context, orgs, provenance};
use crate::broker::sts::SdkConnector;
use crate::broker::{Broker, MfaCode, MfaPrompt, MfaSource, Overrides, Plan, SessionCache, TtyPrompt};
use crate::catalog::{self, TargetId};
use crate::config::{AwsFiles, Settings};
use crate::credentials::Session;

/// Whether a person may be asked for an MFA code on the terminal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prompt {
    /// Ask on the controlling terminal (`/dev/tty`) when there is one.
    Terminal,
    /// Never ask: the caller (the TUI) collects codes itself.
    Never,
}

/// How the operator asked for a target.
#[derive(Clone, Debug, Default)]
pub struct Flags {
    /// Values that override the profile and settings.
    pub overrides: Overrides,
    /// An MFA code typed already (used at most once).
    pub mfa_code: Option<MfaCode>,
    /// Neither use nor fill the session cache.
    pub no_cache: bool,
    /// Where IAM Identity Center sign-in instructions go when no terminal may
    /// be used (the TUI): a device code sign-in may start.
    pub sso_say: Option<super::sso::Say>,
}

impl Flags {
    /// True when the role session may come from, and go to, the cache: no
    /// flag that makes it differ from the target's usual session.
    pub fn keeps_role_session(&self) -> bool {
        let o = &self.overrides;
        !self.no_cache
            && o.session_name.is_none()
            && o.external_id.is_none()
            && o.source_identity.is_none()
            && o.tags.is_none()
            && o.transitive_tags.is_none()
            && o.policy_arns.is_none()
            && o.policy.is_none()
    }
}

/// A target's credentials and how they came.
#[derive(Debug)]
pub struct Assumed {
    /// The plan they were made by (or would have been, when cached).
    pub plan: Plan,
    /// The credentials and the identity they were verified as.
    pub session: Session,
    /// What the operator should know (chaining caps…).
    pub notices: Vec<String>,
    /// True when the session came from the cache.
    pub from_cache: bool,
}

/// The plan for `target` from the files and the cached organisations.
pub fn plan_for(ctx: &Context, target: &str, flags: &Flags) -> Result<Plan, AppError> {
    plan_parsed(ctx, target, &TargetId::parse(target, &ctx.aws), flags)
}

/// As [`plan_for`], for an id already read (the picker's rows know theirs).
pub(crate) fn plan_parsed(ctx: &Context, target: &str, parsed: &TargetId, flags: &Flags) -> Result<Plan, AppError> {
    let (loaded, missing) = orgs::cached(ctx);
    let views: Vec<catalog::OrgView<'_>> =
        loaded.iter().map(|(o, s)| catalog::OrgView { settings: o, snapshot: s }).collect();
    let sso_loaded = super::sso::cached_views(ctx);
    let sso: Vec<catalog::SsoView<'_>> =
        sso_loaded.iter().map(|(session, snapshot)| catalog::SsoView { session, snapshot }).collect();
    let orgs = catalog::Orgs { views: &views, missing: &missing, sso: &sso };
    Ok(catalog::plan_for(target, parsed, &ctx.aws, &ctx.settings, orgs, &flags.overrides)?)
}

/// A broker for `plan`: the real STS connector, the given MFA session cache,
/// and codes from the flag, `mfa_process`, or (when `prompt` allows) the terminal.
pub fn broker_for(ctx: &Context, plan: &Plan, flags: &Flags, cache: Arc<dyn SessionCache>, prompt: Prompt) -> Broker {
    let d = &ctx.settings.defaults;
    let connector =
        SdkConnector::new(&ctx.aws, &ctx.env, plan.endpoint_profile.as_deref(), &plan.region, ctx.timeouts());
    let interactive = prompt == Prompt::Terminal && TtyPrompt::available();
    let tty: Option<Arc<dyn MfaPrompt>> = interactive.then(|| Arc::new(TtyPrompt) as Arc<dyn MfaPrompt>);
    let mut mfa = MfaSource::new(flags.mfa_code.clone(), tty).with_timeouts(d.process_timeout, d.prompt_timeout);
    if let Some(base) = plan.base.profile() {
        mfa = mfa.with_no_prompt_reason(format!(
            "there is no terminal to ask on: pass --mfa-code, set 'mfa_process' in the profile, \
             or run 'rolecall login {base}' in a terminal first"
        ));
    }
    Broker::new(Arc::new(connector), mfa, cache, ctx.env.clone()).with_process_timeout(d.process_timeout)
}

/// What a session for `plan` must have been made for, with the input files' identity `files`.
pub fn want_for(ctx: &Context, plan: &Plan, flags: &Flags, files: Option<String>) -> Want {
    let endpoint = crate::aws::endpoint::resolve(
        &ctx.aws,
        &ctx.env,
        plan.endpoint_profile.as_deref(),
        crate::aws::endpoint::STS,
        &plan.region,
    );
    let lifetime = flags.overrides.duration.and(plan.final_step()).map(|s| u64::from(s.duration));
    Want { files, plan: Some(provenance::plan_key(plan, &ctx.aws.files, &endpoint.url)), lifetime }
}

/// The session for `target`: from the cache when it was made for the same
/// plan and has enough time left, else assumed (once across concurrent
/// processes) and kept. Notices and warnings go to `ctx`'s notifier.
pub async fn assume(ctx: &Context, target: &str, flags: &Flags, prompt: Prompt) -> Result<Assumed, AppError> {
    // The id is read once: an organisation target needs the organisations first.
    let parsed = TargetId::parse(target, &ctx.aws);
    if let TargetId::Account { account, role } = &parsed {
        orgs::prepare(ctx, account, flags.mfa_code.clone(), prompt).await;
        super::sso::prepare(ctx, account, role).await;
    }
    let plan = plan_parsed(ctx, target, &parsed, flags)?;
    let need = if flags.no_cache { Need::Skip } else { Need::Prefer };
    let cache = Cache::open(&ctx.settings, need).await?;
    let inputs = provenance::input_files(&ctx.aws.files, None, &ctx.settings);
    let want = want_for(ctx, &plan, flags, Some(provenance::files_key(&inputs, &ctx.env)));
    let result = obtain(ctx, &cache, plan, flags, prompt, &want).await;
    for warning in cache.warnings() {
        ctx.warn(&format!("warning: {warning}"));
    }
    let assumed = result?;
    for notice in &assumed.notices {
        ctx.warn(notice);
    }
    Ok(assumed)
}

/// Cache, lock, cache again, assume, keep.
async fn obtain(
    ctx: &Context,
    cache: &Cache,
    plan: Plan,
    flags: &Flags,
    prompt: Prompt,
    want: &Want,
) -> Result<Assumed, AppError> {
    let keep = flags.keeps_role_session();
    let target = plan.target.clone();
    let hit = |session| Assumed { plan: plan.clone(), session, notices: Vec::new(), from_cache: true };
    if keep && let Some(session) = cache.cached(&target, want).await? {
        return Ok(hit(session));
    }
    let _lock = if keep { cache.lock(&target).await? } else { None };
    // Another process may have refreshed it while this one waited.
    if keep && let Some(session) = cache.cached(&target, want).await? {
        return Ok(hit(session));
    }
    tracing::debug!(target = %target, keep, steps = plan.steps.len(), region = %plan.region, "assuming");
    let mut broker = broker_for(ctx, &plan, flags, cache.session_cache(), prompt);
    if let Some(access) =
        super::sso::access_for_base(ctx, &plan.base, prompt, flags.sso_say.as_ref(), cache.secret_store()).await?
    {
        broker = broker.with_sso(Arc::new(access));
    }
    let outcome = broker.run(&plan).await?;
    if keep {
        cache.store(&target, &outcome.session, want).await?;
        tracing::debug!(target = %target, "role session kept in the cache");
    }
    Ok(Assumed { plan, session: outcome.session, notices: outcome.notices, from_cache: false })
}

/// Keeps `session` (made by `plan`) as its target's role session in the
/// keyring, so `credential_process` serves it: the TUI's "keep". An unusable
/// keyring is an error here.
pub async fn keep(ctx: &Context, plan: &Plan, session: &Session) -> Result<(), AppError> {
    let cache = Cache::open(&ctx.settings, Need::Keep).await?;
    let inputs = provenance::input_files(&ctx.aws.files, None, &ctx.settings);
    let want = want_for(ctx, plan, &Flags::default(), Some(provenance::files_key(&inputs, &ctx.env)));
    cache.store(&plan.target, session, &want).await
}

/// The `credential_process` path: a session for `target`, warm from the
/// cache with no parsing at all while the input files are unchanged;
/// otherwise the files are parsed, and the cached session is still served
/// when the plan it was made for is unchanged. An unusable keyring is an
/// error here (exit 4): caching is the point of this command. Notices and
/// warnings go to stderr.
pub async fn serve_process(settings_flag: Option<&std::path::Path>, target: &str) -> Result<Session, AppError> {
    let settings = Settings::load(settings_flag)?;
    let env = Env::real();
    let files = AwsFiles::from_env(&env);
    let cache = Cache::open(&settings, Need::Keep).await?;
    let inputs = provenance::input_files(&files, settings_flag, &settings);
    let files_key = provenance::files_key(&inputs, &env);
    let warm = Want { files: Some(files_key.clone()), plan: None, lifetime: None };
    let result = match cache.cached(target, &warm).await {
        Ok(Some(session)) => {
            tracing::debug!(target = %target, "credential-process: warm (input files unchanged, cached session served)");
            Ok(session)
        }
        Ok(None) => {
            tracing::debug!(target = %target, "credential-process: cold (parsing the files)");
            cold_process(settings_flag, target, &cache, files_key).await
        }
        Err(e) => Err(e),
    };
    for warning in cache.warnings() {
        eprintln!("rolecall: warning: {}", crate::text::clean(&warning));
    }
    result
}

async fn cold_process(
    settings_flag: Option<&std::path::Path>,
    target: &str,
    cache: &Cache,
    files_key: String,
) -> Result<Session, AppError> {
    let ctx = Context::load(settings_flag).await?;
    let flags = Flags::default();
    let parsed = TargetId::parse(target, &ctx.aws);
    if let TargetId::Account { account, role } = &parsed {
        orgs::prepare(&ctx, account, None, Prompt::Terminal).await;
        super::sso::prepare(&ctx, account, role).await;
    }
    let plan = plan_parsed(&ctx, target, &parsed, &flags)?;
    let want = want_for(&ctx, &plan, &flags, Some(files_key));
    let assumed = obtain(&ctx, cache, plan, &flags, Prompt::Terminal, &want).await?;
    for notice in &assumed.notices {
        ctx.warn(notice);
    }
    Ok(assumed.session)
}

/// Why one target of a [`Batch`] has no credentials: the error's text and exit code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// What went wrong, as the operator reads it (AccessDenied checklist included).
    pub message: String,
    /// The exit code the error maps to (rule 12 of docs/rules.md).
    pub exit_code: u8,
    /// An MFA code was needed and nobody may be asked for one (`rolecall login` primes it).
    pub mfa_needed: bool,
}

impl From<AppError> for Failure {
    fn from(e: AppError) -> Self {
        let mfa_needed = matches!(e, AppError::Broker(crate::broker::BrokerError::MfaUnavailable { .. }));
        Self { exit_code: e.exit_code(), message: e.to_string(), mfa_needed }
    }
}

/// True when an error is about the MFA code itself, so every target behind
/// the same MFA device would meet it too.
fn mfa_failure(e: &AppError) -> bool {
    use crate::broker::BrokerError as B;
    matches!(e, AppError::Broker(B::MfaUnavailable { .. } | B::MfaProcess { .. } | B::MfaRejected { .. }))
}

/// One gate per MFA device: `None` until a target got through it; then
/// `Ok` (the MFA session is stored), or the MFA failure every later target shares.
type Gate = Arc<tokio::sync::Mutex<Option<Result<(), Failure>>>>;

/// Many targets in one run (`rolecall run`): one session cache, the
/// organisations read once, and the same cached-or-assume path as
/// [`assume`]. A person is asked for an MFA code at most once per MFA
/// device: the first target that needs the MFA session makes (or finds) it
/// while the others behind the same device wait, then they all use it.
/// Targets that take a code on their own `AssumeRole` are asked one at a
/// time. Notices and cache warnings are returned, not printed.
pub struct Batch<'a> {
    ctx: &'a Context,
    cache: Cache,
    snapshots: Vec<(&'a crate::config::org::OrgSettings, crate::org::Snapshot)>,
    missing: Vec<String>,
    files_key: String,
    /// The discovered IAM Identity Center sessions, read once for the batch.
    sso: Vec<(crate::config::SsoSession, crate::sso::discover::Snapshot)>,
    flags: Flags,
    prompt: Prompt,
    gates: std::sync::Mutex<std::collections::HashMap<String, Gate>>,
}

impl<'a> Batch<'a> {
    /// A batch over the organisations in `snapshots` (as loaded for the
    /// selection; `missing` names the ones that could not be).
    pub async fn open(
        ctx: &'a Context,
        snapshots: Vec<(&'a crate::config::org::OrgSettings, crate::org::Snapshot)>,
        missing: Vec<String>,
        flags: Flags,
        prompt: Prompt,
    ) -> Result<Self, AppError> {
        let need = if flags.no_cache { Need::Skip } else { Need::Prefer };
        let cache = Cache::open(&ctx.settings, need).await?.deferring();
        let inputs = provenance::input_files(&ctx.aws.files, None, &ctx.settings);
        let files_key = provenance::files_key(&inputs, &ctx.env);
        let gates = std::sync::Mutex::default();
        let sso = super::sso::cached_views(ctx);
        Ok(Self { ctx, cache, snapshots, missing, files_key, sso, flags, prompt, gates })
    }

    /// The plan for `target` against the batch's organisations.
    pub fn plan(&self, target: &str) -> Result<Plan, AppError> {
        let views: Vec<catalog::OrgView<'_>> =
            self.snapshots.iter().map(|(o, s)| catalog::OrgView { settings: o, snapshot: s }).collect();
        let sso: Vec<catalog::SsoView<'_>> =
            self.sso.iter().map(|(session, snapshot)| catalog::SsoView { session, snapshot }).collect();
        let orgs = catalog::Orgs { views: &views, missing: &self.missing, sso: &sso };
        let parsed = TargetId::parse(target, &self.ctx.aws);
        Ok(catalog::plan_for(target, &parsed, &self.ctx.aws, &self.ctx.settings, orgs, &self.flags.overrides)?)
    }

    fn gate(&self, key: String) -> Gate {
        let mut gates = self.gates.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        gates.entry(key).or_default().clone()
    }

    /// `target`'s credentials: cached, or assumed and kept.
    pub async fn assume(&self, target: &str) -> Result<Assumed, Failure> {
        let plan = self.plan(target)?;
        let want = want_for(self.ctx, &plan, &self.flags, Some(self.files_key.clone()));
        let obtain = |plan| obtain(self.ctx, &self.cache, plan, &self.flags, self.prompt, &want);
        let base = plan.base.profile().map(str::to_owned).unwrap_or_else(|| plan.base.describe());
        if let Some(step) = &plan.mfa_session {
            let gate = self.gate(format!("session\u{0}{base}\u{0}{}", step.device.serial));
            let mut passed = gate.lock().await;
            match &*passed {
                Some(Ok(())) => {
                    drop(passed);
                    return obtain(plan).await.map_err(Failure::from);
                }
                Some(Err(f)) => return Err(f.clone()),
                None => {}
            }
            // The first through the gate: the others wait for its MFA session.
            return match obtain(plan).await {
                Ok(a) => {
                    *passed = Some(Ok(()));
                    Ok(a)
                }
                Err(e) if mfa_failure(&e) => {
                    let f = Failure::from(e);
                    *passed = Some(Err(f.clone()));
                    Err(f)
                }
                Err(e) => Err(e.into()),
            };
        }
        if plan.steps.iter().any(|s| s.mfa.is_some()) {
            // A code per role: one prompt at a time.
            let gate = self.gate("assume".into());
            let _turn = gate.lock().await;
            return obtain(plan).await.map_err(Failure::from);
        }
        obtain(plan).await.map_err(Failure::from)
    }

    /// The warnings the session cache collected (a keyring that could not
    /// be used, a damaged record replaced…). Call it once, when every target is done.
    pub async fn finish(&self) -> Vec<String> {
        self.cache.warnings()
    }
}
