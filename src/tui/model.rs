//! What the TUI lists: one [`Item`] per target, with a precomputed search text,
//! built from the catalog's entries, and [`Details`] of the selected one
//! (from its plan, computed on demand by the service).

use nucleo_matcher::Utf32String;

use std::sync::Arc;

use crate::catalog::{Entry, Kind, Route, TargetId};
use crate::text::clean_owned;

/// One target row.
#[derive(Clone, Debug)]
pub struct Item {
    /// The target id (profile name or `ACCOUNT/ROLE`).
    pub id: String,
    /// Organisation and OU path (`acme /Workloads/Prod`), or `profiles`.
    pub ou_group: String,
    /// The base profile the chain starts from (`hub`), or the base's description.
    pub source: String,
    /// 12-digit account id of the final role.
    pub account: Option<String>,
    /// The account's name in the organisation.
    pub account_name: Option<String>,
    /// Role name of the final step.
    pub role: Option<String>,
    /// Role ARN of the final step.
    pub role_arn: Option<String>,
    /// How its credentials are made (for the chain in the details pane).
    pub route: Option<Arc<Route>>,
    /// Assuming needs an MFA code (unless an MFA session is stored).
    pub mfa: bool,
    /// STS region.
    pub region: Option<String>,
    /// False when the target cannot be assumed (SSO, suspended account, broken config).
    pub assumable: bool,
    /// Why it cannot be assumed, if it cannot.
    pub error: Option<String>,
    /// Tags as `k=v` text.
    pub tags: String,
    /// The account's state when not ACTIVE.
    pub state: Option<String>,
    /// What kind of target: `profile`, `org` (an organisation account × role)
    /// or `sso` (an IAM Identity Center account × permission set).
    pub kind: &'static str,
    /// What the fuzzy matcher searches: id, account id and name, role, OU
    /// path, tags. Empty until [`Item::index`] builds it (after the first frame).
    pub haystack: Utf32String,
    /// How many leading characters of `haystack` are the id (for highlighting).
    pub id_chars: usize,
}

impl Item {
    /// The item for a catalog entry (its search text comes later: [`Item::index`]).
    pub fn from_entry(e: &Entry) -> Self {
        let account = e.account.as_deref();
        let ou_group = match account {
            Some(a) => match &a.ou {
                Some(ou) => format!("{} {ou}", a.org),
                None => a.org.clone(),
            },
            None => "profiles".to_owned(),
        };
        let mut tags = String::new();
        for (k, v) in account.map(|a| a.tags.iter()).into_iter().flatten() {
            if !tags.is_empty() {
                tags.push(' ');
            }
            tags.push_str(k);
            tags.push('=');
            tags.push_str(v);
        }
        Self {
            id: e.id.clone(),
            ou_group: clean_owned(ou_group),
            source: e.route.as_ref().map(|r| clean_owned(r.base.name.clone())).unwrap_or_default(),
            account: e.account_id().map(str::to_owned),
            account_name: e.account_name().map(|n| clean_owned(n.to_owned())),
            role: e.role_name().map(str::to_owned),
            role_arn: e.role_arn.as_ref().map(|a| a.to_string()),
            route: e.route.clone(),
            mfa: e.mfa(),
            region: e.region().map(str::to_owned),
            assumable: e.assumable(),
            error: e.problem.as_ref().and(e.problem_text()).map(|t| crate::text::clean_multiline(&t).into_owned()),
            tags: clean_owned(tags),
            state: account.filter(|a| !a.is_active()).map(|a| a.state.clone()),
            kind: match e.kind {
                Kind::Profile(_) => "profile",
                Kind::OrgRole => "org",
                Kind::SsoRole => "sso",
            },
            id_chars: e.id.chars().count(),
            haystack: Utf32String::default(),
        }
    }

    /// The id as this row knows it: a profile row is a profile (profile
    /// names win, and an organisation target that is a profile is listed as
    /// the profile); an organisation or Identity Center row is `ACCOUNT/ROLE`.
    pub fn target_id(&self) -> TargetId {
        match self.id.rsplit_once('/') {
            Some((account, role)) if self.kind != "profile" && !account.is_empty() && !role.is_empty() => {
                TargetId::Account { account: account.to_owned(), role: role.to_owned() }
            }
            _ => TargetId::Profile(self.id.clone()),
        }
    }

    /// The source chain as text, base first.
    pub fn chain(&self) -> String {
        self.route.as_ref().map(|r| crate::text::clean_owned(r.links(&self.id).join(" -> "))).unwrap_or_default()
    }

    /// True when the search text is built.
    pub fn indexed(&self) -> bool {
        !self.haystack.is_empty()
    }

    /// Builds the search text: id first (highlighting relies on it), then
    /// account id and name, role, organisation and OU, tags.
    pub fn index(&mut self) {
        let text = [
            self.id.as_str(),
            self.account.as_deref().unwrap_or(""),
            self.account_name.as_deref().unwrap_or(""),
            self.role.as_deref().unwrap_or(""),
            if self.ou_group == "profiles" { "" } else { &self.ou_group },
            &self.tags,
        ]
        .join(" ");
        self.haystack = Utf32String::from(text.as_str());
    }
}

pub use crate::service::describe::{Description as Details, mask};
