//! `rolecall login PROFILE`: prime an MFA session so later assumes (and
//! credential_process calls) need no code until it expires.

use clap::Args;

use super::Context;
use super::assume::{AssumeArgs, broker_for, plan_for};
use crate::broker::plan::{MfaDevice, MfaSessionStep};
use crate::broker::{BrokerError, MfaCode, Overrides, Plan, plan};
use crate::config::ConfigError;
use crate::config::settings::parse_duration;
use crate::obtain::Cache;
use crate::output::export::rfc3339;

/// Prime an MFA session for a profile.
#[derive(Debug, Args)]
pub struct LoginCmd {
    /// A role profile that uses an MFA session, or the base profile (with keys) itself.
    pub profile: String,
    /// MFA code (6 digits).
    #[arg(long, value_name = "CODE", value_parser = |s: &str| MfaCode::parse(s).map_err(|e| format!("'{s}': {e}")))]
    pub mfa_code: Option<MfaCode>,
    /// MFA session length: seconds or e.g. 12h (15 minutes to 36 hours; default from the settings).
    #[arg(long, value_name = "DURATION", value_parser = parse_mfa_duration)]
    pub duration: Option<u32>,
}

fn parse_mfa_duration(s: &str) -> Result<u32, String> {
    let secs = parse_duration(s)?.as_secs();
    match u32::try_from(secs) {
        Ok(v) if (900..=129_600).contains(&v) => Ok(v),
        _ => Err(format!("'{s}' is outside 15 minutes to 36 hours")),
    }
}

impl LoginCmd {
    /// Runs the command.
    pub async fn run(self, ctx: &Context) -> Result<u8, BrokerError> {
        let args = AssumeArgs { mfa_code: self.mfa_code.clone(), ..AssumeArgs::default() };
        let plans = self.plans(ctx, &args)?;
        let cache = Cache::open(&ctx.settings, true).await?;
        for plan in plans {
            let broker = broker_for(ctx, &plan, &args, cache.session_cache()).await;
            let session = broker.login(&plan).await?;
            let device = plan.mfa_session.as_ref().map(|s| s.device.serial.as_str()).unwrap_or_default();
            let until = session.credentials.expiration.map(rfc3339).unwrap_or_default();
            eprintln!(
                "rolecall: MFA session for '{}' ({device}) as {} until {until}",
                plan.base.profile().unwrap_or(&self.profile),
                session.identity.arn
            );
        }
        for warning in cache.warnings() {
            eprintln!("rolecall: warning: {warning}");
        }
        Ok(0)
    }

    /// The MFA sessions to make: the profile's own plan when it uses one; for a
    /// base profile, its own `mfa_serial` or the devices of the roles built on it.
    fn plans(&self, ctx: &Context, args: &AssumeArgs) -> Result<Vec<Plan>, BrokerError> {
        let with_duration = |mut p: Plan| {
            if let (Some(step), Some(d)) = (p.mfa_session.as_mut(), self.duration) {
                step.duration = d;
            }
            p
        };
        let own = plan_for(ctx, &self.profile, args)?;
        if own.mfa_session.is_some() {
            return Ok(vec![with_duration(own)]);
        }
        if !own.steps.is_empty() {
            return Err(BrokerError::Unsupported(format!(
                "'{}' does not use an MFA session (that needs an IAM user's keys as the base and 'mfa_serial' on the first role); nothing to log in to",
                self.profile
            )));
        }
        let profile = ctx.aws.profile(&self.profile)?;
        let mut devices: Vec<MfaDevice> = Vec::new();
        if let Some(serial) = profile.mfa_serial.clone() {
            devices.push(MfaDevice { serial, process: profile.mfa_process.clone() });
        } else {
            for name in ctx.aws.profile_names() {
                let Ok(p) = plan::build(name, &ctx.aws, &ctx.settings, &Overrides::default()) else { continue };
                if let Some(step) = p.mfa_session
                    && p.base.profile() == Some(self.profile.as_str())
                    && !devices.iter().any(|d| d.serial == step.device.serial)
                {
                    devices.push(step.device);
                }
            }
        }
        if devices.is_empty() {
            return Err(ConfigError::Usage(format!(
                "no MFA device for '{}': set 'mfa_serial' on it, or on a role profile whose source_profile it is",
                self.profile
            ))
            .into());
        }
        let duration = u32::try_from(ctx.settings.defaults.mfa_session_duration.as_secs()).unwrap_or(43_200);
        Ok(devices
            .into_iter()
            .map(|device| with_duration(Plan { mfa_session: Some(MfaSessionStep { device, duration }), ..own.clone() }))
            .collect())
    }
}
