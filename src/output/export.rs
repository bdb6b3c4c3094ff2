//! Credentials as text: shell exports in several dialects and the
//! credential_process JSON (DESIGN rule 10).

use std::time::SystemTime;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format as DateFormat;

use crate::credentials::Credentials;

/// The output formats of `rolecall export`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// POSIX shells: `export K='v'` lines for `eval`.
    Env,
    /// fish: `set -gx K 'v'` lines.
    Fish,
    /// PowerShell: `$Env:K = 'v'` lines.
    Pwsh,
    /// The credential_process JSON object.
    Json,
    /// `.env` file lines: `K=v`.
    Dotenv,
}

/// RFC 3339 UTC text for a time, as the AWS CLI expects in `Expiration`.
pub fn rfc3339(t: SystemTime) -> String {
    DateTime::from(t).fmt(DateFormat::DateTime).unwrap_or_default()
}

/// The environment a process needs to act with `creds`: the variables to set
/// (including rolecall's own markers) and the ones to remove.
pub struct SessionEnv {
    /// Variables to set, in a stable order.
    pub set: Vec<(&'static str, String)>,
    /// Variables to remove, because they would override or confuse the credentials.
    pub unset: &'static [&'static str],
}

/// Variables that would point tools at other credentials.
pub const UNSET: &[&str] = &["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"];

impl SessionEnv {
    /// The variables for `creds` in `region`, marked as target `target`.
    pub fn new(creds: &Credentials, region: &str, target: &str) -> Self {
        let mut set = vec![
            ("AWS_ACCESS_KEY_ID", creds.access_key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key().to_owned()),
        ];
        if let Some(token) = creds.session_token() {
            set.push(("AWS_SESSION_TOKEN", token.to_owned()));
        }
        if let Some(exp) = creds.expiration {
            set.push(("AWS_CREDENTIAL_EXPIRATION", rfc3339(exp)));
            set.push(("ROLECALL_EXPIRATION", rfc3339(exp)));
        }
        set.push(("AWS_REGION", region.to_owned()));
        set.push(("AWS_DEFAULT_REGION", region.to_owned()));
        set.push(("ROLECALL_TARGET", target.to_owned()));
        Self { set, unset: UNSET }
    }

    /// Adds `AWS_ENDPOINT_URL`, so tools in a child reach the endpoint the
    /// target's profile configured (the child no longer sees that profile).
    pub fn with_endpoint(mut self, endpoint_url: Option<String>) -> Self {
        if let Some(url) = endpoint_url {
            self.set.push(("AWS_ENDPOINT_URL", url));
        }
        self
    }
}

/// Renders `creds` in `format`. Every format except `json` carries the region
/// and target markers too.
pub fn render(format: Format, creds: &Credentials, region: &str, target: &str) -> String {
    let env = SessionEnv::new(creds, region, target);
    let mut out = String::new();
    match format {
        Format::Env => {
            out.push_str(&format!("unset {}\n", env.unset.join(" ")));
            for (k, v) in &env.set {
                out.push_str(&format!("export {k}={}\n", sh_quote(v)));
            }
        }
        Format::Fish => {
            for k in env.unset {
                out.push_str(&format!("set -e {k};\n"));
            }
            for (k, v) in &env.set {
                out.push_str(&format!("set -gx {k} {};\n", sh_quote(v)));
            }
        }
        Format::Pwsh => {
            for k in env.unset {
                out.push_str(&format!("Remove-Item Env:{k} -ErrorAction SilentlyContinue\n"));
            }
            for (k, v) in &env.set {
                out.push_str(&format!("$Env:{k} = '{}'\n", v.replace('\'', "''")));
            }
        }
        Format::Dotenv => {
            for (k, v) in &env.set {
                out.push_str(&format!("{k}={}\n", dotenv_quote(v)));
            }
        }
        Format::Json => return credential_process_json(creds),
    }
    out
}

/// The credential_process JSON: exactly `Version`, the keys, and `Expiration`.
pub fn credential_process_json(creds: &Credentials) -> String {
    let mut obj = serde_json::Map::new();
    obj.insert("Version".into(), 1.into());
    obj.insert("AccessKeyId".into(), creds.access_key_id.clone().into());
    obj.insert("SecretAccessKey".into(), creds.secret_access_key().into());
    if let Some(token) = creds.session_token() {
        obj.insert("SessionToken".into(), token.into());
    }
    if let Some(exp) = creds.expiration {
        obj.insert("Expiration".into(), rfc3339(exp).into());
    }
    let mut text = serde_json::Value::Object(obj).to_string();
    text.push('\n');
    text
}

/// Single-quotes a value for POSIX shells and fish.
fn sh_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', r"'\''"))
}

fn dotenv_quote(v: &str) -> String {
    if v.chars().all(|c| c.is_ascii_alphanumeric() || "+/=_.:-".contains(c)) {
        v.to_owned()
    } else {
        format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn creds() -> Credentials {
        let exp = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        Credentials::new("ASIAXX", "se'cret", Some("tok/en=".into()), Some(exp))
    }

    #[test]
    fn formats() {
        let c = creds();
        let env = render(Format::Env, &c, "eu-west-1", "prod");
        assert!(env.contains("export AWS_SECRET_ACCESS_KEY='se'\\''cret'\n"), "{env}");
        assert!(env.contains("export AWS_CREDENTIAL_EXPIRATION='2027-01-15T08:00:00Z'\n"), "{env}");
        assert!(env.starts_with("unset AWS_PROFILE AWS_DEFAULT_PROFILE"), "{env}");
        let fish = render(Format::Fish, &c, "eu-west-1", "prod");
        assert!(fish.contains("set -gx AWS_REGION 'eu-west-1';\n"), "{fish}");
        let pwsh = render(Format::Pwsh, &c, "eu-west-1", "prod");
        assert!(pwsh.contains("$Env:AWS_SECRET_ACCESS_KEY = 'se''cret'\n"), "{pwsh}");
        let dotenv = render(Format::Dotenv, &c, "eu-west-1", "prod");
        assert!(dotenv.contains("AWS_SESSION_TOKEN=tok/en=\n"), "{dotenv}");
        assert!(dotenv.contains("AWS_SECRET_ACCESS_KEY=\"se'cret\"\n"), "{dotenv}");
        let json: serde_json::Value = serde_json::from_str(&render(Format::Json, &c, "r", "t")).unwrap();
        assert_eq!(json["Version"], 1);
        assert_eq!(json["Expiration"], "2027-01-15T08:00:00Z");
        assert_eq!(json.as_object().unwrap().len(), 5);
    }
}
