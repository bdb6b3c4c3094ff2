//! `[[organization]]` settings: which AWS Organizations to discover, whose
//! credentials read them, whose credentials assume into their accounts, and
//! which roles every account offers.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::duration::de_opt_seconds;
use crate::limits;

/// Parallel `ListTagsForResource` (and OU walk) calls when nothing else is set.
pub const DEFAULT_TAG_CONCURRENCY: usize = 8;
/// Organizations is a global service served from us-east-1 (aws partition).
pub const DEFAULT_ORG_REGION: &str = "us-east-1";

/// One `[[organization]]` table.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgSettings {
    /// Label shown to the operator; also names the cache file. Unique among organisations.
    pub name: String,
    /// Profile whose credentials may call `organizations:ListAccounts` (management account
    /// or delegated administrator). It may itself be a role profile.
    pub profile: String,
    /// Profile whose credentials assume roles in member accounts (default: `profile`).
    #[serde(default)]
    pub source_profile: Option<String>,
    /// Role names offered in every account (`ACCOUNT/ROLE` targets).
    pub roles: Vec<String>,
    /// Only accounts whose OU path matches one of these globs (`/Workloads/**`); empty = all.
    #[serde(default)]
    pub include_ous: Vec<String>,
    /// Accounts (12-digit id or name) that are never targets.
    #[serde(default)]
    pub exclude_accounts: Vec<String>,
    /// `[organization.role.NAME]`: per-role settings.
    #[serde(default, rename = "role")]
    pub role_settings: BTreeMap<String, OrgRoleSettings>,
    /// Region of the Organizations endpoint (default us-east-1).
    #[serde(default)]
    pub region: Option<String>,
    /// How many `ListTagsForResource` (and OU walk) calls run at once.
    #[serde(default = "default_tag_concurrency")]
    pub tag_concurrency: usize,
}

/// `[organization.role.NAME]`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct OrgRoleSettings {
    /// Present the source profile's `mfa_serial` when assuming this role.
    #[serde(default)]
    pub mfa: bool,
    /// Send the MFA code with this role's `AssumeRole` (a code per role, up to
    /// the role's maximum duration) instead of using the stored MFA session,
    /// which AWS caps at one hour.
    #[serde(default)]
    pub mfa_on_assume: bool,
    /// Requested session duration, seconds (900..=43200).
    #[serde(default, deserialize_with = "de_opt_seconds")]
    pub duration: Option<u32>,
    /// `ExternalId` to send.
    #[serde(default)]
    pub external_id: Option<String>,
}

fn default_tag_concurrency() -> usize {
    DEFAULT_TAG_CONCURRENCY
}

impl OrgSettings {
    /// The profile that assumes into member accounts.
    pub fn source_profile(&self) -> &str {
        self.source_profile.as_deref().unwrap_or(&self.profile)
    }

    /// The Organizations endpoint region.
    pub fn region(&self) -> &str {
        self.region.as_deref().unwrap_or(DEFAULT_ORG_REGION)
    }

    /// The settings of role `role` (defaults when it has no table).
    pub fn role(&self, role: &str) -> OrgRoleSettings {
        self.role_settings.get(role).cloned().unwrap_or_default()
    }

    /// Checks what serde cannot; the message names the organisation and the key.
    pub(crate) fn validate(&self) -> Result<(), String> {
        let at = |key: &str, problem: String| Err(format!("[[organization]] '{}': {key} {problem}", self.name));
        if self.name.trim().is_empty() {
            return Err("[[organization]]: name must not be empty".into());
        }
        if self.profile.trim().is_empty() {
            return at("profile", "must name a profile".into());
        }
        if self.roles.is_empty() {
            return at("roles", "must list at least one role name, e.g. [\"ReadOnly\"]".into());
        }
        if let Some(Err(e)) = self.roles.iter().map(|r| limits::check_role_name(r)).find(Result::is_err) {
            return at("roles", e);
        }
        if let Some(Err(e)) = self.region.as_deref().map(limits::check_region) {
            return at("region", e);
        }
        for (role, rs) in &self.role_settings {
            if !self.roles.contains(role) {
                return at(
                    &format!("[organization.role.{role}]"),
                    format!("is for role '{role}', which is not in roles {:?}", self.roles),
                );
            }
            if let Some(Err(e)) = rs.duration.map(limits::check_duration) {
                return at(&format!("[organization.role.{role}] duration"), e);
            }
            if let Some(Err(e)) = rs.external_id.as_deref().map(limits::check_external_id) {
                return at(&format!("[organization.role.{role}] external_id"), e);
            }
        }
        if let Some(bad) = self.include_ous.iter().find(|g| !g.starts_with('/')) {
            return at("include_ous", format!("'{bad}' must be an OU path starting with '/', e.g. '/Workloads/**'"));
        }
        if self.exclude_accounts.iter().any(|a| a.trim().is_empty()) {
            return at("exclude_accounts", "has an empty entry".into());
        }
        if !(1..=64).contains(&self.tag_concurrency) {
            return at("tag_concurrency", format!("'{}' is outside 1..=64", self.tag_concurrency));
        }
        Ok(())
    }
}

/// Checks the organisations together: names are unique.
pub(crate) fn validate_all(orgs: &[OrgSettings]) -> Result<(), String> {
    for (i, org) in orgs.iter().enumerate() {
        org.validate()?;
        if orgs[..i].iter().any(|o| o.name == org.name) {
            return Err(format!("[[organization]] name '{}' is used twice; names must be unique", org.name));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Settings;

    #[test]
    fn the_shipped_example_parses() {
        let text = include_str!("../../assets/config.example.toml");
        let s = Settings::parse(text, Path::new("assets/config.example.toml")).unwrap();
        assert_eq!(s.defaults.key_cache_timeout, std::time::Duration::from_secs(12 * 3600));
        let org = &s.organizations[0];
        assert_eq!(
            (org.name.as_str(), org.profile.as_str(), org.source_profile()),
            ("acme", "acme-org-reader", "acme-hub")
        );
        assert_eq!(org.roles, ["ReadOnly", "Developer", "OrganizationAccountAccessRole"]);
        let dev = org.role("Developer");
        assert!(dev.mfa);
        assert_eq!(dev.duration, Some(4 * 3600));
        assert_eq!(dev.external_id.as_deref(), Some("acme-dev-7f3a"));
        assert_eq!(org.role("ReadOnly"), super::OrgRoleSettings::default());
        assert_eq!((org.tag_concurrency, org.region()), (8, "us-east-1"));
        assert_eq!(s.defaults.org_cache_ttl.as_secs(), 24 * 3600);
    }

    #[test]
    fn organisations_default_and_refuse_mistakes() {
        let s =
            Settings::parse("[[organization]]\nname = \"a\"\nprofile = \"p\"\nroles = [\"R\"]\n", Path::new("c.toml"))
                .unwrap();
        let org = &s.organizations[0];
        assert_eq!((org.source_profile(), org.region(), org.tag_concurrency), ("p", "us-east-1", 8));
        assert!(org.include_ous.is_empty() && org.exclude_accounts.is_empty());

        let base = "[[organization]]\nname = \"a\"\nprofile = \"p\"\n";
        let cases: Vec<(String, &str)> = vec![
            (format!("{base}roles = [\"R\"]\nrolse = 1\n"), "line 5"),
            (format!("{base}roles = [\"R\"]\nrolse = 1\n"), "unknown field `rolse`"),
            (format!("{base}roles = \"R\"\n"), "invalid type: string \"R\", expected a sequence"),
            (format!("{base}roles = [\"R\"]\n[organization.role.R]\nmfa = \"yes\"\n"), "line 6"),
            (
                format!("{base}roles = [\"R\"]\n[organization.role.R]\nmfa = true\ndurtion = 9\n"),
                "unknown field `durtion`",
            ),
            (
                format!("{base}roles = [\"R\"]\n[organization.role.R]\nduration = \"soon\"\n"),
                "'soon' is not a duration",
            ),
            (
                format!("{base}roles = [\"R\"]\n[organization.role.R]\nduration = 60\n"),
                "[organization.role.R] duration '60' is outside",
            ),
            (
                format!("{base}roles = [\"R\"]\n[organization.role.Q]\nmfa = true\n"),
                "is for role 'Q', which is not in roles [\"R\"]",
            ),
            (format!("{base}roles = []\n"), "[[organization]] 'a': roles must list at least one role name"),
            (format!("{base}roles = [\"Read Only\"]\n"), "'Read Only' is not a role name"),
            (
                format!("{base}roles = [\"R\"]\ninclude_ous = [\"Workloads\"]\n"),
                "'Workloads' must be an OU path starting with '/'",
            ),
            (format!("{base}roles = [\"R\"]\ntag_concurrency = 0\n"), "tag_concurrency '0' is outside 1..=64"),
            (format!("{base}roles = [\"R\"]\nregion = \"us east\"\n"), "'a': region 'us east' is not a region name"),
            (format!("{base}roles = [\"R\"]\n[organization.role.R]\nexternal_id = \"x\"\n"), "external_id 'x' must be"),
            (format!("{base}roles = [\"R\"]\n{base}roles = [\"S\"]\n"), "name 'a' is used twice"),
            ("[[organization]]\nname = \"a\"\nroles = [\"R\"]\n".to_owned(), "missing field `profile`"),
        ];
        for (text, want) in cases {
            let err = Settings::parse(&text, Path::new("c.toml")).unwrap_err().to_string();
            assert!(err.contains(want), "{text:?}:\n  got  {err}\n  want {want}");
            assert!(err.contains("c.toml"), "{err}");
        }
    }
}
