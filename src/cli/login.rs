//! `rolecall login PROFILE`: prime an MFA session so later assumes (and
//! credential_process calls) need no code until it expires.
//! `rolecall login --sso NAME [--device-code] [--force]`: sign in to IAM
//! Identity Center (or make sure the kept token is valid).

use clap::Args;

use crate::config::duration::parse_seconds;
use crate::service::login::login;
use crate::service::sso::{self, SignInFlow};
use crate::service::{AppError, Context, MfaCode};
use crate::{limits, time};

/// Prime an MFA session for a profile, or sign in to IAM Identity Center.
#[derive(Debug, Args)]
pub struct LoginCmd {
    /// A role profile that uses an MFA session, or the base profile (with keys) itself.
    #[arg(required_unless_present = "sso", conflicts_with = "sso")]
    pub profile: Option<String>,
    /// Sign in to IAM Identity Center: an [sso-session NAME] (or a profile with SSO settings).
    #[arg(long, value_name = "NAME")]
    pub sso: Option<String>,
    /// With --sso: use the device authorization grant (a code to confirm in any browser).
    #[arg(long, requires = "sso")]
    pub device_code: bool,
    /// With --sso: start a new sign-in even when the kept token is valid.
    #[arg(long, requires = "sso")]
    pub force: bool,
    /// With --sso: do not list the session's accounts and permission sets afterwards.
    #[arg(long, requires = "sso")]
    pub no_discover: bool,
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
        if let Some(name) = &self.sso {
            let flow = if self.device_code { SignInFlow::DeviceCode } else { SignInFlow::Auto };
            let token = sso::login(ctx, name, flow, self.force).await?;
            let left = time::left(token.expires_at, time::now()).as_secs();
            ctx.warn(&format!(
                "IAM Identity Center '{}': token valid {} (until {})",
                crate::text::clean(name),
                time::left_label(left),
                time::rfc3339(token.expires_at)
            ));
            if !self.no_discover {
                let snap = sso::discover_after_login(ctx, name).await?;
                let targets: usize = snap.accounts.iter().map(|a| a.roles.len()).sum();
                ctx.warn(&format!(
                    "IAM Identity Center '{}': {} accounts, {targets} account x permission set targets ('rolecall list')",
                    crate::text::clean(name),
                    snap.accounts.len()
                ));
            }
            return Ok(0);
        }
        let profile = self.profile.clone().unwrap_or_default();
        for made in login(ctx, &profile, self.mfa_code.clone(), self.duration).await? {
            let until = made.session.credentials.expiration.map(time::rfc3339).unwrap_or_default();
            ctx.warn(&format!(
                "MFA session for '{}' ({}) as {} until {until}",
                made.base, made.device, made.session.identity.arn
            ));
        }
        Ok(0)
    }
}
