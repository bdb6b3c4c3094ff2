//! `rolecall list`: every target with kind, role ARN, source chain, MFA and region.

use std::collections::BTreeMap;

use clap::Args;
use serde::Serialize;

use super::{Context, print};
use crate::broker::{BrokerError, Overrides, plan};
use crate::config::{Base, ProfileKind};

#[path = "list_org.rs"]
mod org_list;

/// List every target.
#[derive(Debug, Args)]
pub struct ListCmd {
    /// Print JSON (an array of objects).
    #[arg(long)]
    pub json: bool,
}

/// One row of the listing.
#[derive(Debug, Serialize)]
pub struct Row {
    /// Target id.
    pub target: String,
    /// Profile kind, or "invalid".
    pub kind: String,
    /// The role assumed last, if any.
    pub role_arn: Option<String>,
    /// The account of that role.
    pub account: Option<String>,
    /// Base and profiles, `hub (keys) -> mfa-session -> a -> b`.
    pub chain: Option<String>,
    /// True when assuming needs an MFA code.
    pub mfa: bool,
    /// False for kinds that are listed but cannot be assumed yet (SSO, web identity).
    pub assumable: bool,
    /// STS region.
    pub region: Option<String>,
    /// Why the target cannot be assumed, if it cannot.
    pub error: Option<String>,
    /// The organisation the account belongs to (organisation targets, and profiles merged with one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// The account's name in the organisation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_name: Option<String>,
    /// The account's OU path (`/Workloads/Prod`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ou: Option<String>,
    /// The account's state (`ACTIVE`, `SUSPENDED`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// The account's tags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
    /// For a profile: the organisation target it is (`ACCOUNT/ROLE`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_target: Option<String>,
}

/// Builds the rows for every profile, in name order.
pub fn rows(ctx: &Context) -> Vec<Row> {
    let no_flags = Overrides::default();
    ctx.aws
        .profile_names()
        .into_iter()
        .map(|name| {
            let kind = ctx.aws.profile(name).map(|p| p.kind());
            let planned = plan::build(name, &ctx.aws, &ctx.settings, &no_flags);
            match (kind, planned) {
                (Ok(kind), Ok(plan)) => Row {
                    target: name.to_owned(),
                    kind: kind_label(kind).to_owned(),
                    assumable: !matches!(plan.base, Base::Sso { .. } | Base::WebIdentity { .. }),
                    role_arn: plan.final_step().map(|s| s.role_arn.to_string()),
                    account: plan.final_step().map(|s| s.role_arn.account().to_owned()),
                    chain: Some(plan.describe_chain()),
                    mfa: plan.needs_mfa(),
                    region: Some(plan.region.clone()),
                    error: None,
                    ..Row::empty()
                },
                (Ok(ProfileKind::Settings), Err(_)) => Row {
                    target: name.to_owned(),
                    kind: kind_label(ProfileKind::Settings).to_owned(),
                    assumable: false,
                    role_arn: None,
                    account: None,
                    chain: None,
                    mfa: false,
                    region: ctx.aws.profile(name).ok().and_then(|p| p.region.clone()),
                    error: None,
                    ..Row::empty()
                },
                (Err(e), _) => invalid(name, e.into()),
                (_, Err(e)) => invalid(name, e.into()),
            }
        })
        .collect()
}

/// Rows for every profile without planning them: the role, the first hop of
/// the chain and the profile's own MFA device only. For the TUI's first frame
/// with thousands of profiles; the full plan of one target comes on demand.
pub fn quick_rows(ctx: &Context) -> Vec<Row> {
    let region_default = ctx
        .aws
        .env_region()
        .map(str::to_owned)
        .or_else(|| ctx.settings.defaults.region.clone())
        .unwrap_or_else(|| plan::FALLBACK_REGION.to_owned());
    ctx.aws
        .profile_names()
        .into_iter()
        .map(|name| match ctx.aws.profile(name) {
            Err(e) => invalid(name, e.into()),
            Ok(def) => {
                let kind = def.kind();
                let first_hop = match (&def.role, &def.static_keys) {
                    (Some(role), _) => match &role.source {
                        crate::config::RoleSource::Profile(src) => format!("{src} -> {name}"),
                        other => format!("{other:?} -> {name}").to_lowercase(),
                    },
                    (None, Some(_)) => format!("{name} (keys)"),
                    (None, None) => format!("{name} ({})", kind.label()),
                };
                Row {
                    target: name.to_owned(),
                    kind: kind_label(kind).to_owned(),
                    assumable: !matches!(kind, ProfileKind::Sso | ProfileKind::WebIdentity | ProfileKind::Settings),
                    role_arn: def.role.as_ref().map(|r| r.arn.to_string()),
                    account: def.role.as_ref().map(|r| r.arn.account().to_owned()),
                    chain: Some(first_hop),
                    mfa: def.mfa_serial.is_some(),
                    region: Some(
                        ctx.aws
                            .env_region()
                            .map(str::to_owned)
                            .or_else(|| def.region.clone())
                            .unwrap_or_else(|| region_default.clone()),
                    ),
                    ..Row::empty()
                }
            }
        })
        .collect()
}

/// Every target, profiles and organisation accounts × roles, from files and
/// the given organisation snapshots (no network). Merged profile rows carry
/// their account's name, OU and tags; organisation rows follow the profiles.
/// `quick` skips planning each profile (see [`quick_rows`]).
pub fn rows_with_orgs(
    ctx: &Context,
    orgs: &[(&crate::config::org::OrgSettings, crate::org::Snapshot)],
    quick: bool,
) -> Vec<Row> {
    let mut rows = if quick { quick_rows(ctx) } else { rows(ctx) };
    let org_rows = org_list::rows(ctx, orgs, &mut rows);
    rows.extend(org_rows.into_iter().filter(|r| r.kind == org_list::KIND));
    rows
}

impl Row {
    /// A row with nothing set, to fill in.
    pub fn empty() -> Self {
        Self {
            target: String::new(),
            kind: String::new(),
            role_arn: None,
            account: None,
            chain: None,
            mfa: false,
            assumable: false,
            region: None,
            error: None,
            org: None,
            account_name: None,
            ou: None,
            state: None,
            tags: None,
            org_target: None,
        }
    }
}

fn invalid(name: &str, e: BrokerError) -> Row {
    Row {
        target: name.to_owned(),
        kind: "invalid".to_owned(),
        assumable: false,
        role_arn: None,
        account: None,
        chain: None,
        mfa: false,
        region: None,
        error: Some(e.to_string()),
        ..Row::empty()
    }
}

fn kind_label(kind: ProfileKind) -> &'static str {
    kind.label()
}

impl ListCmd {
    /// Runs the command.
    pub async fn run(self, ctx: &Context) -> Result<u8, BrokerError> {
        for (name, key) in ctx.aws.conflicting_keys() {
            eprintln!(
                "rolecall: warning: profile '{name}' sets '{key}' in both '{}' and '{}'; the credentials file's value wins",
                ctx.aws.files.config.display(),
                ctx.aws.files.credentials.display()
            );
        }
        let mut rows = rows(ctx);
        let orgs = super::accounts::for_listing(ctx).await;
        if self.json {
            let org_rows = org_list::rows(ctx, &orgs, &mut rows);
            for row in rows.iter().chain(&org_rows).filter(|r| r.error.is_some()) {
                eprintln!("rolecall: warning: {}", row.error.as_deref().unwrap_or_default());
            }
            let all: Vec<&Row> = rows.iter().chain(org_rows.iter().filter(|r| r.kind == org_list::KIND)).collect();
            let text = serde_json::to_string_pretty(&all).unwrap_or_else(|_| "[]".into());
            print(&format!("{text}\n"))?;
        } else {
            // Straight from the snapshots: thousands of accounts must not cost thousands of rows.
            let (org_text, warnings) = org_list::text(ctx, &orgs, &mut rows);
            for warning in rows.iter().filter_map(|r| r.error.as_deref()).chain(warnings.iter().map(String::as_str)) {
                eprintln!("rolecall: warning: {warning}");
            }
            let mut text = table(&rows);
            text.push_str(&org_text);
            print(&text)?;
        }
        Ok(0)
    }
}

fn table(rows: &[Row]) -> String {
    let header = ["TARGET", "KIND", "ROLE", "CHAIN", "MFA", "REGION"];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.target.clone(),
                match (r.assumable, r.kind.as_str()) {
                    (false, "sso" | "web-identity") => format!("{} (not yet)", r.kind),
                    _ => r.kind.clone(),
                },
                r.role_arn.clone().unwrap_or_else(|| "-".into()),
                r.chain.clone().unwrap_or_else(|| "-".into()),
                if r.mfa { "yes".into() } else { "-".into() },
                r.region.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    crate::output::table::render(header, &cells)
}
