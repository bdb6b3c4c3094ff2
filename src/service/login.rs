//! Priming MFA sessions (`rolecall login`): for a role profile that uses an
//! MFA session, that session; for a base profile, its own device or the
//! devices of the roles built on it. Each is made fresh and kept.

use super::assume::{Flags, Prompt, broker_for, plan_for};
use super::cache::{Cache, Need};
use super::{AppError, Context};
use crate::broker::plan::{MfaDevice, MfaSessionStep};
use crate::broker::{MfaCode, Overrides, Plan, plan};
use crate::credentials::Session;

/// One MFA session made.
pub struct LoggedIn {
    /// The base profile it belongs to.
    pub base: String,
    /// The MFA device.
    pub device: String,
    /// The session (the base's identity, MFA-authenticated).
    pub session: Session,
}

/// Makes fresh MFA sessions for `profile` (see the module doc); `duration`
/// overrides the settings' MFA session length.
pub async fn login(
    ctx: &Context,
    profile: &str,
    code: Option<MfaCode>,
    duration: Option<u32>,
) -> Result<Vec<LoggedIn>, AppError> {
    let flags = Flags { mfa_code: code, ..Flags::default() };
    let plans = plans(ctx, profile, &flags, duration)?;
    let cache = Cache::open(&ctx.settings, Need::Keep).await?;
    let mut out = Vec::new();
    let mut result = Ok(());
    for plan in plans {
        let broker = broker_for(ctx, &plan, &flags, cache.session_cache(), Prompt::Terminal);
        match broker.login(&plan).await {
            Ok(session) => out.push(LoggedIn {
                base: plan.base.profile().unwrap_or(profile).to_owned(),
                device: plan.mfa_session.as_ref().map(|s| s.device.serial.clone()).unwrap_or_default(),
                session,
            }),
            Err(e) => {
                result = Err(e.into());
                break;
            }
        }
    }
    for warning in cache.warnings() {
        ctx.warn(&format!("warning: {warning}"));
    }
    result.map(|()| out)
}

fn plans(ctx: &Context, profile: &str, flags: &Flags, duration: Option<u32>) -> Result<Vec<Plan>, AppError> {
    let with_duration = |mut p: Plan| {
        if let (Some(step), Some(d)) = (p.mfa_session.as_mut(), duration) {
            step.duration = d;
        }
        p
    };
    let own = plan_for(ctx, profile, flags)?;
    if own.mfa_session.is_some() {
        return Ok(vec![with_duration(own)]);
    }
    if !own.steps.is_empty() {
        return Err(AppError::usage(format!(
            "'{profile}' does not use an MFA session (that needs an IAM user's keys as the base and 'mfa_serial' on the first role); nothing to log in to"
        )));
    }
    let def = ctx.aws.profile(profile)?;
    let mut devices: Vec<MfaDevice> = Vec::new();
    if let Some(serial) = def.mfa_serial.clone() {
        devices.push(MfaDevice { serial, process: def.mfa_process.clone() });
    } else {
        for name in ctx.aws.profile_names() {
            let Ok(p) = plan::build(name, &ctx.aws, &ctx.settings, &Overrides::default()) else { continue };
            if let Some(step) = p.mfa_session
                && p.base.profile() == Some(profile)
                && !devices.iter().any(|d| d.serial == step.device.serial)
            {
                devices.push(step.device);
            }
        }
    }
    if devices.is_empty() {
        return Err(AppError::usage(format!(
            "no MFA device for '{profile}': set 'mfa_serial' on it, or on a role profile whose source_profile it is"
        )));
    }
    let duration_default = u32::try_from(ctx.settings.defaults.mfa_session_duration.as_secs()).unwrap_or(43_200);
    Ok(devices
        .into_iter()
        .map(|device| {
            with_duration(Plan {
                mfa_session: Some(MfaSessionStep { device, duration: duration_default }),
                ..own.clone()
            })
        })
        .collect())
}
