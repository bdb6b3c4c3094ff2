//! rolecall's own settings (`config.toml`): defaults for regions, session
//! names and durations. Unknown keys are errors naming the key and line.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use super::error::ConfigError;
use super::org::{OrgSettings, validate_all};

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
    pub keys: crate::tui::action::KeySettings,
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
    /// A cached session is served only while more than this is left.
    #[serde(deserialize_with = "de_duration")]
    pub refresh_window: Duration,
    /// How long a discovered organisation is used before it is fetched again.
    #[serde(deserialize_with = "de_duration")]
    pub org_cache_ttl: Duration,
    /// Where sessions are kept between runs.
    pub store: StoreKind,
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
        }
    }
}

/// Accepts `3600` (seconds) or a human duration such as `"1h"` or `"90m"`.
fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Seconds(u64),
        Text(String),
    }
    match Raw::deserialize(d)? {
        Raw::Seconds(s) => Ok(Duration::from_secs(s)),
        Raw::Text(t) => parse_duration(&t).map_err(serde::de::Error::custom),
    }
}

/// Parses `3600`, `"3600"`, `"1h"`, `"1h30m"`, `"90m"` into a duration.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(text)
        .map_err(|e| format!("'{text}' is not a duration such as '3600', '1h' or '90m' ({e})"))
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
        let d = self.defaults.duration.as_secs();
        if !(900..=43200).contains(&d) {
            return bad(format!("[defaults] duration '{d}s' is outside 900..=43200 seconds"));
        }
        let m = self.defaults.mfa_session_duration.as_secs();
        if !(900..=129_600).contains(&m) {
            return bad(format!("[defaults] mfa_session_duration '{m}s' is outside 15 minutes to 36 hours"));
        }
        validate_all(&self.organizations).or_else(bad)
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

        let cases = [
            ("[defaults]\nregoin = \"x\"\n", "line 2"),
            ("[defaults]\nregoin = \"x\"\n", "regoin"),
            ("[defaults]\nduration = \"soon\"\n", "'soon' is not a duration"),
            ("[defaults]\nduration = 60\n", "outside 900..=43200"),
            ("[default]\n", "default"),
        ];
        for (text, want) in cases {
            let err = Settings::parse(text, Path::new("c.toml")).unwrap_err().to_string();
            assert!(err.contains(want), "{text:?}: {err}");
            assert!(err.contains("c.toml"), "{err}");
        }
    }
}
