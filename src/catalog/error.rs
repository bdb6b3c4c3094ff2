//! Why a target id has no plan: one typed case per reason, each worded so the
//! operator knows what to do next, so callers choose by the case and never by
//! the text.

use std::path::PathBuf;

use crate::broker::plan::PlanError;

/// What the discovered IAM Identity Center sessions said about a target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SsoSearch {
    /// No Identity Center session has been discovered: nobody signed in yet.
    NotSignedIn,
    /// Sessions were discovered; none has that account and permission set.
    NoMatch,
}

impl std::fmt::Display for SsoSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::NotSignedIn => {
                "no IAM Identity Center session has been discovered ('rolecall login --sso NAME' lists its accounts)"
            }
            Self::NoMatch => "no discovered IAM Identity Center session has that account and permission set",
        })
    }
}

/// Why a target id has no plan.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// The profile's configuration is wrong, or a flag is.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// Not a profile, and no organisation is configured to look the account up in.
    #[error(
        "'{id}' is not a profile in '{}', no organisation is configured in the settings ([[organization]]) to have account '{account}' with role '{role}', and {sso}",
        config.display()
    )]
    NoOrganisation {
        /// The target id.
        id: String,
        /// The AWS config file that was searched for a profile.
        config: PathBuf,
        /// The account asked for.
        account: String,
        /// The role asked for.
        role: String,
        /// What Identity Center said.
        sso: SsoSearch,
    },
    /// Every configured organisation failed to list, so the account cannot be looked up.
    #[error("{}", not_listed(id, unlisted))]
    OrganisationNotListed {
        /// The target id.
        id: String,
        /// The organisations that could not be listed.
        unlisted: Vec<String>,
    },
    /// No loaded organisation has the account.
    #[error(
        "no account '{account}' in organisation {}; 'rolecall accounts --refresh' fetches the current list{}",
        searched.join(", "),
        unlisted_suffix(id, unlisted)
    )]
    UnknownAccount {
        /// The target id.
        id: String,
        /// The account asked for (name or id).
        account: String,
        /// The organisations searched, each described with its size and age.
        searched: Vec<String>,
        /// Configured organisations that could not be listed (the account may be there).
        unlisted: Vec<String>,
    },
    /// The account name is shared by several accounts.
    #[error(
        "account name '{account}' is used by {} accounts; use the account id: {}",
        candidates.len(),
        candidates.join(", ")
    )]
    AmbiguousAccount {
        /// The name asked for.
        account: String,
        /// One id per account (`'ID/ROLE' (ORG)`).
        candidates: Vec<String>,
    },
    /// The organisation does not offer the role.
    #[error(
        "organisation '{org}' offers the roles {roles:?} in its accounts; '{role}' is not one of them (add it to 'roles' of [[organization]] '{org}')"
    )]
    UnknownRole {
        /// The organisation.
        org: String,
        /// The roles it offers.
        roles: Vec<String>,
        /// The role asked for.
        role: String,
    },
    /// The account is not ACTIVE (suspended or being closed).
    #[error(
        "account '{name}' ({account_id}) of organisation '{org}' is {state}, not ACTIVE: its roles cannot be assumed"
    )]
    Suspended {
        /// The account's name.
        name: String,
        /// The account's id.
        account_id: String,
        /// The organisation.
        org: String,
        /// The state Organizations reported.
        state: String,
    },
    /// The account is outside the organisation's scope (excluded, or in no included OU).
    #[error("account '{name}' ({account_id}) is not a target of organisation '{org}': {why}")]
    OutOfScope {
        /// The account's name.
        name: String,
        /// The account's id.
        account_id: String,
        /// The organisation.
        org: String,
        /// Which scope setting leaves it out.
        why: String,
    },
    /// An `ACCOUNT/sso:PERMISSION_SET` id that no Identity Center session has.
    #[error("'{id}': no account '{account}' with permission set '{permission_set}': {sso}")]
    NoSsoTarget {
        /// The target id.
        id: String,
        /// The account asked for.
        account: String,
        /// The permission set asked for.
        permission_set: String,
        /// What Identity Center said.
        sso: SsoSearch,
    },
}

impl CatalogError {
    /// The process exit code: a usage or configuration error.
    pub fn exit_code(&self) -> u8 {
        1
    }

    /// Whether this is "the organisations do not have it" (so Identity Center
    /// may still), as opposed to a wrong profile or flag.
    pub fn is_not_found(&self) -> bool {
        !matches!(self, Self::Plan(_))
    }
}

fn not_listed(id: &str, unlisted: &[String]) -> String {
    let names: Vec<String> = unlisted.iter().map(|n| format!("'{n}'")).collect();
    format!(
        "organisation {} could not be listed, so '{id}' cannot be looked up there; 'rolecall accounts' shows why",
        names.join(", ")
    )
}

fn unlisted_suffix(id: &str, unlisted: &[String]) -> String {
    if unlisted.is_empty() { String::new() } else { format!("; {}", not_listed(id, unlisted)) }
}
