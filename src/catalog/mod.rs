//! The catalog: every target rolecall knows and how its id becomes a
//! [`Plan`]. Targets are profiles of the AWS files and organisation accounts
//! × roles from organisation snapshots, each a typed [`Entry`]; an id is
//! parsed once, here. No I/O: callers hand in the parsed files and the
//! snapshots they loaded.

pub mod build;
pub mod complete;
pub mod entry;
pub mod id;
pub mod org;
pub mod select;
pub mod sso;

/// Types of the AWS files that an [`Entry`] carries, for callers above the catalog.
pub use crate::config::{ProfileKind, RoleArn};
pub use entry::{AccountRef, Alias, BaseRef, Entry, Hop, Kind, Problem, Route};
pub use id::TargetId;
pub use org::OrgView;
pub use sso::SsoView;

use crate::broker::plan::{self, Overrides, Plan, PlanError};
use crate::config::{AwsConfig, Settings};

/// Why a target id has no plan.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The profile's configuration is wrong, or a flag is.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// No target has this id, or it cannot be assumed; the message says why.
    #[error("{0}")]
    Target(String),
}

impl CatalogError {
    /// The process exit code: a usage or configuration error.
    pub fn exit_code(&self) -> u8 {
        1
    }
}

/// The organisations a plan may look in: the loaded ones, and the names of
/// those that could not be loaded (for the message when an account is not found).
#[derive(Clone, Copy, Debug, Default)]
pub struct Orgs<'a> {
    /// Loaded organisations.
    pub views: &'a [OrgView<'a>],
    /// Configured organisations with no snapshot.
    pub missing: &'a [String],
    /// Discovered IAM Identity Center sessions.
    pub sso: &'a [SsoView<'a>],
}

/// The plan for target `id`, read as `parsed` (see [`TargetId::parse`]): a
/// profile (profile names win), else an organisation account × role looked up in `orgs`.
pub fn plan_for(
    id: &str,
    parsed: &TargetId,
    aws: &AwsConfig,
    settings: &Settings,
    orgs: Orgs<'_>,
    flags: &Overrides,
) -> Result<Plan, CatalogError> {
    match parsed {
        TargetId::Profile(name) => Ok(plan::build(name, aws, settings, flags)?),
        TargetId::Account { account, role } => {
            if let Some(ps) = role.strip_prefix(sso::PREFIX) {
                return match sso::find(orgs.sso, account, ps) {
                    Some((session, acct)) => sso::plan(id, session, acct, ps, aws, settings, flags),
                    None => Err(CatalogError::Target(no_sso_target(id, account, ps, orgs))),
                };
            }
            let from_sso = || sso::find(orgs.sso, account, role);
            if settings.organizations.is_empty() {
                if let Some((session, acct)) = from_sso() {
                    return sso::plan(id, session, acct, role, aws, settings, flags);
                }
                return Err(CatalogError::Target(format!(
                    "'{id}' is not a profile in '{}', no organisation is configured in the settings ([[organization]]) to have account '{account}' with role '{role}', and {}",
                    aws.files.config.display(),
                    sso_clause(orgs)
                )));
            }
            let not_listed = || {
                let names: Vec<String> = orgs.missing.iter().map(|n| format!("'{n}'")).collect();
                format!(
                    "organisation {} could not be listed, so '{id}' cannot be looked up there; 'rolecall accounts' shows why",
                    names.join(", ")
                )
            };
            let from_org = if orgs.views.is_empty() {
                Err(CatalogError::Target(not_listed()))
            } else {
                match org::plan(id, account, role, orgs.views, aws, settings, flags) {
                    Err(CatalogError::Target(text)) if !orgs.missing.is_empty() && text.starts_with("no account") => {
                        Err(CatalogError::Target(format!("{text}; {}", not_listed())))
                    }
                    other => other,
                }
            };
            match (from_org, from_sso()) {
                (Err(CatalogError::Target(_)), Some((session, acct))) => {
                    sso::plan(id, session, acct, role, aws, settings, flags)
                }
                (other, _) => other,
            }
        }
    }
}

fn sso_clause(orgs: Orgs<'_>) -> String {
    if orgs.sso.is_empty() {
        "no IAM Identity Center session has been discovered ('rolecall login --sso NAME' lists its accounts)".into()
    } else {
        "no discovered IAM Identity Center session has that account and permission set".into()
    }
}

fn no_sso_target(id: &str, account: &str, ps: &str, orgs: Orgs<'_>) -> String {
    format!("'{id}': no account '{account}' with permission set '{ps}': {}", sso_clause(orgs))
}
