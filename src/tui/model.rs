//! What the TUI lists: one [`Item`] per target, with a precomputed search text,
//! built from the catalog's entries, and [`Details`] of the selected one
//! (from its plan, computed on demand by the service).

use nucleo_matcher::Utf32String;

use crate::catalog::Entry;

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
    /// The source chain as text.
    pub chain: String,
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
    /// What the fuzzy matcher searches: id, account id, role, OU path, tags.
    pub haystack: Utf32String,
    /// How many leading characters of `haystack` are the id (for highlighting).
    pub id_chars: usize,
}

impl Item {
    /// The item for a catalog entry.
    pub fn from_entry(e: &Entry) -> Self {
        let account = e.account.as_deref();
        let ou_group = match account {
            Some(a) => match &a.ou {
                Some(ou) => format!("{} {ou}", a.org),
                None => a.org.clone(),
            },
            None => "profiles".to_owned(),
        };
        let tags = account.map(|a| a.tags.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "));
        let tags = tags.unwrap_or_default();
        let state = account.filter(|a| !a.is_active()).map(|a| a.state.clone());
        let role = e.role_name().map(str::to_owned);
        let haystack_text = [
            e.id.as_str(),
            e.account_id().unwrap_or(""),
            e.account_name().unwrap_or(""),
            role.as_deref().unwrap_or(""),
            account.and_then(|a| a.ou.as_deref()).unwrap_or(""),
            &tags,
        ]
        .join(" ");
        let clean = |s: &str| crate::text::clean(s).into_owned();
        Self {
            id: e.id.clone(),
            ou_group: clean(&ou_group),
            source: e.route.as_ref().map(|r| clean(&r.base.name)).unwrap_or_default(),
            account: e.account_id().map(str::to_owned),
            account_name: e.account_name().map(clean),
            role,
            role_arn: e.role_arn.as_ref().map(|a| a.to_string()),
            chain: e.chain_text().map(|c| clean(&c)).unwrap_or_default(),
            mfa: e.mfa(),
            region: e.region().map(str::to_owned),
            assumable: e.assumable(),
            error: e.problem.as_ref().and(e.problem_text()).map(|t| crate::text::clean_multiline(&t).into_owned()),
            tags: clean(&tags),
            state,
            id_chars: e.id.chars().count(),
            haystack: Utf32String::from(haystack_text.as_str()),
        }
    }
}

pub use crate::service::describe::{Description as Details, mask};
