//! What a target is, as every view shows it: a typed [`Entry`] with its kind,
//! final role, route (base credentials and the hops to the target), region,
//! the organisation account it is (when known), and why it cannot be assumed
//! (when it cannot). Built by [`super::build`]; no I/O.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::config::{ProfileKind, RoleArn};

/// Where a target comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// A profile of the shared AWS files.
    Profile(ProfileKind),
    /// An organisation account × a role configured for the organisation.
    OrgRole,
    /// An IAM Identity Center account × permission set.
    SsoRole,
}

impl Kind {
    /// The label `list` prints: the profile kind (`role`, `keys`, …) or `org`.
    pub fn label(self) -> &'static str {
        match self {
            Self::Profile(k) => k.label(),
            Self::OrgRole => "org",
            Self::SsoRole => "permission-set",
        }
    }
}

/// The first link of a route: whose credentials the chain starts from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BaseRef {
    /// The profile holding them, or a name for a non-profile source (`environment`).
    pub name: String,
    /// What kind of source, when it is a profile (`keys`, `credential_process`, `sso`…).
    pub detail: Option<String>,
}

impl BaseRef {
    /// As the chain shows it: `hub (keys)`, `environment`.
    pub fn label(&self) -> String {
        match &self.detail {
            Some(d) => format!("{} ({d})", self.name),
            None => self.name.clone(),
        }
    }
}

/// A hop between the base and the target.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Hop {
    /// `GetSessionToken` with an MFA code.
    MfaSession,
    /// `AssumeRole` of this profile's role (or this target's, for the last hop).
    Role(String),
}

/// How a target's credentials are made, as data: shared by every account of
/// an organisation for one role.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Route {
    /// The base credentials.
    pub base: BaseRef,
    /// The hops after the base, up to but excluding the target's own role.
    pub via: Vec<Hop>,
    /// True when the target's own role is assumed as the last hop.
    pub assumes: bool,
    /// Assuming needs an MFA code (unless an MFA session is stored).
    pub mfa: bool,
    /// STS region.
    pub region: String,
}

impl Route {
    /// The links joined with ` -> ` (as [`Route::links`], in one allocation).
    pub fn text(&self, target: &str) -> String {
        let mut out = String::with_capacity(64);
        out.push_str(&self.base.name);
        if let Some(d) = &self.base.detail {
            out.push_str(" (");
            out.push_str(d);
            out.push(')');
        }
        for hop in &self.via {
            out.push_str(" -> ");
            out.push_str(match hop {
                Hop::MfaSession => "mfa-session",
                Hop::Role(p) => p,
            });
        }
        if self.assumes {
            out.push_str(" -> ");
            out.push_str(target);
        }
        out
    }

    /// The links as text, base first, ending with `target` when its role is assumed.
    pub fn links(&self, target: &str) -> Vec<String> {
        let mut out = Vec::with_capacity(self.via.len() + 2);
        out.push(self.base.label());
        out.extend(self.via.iter().map(|h| match h {
            Hop::MfaSession => "mfa-session".to_owned(),
            Hop::Role(p) => p.clone(),
        }));
        if self.assumes {
            out.push(target.to_owned());
        }
        out
    }
}

/// The organisation account a target is in.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccountRef {
    /// The organisation's `name` in the settings.
    pub org: String,
    /// The 12-digit id.
    pub id: String,
    /// The account's name.
    pub name: String,
    /// The OU path (`/Workloads/Prod`), when known.
    pub ou: Option<String>,
    /// `ACTIVE`, `SUSPENDED`, …
    pub state: String,
    /// The account's tags.
    pub tags: BTreeMap<String, String>,
}

impl AccountRef {
    /// True when roles in the account can be assumed.
    pub fn is_active(&self) -> bool {
        self.state == crate::org::model::ACTIVE
    }
}

/// Why a target cannot be assumed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Problem {
    /// The profile kind is listed but not assumed yet (web identity, …).
    NotYet,
    /// A profile with settings only, no credentials; its `region`, if it sets one.
    NoCredentials {
        /// The profile's `region`.
        region: Option<String>,
    },
    /// The account is not ACTIVE.
    Inactive(String),
    /// The configuration is broken; the message says where.
    Invalid(String),
}

/// A target's other id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Alias {
    /// This profile is also organisation target `ACCOUNT/ROLE`.
    OrgTarget(String),
    /// This organisation target is profile `NAME` (listed under the profile).
    Profile(String),
}

/// One target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The id every command takes (profile name, or `ACCOUNT/ROLE`).
    pub id: String,
    /// Where it comes from.
    pub kind: Kind,
    /// The role assumed last, if any.
    pub role_arn: Option<RoleArn>,
    /// How its credentials are made (none when its configuration is broken).
    pub route: Option<Arc<Route>>,
    /// The organisation account it is, when an organisation knows it.
    pub account: Option<Arc<AccountRef>>,
    /// The same target under its other id: a profile's organisation target
    /// id, or the profile an organisation target is (whose settings win).
    pub alias: Option<Alias>,
    /// Why it cannot be assumed, if it cannot.
    pub problem: Option<Problem>,
}

impl Entry {
    /// True when assuming it can be tried.
    pub fn assumable(&self) -> bool {
        self.problem.is_none() && self.account.as_ref().is_none_or(|a| a.is_active())
    }

    /// True when assuming needs an MFA code (unless a session is stored).
    pub fn mfa(&self) -> bool {
        self.route.as_ref().is_some_and(|r| r.mfa)
    }

    /// The STS region, when known.
    pub fn region(&self) -> Option<&str> {
        match (&self.route, &self.problem) {
            (Some(r), _) => Some(r.region.as_str()),
            (None, Some(Problem::NoCredentials { region })) => region.as_deref(),
            _ => None,
        }
    }

    /// The id to print where a person may copy it: the id, or for an
    /// organisation or SSO target whose id holds a control character (an
    /// account name can), `ACCOUNT_ID/ROLE`, which every command takes too.
    pub fn typeable_id(&self) -> std::borrow::Cow<'_, str> {
        match (&self.account, self.id.rsplit_once('/')) {
            (Some(account), Some((_, role))) if self.id.chars().any(char::is_control) => {
                std::borrow::Cow::Owned(format!("{}/{role}", account.id))
            }
            _ => std::borrow::Cow::Borrowed(&self.id),
        }
    }

    /// The 12-digit account of the final role.
    pub fn account_id(&self) -> Option<&str> {
        self.role_arn.as_ref().map(RoleArn::account).or(self.account.as_ref().map(|a| a.id.as_str()))
    }

    /// The account's name, when an organisation knows it.
    pub fn account_name(&self) -> Option<&str> {
        self.account.as_ref().map(|a| a.name.as_str())
    }

    /// The final role's name (the permission set of an SSO target).
    pub fn role_name(&self) -> Option<&str> {
        match self.kind {
            Kind::SsoRole => self.id.rsplit_once('/').map(|(_, r)| r.strip_prefix(super::sso::PREFIX).unwrap_or(r)),
            _ => self.role_arn.as_ref().map(RoleArn::name),
        }
    }

    /// The route's links as text, base first: `["hub (keys)", "mfa-session", "a", "prod"]`.
    pub fn chain(&self) -> Vec<String> {
        self.route.as_ref().map(|r| r.links(&self.id)).unwrap_or_default()
    }

    /// The chain joined with ` -> `.
    pub fn chain_text(&self) -> Option<String> {
        self.route.as_ref().map(|r| r.text(&self.id))
    }

    /// Why it cannot be assumed, as a sentence.
    pub fn problem_text(&self) -> Option<String> {
        if let Some(a) = self.account.as_ref().filter(|a| !a.is_active()) {
            return Some(format!("the account is {}", a.state));
        }
        match self.problem.as_ref()? {
            Problem::NotYet => Some(format!("'{}': this kind of profile cannot be assumed yet", self.id)),
            Problem::NoCredentials { .. } => Some(format!("'{}' has settings only, no credentials", self.id)),
            Problem::Inactive(state) => Some(format!("the account is {state}")),
            Problem::Invalid(message) => Some(message.clone()),
        }
    }

    /// The profile this organisation target is, when it is one (then it is
    /// listed once, as the profile).
    pub fn merged_into(&self) -> Option<&str> {
        match &self.alias {
            Some(Alias::Profile(p)) => Some(p),
            _ => None,
        }
    }

    /// The organisation target id of a profile that is one.
    pub fn org_target(&self) -> Option<&str> {
        match &self.alias {
            Some(Alias::OrgTarget(t)) => Some(t),
            _ => None,
        }
    }

    /// The configuration error, if the entry is broken.
    pub fn error(&self) -> Option<&str> {
        match &self.problem {
            Some(Problem::Invalid(m)) => Some(m),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_text_is_its_links_joined() {
        let route = Route {
            base: BaseRef { name: "hub".into(), detail: Some("keys".into()) },
            via: vec![Hop::MfaSession, Hop::Role("jump".into())],
            assumes: true,
            mfa: true,
            region: "eu-west-1".into(),
        };
        assert_eq!(route.text("prod"), "hub (keys) -> mfa-session -> jump -> prod");
        assert_eq!(route.text("prod"), route.links("prod").join(" -> "));
        let keys = Route { via: Vec::new(), assumes: false, ..route };
        assert_eq!(keys.text("hub"), "hub (keys)");
    }
}
