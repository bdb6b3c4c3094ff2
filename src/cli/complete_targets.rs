//! `rolecall __complete-targets PREFIX` (hidden): the target ids starting
//! with PREFIX, one a line, for the completion scripts `rolecall completions`
//! prints. Reads the catalog snapshot; never the network, never a prompt.

use clap::Args;

use super::print;
use crate::service::{AppError, catalog};

/// Print the target ids that start with a prefix.
#[derive(Debug, Args)]
pub struct CompleteTargetsCmd {
    /// What has been typed of the target so far (unquoted).
    #[arg(default_value = "", allow_hyphen_values = true)]
    pub prefix: String,
}

impl CompleteTargetsCmd {
    /// Runs the command. Completion must never print an error into the
    /// user's command line, so a failure prints nothing and exits 1.
    pub async fn run(self, settings_flag: Option<&std::path::Path>) -> Result<u8, AppError> {
        let Ok(ids) = catalog::ids_for_completion(settings_flag, &self.prefix).await else {
            return Ok(1);
        };
        let mut out = String::with_capacity(ids.iter().map(|i| i.len() + 1).sum());
        for id in &ids {
            out.push_str(id);
            out.push('\n');
        }
        print(&out)?;
        Ok(0)
    }
}
