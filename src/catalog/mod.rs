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

pub use entry::{AccountRef, Alias, BaseRef, Entry, Hop, Kind, Problem, Route};
pub use id::TargetId;
pub use org::OrgView;

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
            if settings.organizations.is_empty() {
                return Err(CatalogError::Target(format!(
                    "'{id}' is not a profile in '{}', and no organisation is configured in the settings ([[organization]]) to have account '{account}' with role '{role}'",
                    aws.files.config.display()
                )));
            }
            let not_listed = || {
                let names: Vec<String> = orgs.missing.iter().map(|n| format!("'{n}'")).collect();
                format!(
                    "organisation {} could not be listed, so '{id}' cannot be looked up there; 'rolecall accounts' shows why",
                    names.join(", ")
                )
            };
            if orgs.views.is_empty() {
                return Err(CatalogError::Target(not_listed()));
            }
            match org::plan(id, account, role, orgs.views, aws, settings, flags) {
                Err(CatalogError::Target(text)) if !orgs.missing.is_empty() && text.starts_with("no account") => {
                    Err(CatalogError::Target(format!("{text}; {}", not_listed())))
                }
                other => other,
            }
        }
    }
}
