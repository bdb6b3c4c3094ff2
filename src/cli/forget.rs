//! `rolecall forget [TARGET | --all]`: remove cached sessions (vault records; with
//! `--all` also the vault key and any keyring item of the layout before the vault).

use clap::Args;

use crate::service::{AppError, Context, sessions};

/// Remove cached sessions.
#[derive(Debug, Args)]
pub struct ForgetCmd {
    /// A target (its role session) or a base profile (its MFA sessions).
    #[arg(conflicts_with = "all", required_unless_present = "all")]
    pub target: Option<String>,
    /// Remove every record, the vault key, and old keyring items from every keyring rolecall can open.
    #[arg(long)]
    pub all: bool,
}

impl ForgetCmd {
    /// Runs the command.
    pub async fn run(self, ctx: &Context) -> Result<u8, AppError> {
        let Some(target) = self.target.filter(|_| !self.all) else { return forget_all(ctx).await };
        let removed = sessions::forget(ctx, target.clone()).await?;
        if removed.is_empty() {
            return Err(AppError::usage(format!("nothing is cached for '{target}' (see 'rolecall status')")));
        }
        for key in removed {
            ctx.warn(&format!("forgot {key}"));
        }
        Ok(0)
    }
}

/// `forget --all`: what was removed from which keyring, then what could not be.
async fn forget_all(ctx: &Context) -> Result<u8, AppError> {
    let done = sessions::forget_all().await?;
    for note in &done.notes {
        ctx.warn(&format!("warning: {note}"));
    }
    for (store, key) in &done.removed {
        ctx.warn(&format!("forgot {key} ({store})"));
    }
    if done.removed.is_empty() && done.left.is_empty() {
        ctx.warn("no cached sessions to forget");
    }
    for left in &done.left {
        ctx.warn(&format!("could not forget {left}"));
    }
    match done.error() {
        Some(e) => Err(e.into()),
        None => Ok(0),
    }
}
