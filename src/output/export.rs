//! Credentials as text: shell exports in several dialects and the
//! credential_process JSON (rule 10 of docs/rules.md).

use super::quote::{self, Unquotable};
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
    /// nushell: a record of the variables to set, for `from json | load-env`.
    Nushell,
}

pub use crate::time::rfc3339;

/// The environment a process needs to act with `creds`: the variables to set
/// (including rolecall's own markers) and the ones to remove.
pub struct SessionEnv {
    /// Variables to set, in a stable order.
    pub set: Vec<(&'static str, String)>,
    /// Variables to remove: those in [`UNSET`], and those in [`SET_IF_PRESENT`]
    /// that these credentials do not set. Never one that is in `set`.
    pub unset: Vec<&'static str>,
}

/// Variables that would point tools at other credentials; always removed.
/// (`AWS_SECURITY_TOKEN` is the old name of `AWS_SESSION_TOKEN`, still read by some tools.)
pub const UNSET: &[&str] = &["AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"];

/// Variables set only when the credentials have them (an IAM user's static
/// keys have no token and no expiry). When they are not set they are removed,
/// so a parent's stale session token or expiry never sits beside new keys.
pub const SET_IF_PRESENT: &[&str] = &["AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "ROLECALL_EXPIRATION"];

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
        let missing = SET_IF_PRESENT.iter().filter(|k| !set.iter().any(|(s, _)| s == *k));
        let unset = UNSET.iter().chain(missing).copied().collect();
        Self { set, unset }
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

/// Why credentials cannot be printed in the format asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExportError {
    /// A value cannot be written so that its reader gets it back unchanged.
    /// Names the variable but never shows the value: it may be a secret.
    #[error("cannot print {var} for '--format {format}': {reason}{}", hint(.format))]
    Unquotable {
        /// The variable whose value is the problem.
        var: &'static str,
        /// The format asked for.
        format: &'static str,
        /// What is in the value.
        reason: Unquotable,
    },
}

fn hint(format: &str) -> &'static str {
    if format == "dotenv" { "; use '--format env' or '--format json' for this target" } else { "" }
}

impl Format {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Env => "env",
            Self::Fish => "fish",
            Self::Pwsh => "pwsh",
            Self::Json => "json",
            Self::Dotenv => "dotenv",
            Self::Nushell => "nushell",
        }
    }
}

/// Renders `creds` in `format`. Every format except `json` carries the region
/// and target markers too; the shell formats first remove the variables in
/// [`SessionEnv::unset`] (a dotenv file can only set). Every value is quoted
/// for its reader (see [`super::quote`]) and read back exactly, whatever it
/// holds; a value that cannot be (NUL anywhere, or what [`quote::dotenv`]
/// refuses) is an error naming the variable, and nothing is printed.
pub fn render(format: Format, creds: &Credentials, region: &str, target: &str) -> Result<String, ExportError> {
    let quote: fn(&str) -> Result<String, Unquotable> = match format {
        Format::Json => return Ok(credential_process_json(creds)),
        Format::Env => quote::posix,
        Format::Fish => quote::fish,
        Format::Pwsh => quote::pwsh,
        Format::Dotenv => quote::dotenv,
        Format::Nushell => return nushell_record(creds, region, target),
    };
    let env = SessionEnv::new(creds, region, target);
    let mut out = String::new();
    if format == Format::Env {
        out.push_str(&format!("unset {}\n", env.unset.join(" ")));
    }
    for k in &env.unset {
        match format {
            Format::Fish => out.push_str(&format!("set -e {k};\n")),
            Format::Pwsh => out.push_str(&format!("Remove-Item Env:{k} -ErrorAction SilentlyContinue\n")),
            _ => {}
        }
    }
    for (k, v) in &env.set {
        let v = quote(v).map_err(|reason| ExportError::Unquotable { var: k, format: format.name(), reason })?;
        let line = match format {
            Format::Fish => format!("set -gx {k} {v};\n"),
            Format::Pwsh => format!("$Env:{k} = {v}\n"),
            Format::Dotenv => format!("{k}={v}\n"),
            Format::Env | Format::Json | Format::Nushell => format!("export {k}={v}\n"),
        };
        out.push_str(&line);
    }
    Ok(out)
}

/// The variables to set as one JSON object (which nushell reads with
/// `from json`; JSON escapes every character itself), for `load-env`. A
/// record can only set: `rc` for nushell hides the variables it leaves out.
fn nushell_record(creds: &Credentials, region: &str, target: &str) -> Result<String, ExportError> {
    let env = SessionEnv::new(creds, region, target);
    let mut obj = serde_json::Map::new();
    for (k, v) in env.set {
        if v.contains('\0') {
            return Err(ExportError::Unquotable { var: k, format: "nushell", reason: Unquotable::Nul });
        }
        obj.insert(k.into(), v.into());
    }
    let mut text = serde_json::Value::Object(obj).to_string();
    text.push('\n');
    Ok(text)
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn creds() -> Credentials {
        let exp = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        Credentials::new("ASIAXX", "se'cret", Some("tok/en=".into()), Some(exp))
    }

    /// An IAM user's long-lived keys: no session token, no expiry.
    fn static_keys() -> Credentials {
        Credentials::new("AKIAXX", "secret", None, None)
    }

    fn ok(format: Format, c: &Credentials, target: &str) -> String {
        render(format, c, "eu-west-1", target).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn formats() {
        let c = creds();
        let env = ok(Format::Env, &c, "prod");
        assert!(env.contains("export AWS_SECRET_ACCESS_KEY='se'\\''cret'\n"), "{env}");
        assert!(env.contains("export AWS_CREDENTIAL_EXPIRATION='2027-01-15T08:00:00Z'\n"), "{env}");
        assert!(env.starts_with("unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SECURITY_TOKEN\n"), "{env}");
        let fish = ok(Format::Fish, &c, "prod");
        assert!(fish.contains("set -gx AWS_REGION 'eu-west-1';\n"), "{fish}");
        assert!(fish.contains("set -gx AWS_SECRET_ACCESS_KEY 'se\\'cret';\n"), "{fish}");
        let pwsh = ok(Format::Pwsh, &c, "prod");
        assert!(pwsh.contains("$Env:AWS_SECRET_ACCESS_KEY = 'se''cret'\n"), "{pwsh}");
        let dotenv = ok(Format::Dotenv, &Credentials::new("ASIAXX", "se/cret+", Some("tok/en=".into()), None), "prod");
        assert!(dotenv.contains("AWS_SESSION_TOKEN=tok/en=\n"), "{dotenv}");
        assert!(dotenv.contains("AWS_SECRET_ACCESS_KEY=se/cret+\n"), "{dotenv}");
        let json: serde_json::Value = serde_json::from_str(&ok(Format::Json, &c, "t")).unwrap();
        assert_eq!(json["Version"], 1);
        assert_eq!(json["Expiration"], "2027-01-15T08:00:00Z");
        assert_eq!(json.as_object().unwrap().len(), 5);
    }

    #[test]
    fn crafted_target_stays_one_quoted_value() {
        // (format, target, the line that must carry it)
        let fish_payload = r"fish\'|touch /tmp/x|echo \'";
        let cases = [
            (Format::Fish, fish_payload, r"set -gx ROLECALL_TARGET 'fish\\\'|touch /tmp/x|echo \\\'';"),
            (Format::Env, fish_payload, r"export ROLECALL_TARGET='fish\'\''|touch /tmp/x|echo \'\'''"),
            (
                Format::Pwsh,
                "a\u{2019}; calc; \u{2018}",
                "$Env:ROLECALL_TARGET = 'a\u{2019}\u{2019}; calc; \u{2018}\u{2018}'",
            ),
            (Format::Dotenv, "$(touch /tmp/x) `id`", "ROLECALL_TARGET='$(touch /tmp/x) `id`'"),
            (Format::Dotenv, "a b", "ROLECALL_TARGET='a b'"),
        ];
        for (format, target, line) in cases {
            let text = ok(format, &plain_creds(), target);
            assert!(text.lines().any(|l| l == line), "{format:?}: {text}");
        }
    }

    fn plain_creds() -> Credentials {
        Credentials::new("ASIAXX", "secret", Some("token".into()), None)
    }

    #[test]
    fn refuses_values_it_cannot_write_exactly() {
        // (format, secret key, target, error)
        let cases = [
            (
                Format::Dotenv,
                "secret",
                "it's",
                "cannot print ROLECALL_TARGET for '--format dotenv': the value contains a single quote, \
                 which a dotenv file cannot carry literally; use '--format env' or '--format json' for this target",
            ),
            (
                Format::Dotenv,
                "secret",
                "two\nlines",
                "cannot print ROLECALL_TARGET for '--format dotenv': the value contains a line break, \
                 which a dotenv file cannot carry literally; use '--format env' or '--format json' for this target",
            ),
            (
                Format::Dotenv,
                "sec\\ret",
                "prod",
                "cannot print AWS_SECRET_ACCESS_KEY for '--format dotenv': the value contains a backslash, \
                 which a dotenv file cannot carry literally; use '--format env' or '--format json' for this target",
            ),
            (
                Format::Env,
                "sec\0ret",
                "prod",
                "cannot print AWS_SECRET_ACCESS_KEY for '--format env': the value contains a NUL character, \
                 which no environment variable can hold",
            ),
            (
                Format::Fish,
                "secret",
                "a\0",
                "cannot print ROLECALL_TARGET for '--format fish': the value contains a NUL character, \
                 which no environment variable can hold",
            ),
            (
                Format::Pwsh,
                "secret",
                "\0",
                "cannot print ROLECALL_TARGET for '--format pwsh': the value contains a NUL character, \
                 which no environment variable can hold",
            ),
        ];
        for (format, secret, target, want) in cases {
            let c = Credentials::new("ASIAXX", secret, None, None);
            let err = render(format, &c, "eu-west-1", target).expect_err(want);
            assert_eq!(err.to_string(), want);
        }
        // JSON escapes everything itself.
        assert!(render(Format::Json, &Credentials::new("A", "s\0'\n", None, None), "r", "t\0").is_ok());
    }

    #[test]
    fn nushell_gets_a_record_of_what_to_set() {
        let text = ok(Format::Nushell, &creds(), "it's \"prod\"\n$(x)");
        let rec: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(rec["AWS_SECRET_ACCESS_KEY"], "se'cret");
        assert_eq!(rec["ROLECALL_TARGET"], "it's \"prod\"\n$(x)");
        assert_eq!(rec["AWS_REGION"], "eu-west-1");
        assert_eq!(rec.as_object().unwrap().len(), 8, "{text}");
        let err = render(Format::Nushell, &plain_creds(), "r", "a\0").unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot print ROLECALL_TARGET for '--format nushell': the value contains a NUL character, \
             which no environment variable can hold"
        );
    }

    #[test]
    fn removes_every_variable_the_credentials_do_not_set() {
        let managed = [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_SECURITY_TOKEN",
            "AWS_CREDENTIAL_EXPIRATION",
            "ROLECALL_EXPIRATION",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "ROLECALL_TARGET",
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
        ];
        let exp = Some(UNIX_EPOCH + Duration::from_secs(1_800_000_000));
        // (token, expiry, variables that must be removed besides UNSET)
        let cases: [(Option<&str>, _, &[&str]); 4] = [
            (Some("tok"), exp, &[]),
            (None, None, &["AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION", "ROLECALL_EXPIRATION"]),
            (Some("tok"), None, &["AWS_CREDENTIAL_EXPIRATION", "ROLECALL_EXPIRATION"]),
            (None, exp, &["AWS_SESSION_TOKEN"]),
        ];
        for (token, expiry, removed) in cases {
            let c = Credentials::new("AKIAXX", "secret", token.map(str::to_owned), expiry);
            let env = SessionEnv::new(&c, "eu-west-1", "prod").with_endpoint(Some("http://localhost:1".into()));
            let want: Vec<&str> = UNSET.iter().chain(removed).copied().collect();
            assert_eq!(env.unset, want, "{token:?} {expiry:?}");
            for var in managed {
                let set = env.set.iter().filter(|(k, _)| *k == var).count();
                let unset = env.unset.iter().filter(|k| **k == var).count();
                assert_eq!(set + unset, 1, "{var} must be set or removed, once ({token:?} {expiry:?})");
            }
        }
    }

    #[test]
    fn shell_formats_remove_a_stale_session() {
        // (format, lines that must be there for static keys)
        let cases: [(Format, &[&str]); 3] = [
            (
                Format::Env,
                &["unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SECURITY_TOKEN AWS_SESSION_TOKEN \
                   AWS_CREDENTIAL_EXPIRATION ROLECALL_EXPIRATION"],
            ),
            (
                Format::Fish,
                &[
                    "set -e AWS_SECURITY_TOKEN;",
                    "set -e AWS_SESSION_TOKEN;",
                    "set -e AWS_CREDENTIAL_EXPIRATION;",
                    "set -e ROLECALL_EXPIRATION;",
                ],
            ),
            (
                Format::Pwsh,
                &[
                    "Remove-Item Env:AWS_SECURITY_TOKEN -ErrorAction SilentlyContinue",
                    "Remove-Item Env:AWS_SESSION_TOKEN -ErrorAction SilentlyContinue",
                    "Remove-Item Env:AWS_CREDENTIAL_EXPIRATION -ErrorAction SilentlyContinue",
                    "Remove-Item Env:ROLECALL_EXPIRATION -ErrorAction SilentlyContinue",
                ],
            ),
        ];
        for (format, lines) in cases {
            let text = ok(format, &static_keys(), "user");
            for line in lines {
                assert!(text.lines().any(|l| l == *line), "{format:?} lacks {line:?}:\n{text}");
            }
            assert!(!text.contains("AWS_SESSION_TOKEN ="), "{text}");
            assert!(!text.contains("-gx AWS_SESSION_TOKEN"), "{text}");
            assert!(!text.contains("export AWS_SESSION_TOKEN"), "{text}");
        }
    }
}
