//! An Identity Center token and its client registration, in memory (secrets
//! redacted, zeroized) and in the two places it is kept: the keyring (one
//! JSON object) and the AWS CLI's cache file (`~/.aws/sso/cache/<sha1>.json`,
//! the same fields `aws sso login` writes).

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};
use zeroize::Zeroize;

use crate::config::SsoSession;
use crate::time;

/// Where a token came from, and where its refresh is written back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// rolecall's keyring entry.
    Keyring,
    /// The AWS CLI's cache file.
    AwsCli,
}

impl Origin {
    /// For messages.
    pub fn label(self) -> &'static str {
        match self {
            Self::Keyring => "keyring",
            Self::AwsCli => "AWS CLI cache",
        }
    }
}

/// An OIDC client registration (`RegisterClient`).
#[derive(Clone)]
pub struct Registration {
    /// `clientId`.
    pub client_id: String,
    /// `clientSecret`.
    pub client_secret: SecretString,
    /// When it stops working.
    pub expires_at: SystemTime,
}

/// An access token, its refresh token and the registration that made them.
#[derive(Clone)]
pub struct Token {
    /// `sso_start_url` it was made for.
    pub start_url: String,
    /// `sso_region`.
    pub region: String,
    /// The bearer token for the portal.
    pub access_token: SecretString,
    /// When the access token expires.
    pub expires_at: SystemTime,
    /// Present when the registration asked for scopes.
    pub refresh_token: Option<SecretString>,
    /// The registration (needed to refresh).
    pub registration: Option<Registration>,
}

impl Token {
    /// The access token, for the portal's header.
    pub fn access(&self) -> &str {
        self.access_token.expose_secret()
    }

    /// Time left on the access token at `now`.
    pub fn left(&self, now: SystemTime) -> Duration {
        time::left(self.expires_at, now)
    }

    /// True when a refresh can be tried: a refresh token and a registration that has not expired.
    pub fn refreshable(&self, now: SystemTime) -> bool {
        self.refresh_token.is_some() && self.registration.as_ref().is_some_and(|r| r.expires_at > now)
    }

    /// True when it was made for `session`.
    pub fn is_for(&self, session: &SsoSession) -> bool {
        self.start_url.trim_end_matches('/') == session.start_url.trim_end_matches('/')
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("start_url", &self.start_url)
            .field("region", &self.region)
            .field("access_token", &"[REDACTED]")
            .field("expires_at", &time::rfc3339(self.expires_at))
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "[REDACTED]"))
            .field("client_id", &self.registration.as_ref().map(|r| r.client_id.as_str()))
            .finish()
    }
}

/// The AWS CLI's token file (botocore's field names). Also rolecall's keyring format.
#[derive(Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct File {
    #[serde(default)]
    start_url: String,
    #[serde(default)]
    region: String,
    access_token: String,
    expires_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    registration_expires_at: Option<String>,
}

impl Drop for File {
    fn drop(&mut self) {
        self.access_token.zeroize();
        if let Some(t) = &mut self.refresh_token {
            t.zeroize();
        }
        if let Some(t) = &mut self.client_secret {
            t.zeroize();
        }
    }
}

/// Parses the AWS CLI's timestamps: RFC 3339 (`…Z`, `…+00:00`) and the older `…UTC`.
fn parse_time(text: &str) -> Option<SystemTime> {
    let t = text.trim();
    let t = t.strip_suffix("UTC").map(|s| format!("{}Z", s.trim_end())).unwrap_or_else(|| t.to_owned());
    let t = t.strip_suffix("+00:00").map(|s| format!("{s}Z")).unwrap_or(t);
    time::parse_rfc3339(&t)
}

/// RFC 3339 UTC without fractions, as the AWS CLI writes it.
fn format_time(t: SystemTime) -> String {
    time::rfc3339_unix(time::epoch_secs(t))
}

/// Reads a token from the JSON of a cache file or keyring entry.
pub fn from_json(text: &str) -> Result<Token, String> {
    let f: File = serde_json::from_str(text).map_err(|e| format!("not a token file ({e})"))?;
    let expires_at = parse_time(&f.expires_at).ok_or_else(|| format!("expiresAt '{}' is not a time", f.expires_at))?;
    let registration = match (&f.client_id, &f.client_secret) {
        (Some(id), Some(secret)) => Some(Registration {
            client_id: id.clone(),
            client_secret: SecretString::from(secret.clone()),
            expires_at: f.registration_expires_at.as_deref().and_then(parse_time).unwrap_or(SystemTime::UNIX_EPOCH),
        }),
        _ => None,
    };
    Ok(Token {
        start_url: f.start_url.clone(),
        region: f.region.clone(),
        access_token: SecretString::from(f.access_token.clone()),
        expires_at,
        refresh_token: f.refresh_token.clone().map(SecretString::from),
        registration,
    })
}

/// The JSON for a cache file or keyring entry.
pub fn to_json(token: &Token) -> String {
    let reg = token.registration.as_ref();
    let f = File {
        start_url: token.start_url.clone(),
        region: token.region.clone(),
        access_token: token.access().to_owned(),
        expires_at: format_time(token.expires_at),
        refresh_token: token.refresh_token.as_ref().map(|t| t.expose_secret().to_owned()),
        client_id: reg.map(|r| r.client_id.clone()),
        client_secret: reg.map(|r| r.client_secret.expose_secret().to_owned()),
        registration_expires_at: reg.map(|r| format_time(r.expires_at)),
    };
    serde_json::to_string_pretty(&f).unwrap_or_default()
}

/// The AWS CLI's cache file for `session`: `<home>/.aws/sso/cache/<sha1 hex of the
/// session name, or of the start URL for the legacy form>.json`.
pub fn cli_cache_file(home: &Path, session: &SsoSession) -> PathBuf {
    let hex: String = Sha1::digest(session.cache_key().as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    home.join(".aws").join("sso").join("cache").join(format!("{hex}.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(name: Option<&str>) -> SsoSession {
        SsoSession {
            name: name.map(str::to_owned),
            start_url: "https://acme.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            scopes: vec![],
        }
    }

    #[test]
    fn cache_file_names_are_the_aws_clis() {
        let home = Path::new("/h");
        let legacy = cli_cache_file(home, &session(None));
        assert_ne!(legacy, cli_cache_file(home, &session(Some("acme"))));
        assert!(legacy.starts_with("/h/.aws/sso/cache"));
        // A known vector: sha1("abc").
        let abc = SsoSession { name: Some("abc".into()), ..session(None) };
        assert!(cli_cache_file(home, &abc).ends_with("a9993e364706816aba3e25717850c26c9cd0d89d.json"));
    }

    #[test]
    fn the_aws_cli_format_round_trips() {
        let text = r#"{"startUrl": "https://acme.awsapps.com/start", "region": "eu-west-1",
            "accessToken": "AT", "expiresAt": "2026-11-30T12:00:00Z", "refreshToken": "RT",
            "clientId": "cid", "clientSecret": "cs", "registrationExpiresAt": "2027-02-28T12:00:00UTC"}"#;
        let token = from_json(text).unwrap();
        assert_eq!(token.access(), "AT");
        assert_eq!(time::rfc3339(token.expires_at), "2026-11-30T12:00:00Z");
        assert!(token.is_for(&session(Some("acme"))));
        let debug = format!("{token:?}");
        assert!(!debug.contains("AT\"") && !debug.contains("RT") && !debug.contains("cs"), "{debug}");
        let again = from_json(&to_json(&token)).unwrap();
        assert_eq!(again.refresh_token.as_ref().map(|t| t.expose_secret().to_owned()).as_deref(), Some("RT"));
        let reg = again.registration.unwrap();
        assert_eq!((reg.client_id.as_str(), reg.client_secret.expose_secret()), ("cid", "cs"));
        assert_eq!(time::rfc3339(reg.expires_at), "2027-02-28T12:00:00Z");
        let json: serde_json::Value = serde_json::from_str(&to_json(&token)).unwrap();
        assert_eq!(json["expiresAt"], "2026-11-30T12:00:00Z");
        assert_eq!(json["startUrl"], "https://acme.awsapps.com/start");
        // Without a registration: no refresh, and the optional fields are left out.
        let bare = from_json(r#"{"accessToken":"a","expiresAt":"2026-11-30T12:00:00+00:00"}"#).unwrap();
        assert!(!bare.refreshable(SystemTime::UNIX_EPOCH));
        assert!(!to_json(&bare).contains("clientId"));
        assert!(from_json(r#"{"accessToken":"a","expiresAt":"soon"}"#).unwrap_err().contains("'soon'"));
    }
}
