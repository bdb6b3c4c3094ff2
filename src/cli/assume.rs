//! Flags shared by every command that assumes a target, and the one path from
//! a target id to verified credentials.

use std::sync::Arc;

use clap::Args;

use super::Context;
use crate::broker::sts::SdkConnector;
use crate::broker::{
    Broker, BrokerError, MfaCode, MfaPrompt, MfaSource, Outcome, Overrides, Plan, SessionCache, TtyPrompt, plan,
};
use crate::config::ConfigError;
use crate::config::settings::parse_duration;
use crate::obtain::Cache;
use crate::target::TargetId;

/// Flags that change how a target is assumed.
#[derive(Debug, Clone, Default, Args)]
pub struct AssumeArgs {
    /// MFA code (6 digits) for the target's MFA device.
    #[arg(long, value_name = "CODE", value_parser = parse_code)]
    pub mfa_code: Option<MfaCode>,
    /// Session duration: seconds or e.g. 1h, 90m (900..=43200 s; 3600 s when chaining).
    #[arg(long, value_name = "DURATION", value_parser = parse_seconds)]
    pub duration: Option<u32>,
    /// RoleSessionName (default: your user name).
    #[arg(long, value_name = "NAME")]
    pub session_name: Option<String>,
    /// STS region (default: AWS_REGION, the profile's, the settings', us-east-1).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// ExternalId for the target role.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// SourceIdentity for the target role.
    #[arg(long, value_name = "ID")]
    pub source_identity: Option<String>,
    /// Session tag KEY=VALUE (repeatable; replaces the profile's rolecall_tags).
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = parse_tag)]
    pub tags: Vec<(String, String)>,
    /// Transitive tag key (repeatable).
    #[arg(long = "transitive-tag", value_name = "KEY")]
    pub transitive_tags: Vec<String>,
    /// Managed policy ARN to scope the session down (repeatable, at most 10).
    #[arg(long = "policy-arn", value_name = "ARN")]
    pub policy_arns: Vec<String>,
    /// JSON file with an inline session policy.
    #[arg(long, value_name = "FILE")]
    pub policy_file: Option<std::path::PathBuf>,
    /// Neither use nor fill the session cache in the keyring.
    #[arg(long)]
    pub no_cache: bool,
}

fn parse_code(s: &str) -> Result<MfaCode, String> {
    MfaCode::parse(s).map_err(|e| format!("'{s}': {e}"))
}

fn parse_seconds(s: &str) -> Result<u32, String> {
    let secs = parse_duration(s)?.as_secs();
    let secs = u32::try_from(secs).map_err(|_| format!("'{s}' is too long"))?;
    plan::check_duration(secs)?;
    Ok(secs)
}

fn parse_tag(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("'{s}' is not KEY=VALUE")),
    }
}

impl AssumeArgs {
    /// True when the session may come from, and go to, the cache: no flag that
    /// makes it differ from the target's usual session (name, policy, tags…).
    pub fn caches(&self) -> bool {
        !self.no_cache
            && self.session_name.is_none()
            && self.external_id.is_none()
            && self.source_identity.is_none()
            && self.tags.is_empty()
            && self.transitive_tags.is_empty()
            && self.policy_arns.is_empty()
            && self.policy_file.is_none()
    }

    fn overrides(&self) -> Result<Overrides, BrokerError> {
        let policy = match &self.policy_file {
            None => None,
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| ConfigError::Usage(format!("--policy-file '{}': {e}", path.display())))?,
            ),
        };
        let some = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
        Ok(Overrides {
            duration: self.duration,
            session_name: self.session_name.clone(),
            region: self.region.clone(),
            external_id: self.external_id.clone(),
            source_identity: self.source_identity.clone(),
            tags: (!self.tags.is_empty()).then(|| self.tags.clone()),
            transitive_tags: some(&self.transitive_tags),
            policy_arns: some(&self.policy_arns),
            policy,
        })
    }
}

/// Builds the plan for `target`.
pub fn plan_for(ctx: &Context, target: &str, args: &AssumeArgs) -> Result<Plan, BrokerError> {
    match TargetId::parse(target, &ctx.aws) {
        TargetId::Profile(name) => Ok(plan::build(&name, &ctx.aws, &ctx.settings, &args.overrides()?)?),
        TargetId::Account { account, role } => {
            super::accounts::plan_for_account(ctx, target, &account, &role, &args.overrides()?)
        }
    }
}

/// Builds a broker for `plan` with the real STS connector, the given MFA
/// session cache, and MFA codes from the flag, `mfa_process` or a terminal prompt.
pub async fn broker_for(ctx: &Context, plan: &Plan, args: &AssumeArgs, cache: Arc<dyn SessionCache>) -> Broker {
    let connector = SdkConnector::new(&ctx.aws, &ctx.env, plan.endpoint_profile.as_deref(), &plan.region).await;
    let interactive = !ctx.quiet && TtyPrompt::available();
    let prompt: Option<Arc<dyn MfaPrompt>> = interactive.then(|| Arc::new(TtyPrompt) as Arc<dyn MfaPrompt>);
    let mut mfa = MfaSource::new(args.mfa_code.clone(), prompt);
    if let Some(base) = plan.base.profile() {
        mfa = mfa.with_no_prompt_reason(format!(
            "there is no terminal to ask on: pass --mfa-code, set 'mfa_process' in the profile, \
             or run 'rolecall login {base}' in a terminal first"
        ));
    }
    Broker::new(Arc::new(connector), mfa, cache, ctx.env.clone())
}

/// The session for `target`: from the cache when it has enough time left,
/// else assumed (once across concurrent processes) and cached. Notices and
/// cache warnings go to stderr.
pub async fn assume(ctx: &Context, target: &str, args: &AssumeArgs) -> Result<(Plan, Outcome), BrokerError> {
    super::accounts::prepare(ctx, target, args).await;
    let plan = plan_for(ctx, target, args)?;
    let cache = Cache::open(&ctx.settings, args.caches()).await?;
    let outcome = obtain(ctx, &plan, args, &cache).await;
    for warning in cache.warnings() {
        ctx.warn(&format!("warning: {warning}"));
    }
    let outcome = outcome?;
    for notice in &outcome.notices {
        ctx.warn(notice);
    }
    Ok((plan, outcome))
}

async fn obtain(ctx: &Context, plan: &Plan, args: &AssumeArgs, cache: &Cache) -> Result<Outcome, BrokerError> {
    cache
        .get_or_assume(&plan.target, || async {
            broker_for(ctx, plan, args, cache.session_cache()).await.run(plan).await
        })
        .await
}
