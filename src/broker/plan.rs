//! Plans: a pure function from (target, config, settings, flags) to the ordered
//! steps that turn base credentials into the target's credentials.

use std::fmt;

use crate::config::settings::Defaults;
use crate::config::{AwsConfig, Base, Chain, ConfigError, ProfileDef, RoleArn, Settings};

pub use crate::limits::{CHAINED_MAX_DURATION, FALLBACK_REGION, check_duration};
use crate::limits::{check_external_id, check_policy, check_policy_arns, check_session_name, check_tags};

/// Values from the command line that override the profile and settings.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    /// `--duration`, seconds.
    pub duration: Option<u32>,
    /// `--session-name`.
    pub session_name: Option<String>,
    /// `--region`.
    pub region: Option<String>,
    /// `--external-id`.
    pub external_id: Option<String>,
    /// `--source-identity`.
    pub source_identity: Option<String>,
    /// `--tag k=v` (replaces the profile's tags when given).
    pub tags: Option<Vec<(String, String)>>,
    /// `--transitive-tag k`.
    pub transitive_tags: Option<Vec<String>>,
    /// `--policy-arn arn`.
    pub policy_arns: Option<Vec<String>>,
    /// Contents of `--policy-file`.
    pub policy: Option<String>,
    /// `--mfa-on-assume`: send the MFA code with the target's `AssumeRole`
    /// instead of using an MFA session.
    pub mfa_on_assume: Option<bool>,
}

/// The `RoleSessionName` to send: fixed, or a template filled in at run time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionName {
    /// A name given by a flag or `role_session_name`, already validated.
    Fixed(String),
    /// A settings template: `{user}` is the caller's user name, `{os_user}` the OS user.
    Template(String),
}

/// An MFA device to present, and where a code for it may come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MfaDevice {
    /// `mfa_serial`: the device ARN or hardware serial.
    pub serial: String,
    /// `rolecall_mfa_process`/`mfa_process` of the profile that named the device.
    pub process: Option<String>,
}

/// `GetSessionToken` with an MFA code (rule 3 of docs/rules.md: MFA once per day), made once and reused for every role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MfaSessionStep {
    /// The device.
    pub device: MfaDevice,
    /// Requested lifetime of the MFA session, seconds.
    pub duration: u32,
}

/// One `AssumeRole` call with every parameter it sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeStep {
    /// The profile this step comes from.
    pub profile: String,
    /// `RoleArn`.
    pub role_arn: RoleArn,
    /// `RoleSessionName`.
    pub session_name: SessionName,
    /// What the configuration asked for, seconds.
    pub requested_duration: u32,
    /// `DurationSeconds` to send (after the chaining cap, when known at plan time).
    pub duration: u32,
    /// True when the caller of this step is itself a role session.
    pub chained: bool,
    /// `ExternalId`.
    pub external_id: Option<String>,
    /// `SerialNumber` + `TokenCode` on this call (when no MFA session can carry MFA).
    pub mfa: Option<MfaDevice>,
    /// `SourceIdentity`.
    pub source_identity: Option<String>,
    /// `Tags`.
    pub tags: Vec<(String, String)>,
    /// `TransitiveTagKeys`.
    pub transitive_tags: Vec<String>,
    /// `Policy` (JSON text, validated).
    pub policy: Option<String>,
    /// `PolicyArns`.
    pub policy_arns: Vec<String>,
}

/// The steps from base credentials to the target's credentials.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The target id as the user wrote it.
    pub target: String,
    /// Where the first caller's credentials come from.
    pub base: Base,
    /// `GetSessionToken` with MFA before the first assume, when rule 3 applies.
    pub mfa_session: Option<MfaSessionStep>,
    /// The roles to assume, in order.
    pub steps: Vec<AssumeStep>,
    /// STS region (rule 6 of docs/rules.md: regional unless configured).
    pub region: String,
    /// The profile whose `endpoint_url`/`[services]` configuration applies.
    pub endpoint_profile: Option<String>,
    /// Things the operator should know (e.g. the chaining cap).
    pub notices: Vec<String>,
}

impl Plan {
    /// The source chain as text: `hub (keys) -> mfa -> a -> b`.
    pub fn describe_chain(&self) -> String {
        let mut parts = vec![self.base.describe()];
        if self.mfa_session.is_some() {
            parts.push("mfa-session".into());
        }
        parts.extend(self.steps.iter().map(|s| s.profile.clone()));
        parts.join(" -> ")
    }

    /// True when assuming this target needs an MFA code (unless a session is cached).
    pub fn needs_mfa(&self) -> bool {
        self.mfa_session.is_some() || self.steps.iter().any(|s| s.mfa.is_some())
    }

    /// The final role, if the plan assumes one.
    pub fn final_step(&self) -> Option<&AssumeStep> {
        self.steps.last()
    }
}

/// Why no plan could be made.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The AWS files are wrong.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A value is out of range or malformed; the message names its origin.
    #[error("{0}")]
    Invalid(String),
}

impl fmt::Display for SessionName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fixed(s) | Self::Template(s) => f.write_str(s),
        }
    }
}

/// Builds the plan for profile `target`.
pub fn build(target: &str, config: &AwsConfig, settings: &Settings, flags: &Overrides) -> Result<Plan, PlanError> {
    let chain = config.chain(target)?;
    let target_profile = config.profile(target)?;
    let endpoint_profile = Some(target.to_owned());
    from_chain(target, chain, target_profile.region.as_deref(), endpoint_profile, config, settings, flags)
}

/// Builds the plan for a resolved chain whose last role is the target: the
/// rules shared by profile targets and organisation targets. `target_region`
/// is the target's own region setting; `endpoint_profile` the profile whose
/// endpoint configuration applies.
pub fn from_chain(
    target: &str,
    chain: Chain,
    target_region: Option<&str>,
    endpoint_profile: Option<String>,
    config: &AwsConfig,
    settings: &Settings,
    flags: &Overrides,
) -> Result<Plan, PlanError> {
    let defaults = &settings.defaults;
    if let Some(d) = flags.duration {
        check_duration(d).map_err(|e| PlanError::Invalid(format!("--duration {e}")))?;
    }
    let planner = Planner {
        config,
        defaults,
        flags,
        default_duration: u32::try_from(defaults.duration.as_secs()).unwrap_or(CHAINED_MAX_DURATION),
        base_is_long_lived: matches!(&chain.base, Base::StaticKeys { credentials, .. } if !credentials.is_temporary()),
        last: chain.roles.len().saturating_sub(1),
    };
    let mut steps = Vec::with_capacity(chain.roles.len());
    let mut notices = Vec::new();
    let mut mfa_session = None;
    for (i, role_profile) in chain.roles.iter().enumerate() {
        let Some(role) = &role_profile.role else { continue };
        steps.push(planner.step(i, role_profile, &role.arn, &mut mfa_session, &mut notices)?);
    }
    let region = region(config, defaults, flags, target_region)?;
    Ok(Plan { target: target.to_owned(), base: chain.base, mfa_session, steps, region, endpoint_profile, notices })
}

/// Session tags: `(key, value)` pairs.
type Tags = Vec<(String, String)>;

/// What every step of one plan is made with.
struct Planner<'a> {
    config: &'a AwsConfig,
    defaults: &'a Defaults,
    flags: &'a Overrides,
    /// The settings' duration, seconds.
    default_duration: u32,
    /// True when the base is keys without a session token (where an MFA session can start).
    base_is_long_lived: bool,
    /// The index of the target's role in the chain.
    last: usize,
}

/// The role at position `i` of the chain; flags apply to the last one only.
struct At<'a> {
    i: usize,
    is_final: bool,
    profile: &'a ProfileDef,
}

impl At<'_> {
    /// The flag's value on the target's role, else the profile's.
    fn pick(&self, flag: &Option<String>, profile: &Option<String>) -> Option<String> {
        if self.is_final { flag.clone().or_else(|| profile.clone()) } else { profile.clone() }
    }

    /// The flag's list on the target's role, else the profile's.
    fn pick_list<T: Clone>(&self, flag: &Option<Vec<T>>, profile: &[T]) -> Vec<T> {
        match (self.is_final, flag) {
            (true, Some(t)) => t.clone(),
            _ => profile.to_vec(),
        }
    }
}

impl Planner<'_> {
    /// The `AssumeStep` for role `i` of the chain; the first may open the MFA
    /// session (`mfa_session`), and a capped duration adds a notice.
    fn step(
        &self,
        i: usize,
        profile: &ProfileDef,
        role_arn: &RoleArn,
        mfa_session: &mut Option<MfaSessionStep>,
        notices: &mut Vec<String>,
    ) -> Result<AssumeStep, PlanError> {
        let at = At { i, is_final: i == self.last, profile };
        let requested_duration = match (at.is_final, self.flags.duration) {
            (true, Some(d)) => d,
            _ => profile.duration_seconds.unwrap_or(self.default_duration),
        };
        let mfa = self.mfa(&at, mfa_session);
        // AWS counts a role assumed with another role session's credentials,
        // or with an MFA session's (GetSessionToken), as role chaining: 1 hour at most.
        let chained = i > 0 || mfa_session.is_some();
        let duration = cap(&at, requested_duration, chained, mfa_session.is_some(), notices);
        let session_name = self.session_name(&at)?;
        let (external_id, source_identity) = self.identifiers(&at)?;
        let (tags, transitive_tags) = self.tags(&at)?;
        let (policy, policy_arns) = self.policies(&at)?;
        Ok(AssumeStep {
            profile: profile.name.clone(),
            role_arn: role_arn.clone(),
            session_name,
            requested_duration,
            duration,
            chained,
            external_id,
            mfa,
            source_identity,
            tags,
            transitive_tags,
            policy,
            policy_arns,
        })
    }

    /// MFA once per day: long-lived keys + MFA on the first role → one
    /// GetSessionToken (put in `mfa_session`), reused by every role — unless
    /// the operator asks for MFA on the AssumeRole call itself (a code per
    /// role, no 1-hour cap). Answers the device to send on the call itself.
    fn mfa(&self, at: &At<'_>, mfa_session: &mut Option<MfaSessionStep>) -> Option<MfaDevice> {
        let profile = at.profile;
        let device =
            profile.mfa_serial.clone().map(|serial| MfaDevice { serial, process: profile.mfa_process.clone() });
        let on_assume = self.flags.mfa_on_assume.filter(|_| at.is_final).unwrap_or(profile.mfa_on_assume);
        match device {
            Some(device) if at.i == 0 && self.base_is_long_lived && !on_assume => {
                let duration = u32::try_from(self.defaults.mfa_session_duration.as_secs()).unwrap_or(43_200);
                *mfa_session = Some(MfaSessionStep { device, duration });
                None
            }
            other => other,
        }
    }

    /// A bad value from a profile names the profile, key and file; one from
    /// a flag (or an organisation's settings) names what it is for.
    fn bad(&self, at: &At<'_>, from_flag: bool, key: &str, what: &str, e: String) -> PlanError {
        let name = &at.profile.name;
        if !from_flag && self.config.has_profile(name) {
            PlanError::Config(self.config.invalid(name, key, e))
        } else {
            PlanError::Invalid(format!("{what} for '{name}': {e}"))
        }
    }

    fn session_name(&self, at: &At<'_>) -> Result<SessionName, PlanError> {
        let flags = self.flags;
        match at.pick(&flags.session_name, &at.profile.role_session_name) {
            Some(fixed) => {
                let from_flag = at.is_final && flags.session_name.is_some();
                check_session_name(&fixed)
                    .map_err(|e| self.bad(at, from_flag, "role_session_name", "session name", e))?;
                Ok(SessionName::Fixed(fixed))
            }
            None => Ok(SessionName::Template(self.defaults.session_name.clone())),
        }
    }

    /// `ExternalId` and `SourceIdentity`, checked.
    fn identifiers(&self, at: &At<'_>) -> Result<(Option<String>, Option<String>), PlanError> {
        let (flags, profile) = (self.flags, at.profile);
        let external_id = at.pick(&flags.external_id, &profile.external_id);
        if let Some(x) = &external_id {
            let from_flag = at.is_final && flags.external_id.is_some();
            check_external_id(x).map_err(|e| self.bad(at, from_flag, "external_id", "external id", e))?;
        }
        let source_identity = at.pick(&flags.source_identity, &profile.source_identity);
        if let Some(s) = &source_identity {
            let from_flag = at.is_final && flags.source_identity.is_some();
            check_session_name(s)
                .map_err(|e| self.bad(at, from_flag, "rolecall_source_identity", "source identity", e))?;
        }
        Ok((external_id, source_identity))
    }

    /// Session tags and transitive tag keys, checked together.
    fn tags(&self, at: &At<'_>) -> Result<(Tags, Vec<String>), PlanError> {
        let (flags, profile) = (self.flags, at.profile);
        let tags = at.pick_list(&flags.tags, &profile.tags);
        let transitive_tags = at.pick_list(&flags.transitive_tags, &profile.transitive_tags);
        check_tags(&tags, &transitive_tags).map_err(|e| {
            let from_flag = at.is_final && (flags.tags.is_some() || flags.transitive_tags.is_some());
            let key = if e.starts_with("transitive") { "rolecall_transitive_tags" } else { "rolecall_tags" };
            self.bad(at, from_flag, key, "session tags", e)
        })?;
        Ok((tags, transitive_tags))
    }

    /// The session policy (JSON text) and the managed policy ARNs, checked.
    fn policies(&self, at: &At<'_>) -> Result<(Option<String>, Vec<String>), PlanError> {
        let (flags, profile) = (self.flags, at.profile);
        let policy_arns = at.pick_list(&flags.policy_arns, &profile.policy_arns);
        let from_flag = at.is_final && flags.policy_arns.is_some();
        check_policy_arns(&policy_arns)
            .map_err(|e| self.bad(at, from_flag, "rolecall_policy_arns", "policy ARNs", e))?;
        let policy = at.pick(&flags.policy, &profile.policy);
        if let Some(p) = &policy {
            check_policy(p).map_err(|e| {
                let origin = match (&flags.policy, &profile.policy_file) {
                    (Some(_), _) if at.is_final => "--policy-file".to_owned(),
                    (_, Some(path)) => format!("rolecall_policy_file '{}'", path.display()),
                    _ => "policy".to_owned(),
                };
                PlanError::Invalid(format!("session policy for '{}' from {origin}: {e}", profile.name))
            })?;
        }
        Ok((policy, policy_arns))
    }
}

/// `requested` seconds, capped at the role-chaining maximum when `chained`
/// (with a notice saying why: an MFA session on the first role, else a role session).
fn cap(at: &At<'_>, requested: u32, chained: bool, via_mfa_session: bool, notices: &mut Vec<String>) -> u32 {
    if !chained || requested <= CHAINED_MAX_DURATION {
        return requested;
    }
    let name = &at.profile.name;
    notices.push(match (at.i, via_mfa_session) {
        (0, true) => mfa_session_notice(name, requested),
        _ => chain_notice(name, requested),
    });
    CHAINED_MAX_DURATION
}

/// The STS region: `--region`, `AWS_REGION`, the target's, the settings', else the fallback.
/// Profile and settings regions were checked when read; the first two are checked here.
fn region(
    config: &AwsConfig,
    defaults: &Defaults,
    flags: &Overrides,
    target_region: Option<&str>,
) -> Result<String, PlanError> {
    let invalid = PlanError::Invalid;
    if let Some(r) = &flags.region {
        crate::limits::check_region(r).map_err(|e| invalid(format!("--region {e}")))?;
    } else if let Some(r) = config.env_region() {
        crate::limits::check_region(r).map_err(|e| invalid(format!("AWS_REGION (or AWS_DEFAULT_REGION) {e}")))?;
    }
    Ok(flags
        .region
        .clone()
        .or_else(|| config.env_region().map(str::to_owned))
        .or_else(|| target_region.map(str::to_owned))
        .or_else(|| defaults.region.clone())
        .unwrap_or_else(|| FALLBACK_REGION.to_owned()))
}

/// The notice shown when a duration is capped because the role is assumed with an MFA session.
pub fn mfa_session_notice(profile: &str, requested: u32) -> String {
    format!(
        "notice: '{profile}' asks for {requested} s, but it is assumed with a stored MFA session \
         (GetSessionToken credentials), which AWS treats as role chaining and caps at {CHAINED_MAX_DURATION} s; \
         using {CHAINED_MAX_DURATION} s (rolecall renews it from the MFA session). For one longer session, \
         pass --mfa-on-assume or set 'rolecall_mfa_on_assume = true' on the profile: a code per role, up to the role's maximum"
    )
}

/// The notice shown when a requested duration is capped because of role chaining.
pub fn chain_notice(profile: &str, requested: u32) -> String {
    format!(
        "notice: '{profile}' asks for {requested} s, but it is assumed from another role session \
         (role chaining), which AWS caps at {CHAINED_MAX_DURATION} s; using {CHAINED_MAX_DURATION} s"
    )
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
