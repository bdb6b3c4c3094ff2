//! AWS Organizations: discovery (paging, OU tree, tags), its disk cache, and
//! organisation accounts × roles as targets. The cache is used within
//! `org_cache_ttl`; a refresh yields a complete new snapshot or an error, and a
//! failed refresh keeps the old cache.

pub mod cache;
pub mod client;
pub mod discover;
pub mod model;

use std::future::Future;

pub use cache::{Cached, OrgCache};
pub use model::{Account, Snapshot};

use crate::aws::AwsFailure;
use crate::config::org::OrgSettings;
use discover::DiscoveryFailure;

/// The permissions discovery needs, for messages.
const PERMISSIONS: &str = "organizations:ListAccounts, ListRoots, ListOrganizationalUnitsForParent, \
                           ListAccountsForParent and ListTagsForResource";

/// What can go wrong with organisations, worded for the operator.
#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    /// An Organizations call was refused.
    #[error(
        "AccessDenied: organizations:{operation} was refused for '{caller}' (organisation '{org}', profile '{profile}').\n\
         Discovery needs {PERMISSIONS}.\n\
         Use credentials of the organisation's management account, or of a member account registered as a \
         delegated administrator for AWS Organizations, and name that profile in 'profile' of [[organization]] '{org}'.\n\
         AWS said: {message}"
    )]
    AccessDenied {
        /// The organisation.
        org: String,
        /// The profile whose credentials were used.
        profile: String,
        /// Their identity.
        caller: String,
        /// The refused operation.
        operation: &'static str,
        /// AWS's message.
        message: String,
    },
    /// The credentials see no organisation (a member account, or none at all).
    #[error(
        "organisation '{org}': organizations:ListAccounts as '{caller}' (profile '{profile}') {detail}.\n\
         These look like credentials of a member account or of an account outside any organisation. \
         Use credentials of the management account, or of a delegated administrator for AWS Organizations \
         (they need {PERMISSIONS}), and name that profile in 'profile' of [[organization]] '{org}'."
    )]
    NotManagement {
        /// The organisation.
        org: String,
        /// The profile whose credentials were used.
        profile: String,
        /// Their identity.
        caller: String,
        /// What AWS answered.
        detail: String,
    },
    /// Any other refusal or failure reported by AWS.
    #[error("organisation '{org}': {operation} failed ({code}): {message}")]
    Aws {
        /// The organisation.
        org: String,
        /// The operation.
        operation: &'static str,
        /// AWS's error code.
        code: String,
        /// AWS's message.
        message: String,
    },
    /// The Organizations endpoint could not be reached.
    #[error("organisation '{org}': cannot reach Organizations at '{endpoint}': {detail}")]
    Network {
        /// The organisation.
        org: String,
        /// The endpoint tried.
        endpoint: String,
        /// The connection error.
        detail: String,
    },
    /// Organizations answered with an OU tree AWS cannot have.
    #[error(
        "organisation '{org}': Organizations at '{endpoint}' returned an OU tree more than {max} levels deep \
         (at '{path}'); AWS allows 5 levels below the root, so the endpoint is not answering like AWS Organizations"
    )]
    TooDeep {
        /// The organisation.
        org: String,
        /// The endpoint that answered.
        endpoint: String,
        /// Where the walk stopped.
        path: String,
        /// The deepest level walked.
        max: usize,
    },
    /// Something that should not happen did.
    #[error("organisation '{org}': discovery failed unexpectedly ({detail}); this is a bug worth reporting")]
    Bug {
        /// The organisation.
        org: String,
        /// What happened.
        detail: String,
    },
    /// `--refresh` failed; the old snapshot stays on disk.
    #[error("refreshing organisation '{org}' failed; the cached copy fetched at {fetched_at} is kept. {source}")]
    RefreshFailed {
        /// The organisation.
        org: String,
        /// When the kept copy was fetched.
        fetched_at: String,
        /// Why the refresh failed.
        source: Box<OrgError>,
    },
    /// The credentials to list the organisation could not be had.
    #[error("organisation '{org}': cannot get credentials from profile '{profile}': {source}")]
    Credentials {
        /// The organisation.
        org: String,
        /// The `profile` setting.
        profile: String,
        /// Why not (the caller's error, already worded for the operator).
        source: Box<dyn std::error::Error + Send + Sync>,
        /// The exit code that error maps to.
        exit_code: u8,
    },
    /// A settings value names something that does not exist.
    #[error("{0}")]
    Settings(String),
}

impl OrgError {
    /// The process exit code (rule 12 of docs/rules.md: exit codes).
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::AccessDenied { .. } | Self::NotManagement { .. } | Self::Aws { .. } | Self::Bug { .. } => 2,
            Self::Network { .. } | Self::TooDeep { .. } => 5,
            Self::RefreshFailed { source, .. } => source.exit_code(),
            Self::Credentials { exit_code, .. } => *exit_code,
            Self::Settings(_) => 1,
        }
    }

    /// Words a discovery failure for `org`, listed with `profile`'s credentials as `caller`.
    pub fn from_discovery(f: DiscoveryFailure, org: &OrgSettings, caller: &str, endpoint: &str) -> Self {
        let (org_name, profile) = (org.name.clone(), org.profile.clone());
        match f {
            DiscoveryFailure::Empty => Self::NotManagement {
                org: org_name,
                profile,
                caller: caller.to_owned(),
                detail: "returned no accounts (AWS always lists at least the management account)".into(),
            },
            DiscoveryFailure::NoRoot => Self::Bug { org: org_name, detail: "ListRoots returned no root".into() },
            DiscoveryFailure::TooDeep { path } => {
                Self::TooDeep { org: org_name, endpoint: endpoint.to_owned(), path, max: discover::MAX_OU_DEPTH }
            }
            DiscoveryFailure::Task(detail) => Self::Bug { org: org_name, detail },
            DiscoveryFailure::Call { operation, failure } => match failure {
                AwsFailure::Denied(message) => {
                    Self::AccessDenied { org: org_name, profile, caller: caller.to_owned(), operation, message }
                }
                AwsFailure::Other { code, message } if code == "AWSOrganizationsNotInUseException" => {
                    Self::NotManagement {
                        org: org_name,
                        profile,
                        caller: caller.to_owned(),
                        detail: format!("was refused ({code}: {message})"),
                    }
                }
                AwsFailure::Network(detail) | AwsFailure::Server(detail) => {
                    Self::Network { org: org_name, endpoint: endpoint.to_owned(), detail }
                }
                AwsFailure::BadCredentials { code, message } | AwsFailure::Other { code, message } => {
                    Self::Aws { org: org_name, operation, code, message }
                }
                AwsFailure::Validation(message) => {
                    Self::Aws { org: org_name, operation, code: "ValidationException".into(), message }
                }
            },
        }
    }
}

/// When to call Organizations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refresh {
    /// Only when the cache is missing or older than the TTL.
    IfStale,
    /// Always (`rolecall accounts --refresh`).
    Force,
}

/// Where a loaded snapshot came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The cache, within its TTL: no Organizations call was made.
    Cache,
    /// Fetched now.
    Fetched,
    /// The cache, past its TTL, because fetching failed.
    StaleCache,
}

/// A snapshot ready to use, with what the operator should be told.
#[derive(Debug)]
pub struct Loaded {
    /// The organisation.
    pub snapshot: Snapshot,
    /// Where it came from.
    pub origin: Origin,
    /// Warnings (a failed refresh, an unreadable or unwritable cache).
    pub warnings: Vec<String>,
}

/// The cached snapshot of `org` if it is fresh (and no refresh is forced),
/// else the result of `fetch`, which is then written to the cache. When
/// `fetch` fails, a stale cached copy is used with a warning (or, under
/// [`Refresh::Force`], kept on disk and the failure returned).
pub async fn load_or_fetch<F, Fut>(
    cache: &OrgCache,
    org: &OrgSettings,
    ttl_secs: u64,
    refresh: Refresh,
    now: u64,
    fetch: F,
) -> Result<Loaded, OrgError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Snapshot, OrgError>>,
{
    let mut warnings = Vec::new();
    let old = match cache.load(org, ttl_secs, now) {
        Cached::Found { snapshot, fresh: true } if refresh == Refresh::IfStale => {
            return Ok(Loaded { snapshot, origin: Origin::Cache, warnings });
        }
        Cached::Found { snapshot, .. } => Some(snapshot),
        Cached::Missing => None,
        Cached::Unreadable(why) => {
            warnings.push(format!("organisation '{}': ignoring the cache: {why}", org.name));
            None
        }
    };
    match fetch().await {
        Ok(snapshot) => {
            if let Err(e) = cache.store(&snapshot) {
                warnings.push(format!(
                    "organisation '{}': cannot write the cache '{}': {e}",
                    org.name,
                    cache.path(&org.name).display()
                ));
            }
            Ok(Loaded { snapshot, origin: Origin::Fetched, warnings })
        }
        Err(e) => match old {
            Some(old) if refresh == Refresh::Force => {
                Err(OrgError::RefreshFailed { org: org.name.clone(), fetched_at: old.fetched_at, source: Box::new(e) })
            }
            Some(old) => {
                warnings.push(format!(
                    "refreshing organisation '{}' failed, so its cached copy fetched at {} ({} old) is used: {e}",
                    org.name,
                    old.fetched_at,
                    crate::time::coarse(old.age(now))
                ));
                Ok(Loaded { snapshot: old, origin: Origin::StaleCache, warnings })
            }
            None => Err(e),
        },
    }
}

#[cfg(test)]
mod mock_tests;
#[cfg(test)]
mod tests;
