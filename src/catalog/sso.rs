//! IAM Identity Center targets: every account × permission set of a
//! discovered session, as `ACCOUNT/PERMISSION_SET` (account name, or the
//! 12-digit id when the name is missing, looks like an id, or is shared).
//! When an organisation target has the same id (an organisation role named
//! like the permission set in the same account), the organisation keeps
//! `ACCOUNT/ROLE` and the permission set is `ACCOUNT/sso:PERMISSION_SET`;
//! the `sso:` form is accepted for every permission set. A profile naming the
//! same account and permission set wins (its settings apply). No I/O.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use super::CatalogError;
use super::entry::{AccountRef, Alias, BaseRef, Entry, Kind, Route};
use crate::broker::plan::{self, Overrides, Plan};
use crate::config::{AwsConfig, Base, Chain, Settings, SsoRole, SsoSession};
use crate::sso::discover::{Snapshot, SsoAccount};

/// The prefix that makes a permission set's id unambiguous.
pub const PREFIX: &str = "sso:";

/// One discovered session.
#[derive(Clone, Copy, Debug)]
pub struct SsoView<'a> {
    /// The session.
    pub session: &'a SsoSession,
    /// Its accounts.
    pub snapshot: &'a Snapshot,
}

fn looks_like_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `(account id, permission set) → profile` for profiles that name one.
pub fn profiles_by_permission_set(aws: &AwsConfig) -> HashMap<(String, String), String> {
    let mut map = HashMap::new();
    for name in aws.profile_names() {
        if let Some(role) = aws.profile(name).ok().and_then(|p| p.sso_role.clone()) {
            map.entry((role.account_id, role.role_name)).or_insert_with(|| name.to_owned());
        }
    }
    map
}

/// One account × permission set, with its id.
pub struct SsoTarget<'a> {
    /// The target id.
    pub id: String,
    /// The session.
    pub session: &'a SsoSession,
    /// The account.
    pub account: &'a SsoAccount,
    /// The permission set.
    pub role: &'a str,
}

/// Every account × permission set of `views`, with ids that do not clash
/// with `taken` (the organisation targets' ids).
pub fn all<'a>(views: &[SsoView<'a>], taken: &HashSet<&str>) -> Vec<SsoTarget<'a>> {
    let mut names: HashMap<&str, HashSet<&str>> = HashMap::new();
    for v in views {
        for a in &v.snapshot.accounts {
            names.entry(a.name.as_str()).or_default().insert(a.id.as_str());
        }
    }
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for v in views {
        for account in &v.snapshot.accounts {
            let shared = names.get(account.name.as_str()).is_some_and(|ids| ids.len() > 1);
            let label = if account.name.is_empty() || shared || looks_like_id(&account.name) {
                &account.id
            } else {
                &account.name
            };
            for role in &account.roles {
                let plain = format!("{label}/{role}");
                let id = if taken.contains(plain.as_str()) { format!("{label}/{PREFIX}{role}") } else { plain };
                // The same account and permission set through two sessions: the first one wins.
                if seen.insert(id.clone()) {
                    out.push(SsoTarget { id, session: v.session, account, role });
                }
            }
        }
    }
    out
}

fn route(session: &SsoSession, region: String) -> Route {
    Route {
        base: BaseRef { name: format!("{PREFIX}{}", session.id()), detail: Some("sso".into()) },
        via: Vec::new(),
        assumes: false,
        mfa: false,
        region,
    }
}

/// The entries of every SSO target. Targets that are profiles are marked
/// [`Alias::Profile`] and decorate the profile's entry in `profiles`;
/// `org_accounts` (account id → organisation facts) adds OU and tags.
pub fn entries(
    aws: &AwsConfig,
    settings: &Settings,
    views: &[SsoView<'_>],
    taken: &HashSet<&str>,
    org_accounts: &HashMap<String, Arc<AccountRef>>,
    profiles: &mut [Entry],
) -> Vec<Entry> {
    let by_ps = profiles_by_permission_set(aws);
    let index: HashMap<String, usize> = profiles.iter().enumerate().map(|(i, e)| (e.id.clone(), i)).collect();
    let region = aws
        .env_region()
        .map(str::to_owned)
        .or_else(|| settings.defaults.region.clone())
        .unwrap_or_else(|| plan::FALLBACK_REGION.to_owned());
    let mut routes: HashMap<String, Arc<Route>> = HashMap::new();
    let mut accounts: HashMap<(&str, &str), Arc<AccountRef>> = HashMap::new();
    let mut out = Vec::new();
    for t in all(views, taken) {
        let account = accounts
            .entry((t.session.id(), t.account.id.as_str()))
            .or_insert_with(|| {
                let org = org_accounts.get(&t.account.id);
                Arc::new(AccountRef {
                    org: format!("{PREFIX}{}", t.session.id()),
                    id: t.account.id.clone(),
                    name: t.account.name.clone(),
                    ou: org.and_then(|o| o.ou.clone()),
                    state: crate::org::model::ACTIVE.to_owned(),
                    tags: org.map(|o| o.tags.clone()).unwrap_or_default(),
                })
            })
            .clone();
        let profile = by_ps.get(&(t.account.id.clone(), t.role.to_owned()));
        if let Some(&i) = profile.and_then(|p| index.get(p)) {
            if profiles[i].account.is_none() {
                profiles[i].account = Some(account.clone());
            }
            if profiles[i].alias.is_none() {
                profiles[i].alias = Some(Alias::OrgTarget(t.id.clone()));
            }
        }
        let route =
            routes.entry(t.session.id().to_owned()).or_insert_with(|| Arc::new(route(t.session, region.clone())));
        out.push(Entry {
            id: t.id,
            kind: Kind::SsoRole,
            role_arn: None,
            route: Some(route.clone()),
            account: Some(account),
            alias: profile.map(|p| Alias::Profile(p.clone())),
            problem: None,
        });
    }
    out
}

/// The account × permission set `account`/`role` names in `views` (`role`
/// without the `sso:` prefix), if any.
pub fn find<'a>(views: &[SsoView<'a>], account: &str, role: &str) -> Option<(&'a SsoSession, &'a SsoAccount)> {
    let mut by_name = Vec::new();
    for v in views {
        for a in &v.snapshot.accounts {
            if a.roles.iter().any(|r| r == role) {
                if a.id == account {
                    return Some((v.session, a));
                }
                if a.name == account {
                    by_name.push((v.session, a));
                }
            }
        }
    }
    by_name.dedup_by(|x, y| x.1.id == y.1.id);
    (by_name.len() == 1).then(|| by_name[0])
}

/// The plan for an SSO target: through the profile that names the same
/// account and permission set (its settings win), else straight from the session.
pub fn plan(
    id: &str,
    session: &SsoSession,
    account: &SsoAccount,
    role: &str,
    aws: &AwsConfig,
    settings: &Settings,
    flags: &Overrides,
) -> Result<Plan, CatalogError> {
    if let Some(profile) = profiles_by_permission_set(aws).get(&(account.id.clone(), role.to_owned())) {
        let mut plan = plan::build(profile, aws, settings, flags)?;
        plan.target = id.to_owned();
        return Ok(plan);
    }
    let sso = SsoRole { session: session.clone(), account_id: account.id.clone(), role_name: role.to_owned() };
    let chain = Chain { base: Base::Sso { profile: None, role: Box::new(sso) }, roles: Vec::new() };
    Ok(plan::from_chain(id, chain, None, None, aws, settings, flags)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(accounts: &[(&str, &str, &[&str])]) -> Snapshot {
        Snapshot {
            version: crate::sso::discover::VERSION,
            session: "acme".into(),
            start_url: "https://acme.awsapps.com/start".into(),
            fetched_at: 0,
            accounts: accounts
                .iter()
                .map(|(id, name, roles)| SsoAccount {
                    id: (*id).into(),
                    name: (*name).into(),
                    email: String::new(),
                    roles: roles.iter().map(|r| (*r).to_owned()).collect(),
                })
                .collect(),
        }
    }

    #[test]
    fn ids_are_account_slash_permission_set_and_step_aside_for_organisation_roles() {
        let session = SsoSession {
            name: Some("acme".into()),
            start_url: "https://acme.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            scopes: vec![],
        };
        let s = snap(&[
            ("111111111111", "prod", &["Admin", "ReadOnly"]),
            ("222222222222", "dup", &["ReadOnly"]),
            ("333333333333", "dup", &["ReadOnly"]),
            ("444444444444", "", &["ReadOnly"]),
        ]);
        let views = [SsoView { session: &session, snapshot: &s }];
        let taken: HashSet<&str> = ["prod/ReadOnly"].into_iter().collect();
        let ids: Vec<String> = all(&views, &taken).into_iter().map(|t| t.id).collect();
        assert_eq!(
            ids,
            vec![
                "prod/Admin",
                "prod/sso:ReadOnly",
                "222222222222/ReadOnly",
                "333333333333/ReadOnly",
                "444444444444/ReadOnly"
            ]
        );
        assert_eq!(find(&views, "prod", "Admin").map(|(_, a)| a.id.as_str()), Some("111111111111"));
        assert_eq!(find(&views, "333333333333", "ReadOnly").map(|(_, a)| a.name.as_str()), Some("dup"));
        assert!(find(&views, "dup", "ReadOnly").is_none(), "a shared name is ambiguous");
        assert!(find(&views, "prod", "Nope").is_none());
    }
}
