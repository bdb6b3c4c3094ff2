//! `rolecall list`: every target with kind, role ARN, source chain, MFA and
//! region, rendered from the catalog's entries: a table (profiles, then each
//! organisation by OU) or JSON.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use clap::Args;
use serde::Serialize;

use super::print;
use crate::catalog::{Entry, Kind, Problem};
use crate::output::table;
use crate::service::snapshot::OrgMeta;
use crate::service::{AppError, catalog, first_run};
use crate::{text, time};

/// List every target.
#[derive(Debug, Args)]
pub struct ListCmd {
    /// Print JSON (an array of objects).
    #[arg(long)]
    pub json: bool,
}

/// One target in `--json` output.
#[derive(Debug, Serialize)]
struct JsonRow<'a> {
    /// The id, in a form that can be typed (see `Entry::typeable_id`).
    target: Cow<'a, str>,
    /// Profile kind, `org`, or `invalid`.
    kind: &'a str,
    role_arn: Option<&'a str>,
    account: Option<&'a str>,
    chain: Option<String>,
    mfa: bool,
    assumable: bool,
    region: Option<&'a str>,
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    org: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    account_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ou: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<&'a BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    org_target: Option<&'a str>,
}

fn kind_label(e: &Entry) -> &'static str {
    match (&e.kind, &e.problem) {
        (Kind::Profile(_), Some(Problem::Invalid(_))) => "invalid",
        (k, _) => k.label(),
    }
}

fn json_row(e: &Entry) -> JsonRow<'_> {
    let account = e.account.as_deref();
    let listed_assumable = match e.kind {
        Kind::Profile(_) => {
            !matches!(e.problem, Some(Problem::NotYet | Problem::NoCredentials { .. } | Problem::Invalid(_)))
        }
        Kind::OrgRole | Kind::SsoRole => e.assumable(),
    };
    JsonRow {
        target: e.typeable_id(),
        kind: kind_label(e),
        role_arn: e.role_arn.as_ref().map(|a| a.as_str()),
        account: e.account_id(),
        chain: e.chain_text(),
        mfa: e.mfa(),
        assumable: listed_assumable,
        region: e.region(),
        error: e.error(),
        org: account.map(|a| a.org.as_str()),
        account_name: account.map(|a| a.name.as_str()),
        ou: account.and_then(|a| a.ou.as_deref()),
        state: account.map(|a| a.state.as_str()),
        tags: account.map(|a| &a.tags),
        org_target: e.org_target(),
    }
}

impl ListCmd {
    /// Runs the command: from the catalog snapshot while no input file
    /// changed, else from the parsed files (which renews the snapshot).
    pub async fn run(self, settings_flag: Option<&std::path::Path>) -> Result<u8, AppError> {
        let listing = catalog::for_listing(settings_flag).await?;
        let warn = |text: &str| eprintln!("rolecall: {}", text::clean(text));
        for w in &listing.warnings {
            warn(w);
        }
        let entries = &listing.entries;
        if entries.is_empty() {
            // A first run: say where rolecall looked and the ways in, not a bare header.
            let looked = first_run::Looked::here(&aws_types::os_shim_internal::Env::real(), settings_flag);
            let width = crossterm::terminal::size().map_or(80, |(w, _)| usize::from(w).clamp(40, 100));
            for line in first_run::wrapped(&first_run::guidance(&looked), width) {
                eprintln!("{line}");
            }
            if self.json {
                print("[]\n")?;
            }
            return Ok(0);
        }
        // One warning per broken profile and per organisation role that cannot be planned.
        let mut seen = HashSet::new();
        for e in entries {
            if let Some(err) = e.error()
                && seen.insert(err)
            {
                warn(&format!("warning: {err}"));
            }
        }
        if self.json {
            let rows: Vec<JsonRow<'_>> = entries.iter().filter(|e| e.merged_into().is_none()).map(json_row).collect();
            let text = serde_json::to_string_pretty(&rows).unwrap_or_else(|_| "[]".into());
            print(&format!("{text}\n"))?;
        } else {
            let profiles: Vec<&Entry> = entries.iter().filter(|e| matches!(e.kind, Kind::Profile(_))).collect();
            let mut out = profile_table(&profiles);
            let orgs: Vec<&Entry> = entries.iter().filter(|e| e.kind == Kind::OrgRole).collect();
            out.push_str(&org_tables(&orgs, &profiles, &listing.orgs));
            let sso: Vec<&Entry> = entries.iter().filter(|e| e.kind == Kind::SsoRole).collect();
            out.push_str(&org_tables(&sso, &profiles, &listing.orgs));
            print(&out)?;
        }
        Ok(0)
    }
}

/// Links of a chain shown in the table before the middle is elided: with
/// every link shown, a long chain of profiles would make the listing grow
/// with the square of its length (`list --json` has every link).
const CHAIN_LINKS_SHOWN: usize = 6;

/// The chain for the table: every link, or for a long chain the first two,
/// how many are left out, and the last three.
fn short_chain(e: &Entry) -> String {
    let Some(route) = &e.route else { return "-".into() };
    let n = route.via.len() + 1 + usize::from(route.assumes);
    if n <= CHAIN_LINKS_SHOWN {
        return route.text(&e.id);
    }
    let links = route.links(&e.id);
    format!("{} -> {} -> … {} more … -> {}", links[0], links[1], n - 5, links[n - 3..].join(" -> "))
}

fn profile_table(entries: &[&Entry]) -> String {
    let header = ["TARGET", "KIND", "ROLE", "CHAIN", "MFA", "REGION"];
    table::render_with(header, entries.len(), |i| {
        let e = entries[i];
        let kind = match (&e.problem, kind_label(e)) {
            (Some(Problem::NotYet), k) => Cow::Owned(format!("{k} (not yet)")),
            (_, k) => Cow::Borrowed(k),
        };
        [
            Cow::Borrowed(e.id.as_str()),
            kind,
            Cow::Borrowed(e.role_arn.as_ref().map_or("-", |a| a.as_str())),
            Cow::Owned(short_chain(e)),
            Cow::Borrowed(if e.mfa() { "yes" } else { "-" }),
            Cow::Borrowed(e.region().unwrap_or("-")),
        ]
    })
}

/// The organisation targets, per organisation a heading and per OU a
/// heading, then its targets; a target that is a profile says so.
fn org_tables<'a>(entries: &[&'a Entry], profiles: &[&'a Entry], orgs: &[OrgMeta]) -> String {
    if entries.is_empty() {
        return String::new();
    }
    let by_name: HashMap<&str, &Entry> = profiles.iter().map(|e| (e.id.as_str(), *e)).collect();
    let cells = |e: &'a Entry| -> [Cow<'a, str>; 6] {
        let state = e.account.as_deref().map_or("", |a| a.state.as_str());
        let id = e.typeable_id();
        let account = Cow::Borrowed(e.account_id().unwrap_or_default());
        match e.merged_into() {
            Some(p) => [
                id,
                account,
                Cow::Owned(format!("{state} (profile)")),
                Cow::Owned(format!("= profile '{p}'")),
                Cow::Borrowed("-"),
                Cow::Borrowed(by_name.get(p).and_then(|p| p.region()).unwrap_or("-")),
            ],
            None => [
                id,
                account,
                Cow::Borrowed(state),
                Cow::Owned(e.chain_text().unwrap_or_else(|| "-".into())),
                Cow::Borrowed(if e.mfa() { "yes" } else { "-" }),
                Cow::Borrowed(e.region().unwrap_or("-")),
            ],
        }
    };
    let header = ["TARGET", "ACCOUNT", "STATE", "CHAIN", "MFA", "REGION"];
    let mut widths = header.map(str::len);
    for e in entries {
        for (w, c) in widths.iter_mut().zip(cells(e)) {
            *w = (*w).max(text::width(&text::clean(&c)));
        }
    }
    let mut out = String::with_capacity(entries.len() * (widths.iter().sum::<usize>() + 24));
    let push_line = |out: &mut String, cols: [Cow<'_, str>; 6]| {
        out.push_str("    ");
        for (i, (c, w)) in cols.iter().zip(widths).enumerate() {
            let c = text::clean(c);
            out.push_str(&c);
            if i + 1 < cols.len() {
                out.extend(std::iter::repeat_n(' ', w - text::width(&c) + 2));
            }
        }
        out.push('\n');
    };
    let now = time::now_unix();
    let (mut org, mut ou): (Option<&str>, Option<&str>) = (None, None);
    for &e in entries {
        let Some(account) = e.account.as_deref() else { continue };
        if org != Some(account.org.as_str()) {
            org = Some(&account.org);
            ou = None;
            if let Some(session) = account.org.strip_prefix("sso:") {
                out.push_str(&format!(
                    "\nIAM Identity Center '{}': account x permission set (ACCOUNT/sso:PS when an organisation role has the same id)\n",
                    text::clean(session)
                ));
            } else if let Some(m) = orgs.iter().find(|m| m.name == account.org) {
                out.push_str(&format!(
                    "\norganisation '{}': {} accounts, listed {} ({} ago)\n",
                    text::clean(&account.org),
                    m.accounts,
                    m.fetched_at,
                    time::coarse(now.saturating_sub(m.fetched_at_unix))
                ));
            }
            push_line(&mut out, header.map(Cow::Borrowed));
        }
        let here = account.ou.as_deref().unwrap_or("?");
        if ou != Some(here) {
            ou = Some(here);
            out.push_str("  ");
            out.push_str(&text::clean(here));
            out.push('\n');
        }
        push_line(&mut out, cells(e));
    }
    out
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::catalog::{BaseRef, Hop, Route};

    #[test]
    fn long_chains_are_elided_in_the_table() {
        let route = |n: usize| Route {
            base: BaseRef { name: "hub".into(), detail: Some("keys".into()) },
            via: (0..n).map(|i| Hop::Role(format!("p{i}"))).collect(),
            assumes: true,
            mfa: false,
            region: "eu-west-1".into(),
        };
        let entry = |n: usize| Entry {
            id: "t".into(),
            kind: Kind::Profile(crate::config::ProfileKind::Role),
            role_arn: None,
            route: Some(Arc::new(route(n))),
            account: None,
            alias: None,
            problem: None,
        };
        assert_eq!(short_chain(&entry(4)), "hub (keys) -> p0 -> p1 -> p2 -> p3 -> t");
        assert_eq!(short_chain(&entry(40)), "hub (keys) -> p0 -> … 37 more … -> p38 -> p39 -> t");
        // Each row stays bounded however long the chain: the table grows linearly.
        assert!(short_chain(&entry(4000)).len() < 80);
    }
}
