//! IAM Identity Center settings from the AWS config file: `[sso-session NAME]`
//! sections (`sso_start_url`, `sso_region`, `sso_registration_scopes`) and the
//! legacy form with `sso_start_url`/`sso_region` on the profile itself, as
//! botocore reads them.

/// The scope rolecall registers for when the session names none: it is the
/// one that makes Identity Center return a refresh token.
pub const DEFAULT_SCOPE: &str = "sso:account:access";

/// An Identity Center sign-in: where it happens, and the name tokens are kept under.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SsoSession {
    /// The `[sso-session NAME]`; `None` for the legacy form (settings on a profile).
    pub name: Option<String>,
    /// `sso_start_url`.
    pub start_url: String,
    /// `sso_region`: where the OIDC and portal endpoints are.
    pub region: String,
    /// `sso_registration_scopes` (default [`DEFAULT_SCOPE`], also for the legacy form: the AWS CLI registers none there and so gets no refresh token, rolecall asks for one).
    pub scopes: Vec<String>,
}

impl SsoSession {
    /// The name the user gives `rolecall login --sso` and that messages
    /// use: the session name, or the start URL for the legacy form.
    pub fn id(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.start_url)
    }

    /// What the AWS CLI hashes (SHA-1) for its token cache file name: the
    /// session name, or the start URL for the legacy form.
    pub fn cache_key(&self) -> &str {
        self.id()
    }
}

/// A profile's Identity Center role: the session, the account and the permission set.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SsoRole {
    /// Where to sign in.
    pub session: SsoSession,
    /// `sso_account_id`.
    pub account_id: String,
    /// `sso_role_name`: the permission set.
    pub role_name: String,
}

/// Splits `sso_registration_scopes` (comma separated, as botocore does).
pub fn parse_scopes(raw: Option<&str>) -> Vec<String> {
    match raw {
        None => vec![DEFAULT_SCOPE.to_owned()],
        Some(raw) => {
            let out: Vec<String> = raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
            if out.is_empty() { vec![DEFAULT_SCOPE.to_owned()] } else { out }
        }
    }
}

/// Checks an account id: twelve digits.
pub fn check_account_id(raw: &str) -> Result<(), String> {
    if raw.len() == 12 && raw.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("'{raw}' is not a 12-digit account id"))
    }
}

/// Checks a start URL: an `https://` URL (or `http://` for a local test endpoint).
pub fn check_start_url(raw: &str) -> Result<(), String> {
    let ok = (raw.starts_with("https://") && raw.len() > 8) || raw.starts_with("http://127.0.0.1");
    if ok && !raw.chars().any(char::is_whitespace) {
        Ok(())
    } else {
        Err(format!("'{raw}' is not an https:// start URL"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_default_and_split() {
        assert_eq!(parse_scopes(None), vec![DEFAULT_SCOPE]);
        assert_eq!(parse_scopes(Some(" ")), vec![DEFAULT_SCOPE]);
        assert_eq!(parse_scopes(Some("a, b,,c")), vec!["a", "b", "c"]);
    }

    #[test]
    fn ids_and_checks() {
        let s = SsoSession {
            name: None,
            start_url: "https://x.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            scopes: vec![],
        };
        assert_eq!(s.id(), "https://x.awsapps.com/start");
        assert_eq!(SsoSession { name: Some("acme".into()), ..s }.cache_key(), "acme");
        assert!(check_account_id("123456789012").is_ok());
        assert!(check_account_id("12345678901x").is_err());
        assert!(check_start_url("https://a").is_ok());
        assert!(check_start_url("ftp://a").is_err());
    }
}
