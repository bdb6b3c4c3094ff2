//! `rolecall __complete-targets PREFIX` (hidden): the target ids starting
//! with PREFIX, one a line, for the completion scripts `rolecall completions`
//! prints; with `--bash LINE TEXT`, the ids continuing the word bash is
//! completing, each quoted as readline must insert it. Reads the catalog
//! snapshot; never the network, never a prompt.

use clap::Args;

use super::print;
use crate::output::bash_word::Completing;
use crate::service::{AppError, catalog};

/// Print the target ids that start with a prefix.
#[derive(Debug, Args)]
pub struct CompleteTargetsCmd {
    /// What has been typed of the target so far (unquoted).
    #[arg(default_value = "", allow_hyphen_values = true)]
    pub prefix: String,
    /// bash: the command line up to the cursor and readline's text (`$2`);
    /// prints candidates quoted for readline instead of bare ids.
    #[arg(long, num_args = 2, value_names = ["LINE", "TEXT"], allow_hyphen_values = true)]
    pub bash: Option<Vec<String>>,
}

impl CompleteTargetsCmd {
    /// Runs the command. Completion must never print an error into the
    /// user's command line, so a failure prints nothing and exits 1.
    pub async fn run(self, settings_flag: Option<&std::path::Path>) -> Result<u8, AppError> {
        let bash = match self.bash.as_deref() {
            Some([line, text]) => Some(Completing::new(line, text)),
            _ => None,
        };
        let prefix = bash.as_ref().map_or(self.prefix.as_str(), Completing::prefix);
        let Ok(ids) = catalog::ids_for_completion(settings_flag, prefix).await else {
            return Ok(1);
        };
        let mut out = String::with_capacity(ids.iter().map(|i| i.len() + 1).sum());
        for id in &ids {
            let quoted = match &bash {
                Some(word) => word.candidate(id),
                None => Some(id.clone()),
            };
            if let Some(line) = quoted {
                out.push_str(&line);
                out.push('\n');
            }
        }
        print(&out)?;
        Ok(0)
    }
}
