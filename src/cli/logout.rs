//! `rolecall logout --sso NAME [--local]`: end an IAM Identity Center session:
//! its tokens (keyring and AWS CLI cache) and the role sessions made from
//! them are removed here first, then `Logout` tells the portal (unless
//! `--local`). A portal that cannot be reached leaves no secret behind.

use clap::Args;

use crate::service::sso::{self, Portal};
use crate::service::{AppError, Context};

/// Sign out of IAM Identity Center.
#[derive(Debug, Args)]
pub struct LogoutCmd {
    /// The [sso-session NAME] (or a profile with SSO settings).
    #[arg(long, value_name = "NAME", required = true)]
    pub sso: String,
    /// Only remove what is kept here; do not tell Identity Center (the session stays valid there until it ends).
    #[arg(long)]
    pub local: bool,
}

impl LogoutCmd {
    /// Runs the command.
    pub async fn run(self, ctx: &Context) -> Result<u8, AppError> {
        let name = crate::text::clean(&self.sso).into_owned();
        let done = sso::logout(ctx, &self.sso, self.local).await?;
        let mut failed = None;
        match done.sessions {
            Ok(removed) => {
                for target in &removed {
                    ctx.warn(&format!("forgot the session of '{}'", crate::text::clean(target)));
                }
            }
            Err(e) => failed = Some(e),
        }
        match done.tokens {
            Ok(true) => ctx.warn(&format!("removed the IAM Identity Center tokens of '{name}' here")),
            Ok(false) => ctx.warn(&format!("no IAM Identity Center token of '{name}' was kept here")),
            Err(e) => failed = failed.or(Some(e)),
        }
        match done.portal {
            Portal::Ended => ctx.warn(&format!("signed out of IAM Identity Center '{name}'")),
            Portal::NothingToEnd => {}
            Portal::Skipped => ctx.warn(&format!(
                "IAM Identity Center was not told (--local): the '{name}' session ends there when its token expires"
            )),
            Portal::Failed(e) => {
                ctx.warn(&format!(
                    "IAM Identity Center could not be told that '{name}' signed out; nothing is left here, and the session ends there when its token expires"
                ));
                failed = failed.or(Some(e));
            }
        }
        match failed {
            Some(e) => Err(e),
            None => Ok(0),
        }
    }
}
