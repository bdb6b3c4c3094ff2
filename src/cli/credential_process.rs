//! `rolecall credential-process TARGET`: the AWS CLI/SDK `credential_process`
//! backend. stdout carries exactly one JSON object
//! (`{"Version":1,"AccessKeyId",…,"Expiration"}`) and nothing else.

use clap::Args;

use super::print_strict;
use crate::output::export::credential_process_json;
use crate::service::{AppError, assume::serve_process};

/// Print cached or fresh credentials as credential_process JSON.
#[derive(Debug, Args)]
pub struct CredentialProcessCmd {
    /// Profile name or ACCOUNT/ROLE.
    pub target: String,
}

impl CredentialProcessCmd {
    /// Runs the command. The warm path reads the settings, one vault record,
    /// the vault key (on Linux from the kernel keyring: no D-Bus call) and the
    /// input files' metadata, and nothing else: no AWS config parsing, no network. A failed write to stdout is a failure.
    pub async fn run(self, settings_flag: Option<&std::path::Path>) -> Result<u8, AppError> {
        let session = serve_process(settings_flag, &self.target).await?;
        print_strict(&credential_process_json(&session.credentials))?;
        Ok(0)
    }
}
