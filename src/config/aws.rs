//! The AWS shared config and credentials files, parsed by aws-config and turned
//! into rolecall's profile model, with `source_profile` chains resolved.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_config::profile::ProfileSet;
use aws_runtime::env_config::file::{EnvConfigFileKind as ProfileFileKind, EnvConfigFiles as ProfileFiles};
use aws_types::os_shim_internal::{Env, Fs};

use super::error::ConfigError;
pub use super::profile::{Base, Chain, CredentialsFrom, Position, ProfileDef, ProfileKind, RoleDef, RoleSource};
use super::sso::{self, SsoSession};

/// Where the two shared files live, resolved the way the AWS CLI resolves them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsFiles {
    /// `AWS_CONFIG_FILE` or `~/.aws/config`.
    pub config: PathBuf,
    /// `AWS_SHARED_CREDENTIALS_FILE` or `~/.aws/credentials`.
    pub credentials: PathBuf,
}

impl AwsFiles {
    /// Resolves both paths from the environment, expanding a leading `~`.
    pub fn from_env(env: &Env) -> Self {
        let home = home(env);
        let pick = |var: &str, default: &str| {
            let raw = env.get(var).ok().filter(|v| !v.is_empty());
            let raw = raw.unwrap_or_else(|| format!("~/{default}"));
            expand_home(&raw, home.as_deref())
        };
        Self {
            config: pick("AWS_CONFIG_FILE", ".aws/config"),
            credentials: pick("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"),
        }
    }

    fn path(&self, kind: FileKind) -> &Path {
        match kind {
            FileKind::Config => &self.config,
            FileKind::Credentials => &self.credentials,
        }
    }
}

/// The home directory: `HOME` of the environment, else the OS's idea of it.
fn home(env: &Env) -> Option<PathBuf> {
    env.get("HOME").ok().map(PathBuf::from).or_else(dirs::home_dir)
}

/// `raw` with a leading `~` replaced by `home`.
fn expand_home(raw: &str, home: Option<&Path>) -> PathBuf {
    match (raw.strip_prefix("~/").or(raw.strip_prefix("~\\")), home) {
        (Some(rest), Some(home)) => home.join(rest),
        _ if raw == "~" && home.is_some() => home.map(Path::to_path_buf).unwrap_or_default(),
        _ => PathBuf::from(raw),
    }
}

/// Keys whose conflicts between the two files are worth a warning.
const KNOWN_KEYS: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "role_arn",
    "source_profile",
    "credential_source",
    "mfa_serial",
    "external_id",
    "region",
    "duration_seconds",
];

/// Which of the two shared files a value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// The config file.
    Config,
    /// The credentials file.
    Credentials,
}

/// Both shared files, parsed. Values are looked up the way aws-config merges
/// them (a key in the credentials file wins over the same key in the config
/// file), and each lookup knows which file it came from so errors can name it.
#[derive(Debug)]
pub struct AwsConfig {
    /// The paths the files were read from.
    pub files: AwsFiles,
    config: ProfileSet,
    credentials: ProfileSet,
    env_region: Option<String>,
    env_profile: Option<String>,
    /// The home of the environment the files were loaded with, for `~` in values.
    home: Option<PathBuf>,
    defs: std::sync::Mutex<std::collections::HashMap<String, Result<Arc<ProfileDef>, ConfigError>>>,
}

impl AwsConfig {
    /// Reads and parses both files. A file that is missing is treated as empty,
    /// as the AWS CLI does; a file that cannot be read or parsed is an error.
    pub async fn load(env: &Env) -> Result<Self, ConfigError> {
        let files = AwsFiles::from_env(env);
        let config = load_one(env, &files, FileKind::Config).await?;
        let credentials = load_one(env, &files, FileKind::Credentials).await?;
        let non_empty = |var: &str| env.get(var).ok().filter(|v| !v.is_empty());
        Ok(Self {
            files,
            config,
            credentials,
            env_region: non_empty("AWS_REGION").or_else(|| non_empty("AWS_DEFAULT_REGION")),
            env_profile: non_empty("AWS_PROFILE").or_else(|| non_empty("AWS_DEFAULT_PROFILE")),
            home: home(env),
            defs: Default::default(),
        })
    }

    /// The region from `AWS_REGION` or `AWS_DEFAULT_REGION`, which beat any profile's.
    pub fn env_region(&self) -> Option<&str> {
        self.env_region.as_deref()
    }

    /// The profile named by `AWS_PROFILE` (or `AWS_DEFAULT_PROFILE`), if any.
    pub fn env_profile(&self) -> Option<&str> {
        self.env_profile.as_deref()
    }

    /// Every profile name in either file, sorted.
    pub fn profile_names(&self) -> Vec<&str> {
        let names: BTreeSet<&str> = self.config.profiles().chain(self.credentials.profiles()).collect();
        names.into_iter().collect()
    }

    /// True when either file defines the profile.
    pub fn has_profile(&self, name: &str) -> bool {
        self.config.get_profile(name).is_some() || self.credentials.get_profile(name).is_some()
    }

    /// `(profile, key)` pairs that both files set to different values. Allowed,
    /// but worth a warning: the credentials file's value silently wins.
    pub fn conflicting_keys(&self) -> Vec<(&str, &'static str)> {
        let mut out: Vec<(&str, &'static str)> = self
            .credentials
            .profiles()
            .filter_map(|name| Some((name, self.config.get_profile(name)?, self.credentials.get_profile(name)?)))
            .flat_map(|(name, c, k)| {
                KNOWN_KEYS
                    .iter()
                    .filter(move |key| matches!((c.get(key), k.get(key)), (Some(a), Some(b)) if a != b))
                    .map(move |key| (name, *key))
            })
            .collect();
        out.sort_unstable();
        out
    }

    /// Looks up `key` in profile `name`, returning the value and the file it came from.
    pub fn get(&self, name: &str, key: &str) -> Option<(&str, FileKind)> {
        fn from<'a>(set: &'a ProfileSet, name: &str, key: &str) -> Option<&'a str> {
            set.get_profile(name).and_then(|p| p.get(key))
        }
        from(&self.credentials, name, key)
            .map(|v| (v, FileKind::Credentials))
            .or_else(|| from(&self.config, name, key).map(|v| (v, FileKind::Config)))
    }

    fn value(&self, name: &str, key: &str) -> Option<String> {
        self.get(name, key).map(|(v, _)| v.trim().to_owned()).filter(|v| !v.is_empty())
    }

    /// The file to blame for a problem with `key` in profile `name`.
    pub fn file_of(&self, name: &str, key: &str) -> &Path {
        let kind = match self.get(name, key) {
            Some((_, kind)) => kind,
            None if self.config.get_profile(name).is_none() && self.credentials.get_profile(name).is_some() => {
                FileKind::Credentials
            }
            None => FileKind::Config,
        };
        self.files.path(kind)
    }

    /// The `[services NAME]` entry for `service` of the section profile `name` points at.
    pub fn service_endpoint_url(&self, name: &str, service: &str) -> Option<String> {
        use aws_runtime::env_config::property::PropertiesKey;
        let section = self.value(name, "services")?;
        let key = PropertiesKey::builder()
            .section_key("services")
            .section_name(section)
            .property_name(service)
            .sub_property_name("endpoint_url")
            .build()
            .ok()?;
        self.config.other_sections().get(&key).map(|v| v.to_string())
    }

    /// The profile's own `endpoint_url`.
    pub fn profile_endpoint_url(&self, name: &str) -> Option<String> {
        self.value(name, "endpoint_url")
    }

    /// The error for a bad value of `key` in profile `name`, naming the file it is in.
    pub fn invalid(&self, name: &str, key: &str, problem: impl Into<String>) -> ConfigError {
        ConfigError::Invalid {
            profile: name.to_owned(),
            key: key.to_owned(),
            file: self.file_of(name, key).to_path_buf(),
            problem: problem.into(),
        }
    }

    /// Reads profile `name` into the model, validating every key rolecall uses.
    /// Profiles are read once and remembered: listing thousands of profiles
    /// resolves each many times (chains, plans), and every read is a dozen lookups.
    pub fn profile(&self, name: &str) -> Result<Arc<ProfileDef>, ConfigError> {
        if let Some(found) = self.defs.lock().ok().and_then(|defs| defs.get(name).cloned()) {
            return found;
        }
        let result = self.read_profile(name).map(Arc::new);
        if let Ok(mut defs) = self.defs.lock() {
            defs.insert(name.to_owned(), result.clone());
        }
        result
    }

    /// Every `[sso-session NAME]` in the config file, sorted.
    pub fn sso_session_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.config.sso_sessions().collect();
        names.sort_unstable();
        names
    }

    /// The `[sso-session NAME]` section, checked; the error says what is wrong with it.
    pub fn sso_session(&self, name: &str) -> Result<SsoSession, String> {
        let file = self.files.config.display();
        let section = self
            .config
            .sso_session(name)
            .ok_or_else(|| format!("'{name}' names no [sso-session {name}] section in '{file}'"))?;
        let get = |key: &str| section.get(key).map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let start_url =
            get("sso_start_url").ok_or_else(|| format!("[sso-session {name}] in '{file}' has no 'sso_start_url'"))?;
        sso::check_start_url(&start_url).map_err(|e| format!("[sso-session {name}] in '{file}': sso_start_url {e}"))?;
        let region =
            get("sso_region").ok_or_else(|| format!("[sso-session {name}] in '{file}' has no 'sso_region'"))?;
        crate::limits::check_region(&region)
            .map_err(|e| format!("[sso-session {name}] in '{file}': sso_region {e}"))?;
        let scopes = sso::parse_scopes(get("sso_registration_scopes").as_deref());
        Ok(SsoSession { name: Some(name.to_owned()), start_url, region, scopes })
    }

    /// Resolves the chain of profiles that leads to `name`'s credentials:
    /// the base credentials and the roles to assume from them, outermost first.
    /// Each profile's part is decided by [`ProfileDef::credentials_from`].
    pub fn chain(&self, name: &str) -> Result<Chain, ConfigError> {
        let mut roles: Vec<Arc<ProfileDef>> = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        let mut current = self.profile(name)?;
        loop {
            let position = if seen.is_empty() { Position::Target } else { Position::Source };
            let role = match current.credentials_from(position) {
                CredentialsFrom::Role(role) => role.clone(),
                other => {
                    let Some(base) = Base::from_decision(&current, other) else {
                        return Err(self.no_credentials(&current, &seen));
                    };
                    return Ok(Chain::new(base, roles));
                }
            };
            let here = current.name.clone();
            seen.push(here.clone());
            let base = match &role.source {
                RoleSource::Profile(src) if *src == here => {
                    // Its own source: read again as a source profile, which
                    // needs keys (botocore refuses the loop otherwise) and then
                    // takes its keys, SSO or process as the base.
                    let from = current.credentials_from(Position::Source);
                    match Base::from_decision(&current, from) {
                        Some(base) if current.static_keys.is_some() => base,
                        _ => {
                            return Err(self.invalid(
                                &here,
                                "source_profile",
                                format!("'{src}' names the profile itself, which has no static keys"),
                            ));
                        }
                    }
                }
                RoleSource::Profile(src) => {
                    if seen.iter().any(|s| s == src) {
                        let mut path = seen.clone();
                        path.push(src.clone());
                        return Err(self.invalid(
                            &here,
                            "source_profile",
                            format!("'{src}' forms a cycle: {}", path.join(" -> ")),
                        ));
                    }
                    if !self.has_profile(src) {
                        return Err(self.invalid(
                            &here,
                            "source_profile",
                            format!(
                                "'{src}' is not a profile in '{}' or '{}'",
                                self.files.config.display(),
                                self.files.credentials.display()
                            ),
                        ));
                    }
                    let next = self.profile(src)?;
                    roles.push(current);
                    current = next;
                    continue;
                }
                RoleSource::Environment => Base::Environment,
                RoleSource::Ec2InstanceMetadata => Base::Ec2InstanceMetadata,
                RoleSource::EcsContainer => Base::EcsContainer,
                // Never a role to assume: credentials_from answers WebIdentity.
                RoleSource::WebIdentity => Base::WebIdentity { profile: here },
            };
            roles.push(current);
            return Ok(Chain::new(base, roles));
        }
    }

    /// The error for a profile in a chain that gives no credentials.
    fn no_credentials(&self, profile: &ProfileDef, seen: &[String]) -> ConfigError {
        match seen.last() {
            // Identity Center settings that name no account and role: say which keys are missing.
            None if profile.sso.is_some() && profile.sso_role.is_none() => self.invalid(
                &profile.name,
                "sso_session",
                format!(
                    "'{}' names where to sign in but not what to sign in to: add 'sso_account_id' and \
                     'sso_role_name', or use the ACCOUNT/ROLE targets 'rolecall login --sso' lists",
                    profile.sso.as_deref().unwrap_or_default()
                ),
            ),
            None => ConfigError::NoCredentials {
                profile: profile.name.clone(),
                file: self.file_of(&profile.name, "role_arn").to_path_buf(),
            },
            Some(referrer) => self.invalid(
                referrer,
                "source_profile",
                format!("'{}' has no credentials (no keys, role_arn, credential_process or SSO)", profile.name),
            ),
        }
    }
}

async fn load_one(env: &Env, files: &AwsFiles, kind: FileKind) -> Result<ProfileSet, ConfigError> {
    let path = files.path(kind);
    let sdk_kind = match kind {
        FileKind::Config => ProfileFileKind::Config,
        FileKind::Credentials => ProfileFileKind::Credentials,
    };
    let read_error = |message: String| ConfigError::Read { path: path.to_path_buf(), message };
    // A missing file is an empty one, as for the AWS CLI; aws-config would
    // refuse a missing file that was named explicitly.
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(read_error(e.to_string())),
    };
    // aws-config reads a file that is not UTF-8 as an empty one (with only a
    // log line), so its profiles would vanish and the user would hear about a
    // missing source profile instead. The AWS CLI fails on such a file too.
    if let Err(e) = std::str::from_utf8(&bytes) {
        return Err(read_error(not_utf8(&bytes, e.valid_up_to())));
    }
    // Parse the bytes already read (the parser's messages still name the path).
    let fs = Fs::from_raw_map(std::collections::HashMap::from([(path.as_os_str().to_owned(), bytes)]));
    let profile_files = ProfileFiles::builder().with_file(sdk_kind, path).build();
    let selected: Option<Cow<'static, str>> = Some("default".into());
    aws_config::profile::load(&fs, env, &profile_files, selected).await.map_err(|e| {
        // The parse error (with its line number) is the source; the outer text is generic.
        let detail = std::error::Error::source(&e).map_or_else(|| e.to_string(), ToString::to_string);
        read_error(detail.split_whitespace().collect::<Vec<_>>().join(" "))
    })
}

/// Where the first byte that is not UTF-8 is, for a message the user can act on.
fn not_utf8(bytes: &[u8], offset: usize) -> String {
    let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
    format!("byte {:#04x} at offset {offset} (line {line}) is not UTF-8; save the file as UTF-8", bytes[offset])
}

/// Builds an [`AwsConfig`] from file contents, for tests.
#[cfg(test)]
pub(crate) async fn from_text(
    config: &str,
    credentials: &str,
    extra_env: &[(&str, &str)],
) -> (tempfile::TempDir, AwsConfig) {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("config");
    let creds = dir.path().join("credentials");
    std::fs::write(&cfg, config).expect("write config");
    std::fs::write(&creds, credentials).expect("write credentials");
    let (c, k, h) = (cfg.display().to_string(), creds.display().to_string(), dir.path().display().to_string());
    let mut vars: Vec<(&str, &str)> = vec![("AWS_CONFIG_FILE", &c), ("AWS_SHARED_CREDENTIALS_FILE", &k), ("HOME", &h)];
    vars.extend_from_slice(extra_env);
    let config = AwsConfig::load(&Env::from_slice(&vars)).await.expect("load");
    (dir, config)
}

#[path = "profile_read.rs"]
mod profile_read;

#[cfg(test)]
#[path = "aws_tests.rs"]
mod tests;
