//! `rolecall prompt`: the prompt segment for the current shell, from
//! ROLECALL_TARGET and ROLECALL_EXPIRATION alone (no file, no network), so
//! it can run on every prompt.

use clap::Args;

use super::print;
use crate::output::prompt;
use crate::service::AppError;
use crate::time;

/// Print `TARGET 42m` inside a rolecall session, nothing outside one.
#[derive(Debug, Args)]
pub struct PromptCmd {}

impl PromptCmd {
    /// Runs the command. Prints nothing, and succeeds, outside a session.
    pub fn run(self) -> Result<u8, AppError> {
        let target = std::env::var("ROLECALL_TARGET").ok();
        let expiration = std::env::var("ROLECALL_EXPIRATION").ok();
        if let Some(segment) = prompt::segment(target.as_deref(), expiration.as_deref(), time::now()) {
            print(&format!("{segment}\n"))?;
        }
        Ok(0)
    }
}
