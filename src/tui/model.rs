//! What the TUI lists: one [`Item`] per target, with a precomputed search text,
//! and [`Details`] of the selected one (from its plan, computed on demand).

use nucleo_matcher::Utf32String;

use crate::cli::list::Row;

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
    /// An item from a `rolecall list` row.
    pub fn from_row(row: &Row) -> Self {
        let role = row.role_arn.as_deref().and_then(|a| a.rsplit('/').next()).map(str::to_owned);
        let chain = row.chain.clone().unwrap_or_default();
        let source = chain.split(" -> ").next().unwrap_or_default();
        let source = source.split(" (").next().unwrap_or(source).to_owned();
        let ou_group = match (&row.org, &row.ou) {
            (Some(org), Some(ou)) => format!("{org} {ou}"),
            (Some(org), None) => org.clone(),
            _ => "profiles".to_owned(),
        };
        let tags = row
            .tags
            .as_ref()
            .map(|t| t.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        let state = row.state.clone().filter(|s| s != "ACTIVE");
        let haystack_text = [
            row.target.as_str(),
            row.account.as_deref().unwrap_or(""),
            row.account_name.as_deref().unwrap_or(""),
            role.as_deref().unwrap_or(""),
            row.ou.as_deref().unwrap_or(""),
            &tags,
        ]
        .join(" ");
        Self {
            id: row.target.clone(),
            ou_group,
            source,
            account: row.account.clone(),
            account_name: row.account_name.clone(),
            role,
            role_arn: row.role_arn.clone(),
            chain,
            mfa: row.mfa,
            region: row.region.clone(),
            assumable: row.assumable && row.error.is_none() && state.is_none(),
            error: row.error.clone(),
            tags,
            state,
            id_chars: row.target.chars().count(),
            haystack: Utf32String::from(haystack_text.as_str()),
        }
    }
}

/// What the details pane shows about the selected target (no secrets: the
/// ExternalId arrives masked).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Details {
    /// Role ARN of the final step.
    pub role_arn: Option<String>,
    /// The full chain, base to target.
    pub chain: String,
    /// The MFA device that will be asked for, if any.
    pub mfa_device: Option<String>,
    /// True when a code must be typed now (no stored MFA session covers it).
    pub needs_code: bool,
    /// The ExternalId, masked except its last characters.
    pub external_id: Option<String>,
    /// Requested duration of the final role, seconds.
    pub requested_duration: Option<u32>,
    /// Effective duration, seconds.
    pub effective_duration: Option<u32>,
    /// Why effective differs from requested.
    pub duration_note: Option<String>,
    /// STS region.
    pub region: String,
    /// The cached session's identity and expiry (unix seconds), if one is cached.
    pub cached: Option<(String, u64)>,
    /// A problem planning the target.
    pub error: Option<String>,
}

/// Masks all but the last three characters.
pub fn mask(secret: &str) -> String {
    let n = secret.chars().count();
    let keep: String = secret.chars().skip(n.saturating_sub(3)).collect();
    format!("{}{keep}", "•".repeat(n.saturating_sub(3).min(12)))
}
