//! `rolecall accounts`: every configured organisation's accounts with id,
//! name, state, OU path and tags, from the cache or listed now.

use clap::Args;
use serde::Serialize;

use super::print;
use crate::service::{AppError, Context, MfaCode, OrgError, Origin, Prompt, Refresh, orgs};
use crate::{text, time};

/// List organisation accounts with id, name, state, OU path and tags.
#[derive(Debug, Args)]
pub struct AccountsCmd {
    /// Fetch the organisation now instead of using the cache.
    #[arg(long)]
    pub refresh: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Only this organisation (its `name` in the settings).
    #[arg(long, value_name = "NAME")]
    pub org: Option<String>,
    /// MFA code, when the organisation's profile needs one.
    #[arg(long, value_name = "CODE")]
    pub mfa_code: Option<String>,
}

/// One account in `--json` output.
#[derive(Debug, Serialize)]
struct AccountRow<'a> {
    org: &'a str,
    id: &'a str,
    name: &'a str,
    email: &'a str,
    state: &'a str,
    joined: Option<&'a str>,
    ou: Option<&'a str>,
    tags: &'a std::collections::BTreeMap<String, String>,
    /// False when `include_ous`/`exclude_accounts` keep the account from being a target.
    in_scope: bool,
}

impl AccountsCmd {
    /// Runs the command.
    pub async fn run(self, ctx: &Context) -> Result<u8, AppError> {
        let configured = &ctx.settings.organizations;
        if configured.is_empty() {
            return Err(AppError::usage(
                "no organisation is configured: add an [[organization]] table to the settings (see assets/config.example.toml)",
            ));
        }
        if let Some(name) = &self.org
            && !configured.iter().any(|o| &o.name == name)
        {
            let known: Vec<&str> = configured.iter().map(|o| o.name.as_str()).collect();
            return Err(OrgError::Settings(format!(
                "no organisation '{name}' in the settings (configured: {known:?})"
            ))
            .into());
        }
        let code = match &self.mfa_code {
            Some(c) => Some(MfaCode::parse(c).map_err(|e| AppError::usage(format!("--mfa-code '{c}': {e}")))?),
            None => None,
        };
        let refresh = if self.refresh { Refresh::Force } else { Refresh::IfStale };
        let (loaded, mut failures) = orgs::load(ctx, self.org.as_deref(), refresh, code, Prompt::Terminal).await;
        let now = time::now_unix();
        let mut rows = Vec::new();
        for (org, l) in &loaded {
            if l.origin != Origin::Fetched {
                ctx.warn(&format!(
                    "organisation '{}': {} accounts from the cache, fetched {} ({} ago); --refresh lists it again",
                    org.name,
                    l.snapshot.accounts.len(),
                    l.snapshot.fetched_at,
                    time::coarse(l.snapshot.age(now))
                ));
            }
            rows.extend(l.snapshot.accounts.iter().map(|a| AccountRow {
                org: &org.name,
                id: &a.id,
                name: &a.name,
                email: &a.email,
                state: &a.state,
                joined: a.joined.as_deref(),
                ou: a.ou.as_deref(),
                tags: &a.tags,
                in_scope: orgs::in_scope(org, a),
            }));
        }
        if self.json {
            print(&format!("{}\n", serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into())))?;
        } else {
            print(&table(&rows))?;
        }
        match failures.len() {
            0 => Ok(0),
            _ if loaded.is_empty() && failures.len() == 1 => Err(failures.remove(0).into()),
            _ => {
                let code = failures.iter().map(OrgError::exit_code).max().unwrap_or(1);
                for f in failures {
                    ctx.warn(&f.to_string());
                }
                Ok(code)
            }
        }
    }
}

fn table(rows: &[AccountRow<'_>]) -> String {
    let header = ["ORG", "ID", "NAME", "STATE", "OU", "TAGS"];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            let tags = r.tags.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
            let state = if r.in_scope { r.state.to_owned() } else { format!("{} (excluded)", r.state) };
            let clean = |s: &str| text::clean(s).into_owned();
            [clean(r.org), clean(r.id), clean(r.name), clean(&state), clean(r.ou.unwrap_or("?")), clean(&tags)]
        })
        .collect();
    crate::output::table::render(header, &cells)
}
