//! The catalog: every target rolecall knows and how its id becomes a
//! [`Plan`]. Targets are profiles of the AWS files and organisation accounts
//! × roles from organisation snapshots, each a typed [`Entry`]; an id is
//! parsed once, here. No I/O: callers hand in the parsed files and the
//! snapshots they loaded.

pub mod build;
pub mod complete;
pub mod entry;
pub mod error;
pub mod id;
pub mod org;
pub mod select;
pub mod sso;

/// Types of the AWS files that an [`Entry`] carries, for callers above the catalog.
pub use crate::config::{ProfileKind, RoleArn};
pub use entry::{AccountRef, Alias, BaseRef, Entry, Hop, Kind, Problem, Route};
pub use error::{CatalogError, SsoSearch};
pub use id::TargetId;
pub use org::OrgView;
pub use sso::SsoView;

use crate::broker::plan::{self, Overrides, Plan};
use crate::config::{AwsConfig, Settings};

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
                    None => Err(CatalogError::NoSsoTarget {
                        id: id.to_owned(),
                        account: account.clone(),
                        permission_set: ps.to_owned(),
                        sso: sso_search(orgs),
                    }),
                };
            }
            let from_sso = || sso::find(orgs.sso, account, role);
            if settings.organizations.is_empty() {
                if let Some((session, acct)) = from_sso() {
                    return sso::plan(id, session, acct, role, aws, settings, flags);
                }
                return Err(CatalogError::NoOrganisation {
                    id: id.to_owned(),
                    config: aws.files.config.clone(),
                    account: account.clone(),
                    role: role.clone(),
                    sso: sso_search(orgs),
                });
            }
            let from_org = if orgs.views.is_empty() {
                Err(CatalogError::OrganisationNotListed { id: id.to_owned(), unlisted: orgs.missing.to_vec() })
            } else {
                match org::plan(id, account, role, orgs.views, aws, settings, flags) {
                    Err(CatalogError::UnknownAccount { id, account, searched, .. }) => {
                        Err(CatalogError::UnknownAccount { id, account, searched, unlisted: orgs.missing.to_vec() })
                    }
                    other => other,
                }
            };
            match (from_org, from_sso()) {
                (Err(e), Some((session, acct))) if e.is_not_found() => {
                    sso::plan(id, session, acct, role, aws, settings, flags)
                }
                (other, _) => other,
            }
        }
    }
}

/// What the discovered Identity Center sessions can say about a target none of them has.
fn sso_search(orgs: Orgs<'_>) -> SsoSearch {
    if orgs.sso.is_empty() { SsoSearch::NotSignedIn } else { SsoSearch::NoMatch }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
