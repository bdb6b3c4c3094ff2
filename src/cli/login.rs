//! `rolecall login PROFILE`: prime an MFA session so later assumes (and
//! credential_process calls) need no code until it expires.

use clap::Args;

use crate::config::duration::parse_seconds;
use crate::service::login::login;
use crate::service::{AppError, Context, MfaCode};
use crate::{limits, time};

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
    let secs = parse_seconds(s)?;
    limits::check_mfa_session(secs)?;
    Ok(secs)
}

impl LoginCmd {
    /// Runs the command.
    pub async fn run(self, ctx: &Context) -> Result<u8, AppError> {
        for made in login(ctx, &self.profile, self.mfa_code.clone(), self.duration).await? {
            let until = made.session.credentials.expiration.map(time::rfc3339).unwrap_or_default();
            ctx.warn(&format!(
                "MFA session for '{}' ({}) as {} until {until}",
                made.base, made.device, made.session.identity.arn
            ));
        }
        Ok(0)
    }
}
