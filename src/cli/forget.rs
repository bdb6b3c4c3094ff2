//! `rolecall forget [TARGET | --all]`: remove cached sessions from the keyring and the index.

use clap::Args;

use super::Context;
use crate::broker::BrokerError;
use crate::config::ConfigError;
use crate::obtain::blocking;
use crate::store::sessions::Sessions;
use crate::{paths, store};

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
    pub async fn run(self, ctx: &Context) -> Result<u8, BrokerError> {
        let dir = paths::cache_dir();
        let kind = ctx.settings.defaults.store;
        let target = self.target.clone();
        let all = self.all;
        let removed = blocking(move || {
            let sessions = Sessions::new(store::open(kind)?, &dir);
            let (index, _) = sessions.index().load();
            let keys: Vec<String> = index
                .entries
                .iter()
                .filter(|(_, e)| all || target.as_deref() == Some(e.target.as_str()))
                .map(|(k, _)| k.clone())
                .collect();
            for key in &keys {
                sessions.remove(key)?;
            }
            Ok(keys)
        })
        .await?;
        if removed.is_empty()
            && let Some(t) = &self.target
        {
            return Err(ConfigError::Usage(format!("nothing is cached for '{t}' (see 'rolecall status')")).into());
        }
        for key in removed {
            eprintln!("rolecall: forgot {key}");
        }
        Ok(0)
    }
}
