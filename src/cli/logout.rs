//! `rolecall logout --sso NAME`: end an IAM Identity Center session (`Logout`
//! at the portal), remove its tokens (keyring and AWS CLI cache) and the role
//! sessions made from them.

use clap::Args;

use crate::service::{AppError, Context, sso};

/// Sign out of IAM Identity Center.
#[derive(Debug, Args)]
pub struct LogoutCmd {
    /// The [sso-session NAME] (or a profile with SSO settings).
    #[arg(long, value_name = "NAME", required = true)]
    pub sso: String,
}

impl LogoutCmd {
    /// Runs the command.
    pub async fn run(self, ctx: &Context) -> Result<u8, AppError> {
        let removed = sso::logout(ctx, &self.sso).await?;
        for target in &removed {
            ctx.warn(&format!("forgot the session of '{target}'"));
        }
        ctx.warn(&format!("signed out of IAM Identity Center '{}'", crate::text::clean(&self.sso)));
        Ok(0)
    }
}
