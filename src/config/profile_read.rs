//! Reading one profile of the AWS files into [`ProfileDef`], one concern per
//! helper: static keys, the role and its source, SSO (and `credential_process`),
//! region and duration, session tags and policy, flags.

use aws_config::profile::Profile;

use super::{AwsConfig, ConfigError, Position, ProfileDef, RoleSource, expand_home};
use crate::config::arn::RoleArn;
use crate::config::profile::{CredentialsFrom, RoleDef};
use crate::config::sso::{self, SsoRole, SsoSession};
use crate::credentials::Credentials;

/// One profile's values as aws-config merges them: the credentials file's
/// value wins over the config file's; blank values are absent.
#[derive(Clone, Copy)]
struct Values<'a> {
    credentials: Option<&'a Profile>,
    config: Option<&'a Profile>,
}

impl Values<'_> {
    fn get(&self, key: &str) -> Option<String> {
        let raw = self.credentials.and_then(|p| p.get(key)).or_else(|| self.config.and_then(|p| p.get(key)))?;
        Some(raw.trim()).filter(|v| !v.is_empty()).map(str::to_owned)
    }

    /// A comma-separated list, its items trimmed, blank items dropped.
    fn list(&self, key: &str) -> Vec<String> {
        self.get(key)
            .map(|s| s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default()
    }

    /// True when the credentials file itself holds an access key for the profile.
    fn keys_in_credentials_file(&self) -> bool {
        self.credentials.and_then(|p| p.get("aws_access_key_id")).is_some_and(|v| !v.trim().is_empty())
    }
}

/// What SSO and `credential_process` settings a profile acts on.
struct SsoPart {
    credential_process: Option<String>,
    sso: Option<String>,
    sso_role: Option<SsoRole>,
}

/// Reads profile `name` of `config`: its values and the errors that name it.
struct Reader<'a> {
    config: &'a AwsConfig,
    name: &'a str,
    values: Values<'a>,
}

impl AwsConfig {
    /// Reads profile `name` into the model, validating every key rolecall uses
    /// (in this order, so the first problem reported stays the same).
    pub(super) fn read_profile(&self, name: &str) -> Result<ProfileDef, ConfigError> {
        let values = Values { credentials: self.credentials.get_profile(name), config: self.config.get_profile(name) };
        if values.credentials.is_none() && values.config.is_none() {
            return Err(ConfigError::UnknownProfile {
                name: name.to_owned(),
                config: self.files.config.clone(),
                credentials: self.files.credentials.clone(),
            });
        }
        let r = Reader { config: self, name, values };
        let v = |key: &str| values.get(key);
        let static_keys = r.static_keys()?;
        let web_identity = v("web_identity_token_file");
        let role = r.role(web_identity.is_some())?;
        let SsoPart { credential_process, sso, sso_role } = r.sso(static_keys.is_some())?;
        let region = r.region()?;
        let duration_seconds = r.duration_seconds()?;
        let tags = r.tags()?;
        let (policy, policy_file) = r.policy()?;
        let mfa_on_assume = r.flag("rolecall_mfa_on_assume")?;
        let mut def = ProfileDef {
            name: name.to_owned(),
            static_keys,
            role,
            credential_process,
            sso,
            sso_role,
            web_identity_token_file: web_identity,
            region,
            mfa_serial: v("mfa_serial"),
            mfa_process: v("rolecall_mfa_process").or_else(|| v("mfa_process")),
            mfa_on_assume,
            external_id: v("external_id"),
            role_session_name: v("role_session_name"),
            duration_seconds,
            source_identity: v("rolecall_source_identity"),
            tags,
            transitive_tags: values.list("rolecall_transitive_tags"),
            policy_arns: values.list("rolecall_policy_arns"),
            policy,
            policy_file,
        };
        drop_unread_keys(&mut def);
        Ok(def)
    }

    /// A profile's Identity Center role: `sso_account_id`, `sso_role_name`,
    /// and its `sso_session` (or the legacy `sso_start_url`/`sso_region`).
    fn sso_role(&self, name: &str, values: Values<'_>) -> Result<SsoRole, ConfigError> {
        let v = |key: &str| values.get(key);
        let missing = |key: &str, other: &str| self.invalid(name, key, format!("is missing; '{other}' needs it"));
        let account_id = v("sso_account_id").ok_or_else(|| missing("sso_account_id", "sso_role_name"))?;
        let role_name = v("sso_role_name").ok_or_else(|| missing("sso_role_name", "sso_account_id"))?;
        sso::check_account_id(&account_id).map_err(|e| self.invalid(name, "sso_account_id", e))?;
        let session = match v("sso_session") {
            Some(session) => {
                let found = self.sso_session(&session).map_err(|e| self.invalid(name, "sso_session", e))?;
                if let Some(url) = v("sso_start_url").filter(|u| *u != found.start_url) {
                    return Err(self.invalid(
                        name,
                        "sso_start_url",
                        format!("'{url}' differs from the one of [sso-session {session}] ('{}')", found.start_url),
                    ));
                }
                found
            }
            None => {
                let start_url = v("sso_start_url").ok_or_else(|| {
                    self.invalid(name, "sso_session", "is missing (or the legacy 'sso_start_url' and 'sso_region')")
                })?;
                sso::check_start_url(&start_url).map_err(|e| self.invalid(name, "sso_start_url", e))?;
                let region = v("sso_region").ok_or_else(|| missing("sso_region", "sso_start_url"))?;
                crate::limits::check_region(&region).map_err(|e| self.invalid(name, "sso_region", e))?;
                SsoSession { name: None, start_url, region, scopes: sso::parse_scopes(None) }
            }
        };
        Ok(SsoRole { session, account_id, role_name })
    }
}

impl Reader<'_> {
    fn v(&self, key: &str) -> Option<String> {
        self.values.get(key)
    }

    fn invalid(&self, key: &str, problem: impl Into<String>) -> ConfigError {
        self.config.invalid(self.name, key, problem)
    }

    /// `aws_access_key_id` with `aws_secret_access_key` (and `aws_session_token`): both or neither.
    fn static_keys(&self) -> Result<Option<Credentials>, ConfigError> {
        match (self.v("aws_access_key_id"), self.v("aws_secret_access_key")) {
            (Some(id), Some(secret)) => Ok(Some(Credentials::new(id, secret, self.v("aws_session_token"), None))),
            (Some(_), None) => Err(self.invalid("aws_access_key_id", "is set but 'aws_secret_access_key' is missing")),
            (None, Some(_)) => Err(self.invalid("aws_secret_access_key", "is set but 'aws_access_key_id' is missing")),
            (None, None) => Ok(None),
        }
    }

    /// `role_arn` and where its caller's credentials come from.
    fn role(&self, web_identity: bool) -> Result<Option<RoleDef>, ConfigError> {
        let Some(raw) = self.v("role_arn") else {
            if web_identity {
                return Err(self.invalid(
                    "web_identity_token_file",
                    "is set but 'role_arn' is missing: the token is exchanged for that role",
                ));
            }
            return Ok(None);
        };
        let arn =
            raw.parse::<RoleArn>().map_err(|e| self.invalid("role_arn", format!("'{raw}' is not a role ARN: {e}")))?;
        let source = self.role_source(web_identity)?;
        Ok(Some(RoleDef { arn, source }))
    }

    /// `source_profile` or `credential_source` (exactly one), or the web identity token.
    fn role_source(&self, web_identity: bool) -> Result<RoleSource, ConfigError> {
        match (self.v("source_profile"), self.v("credential_source")) {
            // Both SDKs exchange the token for the role and ignore any other source.
            _ if web_identity => Ok(RoleSource::WebIdentity),
            (Some(_), Some(_)) => Err(self.invalid(
                "credential_source",
                "is set together with 'source_profile'; a role takes exactly one of them",
            )),
            (Some(p), None) => Ok(RoleSource::Profile(p)),
            (None, Some(cs)) => RoleSource::parse(&cs).ok_or_else(|| {
                self.invalid(
                    "credential_source",
                    format!("'{cs}' is not one of 'Environment', 'Ec2InstanceMetadata', 'EcsContainer'"),
                )
            }),
            (None, None) => Err(self.invalid(
                "role_arn",
                "has no source: add 'source_profile = <profile with credentials>' or 'credential_source = Environment'",
            )),
        }
    }

    /// What the AWS CLI would act on, where that depends on more than the
    /// merged profile: botocore reads keys from the credentials file before
    /// it runs credential_process (and keys from the config file after),
    /// and takes SSO credentials only with sso_account_id or sso_role_name.
    fn sso(&self, has_static_keys: bool) -> Result<SsoPart, ConfigError> {
        let credential_process = self.v("credential_process").filter(|_| !self.values.keys_in_credentials_file());
        let names_role = self.v("sso_account_id").is_some() || self.v("sso_role_name").is_some();
        let sso_session = self.v("sso_session").or_else(|| self.v("sso_start_url"));
        let sso = if names_role {
            sso_session.or_else(|| self.v("sso_account_id")).or_else(|| self.v("sso_role_name"))
        } else if !has_static_keys && credential_process.is_none() {
            // SSO settings without an account: no credentials for the AWS CLI
            // either, but listed as SSO rather than as settings only.
            sso_session
        } else {
            None
        };
        let sso_role = match &sso {
            Some(_) if names_role => Some(self.config.sso_role(self.name, self.values)?),
            _ => None,
        };
        Ok(SsoPart { credential_process, sso, sso_role })
    }

    fn region(&self) -> Result<Option<String>, ConfigError> {
        let region = self.v("region");
        if let Some(Err(e)) = region.as_deref().map(crate::limits::check_region) {
            return Err(self.invalid("region", e));
        }
        Ok(region)
    }

    fn duration_seconds(&self) -> Result<Option<u32>, ConfigError> {
        let Some(raw) = self.v("duration_seconds") else { return Ok(None) };
        let secs = raw.parse::<u32>().map_err(|_| {
            self.invalid("duration_seconds", format!("'{raw}' is not a whole number of seconds (900 to 43200)"))
        })?;
        crate::limits::check_duration(secs).map_err(|e| self.invalid("duration_seconds", e))?;
        Ok(Some(secs))
    }

    /// `rolecall_tags`: `key=value` pairs.
    fn tags(&self) -> Result<Vec<(String, String)>, ConfigError> {
        self.values
            .list("rolecall_tags")
            .into_iter()
            .map(|pair| match pair.split_once('=') {
                Some((k, val)) if !k.trim().is_empty() => Ok((k.trim().to_owned(), val.trim().to_owned())),
                _ => Err(self.invalid("rolecall_tags", format!("'{pair}' is not 'key=value'"))),
            })
            .collect()
    }

    /// `rolecall_policy_file`, a leading `~` taken from the home of the
    /// environment the files were loaded with, and the policy it holds.
    fn policy(&self) -> Result<(Option<String>, Option<std::path::PathBuf>), ConfigError> {
        let Some(raw) = self.v("rolecall_policy_file") else { return Ok((None, None)) };
        let path = expand_home(&raw, self.config.home.as_deref());
        let policy = std::fs::read_to_string(&path)
            .map_err(|e| self.invalid("rolecall_policy_file", format!("cannot read '{}': {e}", path.display())))?;
        Ok((Some(policy), Some(path)))
    }

    /// A `true`/`false` setting (any case), false when absent.
    fn flag(&self, key: &str) -> Result<bool, ConfigError> {
        match self.v(key).map(|b| b.to_ascii_lowercase()) {
            None => Ok(false),
            Some(b) if b == "true" => Ok(true),
            Some(b) if b == "false" => Ok(false),
            Some(b) => Err(self.invalid(key, format!("'{b}' is not 'true' or 'false'"))),
        }
    }
}

/// Keys the AWS CLI never reads (web identity, SSO or a process wins, and
/// there is no role for them to stand in for when this profile is a source)
/// are dropped, so that nothing reading the profile hands them out.
fn drop_unread_keys(def: &mut ProfileDef) {
    let has_assumable_role = def.role.as_ref().is_some_and(|r| r.source != RoleSource::WebIdentity);
    if !has_assumable_role && !matches!(def.credentials_from(Position::Target), CredentialsFrom::StaticKeys(_)) {
        def.static_keys = None;
    }
}
