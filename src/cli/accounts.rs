//! `rolecall accounts`: the organisation accounts rolecall knows (issue: Organizations discovery).

use clap::Args;

use super::Context;
use crate::broker::BrokerError;

/// List organisation accounts with id, name, state, OU path and tags.
#[derive(Debug, Args)]
pub struct AccountsCmd {
    /// Fetch the organisation now instead of using the cache.
    #[arg(long)]
    pub refresh: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Only this organisation (its `name` in the settings).
    #[arg(long, value_name = "NAME")]
    pub org: Option<String>,
}

impl AccountsCmd {
    /// Runs the command.
    pub async fn run(self, _ctx: &Context) -> Result<u8, BrokerError> {
        Err(BrokerError::Unsupported("organisation discovery is not built yet".into()))
    }
}
