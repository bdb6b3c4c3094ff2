//! Flags shared by every command that assumes a target, turned into the
//! service's [`Flags`].

use clap::Args;

use crate::config::duration::parse_seconds;
use crate::limits;
use crate::service::{AppError, Flags, MfaCode, Overrides};

/// Flags that change how a target is assumed.
#[derive(Debug, Clone, Default, Args)]
pub struct AssumeArgs {
    /// MFA code (6 digits) for the target's MFA device.
    #[arg(long, value_name = "CODE", value_parser = parse_code)]
    pub mfa_code: Option<MfaCode>,
    /// Session duration: seconds or e.g. 1h, 90m (900..=43200 s; 3600 s when chaining).
    #[arg(long, value_name = "DURATION", value_parser = parse_role_seconds)]
    pub duration: Option<u32>,
    /// RoleSessionName (default: your user name).
    #[arg(long, value_name = "NAME")]
    pub session_name: Option<String>,
    /// STS region (default: AWS_REGION, the profile's, the settings', us-east-1).
    #[arg(long, value_name = "REGION")]
    pub region: Option<String>,
    /// ExternalId for the target role.
    #[arg(long, value_name = "ID")]
    pub external_id: Option<String>,
    /// SourceIdentity for the target role.
    #[arg(long, value_name = "ID")]
    pub source_identity: Option<String>,
    /// Session tag KEY=VALUE (repeatable; replaces the profile's rolecall_tags).
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = parse_tag)]
    pub tags: Vec<(String, String)>,
    /// Transitive tag key (repeatable).
    #[arg(long = "transitive-tag", value_name = "KEY")]
    pub transitive_tags: Vec<String>,
    /// Managed policy ARN to scope the session down (repeatable, at most 10).
    #[arg(long = "policy-arn", value_name = "ARN")]
    pub policy_arns: Vec<String>,
    /// JSON file with an inline session policy.
    #[arg(long, value_name = "FILE")]
    pub policy_file: Option<std::path::PathBuf>,
    /// Send the MFA code with the target's AssumeRole (a code per role, up to
    /// the role's maximum duration) instead of using the stored MFA session
    /// (which AWS caps at 1 hour).
    #[arg(long)]
    pub mfa_on_assume: bool,
    /// Neither use nor fill the session cache in the keyring.
    #[arg(long)]
    pub no_cache: bool,
}

fn parse_code(s: &str) -> Result<MfaCode, String> {
    MfaCode::parse(s).map_err(|e| format!("'{s}': {e}"))
}

fn parse_role_seconds(s: &str) -> Result<u32, String> {
    let secs = parse_seconds(s)?;
    limits::check_duration(secs)?;
    Ok(secs)
}

fn parse_tag(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => Err(format!("'{s}' is not KEY=VALUE")),
    }
}

impl AssumeArgs {
    /// The service's flags (reads `--policy-file`).
    pub fn flags(&self) -> Result<Flags, AppError> {
        let policy = match &self.policy_file {
            None => None,
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .map_err(|e| AppError::usage(format!("--policy-file '{}': {e}", path.display())))?,
            ),
        };
        let some = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
        let overrides = Overrides {
            duration: self.duration,
            session_name: self.session_name.clone(),
            region: self.region.clone(),
            external_id: self.external_id.clone(),
            source_identity: self.source_identity.clone(),
            tags: (!self.tags.is_empty()).then(|| self.tags.clone()),
            transitive_tags: some(&self.transitive_tags),
            policy_arns: some(&self.policy_arns),
            policy,
            mfa_on_assume: self.mfa_on_assume.then_some(true),
        };
        Ok(Flags { overrides, mfa_code: self.mfa_code.clone(), no_cache: self.no_cache, sso_say: None })
    }
}
