//! Organisation accounts × configured roles as targets: their ids
//! (`ACCOUNT_NAME/ROLE`, or `ACCOUNT_ID/ROLE` when a name is ambiguous),
//! lookup by id or name, merging with a profile for the same account and
//! role (the profile wins), and the plan for an account target.

use std::collections::{HashMap, HashSet};

use super::CatalogError;
use crate::broker::plan::{self, Overrides, Plan, PlanError};
use crate::config::org::OrgSettings;
use crate::config::{AwsConfig, Base, Chain, ProfileDef, RoleArn, RoleSource, Settings};
use crate::org::model::{Account, OutOfScope, Snapshot, scope};

/// An organisation's settings with its loaded snapshot.
#[derive(Clone, Copy, Debug)]
pub struct OrgView<'a> {
    /// `[[organization]]`.
    pub settings: &'a OrgSettings,
    /// Its accounts.
    pub snapshot: &'a Snapshot,
}

impl OrgView<'_> {
    /// The organisation's AWS partition: from the ARN of whoever listed it,
    /// else from the Organizations region (`cn-…`, `us-gov-…`), else `aws`.
    pub fn partition(&self) -> &str {
        let from_arn = self.snapshot.fetched_by.as_deref().and_then(|arn| arn.split(':').nth(1));
        match from_arn.filter(|p| *p == "aws" || p.starts_with("aws-")) {
            Some(p) => p,
            None => match self.settings.region() {
                r if r.starts_with("cn-") => "aws-cn",
                r if r.starts_with("us-gov-") => "aws-us-gov",
                _ => "aws",
            },
        }
    }
}

/// One account × role of an organisation.
#[derive(Clone, Debug)]
pub struct OrgTarget<'a> {
    /// `NAME/ROLE`, or `ID/ROLE` when the name is ambiguous or looks like an id.
    pub id: String,
    /// The organisation.
    pub org: &'a OrgSettings,
    /// The account.
    pub account: &'a Account,
    /// The role name.
    pub role: &'a str,
    /// A profile for the same account and role, whose settings win.
    pub profile: Option<&'a str>,
}

/// Profiles by the (account id, role name) their `role_arn` points at; the
/// first profile in name order wins when several point at the same role.
pub fn profiles_by_role(aws: &AwsConfig) -> HashMap<(String, String), String> {
    let mut map = HashMap::new();
    for name in aws.profile_names() {
        if let Some(role) = aws.profile(name).ok().and_then(|p| p.role.clone()) {
            let key = (role.arn.account().to_owned(), role.arn.name().to_owned());
            map.entry(key).or_insert_with(|| name.to_owned());
        }
    }
    map
}

/// Account names used by more than one account across `orgs`.
fn ambiguous_names(orgs: &[OrgView<'_>]) -> HashSet<String> {
    let mut seen: HashMap<&str, &str> = HashMap::new();
    let mut dup = HashSet::new();
    for account in orgs.iter().flat_map(|o| &o.snapshot.accounts) {
        match seen.insert(&account.name, &account.id) {
            Some(id) if id != account.id => {
                dup.insert(account.name.clone());
            }
            _ => {}
        }
    }
    dup
}

fn looks_like_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Every in-scope account × role of `orgs` (suspended accounts included:
/// callers show them as not assumable), in organisation, OU, name order.
pub fn all<'a>(orgs: &[OrgView<'a>], by_role: &'a HashMap<(String, String), String>) -> Vec<OrgTarget<'a>> {
    let dup = ambiguous_names(orgs);
    let mut out = Vec::new();
    for view in orgs {
        for account in view.snapshot.accounts.iter().filter(|a| scope(view.settings, a).is_ok()) {
            let label = if account.name.is_empty() || dup.contains(&account.name) || looks_like_id(&account.name) {
                &account.id
            } else {
                &account.name
            };
            for role in &view.settings.roles {
                let profile = by_role.get(&(account.id.clone(), role.clone())).map(String::as_str);
                out.push(OrgTarget { id: format!("{label}/{role}"), org: view.settings, account, role, profile });
            }
        }
    }
    out
}

/// Finds `account` (id or exact name) in `orgs` and checks that `role` can be
/// assumed there: configured for its organisation, account ACTIVE and in scope.
pub fn find<'a>(
    target: &str,
    orgs: &[OrgView<'a>],
    account: &str,
    role: &str,
) -> Result<(&'a OrgSettings, &'a Account), CatalogError> {
    let matches: Vec<(&OrgSettings, &Account)> = orgs
        .iter()
        .flat_map(|v| v.snapshot.accounts.iter().map(move |a| (v.settings, a)))
        .filter(|(_, a)| a.id == account || a.name == account)
        .collect();
    let (org, found) = match matches.as_slice() {
        [] => {
            let names: Vec<String> = orgs
                .iter()
                .map(|v| {
                    format!(
                        "'{}' ({} accounts, fetched {})",
                        v.settings.name,
                        v.snapshot.accounts.len(),
                        v.snapshot.fetched_at
                    )
                })
                .collect();
            return Err(CatalogError::UnknownAccount {
                id: target.to_owned(),
                account: account.to_owned(),
                searched: names,
                unlisted: Vec::new(),
            });
        }
        [one] => *one,
        many if many.iter().all(|(_, a)| a.id == many[0].1.id) => many[0],
        many => {
            let candidates = many.iter().map(|(o, a)| format!("'{}/{role}' ({})", a.id, o.name)).collect();
            return Err(CatalogError::AmbiguousAccount { account: account.to_owned(), candidates });
        }
    };
    if !org.roles.iter().any(|r| r == role) {
        return Err(CatalogError::UnknownRole {
            org: org.name.clone(),
            roles: org.roles.clone(),
            role: role.to_owned(),
        });
    }
    if !found.is_active() {
        return Err(CatalogError::Suspended {
            name: found.name.clone(),
            account_id: found.id.clone(),
            org: org.name.clone(),
            state: found.state.clone(),
        });
    }
    match scope(org, found) {
        Ok(()) => Ok((org, found)),
        Err(why) => {
            let why = match why {
                OutOfScope::Excluded => "it is in exclude_accounts".to_owned(),
                OutOfScope::NotIncluded => {
                    format!("its OU '{}' matches none of include_ous {:?}", found.ou_label(), org.include_ous)
                }
            };
            Err(CatalogError::OutOfScope {
                name: found.name.clone(),
                account_id: found.id.clone(),
                org: org.name.clone(),
                why,
            })
        }
    }
}

/// The plan for role `role` in account `account_id` of `org`: the source
/// profile's chain (its keys, or its own roles when it is a role profile),
/// then one `AssumeRole` into `arn:PARTITION:iam::ACCOUNT:role/ROLE` with the
/// role's settings. `mfa = true` presents the source profile's `mfa_serial`.
#[allow(clippy::too_many_arguments)]
pub fn build_for_account(
    target: &str,
    org: &OrgSettings,
    partition: &str,
    account_id: &str,
    role: &str,
    config: &AwsConfig,
    settings: &Settings,
    flags: &Overrides,
) -> Result<Plan, PlanError> {
    let source_name = org.source_profile();
    let source = config.profile(source_name)?;
    // As for any source_profile, its keys win over its own role (botocore's order).
    let mut chain = match &source.static_keys {
        Some(keys) => {
            Chain { base: Base::StaticKeys { profile: source.name.clone(), credentials: keys.clone() }, roles: vec![] }
        }
        None => config.chain(source_name)?,
    };
    let role_settings = org.role(role);
    let (mfa_serial, mfa_process) = if role_settings.mfa {
        let serial = source.mfa_serial.clone().ok_or_else(|| {
            PlanError::Invalid(format!(
                "[organization.role.{role}] of organisation '{}' sets mfa = true, but source profile '{source_name}' has no mfa_serial",
                org.name
            ))
        })?;
        (Some(serial), source.mfa_process.clone())
    } else {
        (None, None)
    };
    chain.roles.push(std::sync::Arc::new(ProfileDef {
        name: target.to_owned(),
        static_keys: None,
        role: Some(crate::config::aws::RoleDef {
            arn: RoleArn::in_partition(partition, account_id, role),
            source: RoleSource::Profile(source_name.to_owned()),
        }),
        credential_process: None,
        sso: None,
        sso_role: None,
        web_identity_token_file: None,
        region: source.region.clone(),
        mfa_serial,
        mfa_process,
        mfa_on_assume: role_settings.mfa_on_assume,
        external_id: role_settings.external_id,
        role_session_name: None,
        duration_seconds: role_settings.duration,
        source_identity: None,
        tags: Vec::new(),
        transitive_tags: Vec::new(),
        policy_arns: Vec::new(),
        policy: None,
        policy_file: None,
    }));
    plan::from_chain(target, chain, source.region.as_deref(), Some(source_name.to_owned()), config, settings, flags)
}

/// Resolves `ACCOUNT/ROLE` against loaded organisations to a plan: through a
/// profile for the same account and role when there is one (its settings
/// win), else through [`build_for_account`].
pub fn plan(
    target: &str,
    account: &str,
    role: &str,
    orgs: &[OrgView<'_>],
    config: &AwsConfig,
    settings: &Settings,
    flags: &Overrides,
) -> Result<Plan, CatalogError> {
    let (org, found) = find(target, orgs, account, role)?;
    let partition = orgs.iter().find(|v| v.settings.name == org.name).map_or("aws", |v| v.partition());
    let by_role = profiles_by_role(config);
    Ok(match by_role.get(&(found.id.clone(), role.to_owned())) {
        Some(profile) => plan::build(profile, config, settings, flags).map(|mut p| {
            p.target = target.to_owned();
            p
        })?,
        None => build_for_account(target, org, partition, &found.id, role, config, settings, flags)?,
    })
}

#[cfg(test)]
#[path = "org_tests.rs"]
mod tests;
