//! What a cached session proves, and whether the files it was made from
//! changed: a hash of the resolved plan (so a session is served only for the
//! plan it was made for), and a hash of the identity of every input file and
//! environment variable the plan depends on (so the warm path can tell,
//! with a few `stat` calls and no parsing, that the plan cannot have changed).

use std::path::{Path, PathBuf};

use aws_types::os_shim_internal::Env;
use sha2::{Digest, Sha256};

use crate::broker::Plan;
use crate::config::{AwsFiles, Base, Settings};

/// Environment variables that change a plan or where it is sent.
const PLAN_VARS: &[&str] = &[
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_SSO",
    "AWS_ENDPOINT_URL_SSO_OIDC",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "AWS_USE_FIPS_ENDPOINT",
    "AWS_USE_DUALSTACK_ENDPOINT",
];

fn hex(digest: &[u8]) -> String {
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

fn field(h: &mut Sha256, name: &str, value: &str) {
    h.update(name.as_bytes());
    h.update([0]);
    h.update((value.len() as u64).to_le_bytes());
    h.update(value.as_bytes());
}

/// The files a target's plan is made from: both AWS files, the settings
/// file, and the organisation caches (an organisation target's account id
/// comes from them).
pub fn input_files(files: &AwsFiles, settings_flag: Option<&Path>, settings: &Settings) -> Vec<PathBuf> {
    let mut out = vec![files.config.clone(), files.credentials.clone()];
    if let (Some(path), _) = Settings::locate(settings_flag) {
        out.push(path);
    }
    let cache = crate::org::OrgCache::new(&crate::paths::cache_dir());
    out.extend(settings.organizations.iter().map(|o| cache.path(&o.name)));
    // IAM Identity Center discoveries: replacing one renames into this directory.
    out.push(crate::sso::discover::cache_dir(&crate::paths::cache_dir()));
    out
}

/// A hash of the identity of `paths` (device, inode, size, modification
/// time; or "missing") and of the environment variables plans depend on.
pub fn files_key(paths: &[PathBuf], env: &Env) -> String {
    let mut h = Sha256::new();
    for path in paths {
        field(&mut h, "path", &path.to_string_lossy());
        let id = match std::fs::metadata(path) {
            Ok(m) => identity(&m),
            Err(_) => "missing".to_owned(),
        };
        field(&mut h, "id", &id);
    }
    for var in PLAN_VARS {
        field(&mut h, var, &env.get(var).unwrap_or_default());
    }
    hex(&h.finalize())
}

#[cfg(unix)]
fn identity(m: &std::fs::Metadata) -> String {
    use std::os::unix::fs::MetadataExt;
    format!("{}:{}:{}:{}.{}", m.dev(), m.ino(), m.size(), m.mtime(), m.mtime_nsec())
}

#[cfg(not(unix))]
fn identity(m: &std::fs::Metadata) -> String {
    let mtime = m.modified().map(crate::time::epoch_secs).unwrap_or(0);
    format!("{}:{mtime}", m.len())
}

/// A hash of everything a session made by `plan` proves: the files it was
/// planned from, the base, every role with its ExternalId, session policy,
/// tags, source identity and MFA device, the region and the STS endpoint.
/// Durations are not part of it (a shorter request is served by a longer session).
pub fn plan_key(plan: &Plan, files: &AwsFiles, endpoint: &str) -> String {
    let mut h = Sha256::new();
    field(&mut h, "target", &plan.target);
    field(&mut h, "config", &files.config.to_string_lossy());
    field(&mut h, "credentials", &files.credentials.to_string_lossy());
    field(&mut h, "base", &plan.base.describe());
    if let Base::StaticKeys { credentials, .. } = &plan.base {
        field(&mut h, "base-key", &credentials.access_key_id);
    }
    if let Base::Sso { role, .. } = &plan.base {
        field(&mut h, "sso-session", role.session.id());
        field(&mut h, "sso-start-url", &role.session.start_url);
        field(&mut h, "sso-region", &role.session.region);
        field(&mut h, "sso-account", &role.account_id);
        field(&mut h, "sso-role", &role.role_name);
    }
    if let Some(m) = &plan.mfa_session {
        field(&mut h, "mfa-session", &m.device.serial);
    }
    for step in &plan.steps {
        field(&mut h, "role", step.role_arn.as_str());
        field(&mut h, "session-name", &step.session_name.to_string());
        field(&mut h, "external-id", step.external_id.as_deref().unwrap_or("\u{0}"));
        field(&mut h, "mfa", step.mfa.as_ref().map_or("\u{0}", |d| d.serial.as_str()));
        field(&mut h, "source-identity", step.source_identity.as_deref().unwrap_or("\u{0}"));
        for (k, v) in &step.tags {
            field(&mut h, "tag", &format!("{k}={v}"));
        }
        for k in &step.transitive_tags {
            field(&mut h, "transitive", k);
        }
        field(&mut h, "policy", step.policy.as_deref().unwrap_or("\u{0}"));
        for arn in &step.policy_arns {
            field(&mut h, "policy-arn", arn);
        }
    }
    field(&mut h, "region", &plan.region);
    field(&mut h, "endpoint", endpoint);
    hex(&h.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{SsoRole, SsoSession};

    #[test]
    fn the_plan_key_covers_the_sso_session_account_and_permission_set() {
        let role = |url: &str, account: &str, ps: &str| SsoRole {
            session: SsoSession {
                name: Some("acme".into()),
                start_url: url.into(),
                region: "eu-west-1".into(),
                scopes: vec![],
            },
            account_id: account.into(),
            role_name: ps.into(),
        };
        let plan = |r: SsoRole| Plan {
            target: "t".into(),
            base: Base::Sso { profile: None, role: Box::new(r) },
            mfa_session: None,
            steps: Vec::new(),
            region: "eu-west-1".into(),
            endpoint_profile: None,
            notices: Vec::new(),
        };
        let files = AwsFiles { config: "c".into(), credentials: "k".into() };
        let key = |r| plan_key(&plan(r), &files, "e");
        let base = key(role("https://a/start", "111111111111", "Dev"));
        assert_eq!(base, key(role("https://a/start", "111111111111", "Dev")));
        assert_ne!(base, key(role("https://b/start", "111111111111", "Dev")));
        assert_ne!(base, key(role("https://a/start", "222222222222", "Dev")));
        assert_ne!(base, key(role("https://a/start", "111111111111", "Admin")));
    }
}
