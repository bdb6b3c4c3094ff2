//! `rolecall forget [TARGET | --all]`: remove cached sessions from the keyring and the index.

use clap::Args;

use crate::service::{AppError, Context, sessions};

/// Remove cached sessions.
#[derive(Debug, Args)]
pub struct ForgetCmd {
    /// A target (its role session) or a base profile (its MFA sessions).
    #[arg(conflicts_with = "all", required_unless_present = "all")]
    pub target: Option<String>,
    /// Remove every cached session.
    #[arg(long)]
    pub all: bool,
}

impl ForgetCmd {
    /// Runs the command.
    pub async fn run(self, ctx: &Context) -> Result<u8, AppError> {
        let target = if self.all { None } else { self.target.clone() };
        let removed = sessions::forget(ctx, target).await?;
        if removed.is_empty()
            && let Some(t) = &self.target
        {
            return Err(AppError::usage(format!("nothing is cached for '{t}' (see 'rolecall status')")));
        }
        for key in removed {
            ctx.warn(&format!("forgot {key}"));
        }
        Ok(0)
    }
}
