//! `[saml.NAME]` settings: a corporate identity provider to sign in through
//! (SAML 2.0), the AWS endpoint its assertion is posted to, and names for the
//! accounts its roles are in.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::duration::{de_duration, de_opt_seconds};
use crate::limits;

/// Where the IdP posts the assertion in the standard partition.
pub const ENDPOINT_AWS: &str = "https://signin.aws.amazon.com/saml";
/// The same in AWS GovCloud (US).
pub const ENDPOINT_US_GOV: &str = "https://signin.amazonaws-us-gov.com/saml";
/// The same in the China regions.
pub const ENDPOINT_CN: &str = "https://signin.amazonaws.cn/saml";
/// How long a person may take to sign in when nothing is set.
pub const DEFAULT_LOGIN_TIMEOUT: Duration = Duration::from_secs(300);

/// One `[saml.NAME]` table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamlSettings {
    /// The IdP-initiated sign-in URL of the AWS app (Okta's app embed link,
    /// Entra ID's user access URL, AD FS's `IdpInitiatedSignOn.aspx?loginToRp=urn:amazon:webservices`).
    pub url: String,
    /// Requested session duration (900..=43200 s); AWS caps it by the assertion's
    /// `SessionDuration` and the role's maximum.
    #[serde(default, deserialize_with = "de_opt_seconds")]
    pub session_duration: Option<u32>,
    /// The AWS SAML endpoint the IdP posts to (default [`ENDPOINT_AWS`]; GovCloud
    /// and China have their own). rolecall takes the assertion from that post; it
    /// never sends it there.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// STS region for `AssumeRoleWithSAML` (default: `[defaults] region`, then the SDK's).
    #[serde(default)]
    pub region: Option<String>,
    /// The Chromium-family browser to drive, instead of the one found.
    #[serde(default)]
    pub browser: Option<PathBuf>,
    /// A command that prints the base64 assertion (scripts, IdP APIs), instead of a browser.
    #[serde(default)]
    pub saml_process: Option<String>,
    /// Longest wait for the person to finish signing in.
    #[serde(default = "default_login_timeout", deserialize_with = "de_duration")]
    pub login_timeout: Duration,
    /// Account names by 12-digit id, for accounts the organisations' cache does not name.
    #[serde(default)]
    pub accounts: BTreeMap<String, String>,
}

fn default_login_timeout() -> Duration {
    DEFAULT_LOGIN_TIMEOUT
}

impl SamlSettings {
    /// The AWS SAML endpoint the IdP posts the assertion to.
    pub fn endpoint(&self) -> &str {
        self.endpoint.as_deref().unwrap_or(ENDPOINT_AWS)
    }

    fn validate(&self, name: &str) -> Result<(), String> {
        let at = |key: &str, problem: String| Err(format!("[saml.{name}] {key} {problem}"));
        if let Err(e) = web_url(&self.url) {
            return at("url", e);
        }
        if let Some(Err(e)) = self.endpoint.as_deref().map(web_url) {
            return at("endpoint", e);
        }
        if let Some(Err(e)) = self.session_duration.map(limits::check_duration) {
            return at("session_duration", e);
        }
        if let Some(Err(e)) = self.region.as_deref().map(limits::check_region) {
            return at("region", e);
        }
        if self.browser.as_ref().is_some_and(|b| b.as_os_str().is_empty()) {
            return at("browser", "must be a path to a browser, not empty".into());
        }
        if let Some(cmd) = &self.saml_process {
            match shell_words::split(cmd) {
                Ok(argv) if !argv.is_empty() => {}
                Ok(_) => return at("saml_process", "must be a command, not empty".into()),
                Err(e) => return at("saml_process", format!("'{}' is not a command line: {e}", cmd.escape_debug())),
            }
        }
        let secs = self.login_timeout.as_secs();
        if !(10..=3600).contains(&secs) {
            return at("login_timeout", format!("'{secs}s' is outside 10..=3600 seconds"));
        }
        for (id, account) in &self.accounts {
            if id.len() != 12 || !id.bytes().all(|b| b.is_ascii_digit()) {
                return at("accounts", format!("key '{}' is not a 12-digit account id", id.escape_debug()));
            }
            if account.trim().is_empty() || account.chars().count() > 50 || account.chars().any(char::is_control) {
                return at(
                    "accounts",
                    format!(
                        "name '{}' for {id} must be 1-50 characters without control characters",
                        account.escape_debug()
                    ),
                );
            }
        }
        Ok(())
    }
}

/// An https URL (or http to the loopback address, for a local test IdP) with no
/// user name or password in it.
fn web_url(text: &str) -> Result<(), String> {
    let shown = text.escape_debug();
    let url = Url::parse(text).map_err(|e| format!("'{shown}' is not a URL ({e})"))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    if url.scheme() != "https" && !(url.scheme() == "http" && loopback) {
        return Err(format!("'{shown}' must be https (http only to 127.0.0.1)"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(format!("'{shown}' must not carry a user name or password"));
    }
    Ok(())
}

/// Checks every `[saml.NAME]` table and its name (used in `--saml NAME` and target ids).
pub(crate) fn validate_all(all: &BTreeMap<String, SamlSettings>) -> Result<(), String> {
    for (name, saml) in all {
        let name_ok = (1..=64).contains(&name.len())
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            && !name.starts_with(['.', '-']);
        if !name_ok {
            return Err(format!(
                "[saml.{}]: the name must be 1-64 letters, digits and '._-', not starting with '.' or '-'",
                name.escape_debug()
            ));
        }
        saml.validate(name)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use crate::config::Settings;

    fn parse(text: &str) -> Result<Settings, String> {
        Settings::parse(text, Path::new("c.toml")).map_err(|e| e.to_string())
    }

    #[test]
    fn a_full_section_parses_and_defaults_fill_the_rest() {
        let text = r#"
[saml.corp]
url = "https://corp.okta.com/home/amazon_aws/0oa1/272"
session_duration = "8h"
endpoint = "https://signin.amazonaws-us-gov.com/saml"
region = "us-gov-west-1"
browser = "/opt/brave/brave"
saml_process = "corp-saml --app aws"
login_timeout = "2m"
accounts = { "123456789012" = "payments-prod", "210987654321" = "data lake (EU)" }

[saml.test-idp]
url = "http://127.0.0.1:8080/app/aws"
"#;
        let s = parse(text).unwrap();
        let corp = &s.saml["corp"];
        assert_eq!(corp.session_duration, Some(8 * 3600));
        assert_eq!(corp.endpoint(), super::ENDPOINT_US_GOV);
        assert_eq!(corp.login_timeout, Duration::from_secs(120));
        assert_eq!(corp.accounts["210987654321"], "data lake (EU)");
        let test = &s.saml["test-idp"];
        assert_eq!(test.endpoint(), super::ENDPOINT_AWS);
        assert_eq!(test.login_timeout, super::DEFAULT_LOGIN_TIMEOUT);
        assert_eq!((test.session_duration, test.saml_process.as_deref(), test.accounts.len()), (None, None, 0));
        assert!(parse("").unwrap().saml.is_empty(), "no section, no SAML");
    }

    #[test]
    fn bad_sections_say_which_name_key_and_value() {
        let url = "url = \"https://idp.example.com/aws\"\n";
        let cases = [
            ("[saml.corp]\n".to_owned(), "missing field `url`"),
            (format!("[saml.corp]\n{url}urll = 1\n"), "unknown field `urll`"),
            ("[saml.corp]\nurl = \"idp.example.com\"\n".to_owned(), "[saml.corp] url 'idp.example.com' is not a URL"),
            (
                "[saml.corp]\nurl = \"http://idp.example.com/aws\"\n".to_owned(),
                "[saml.corp] url 'http://idp.example.com/aws' must be https",
            ),
            ("[saml.corp]\nurl = \"http://127.0.0.1.evil/aws\"\n".to_owned(), "must be https"),
            (
                "[saml.corp]\nurl = \"https://bob:pw@idp.example.com/\"\n".to_owned(),
                "must not carry a user name or password",
            ),
            (format!("[saml.corp]\n{url}endpoint = \"ftp://signin.aws.amazon.com/saml\"\n"), "[saml.corp] endpoint"),
            (
                format!("[saml.corp]\n{url}session_duration = 60\n"),
                "[saml.corp] session_duration '60' is outside 900..=43200",
            ),
            (format!("[saml.corp]\n{url}session_duration = \"soon\"\n"), "'soon' is not a duration"),
            (
                format!("[saml.corp]\n{url}region = \"eu west 1\"\n"),
                "[saml.corp] region 'eu west 1' is not a region name",
            ),
            (format!("[saml.corp]\n{url}browser = \"\"\n"), "[saml.corp] browser must be a path"),
            (format!("[saml.corp]\n{url}saml_process = \"  \"\n"), "[saml.corp] saml_process must be a command"),
            (
                format!("[saml.corp]\n{url}saml_process = \"get 'open\"\n"),
                "[saml.corp] saml_process 'get \\'open' is not a command line",
            ),
            (
                format!("[saml.corp]\n{url}login_timeout = \"1s\"\n"),
                "[saml.corp] login_timeout '1s' is outside 10..=3600",
            ),
            (
                format!("[saml.corp]\n{url}accounts = {{ \"1234\" = \"x\" }}\n"),
                "[saml.corp] accounts key '1234' is not a 12-digit",
            ),
            (
                format!("[saml.corp]\n{url}accounts = {{ \"123456789012\" = \"\" }}\n"),
                "name '' for 123456789012 must be 1-50",
            ),
            (
                format!("[saml.corp]\n{url}accounts = {{ \"123456789012\" = \"a\\u001b[31m\" }}\n"),
                "name 'a\\u{1b}[31m' for 123456789012",
            ),
            (format!("[saml.corp]\n{url}accounts = {{ \"123456789012\" = 5 }}\n"), "invalid type"),
            (format!("[saml.\"a b\"]\n{url}"), "[saml.a b]: the name must be 1-64 letters"),
            (format!("[saml.\"-x\"]\n{url}"), "not starting with '.' or '-'"),
            (format!("[saml.corp]\n{url}[saml.corp]\n{url}"), "duplicate key"),
            ("saml = 5\n".to_owned(), "invalid type"),
        ];
        for (text, want) in cases {
            let err = parse(&text).unwrap_err();
            assert!(err.contains(want), "{text:?}: {err}");
            assert!(err.contains("c.toml"), "{err}");
            assert!(!err.contains('\u{1b}'), "a control character reaches the terminal: {err:?}");
        }
    }
}
