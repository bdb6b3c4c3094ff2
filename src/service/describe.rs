//! What the details pane shows about one target: its full plan as text, the
//! MFA device and whether a code must be typed now, the durations, and a
//! cached session (from the vault's clear headers only: the keyring is never unlocked for it).

use super::Context;
use super::assume::{Flags, plan_parsed};
use crate::catalog::TargetId;
use crate::catalog::build::route_of;
use crate::limits::CHAINED_MAX_DURATION;
use crate::store::index::EntryKind;
use crate::{paths, time};

/// A target's details (no secrets: the ExternalId arrives masked).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Description {
    /// Role ARN of the final step.
    pub role_arn: Option<String>,
    /// The full chain, base to target.
    pub chain: String,
    /// The MFA device that will be asked for, if any.
    pub mfa_device: Option<String>,
    /// True when a code must be typed now (no stored MFA session covers it).
    pub needs_code: bool,
    /// The ExternalId, masked except its last characters.
    pub external_id: Option<String>,
    /// Requested duration of the final role, seconds.
    pub requested_duration: Option<u32>,
    /// Effective duration, seconds.
    pub effective_duration: Option<u32>,
    /// Why effective differs from requested.
    pub duration_note: Option<String>,
    /// STS region.
    pub region: String,
    /// The cached session's identity and expiry (unix seconds), if one is cached.
    pub cached: Option<(String, u64)>,
    /// A problem planning the target.
    pub error: Option<String>,
}

/// Masks all but the last three characters.
pub fn mask(secret: &str) -> String {
    let n = secret.chars().count();
    let keep: String = secret.chars().skip(n.saturating_sub(3)).collect();
    format!("{}{keep}", "•".repeat(n.saturating_sub(3).min(12)))
}

/// Describes `target`, read already as `parsed` (a picker row knows its kind):
/// planning is pure and fast, the session headers are small files, but files,
/// so the picker calls this off its event loop.
pub fn describe_parsed(ctx: &Context, target: &str, parsed: &TargetId) -> Description {
    let plan = match plan_parsed(ctx, target, parsed, &Flags::default()) {
        Ok(p) => p,
        Err(e) => return Description { error: Some(e.to_string()), ..Description::default() },
    };
    let (index, _) = crate::store::vault::listing(&paths::vault_dir());
    let now = time::now_unix();
    let mfa_stored = plan.mfa_session.as_ref().is_some_and(|step| {
        index.entries.values().any(|e| {
            e.kind == EntryKind::Mfa
                && Some(e.target.as_str()) == plan.base.profile()
                && e.mfa_serial.as_deref() == Some(step.device.serial.as_str())
                && e.expires_at > now + 300
        })
    });
    let step_needs_code = plan.steps.iter().any(|s| s.mfa.is_some());
    let device = plan
        .mfa_session
        .as_ref()
        .map(|s| s.device.serial.clone())
        .or_else(|| plan.steps.iter().find_map(|s| s.mfa.as_ref().map(|d| d.serial.clone())));
    let last = plan.final_step();
    let duration_note = last.filter(|s| s.duration != s.requested_duration).map(|s| {
        let why = if plan.mfa_session.is_some() && plan.steps.len() == 1 {
            "it is assumed with an MFA session, which AWS treats as role chaining"
        } else {
            "it is assumed from another role session (role chaining)"
        };
        format!("capped at {CHAINED_MAX_DURATION} s: '{}': {why}", s.profile)
    });
    let cached = index
        .entries
        .get(&format!("role/{target}"))
        .filter(|e| e.expires_at > now && e.expiry().is_some())
        .map(|e| (e.identity.arn.clone(), e.expires_at));
    Description {
        role_arn: last.map(|s| s.role_arn.to_string()),
        chain: route_of(&plan).links(&plan.target).join(" -> "),
        mfa_device: device,
        needs_code: (plan.mfa_session.is_some() && !mfa_stored) || step_needs_code,
        external_id: last.and_then(|s| s.external_id.as_deref()).map(mask),
        requested_duration: last.map(|s| s.requested_duration),
        effective_duration: last.map(|s| s.duration),
        duration_note,
        region: plan.region.clone(),
        cached,
        error: None,
    }
}

/// A context over these AWS files (in a temporary directory, returned to
/// keep), for tests of layers that may not name `config`.
#[cfg(test)]
pub(crate) async fn test_context(config: &str, credentials: &str) -> (tempfile::TempDir, Context) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (cfg, creds) = (dir.path().join("config"), dir.path().join("credentials"));
    std::fs::write(&cfg, config).expect("config");
    std::fs::write(&creds, credentials).expect("credentials");
    let (c, k, h) = (cfg.display().to_string(), creds.display().to_string(), dir.path().display().to_string());
    let env = aws_types::os_shim_internal::Env::from_slice(&[
        ("AWS_CONFIG_FILE", &c),
        ("AWS_SHARED_CREDENTIALS_FILE", &k),
        ("HOME", &h),
    ]);
    let aws = crate::config::AwsConfig::load(&env).await.expect("aws files");
    let settings = crate::config::Settings::parse("", &dir.path().join("settings.toml")).expect("settings");
    (dir, Context { env, aws, settings, notify: super::Notify::Silent })
}
