//! rolecall's own settings (`config.toml`): defaults for regions, session
//! names and durations. Unknown keys are errors naming the key and line.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use super::duration::de_duration;
pub use super::duration::parse_duration;
use super::error::ConfigError;
use super::org::{OrgSettings, validate_all};
use crate::limits;

/// The whole settings file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `[defaults]`.
    #[serde(default)]
    pub defaults: Defaults,
    /// `[[organization]]`: AWS Organizations whose accounts become targets.
    #[serde(default, rename = "organization")]
    pub organizations: Vec<OrgSettings>,
    /// `[keys]`: TUI key bindings on top of the defaults.
    #[serde(default)]
    pub keys: super::keys::KeySettings,
    /// `[saml.NAME]`: corporate identity providers to sign in through (SAML 2.0).
    #[serde(default)]
    pub saml: std::collections::BTreeMap<String, super::saml::SamlSettings>,
}

/// `[defaults]`: what applies when a profile or flag says nothing.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Defaults {
    /// STS region when neither the environment nor the profile names one.
    pub region: Option<String>,
    /// Session name template: `{user}` is the caller's user name, `{os_user}` the OS user.
    pub session_name: String,
    /// Requested role session duration.
    #[serde(deserialize_with = "de_duration")]
    pub duration: Duration,
    /// Lifetime of an MFA session from `GetSessionToken` (15 minutes to 36 hours).
    #[serde(deserialize_with = "de_duration")]
    pub mfa_session_duration: Duration,
    /// A cached session is served only while more than this is left (0 to 30 minutes).
    #[serde(deserialize_with = "de_duration")]
    pub refresh_window: Duration,
    /// How long a discovered organisation is used before it is fetched again (1 minute to 30 days).
    #[serde(deserialize_with = "de_duration")]
    pub org_cache_ttl: Duration,
    /// Where sessions are kept between runs.
    pub store: StoreKind,
    /// How long the kernel keyring keeps the vault key after it was read
    /// from the Secret Service (Linux; 0 = read the Secret Service each run).
    #[serde(deserialize_with = "de_duration")]
    pub key_cache_timeout: Duration,
    /// Longest wait for a TCP/TLS connection to an AWS endpoint.
    #[serde(deserialize_with = "de_duration")]
    pub connect_timeout: Duration,
    /// Longest wait for one attempt of an AWS call (request sent to response read).
    #[serde(deserialize_with = "de_duration")]
    pub attempt_timeout: Duration,
    /// Longest wait for a whole AWS call, retries included.
    #[serde(deserialize_with = "de_duration")]
    pub operation_timeout: Duration,
    /// Longest wait for an `mfa_process` or a base profile's `credential_process`.
    #[serde(deserialize_with = "de_duration")]
    pub process_timeout: Duration,
    /// Longest wait for a person to type an MFA code at the terminal prompt.
    #[serde(deserialize_with = "de_duration")]
    pub prompt_timeout: Duration,
    /// Longest wait for another rolecall process refreshing the same session.
    #[serde(deserialize_with = "de_duration")]
    pub lock_timeout: Duration,
    /// The console federation endpoint, instead of the partition's
    /// (`ROLECALL_SIGNIN_ENDPOINT` wins over it): https, or http to 127.0.0.1.
    pub signin_endpoint: Option<String>,
    /// When `exec` serves credentials through a local container-credentials
    /// server (renewed as they near expiry) instead of fixed keys.
    pub exec_server: ExecServer,
    /// Where rolecall keeps the IAM Identity Center tokens of its own sign-ins.
    pub sso_token_cache: SsoTokenCache,
    /// Longest wait for a person to finish an Identity Center sign-in in the browser.
    #[serde(deserialize_with = "de_duration")]
    pub sso_login_timeout: Duration,
    /// Identity Center portal requests per second while discovering accounts and roles:
    /// the pace starts here and never goes above it (cut on throttling, then regained).
    pub sso_rate_limit: u32,
    /// How many accounts' roles are listed at once during discovery.
    pub sso_concurrency: u32,
    /// `rolecall run` asks before running on more targets than this (`--yes` skips the question).
    pub run_confirm_above: usize,
}

/// How long the kernel keyring keeps the vault key unless `key_cache_timeout` says otherwise.
pub const KEY_CACHE_TIMEOUT: Duration = Duration::from_secs(12 * 3600);

/// `exec_server = "never" | "when-capped" | "always"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ExecServer {
    /// Only with `exec --server`.
    #[default]
    Never,
    /// When the session was capped at 1 hour (role chaining, an MFA session)
    /// below the duration asked for.
    WhenCapped,
    /// Always.
    Always,
}

/// `sso_token_cache = "keyring" | "aws-cli"`: where the tokens of rolecall's
/// own sign-ins go. Tokens the AWS CLI wrote (`aws sso login`) are used
/// either way, and refreshed in place.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SsoTokenCache {
    /// The OS keyring (the `store` setting).
    #[default]
    Keyring,
    /// The AWS CLI's `~/.aws/sso/cache`, shared with `aws sso login`.
    AwsCli,
}

/// `store = "auto" | "secret-service" | "keyutils" | "none"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StoreKind {
    /// The platform keyring; on Linux the Secret Service, else the kernel keyring.
    #[default]
    Auto,
    /// The freedesktop Secret Service (GNOME Keyring, KWallet) over D-Bus.
    SecretService,
    /// The Linux kernel keyring (headless machines).
    Keyutils,
    /// Keep nothing between runs.
    None,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            region: None,
            session_name: "{user}".into(),
            duration: Duration::from_secs(3600),
            mfa_session_duration: Duration::from_secs(12 * 3600),
            refresh_window: Duration::from_secs(15 * 60),
            org_cache_ttl: Duration::from_secs(24 * 3600),
            store: StoreKind::Auto,
            key_cache_timeout: KEY_CACHE_TIMEOUT,
            connect_timeout: Duration::from_secs(3),
            attempt_timeout: Duration::from_secs(10),
            operation_timeout: Duration::from_secs(30),
            process_timeout: Duration::from_secs(60),
            prompt_timeout: Duration::from_secs(120),
            lock_timeout: Duration::from_secs(180),
            signin_endpoint: None,
            exec_server: ExecServer::Never,
            sso_token_cache: SsoTokenCache::Keyring,
            sso_login_timeout: Duration::from_secs(300),
            sso_rate_limit: 20,
            sso_concurrency: 8,
            run_confirm_above: 20,
        }
    }
}

impl Settings {
    /// Where the settings file is: `--config`, else `ROLECALL_CONFIG`, else the
    /// platform config dir. The flag says whether the user named it explicitly.
    pub fn locate(flag: Option<&Path>) -> (Option<PathBuf>, bool) {
        if let Some(p) = flag {
            return (Some(p.to_path_buf()), true);
        }
        if let Some(p) = std::env::var_os("ROLECALL_CONFIG").filter(|p| !p.is_empty()) {
            return (Some(PathBuf::from(p)), true);
        }
        (dirs::config_dir().map(|d| d.join("rolecall").join("config.toml")), false)
    }

    /// Loads the settings; a missing file gives the defaults unless the user named it.
    pub fn load(flag: Option<&Path>) -> Result<Self, ConfigError> {
        let (path, explicit) = Self::locate(flag);
        let Some(path) = path else { return Ok(Self::default()) };
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !explicit => Ok(Self::default()),
            Err(e) => Err(ConfigError::Settings { path, message: e.to_string() }),
        }
    }

    /// Parses settings text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Self, ConfigError> {
        let settings: Self = toml::from_str(text).map_err(|e| ConfigError::Settings {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        settings.validate(path)?;
        Ok(settings)
    }

    fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let bad = |message: String| Err(ConfigError::Settings { path: path.to_path_buf(), message });
        let d = &self.defaults;
        let secs = |v: Duration| u32::try_from(v.as_secs()).unwrap_or(u32::MAX);
        if let Err(e) = limits::check_duration(secs(d.duration)) {
            return bad(format!("[defaults] duration {e}"));
        }
        if let Err(e) = limits::check_mfa_session(secs(d.mfa_session_duration)) {
            return bad(format!("[defaults] mfa_session_duration {e}"));
        }
        if let Some(Err(e)) = d.region.as_deref().map(limits::check_region) {
            return bad(format!("[defaults] region {e}"));
        }
        if let Some(url) = &d.signin_endpoint {
            let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
                .iter()
                .any(|p| url.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with([':', '/'])));
            if !url.starts_with("https://") && !loopback {
                return bad(format!(
                    "[defaults] signin_endpoint '{url}' must be https (or http to 127.0.0.1): it receives a secret key"
                ));
            }
        }
        // Ranges that keep a setting from silently disabling what it governs.
        // refresh_window: a cached session is served only while more than the
        // window is left, and chained or MFA-session roles last at most an hour
        // (rules 3 and 4 of docs/rules.md), so a one-hour window never serves them; 30
        // minutes still serves half of one.
        if !(1..=1000).contains(&d.sso_rate_limit) {
            return bad(format!(
                "[defaults] sso_rate_limit '{}' is outside 1..=1000 requests per second",
                d.sso_rate_limit
            ));
        }
        if !(1..=64).contains(&d.sso_concurrency) {
            return bad(format!("[defaults] sso_concurrency '{}' is outside 1..=64", d.sso_concurrency));
        }
        let ranges: [(&str, Duration, u64, u64); 10] = [
            ("key_cache_timeout", d.key_cache_timeout, 0, 7 * 86_400),
            ("refresh_window", d.refresh_window, 0, 30 * 60),
            ("org_cache_ttl", d.org_cache_ttl, 60, 30 * 86_400),
            ("connect_timeout", d.connect_timeout, 1, 60),
            ("attempt_timeout", d.attempt_timeout, 1, 300),
            ("operation_timeout", d.operation_timeout, 1, 900),
            ("process_timeout", d.process_timeout, 1, 900),
            ("prompt_timeout", d.prompt_timeout, 5, 3600),
            ("lock_timeout", d.lock_timeout, 1, 3600),
            ("sso_login_timeout", d.sso_login_timeout, 10, 3600),
        ];
        for (key, value, min, max) in ranges {
            // org_cache_ttl = 0 is a choice, not a slip: list the organisations on every run.
            let every_run = key == "org_cache_ttl" && value.is_zero();
            if !every_run && !(min..=max).contains(&value.as_secs()) {
                return bad(format!("[defaults] {key} '{}s' is outside {min}..={max} seconds", value.as_secs()));
            }
        }
        validate_all(&self.organizations).or_else(bad)?;
        super::saml::validate_all(&self.saml).or_else(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations_and_rejects_unknown_keys() {
        let s = Settings::parse("[defaults]\nduration = \"2h\"\nrefresh_window = 600\n", Path::new("c.toml")).unwrap();
        assert_eq!(s.defaults.duration, Duration::from_secs(7200));
        assert_eq!(s.defaults.refresh_window, Duration::from_secs(600));
        assert_eq!(s.defaults.session_name, "{user}");
        // The ends of every range are accepted.
        let edges =
            "[defaults]\nrefresh_window = 0\norg_cache_ttl = \"30d\"\nduration = 900\nmfa_session_duration = \"36h\"\n";
        Settings::parse(edges, Path::new("c.toml")).unwrap();
        let edges = "[defaults]\nrefresh_window = \"30m\"\norg_cache_ttl = \"1m\"\nduration = \"12h\"\n\
                     signin_endpoint = \"http://127.0.0.1:8/federation\"\nexec_server = \"when-capped\"\n";
        Settings::parse(edges, Path::new("c.toml")).unwrap();

        let cases = [
            ("[defaults]\nregoin = \"x\"\n", "line 2"),
            ("[defaults]\nregoin = \"x\"\n", "regoin"),
            ("[defaults]\nduration = \"soon\"\n", "'soon' is not a duration"),
            ("[defaults]\nduration = 60\n", "outside 900..=43200"),
            ("[default]\n", "default"),
            (
                "[defaults]\nrefresh_window = \"100000000y\"\n",
                "[defaults] refresh_window '3155760000000000s' is outside",
            ),
            ("[defaults]\nrefresh_window = \"31m\"\n", "[defaults] refresh_window '1860s' is outside 0..=1800 seconds"),
            ("[defaults]\norg_cache_ttl = 59\n", "[defaults] org_cache_ttl '59s' is outside 60..=2592000 seconds"),
            ("[defaults]\norg_cache_ttl = \"31d\"\n", "[defaults] org_cache_ttl '2678400s' is outside"),
            ("[defaults]\nconnect_timeout = \"0s\"\n", "[defaults] connect_timeout '0s' is outside 1..=60 seconds"),
            ("[defaults]\noperation_timeout = \"1d\"\n", "[defaults] operation_timeout '86400s' is outside 1..=900"),
            ("[defaults]\nlock_timeout = \"soon\"\n", "'soon' is not a duration"),
            (
                "[defaults]\nkey_cache_timeout = \"8d\"\n",
                "[defaults] key_cache_timeout '691200s' is outside 0..=604800",
            ),
            ("[defaults]\nregion = \"eu west 1\"\n", "[defaults] region 'eu west 1' is not a region name"),
            (
                "[defaults]\nsignin_endpoint = \"http://10.0.0.1/f\"\n",
                "signin_endpoint 'http://10.0.0.1/f' must be https",
            ),
            ("[defaults]\nsignin_endpoint = \"http://127.0.0.1.evil/f\"\n", "must be https"),
            ("[defaults]\nexec_server = \"sometimes\"\n", "unknown variant `sometimes`"),
            ("[defaults]\nsso_token_cache = \"file\"\n", "unknown variant `file`"),
            ("[defaults]\nsso_rate_limit = 0\n", "[defaults] sso_rate_limit '0' is outside 1..=1000"),
            ("[defaults]\nsso_concurrency = 100\n", "[defaults] sso_concurrency '100' is outside 1..=64"),
            ("[defaults]\nsso_login_timeout = \"1s\"\n", "[defaults] sso_login_timeout '1s' is outside 10..=3600"),
        ];
        for (text, want) in cases {
            let err = Settings::parse(text, Path::new("c.toml")).unwrap_err().to_string();
            assert!(err.contains(want), "{text:?}: {err}");
            assert!(err.contains("c.toml"), "{err}");
        }
    }
}
