//! Building the catalog: one [`Entry`] per profile, planned with no flags,
//! and one per organisation account × role, straight from the parsed files
//! and the organisation snapshots. Organisation targets that are profiles
//! decorate the profile's entry. No I/O.

use std::collections::HashMap;
use std::sync::Arc;

use super::entry::{AccountRef, Alias, BaseRef, Entry, Hop, Kind, Problem, Route};
use super::org::{self, OrgTarget, OrgView};
use crate::broker::plan::{self, Overrides, Plan};
use crate::config::{AwsConfig, Base, ProfileKind, RoleArn, Settings};

/// The base of a plan as the catalog shows it.
pub fn base_ref(base: &Base) -> BaseRef {
    let (name, detail) = match base {
        Base::StaticKeys { profile, .. } => (profile.clone(), Some("keys")),
        Base::CredentialProcess { profile, .. } => (profile.clone(), Some("credential_process")),
        Base::Sso { profile: Some(profile), .. } => (profile.clone(), Some("sso")),
        Base::Sso { profile: None, role } => (format!("sso:{}", role.session.id()), Some("sso")),
        Base::WebIdentity { profile } => (profile.clone(), Some("web identity")),
        Base::Environment => ("environment".to_owned(), None),
        Base::Ec2InstanceMetadata => ("ec2-instance-metadata".to_owned(), None),
        Base::EcsContainer => ("ecs-container".to_owned(), None),
    };
    BaseRef { name, detail: detail.map(str::to_owned) }
}

/// A plan's route: its base, the hops before the final role, MFA and region.
pub fn route_of(plan: &Plan) -> Route {
    let mut via = Vec::with_capacity(plan.steps.len() + 1);
    if plan.mfa_session.is_some() {
        via.push(Hop::MfaSession);
    }
    let n = plan.steps.len();
    via.extend(plan.steps.iter().take(n.saturating_sub(1)).map(|s| Hop::Role(s.profile.clone())));
    Route { base: base_ref(&plan.base), via, assumes: n > 0, mfa: plan.needs_mfa(), region: plan.region.clone() }
}

/// The entry of profile `name`.
pub fn profile_entry(name: &str, aws: &AwsConfig, settings: &Settings) -> Entry {
    let invalid = |message: String| Entry {
        id: name.to_owned(),
        kind: Kind::Profile(ProfileKind::Settings),
        role_arn: None,
        route: None,
        account: None,
        alias: None,
        problem: Some(Problem::Invalid(message)),
    };
    let def = match aws.profile(name) {
        Ok(def) => def,
        Err(e) => return invalid(e.to_string()),
    };
    let kind = def.kind();
    match plan::build(name, aws, settings, &Overrides::default()) {
        Ok(plan) => {
            let problem = matches!(plan.base, Base::WebIdentity { .. }).then_some(Problem::NotYet);
            Entry {
                id: name.to_owned(),
                kind: Kind::Profile(kind),
                role_arn: plan.final_step().map(|s| s.role_arn.clone()),
                route: Some(Arc::new(route_of(&plan))),
                account: None,
                alias: None,
                problem,
            }
        }
        Err(_) if kind == ProfileKind::Settings => Entry {
            id: name.to_owned(),
            kind: Kind::Profile(kind),
            role_arn: None,
            route: None,
            account: None,
            alias: None,
            problem: Some(Problem::NoCredentials { region: aws.profile(name).ok().and_then(|d| d.region.clone()) }),
        },
        Err(e) => Entry { kind: Kind::Profile(kind), ..invalid(e.to_string()) },
    }
}

/// Every profile's entry, in name order.
pub fn profile_entries(aws: &AwsConfig, settings: &Settings) -> Vec<Entry> {
    aws.profile_names().into_iter().map(|name| profile_entry(name, aws, settings)).collect()
}

fn account_ref(t: &OrgTarget<'_>) -> AccountRef {
    AccountRef {
        org: t.org.name.clone(),
        id: t.account.id.clone(),
        name: t.account.name.clone(),
        ou: t.account.ou.clone(),
        state: t.account.state.clone(),
        tags: t.account.tags.clone(),
    }
}

/// Every organisation account × role as an entry (suspended accounts
/// included, marked), in organisation, OU, name order. A target that is a
/// profile comes back with [`Alias::Profile`] and decorates that profile's
/// entry in `profiles` with the account and its own id.
pub fn org_entries(aws: &AwsConfig, settings: &Settings, views: &[OrgView<'_>], profiles: &mut [Entry]) -> Vec<Entry> {
    let by_role = org::profiles_by_role(aws);
    let targets = org::all(views, &by_role);
    let index: HashMap<&str, usize> = profiles.iter().enumerate().map(|(i, e)| (e.id.as_str(), i)).collect();
    let mut routes: HashMap<(&str, &str), Result<Arc<Route>, String>> = HashMap::new();
    let mut accounts: HashMap<(&str, &str), Arc<AccountRef>> = HashMap::new();
    let mut decorate = Vec::new();
    let mut out = Vec::with_capacity(targets.len());
    for t in &targets {
        let account = accounts
            .entry((t.org.name.as_str(), t.account.id.as_str()))
            .or_insert_with(|| Arc::new(account_ref(t)))
            .clone();
        let view = views.iter().find(|v| v.settings.name == t.org.name);
        let partition = view.map_or("aws", |v| v.partition());
        let role_arn = RoleArn::in_partition(partition, &t.account.id, t.role);
        if let Some(profile) = t.profile {
            if let Some(&i) = index.get(profile) {
                decorate.push((i, account.clone(), t.id.clone()));
            }
            out.push(Entry {
                id: t.id.clone(),
                kind: Kind::OrgRole,
                role_arn: Some(role_arn),
                route: None,
                account: Some(account),
                alias: Some(Alias::Profile(profile.to_owned())),
                problem: None,
            });
            continue;
        }
        let route = routes.entry((t.org.name.as_str(), t.role)).or_insert_with(|| {
            org::build_for_account(
                "\u{0}",
                t.org,
                partition,
                "000000000000",
                t.role,
                aws,
                settings,
                &Overrides::default(),
            )
            .map(|p| Arc::new(route_of(&p)))
            .map_err(|e| format!("organisation '{}' role '{}': {e}", t.org.name, t.role))
        });
        let (route, problem) = match route {
            Ok(r) => (Some(r.clone()), None),
            Err(e) => (None, Some(Problem::Invalid(e.clone()))),
        };
        out.push(Entry {
            id: t.id.clone(),
            kind: Kind::OrgRole,
            role_arn: Some(role_arn),
            route,
            account: Some(account),
            alias: None,
            problem,
        });
    }
    for (i, account, id) in decorate {
        profiles[i].account = Some(account);
        profiles[i].alias = Some(Alias::OrgTarget(id));
    }
    out
}

/// Every target: the profiles, then the organisation targets (those that
/// are profiles included, marked with [`Alias::Profile`]).
pub fn entries(aws: &AwsConfig, settings: &Settings, views: &[OrgView<'_>]) -> Vec<Entry> {
    entries_with_sso(aws, settings, views, &[])
}

/// Every target: the profiles, the organisation targets, then the IAM
/// Identity Center targets (under the same accounts, with the organisation's
/// OU and tags when it knows the account).
pub fn entries_with_sso(
    aws: &AwsConfig,
    settings: &Settings,
    views: &[OrgView<'_>],
    sso_views: &[super::sso::SsoView<'_>],
) -> Vec<Entry> {
    let mut all = profile_entries(aws, settings);
    let orgs = org_entries(aws, settings, views, &mut all);
    let sso = if sso_views.is_empty() {
        Vec::new()
    } else {
        let taken: std::collections::HashSet<&str> = orgs.iter().map(|e| e.id.as_str()).collect();
        let accounts: HashMap<String, Arc<AccountRef>> =
            orgs.iter().filter_map(|e| e.account.clone()).map(|a| (a.id.clone(), a)).collect();
        super::sso::entries(aws, settings, sso_views, &taken, &accounts, &mut all)
    };
    all.extend(orgs);
    all.extend(sso);
    all
}
