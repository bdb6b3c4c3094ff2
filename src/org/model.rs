//! What discovery produces and the cache stores: an organisation snapshot,
//! its accounts (id, name, email, state, joined, OU path, tags), and which of
//! them the settings make targets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::org::OrgSettings;

/// The account state AWS reports for accounts that can be used.
pub const ACTIVE: &str = "ACTIVE";

/// One account of an organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The 12-digit account id.
    pub id: String,
    /// The account name (not unique in AWS; may hold spaces and any characters).
    pub name: String,
    /// The root user's email address.
    #[serde(default)]
    pub email: String,
    /// `State` (`ACTIVE`, `SUSPENDED`, `PENDING_CLOSURE`, `CLOSED`, `PENDING_ACTIVATION`).
    pub state: String,
    /// When the account joined, RFC 3339 UTC.
    #[serde(default)]
    pub joined: Option<String>,
    /// OU path from the root by OU names: `/` for the root, `/Workloads/Prod` below it.
    /// `None` when the OU walk did not meet the account (moved during discovery).
    #[serde(default)]
    pub ou: Option<String>,
    /// Account tags.
    #[serde(default)]
    pub tags: BTreeMap<String, String>,
}

impl Account {
    /// True when roles in the account can be assumed.
    pub fn is_active(&self) -> bool {
        self.state == ACTIVE
    }

    /// The OU path for display (`?` when unknown).
    pub fn ou_label(&self) -> &str {
        self.ou.as_deref().unwrap_or("?")
    }

    /// The tags as `k=v k2=v2`.
    pub fn tags_label(&self) -> String {
        self.tags.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
    }
}

/// A complete discovered organisation, as written to the cache.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Cache format version.
    pub version: u32,
    /// The organisation's `name` in the settings.
    pub org: String,
    /// The profile whose credentials listed it (a different profile means a different view).
    pub profile: String,
    /// When it was fetched, RFC 3339 UTC.
    pub fetched_at: String,
    /// Seconds since the Unix epoch of `fetched_at` (for age checks without parsing).
    pub fetched_at_unix: u64,
    /// Who listed it (`GetCallerIdentity` ARN), when known.
    #[serde(default)]
    pub fetched_by: Option<String>,
    /// Every account, ordered by OU path, then name, then id.
    pub accounts: Vec<Account>,
}

/// The current cache format.
pub const SNAPSHOT_VERSION: u32 = 1;

impl Snapshot {
    /// Builds a snapshot, ordering accounts by OU path, name and id.
    pub fn new(
        org: &OrgSettings,
        fetched_at_unix: u64,
        fetched_by: Option<String>,
        mut accounts: Vec<Account>,
    ) -> Self {
        accounts.sort_by(|a, b| (a.ou_label(), &a.name, &a.id).cmp(&(b.ou_label(), &b.name, &b.id)));
        Self {
            version: SNAPSHOT_VERSION,
            org: org.name.clone(),
            profile: org.profile.clone(),
            fetched_at: crate::time::rfc3339_unix(fetched_at_unix),
            fetched_at_unix,
            fetched_by,
            accounts,
        }
    }

    /// Age in seconds at `now_unix` (zero if the clock went backwards).
    pub fn age(&self, now_unix: u64) -> u64 {
        now_unix.saturating_sub(self.fetched_at_unix)
    }
}

/// Why an account is not a target of an organisation, if it is not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutOfScope {
    /// Listed in `exclude_accounts` (by id or name).
    Excluded,
    /// Its OU path matches none of `include_ous`.
    NotIncluded,
}

/// Whether `account` is a target of `org` by `exclude_accounts` and `include_ous`.
pub fn scope(org: &OrgSettings, account: &Account) -> Result<(), OutOfScope> {
    if org.exclude_accounts.iter().any(|x| *x == account.id || *x == account.name) {
        return Err(OutOfScope::Excluded);
    }
    if org.include_ous.is_empty() {
        return Ok(());
    }
    let path = account.ou.as_deref().unwrap_or("");
    if org.include_ous.iter().any(|g| ou_glob_matches(g, path)) { Ok(()) } else { Err(OutOfScope::NotIncluded) }
}

/// Matches an OU path (`/Workloads/Prod`) against a glob over OU names: `*`
/// matches within one name, `**` any number of names (zero included), so
/// `/Workloads/**` matches `/Workloads` and everything below it.
pub fn ou_glob_matches(glob: &str, path: &str) -> bool {
    let split = |s: &str| -> Vec<String> { s.split('/').filter(|p| !p.is_empty()).map(str::to_owned).collect() };
    let (g, p) = (split(glob), split(path));
    let g: Vec<&str> = g.iter().map(String::as_str).collect();
    let p: Vec<&str> = p.iter().map(String::as_str).collect();
    segments_match(&g, &p)
}

fn segments_match(glob: &[&str], path: &[&str]) -> bool {
    match glob.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|i| segments_match(rest, &path[i..])),
        Some((first, rest)) => {
            path.split_first().is_some_and(|(name, tail)| name_matches(first, name) && segments_match(rest, tail))
        }
    }
}

/// `*` matches any run of characters in one OU name; everything else literally.
fn name_matches(pattern: &str, name: &str) -> bool {
    let pat: Vec<char> = pattern.chars().collect();
    let txt: Vec<char> = name.chars().collect();
    let (mut p, mut t, mut star, mut mark) = (0, 0, None, 0);
    while t < txt.len() {
        if p < pat.len() && pat[p] != '*' && pat[p] == txt[t] {
            p += 1;
            t += 1;
        } else if p < pat.len() && pat[p] == '*' {
            star = Some(p);
            mark = t;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            t = mark;
        } else {
            return false;
        }
    }
    pat[p..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ou_globs() {
        let rows = [
            ("/Workloads/**", "/Workloads", true),
            ("/Workloads/**", "/Workloads/Prod/EU/Payments", true),
            ("/Workloads/**", "/WorkloadsOld", false),
            ("/Workloads/**", "/", false),
            ("/Workloads/*", "/Workloads/Prod", true),
            ("/Workloads/*", "/Workloads", false),
            ("/Workloads/*", "/Workloads/Prod/EU", false),
            ("/**/Prod/**", "/Workloads/Prod/EU", true),
            ("/**/Prod", "/Prod", true),
            ("/*/Prod*", "/Workloads/Production", true),
            ("/**", "/", true),
            ("/", "/", true),
            ("/", "/Security", false),
            ("/Zürich*", "/Zürich Ops", true),
            ("/W*s/P?", "/Workloads/P?", true),
        ];
        for (glob, path, want) in rows {
            assert_eq!(ou_glob_matches(glob, path), want, "{glob} vs {path}");
        }
    }

    #[test]
    fn scope_by_exclusion_and_ou() {
        let org: OrgSettings = toml::from_str(
            "name = 'a'\nprofile = 'p'\nroles = ['R']\ninclude_ous = ['/Workloads/**']\nexclude_accounts = ['111111111111', 'legacy']",
        )
        .unwrap();
        let acct = |id: &str, name: &str, ou: Option<&str>| Account {
            id: id.into(),
            name: name.into(),
            email: String::new(),
            state: ACTIVE.into(),
            joined: None,
            ou: ou.map(str::to_owned),
            tags: BTreeMap::new(),
        };
        let rows = [
            (acct("222222222222", "x", Some("/Workloads/Prod")), Ok(())),
            (acct("111111111111", "x", Some("/Workloads/Prod")), Err(OutOfScope::Excluded)),
            (acct("333333333333", "legacy", Some("/Workloads")), Err(OutOfScope::Excluded)),
            (acct("444444444444", "y", Some("/Security")), Err(OutOfScope::NotIncluded)),
            (acct("555555555555", "z", None), Err(OutOfScope::NotIncluded)),
        ];
        for (account, want) in rows {
            assert_eq!(scope(&org, &account), want, "{account:?}");
        }
    }
}
