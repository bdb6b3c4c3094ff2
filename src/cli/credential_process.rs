//! `rolecall credential-process TARGET`: the AWS CLI/SDK `credential_process`
//! backend (DESIGN rule 10). stdout carries exactly one JSON object.

use clap::Args;

use super::assume::{AssumeArgs, broker_for, plan_for};
use super::{Context, print};
use crate::broker::BrokerError;
use crate::config::Settings;
use crate::obtain::Cache;
use crate::output::export::credential_process_json;

/// Print cached or fresh credentials as credential_process JSON.
#[derive(Debug, Args)]
pub struct CredentialProcessCmd {
    /// Profile name or ACCOUNT/ROLE.
    pub target: String,
}

impl CredentialProcessCmd {
    /// Runs the command. The warm path reads the settings, the index and one
    /// keyring entry, and nothing else: no AWS config parsing, no network.
    pub async fn run(self, settings_flag: Option<&std::path::Path>) -> Result<u8, BrokerError> {
        let settings = Settings::load(settings_flag)?;
        let cache = Cache::open(&settings, true).await?;
        let result = self.serve(settings_flag, &cache).await;
        for warning in cache.warnings() {
            eprintln!("rolecall: warning: {warning}");
        }
        print(&credential_process_json(&result?.credentials))?;
        Ok(0)
    }

    async fn serve(
        &self,
        settings_flag: Option<&std::path::Path>,
        cache: &Cache,
    ) -> Result<crate::credentials::Session, BrokerError> {
        let outcome = cache
            .get_or_assume(&self.target, || async {
                // Only a refresh needs the AWS files.
                let ctx = Context::load(settings_flag).await?;
                let args = AssumeArgs::default();
                let plan = plan_for(&ctx, &self.target, &args)?;
                broker_for(&ctx, &plan, &args, cache.session_cache()).await.run(&plan).await
            })
            .await?;
        for notice in &outcome.notices {
            eprintln!("rolecall: {notice}");
        }
        Ok(outcome.session)
    }
}
