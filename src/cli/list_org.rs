//! The organisation part of `rolecall list`: every in-scope account × role,
//! grouped by organisation and OU; profiles for the same account and role are
//! merged (the profile's row gets the account's name, OU and tags).

use std::collections::HashMap;

use super::Row;
use crate::broker::Overrides;
use crate::cli::Context;
use crate::config::org::OrgSettings;
use crate::org::Snapshot;
use crate::org::model::age_label;
use crate::org::targets::{self, OrgView};

/// `kind` of an organisation target row.
pub const KIND: &str = "org";
/// `kind` of a table-only row for an organisation target that is a profile.
const MERGED: &str = "profile";

/// What every account of one organisation shares for one role: the plan's
/// chain up to the final role, MFA, region, or why it cannot be planned.
struct RolePlan {
    chain_prefix: String,
    mfa: bool,
    region: String,
    error: Option<String>,
}

fn role_plan(ctx: &Context, org: &OrgSettings, role: &str) -> RolePlan {
    let none = Overrides::default();
    match targets::build_for_account("\u{0}", org, "000000000000", role, &ctx.aws, &ctx.settings, &none) {
        Ok(plan) => {
            let chain = plan.describe_chain();
            let prefix = chain.rsplit_once(" -> ").map(|(p, _)| p.to_owned()).unwrap_or_default();
            RolePlan { chain_prefix: prefix, mfa: plan.needs_mfa(), region: plan.region, error: None }
        }
        Err(e) => {
            RolePlan { chain_prefix: String::new(), mfa: false, region: String::new(), error: Some(e.to_string()) }
        }
    }
}

/// Rows for every organisation target; decorates `profile_rows` merged with one.
/// Merged targets come back with kind `profile` (for the table only).
pub fn rows(ctx: &Context, orgs: &[(&OrgSettings, Snapshot)], profile_rows: &mut [Row]) -> Vec<Row> {
    let views: Vec<OrgView<'_>> = orgs.iter().map(|(o, s)| OrgView { settings: o, snapshot: s }).collect();
    let by_role = targets::profiles_by_role(&ctx.aws);
    let all = targets::all(&views, &by_role);
    let index: HashMap<String, usize> = profile_rows.iter().enumerate().map(|(i, r)| (r.target.clone(), i)).collect();
    let mut plans: HashMap<(&str, &str), RolePlan> = HashMap::new();
    let mut out = Vec::with_capacity(all.len());
    for t in &all {
        let a = t.account;
        let decorate = |row: &mut Row| {
            row.org = Some(t.org.name.clone());
            row.account_name = Some(a.name.clone());
            row.ou = a.ou.clone();
            row.state = Some(a.state.clone());
            row.tags = Some(a.tags.clone());
        };
        if let Some(profile) = t.profile {
            if let Some(&i) = index.get(profile) {
                decorate(&mut profile_rows[i]);
                profile_rows[i].org_target = Some(t.id.clone());
                let mut row = profile_rows[i].clone_for_table();
                row.target = t.id.clone();
                row.kind = MERGED.into();
                row.chain = Some(format!("= profile '{profile}'"));
                out.push(row);
            }
            continue;
        }
        let plan = plans.entry((&t.org.name, t.role)).or_insert_with(|| role_plan(ctx, t.org, t.role));
        let mut row = Row {
            target: t.id.clone(),
            kind: KIND.into(),
            role_arn: Some(format!("arn:aws:iam::{}:role/{}", a.id, t.role)),
            account: Some(a.id.clone()),
            chain: plan.error.is_none().then(|| format!("{} -> {}", plan.chain_prefix, t.id)),
            mfa: plan.mfa,
            assumable: a.is_active() && plan.error.is_none(),
            region: plan.error.is_none().then(|| plan.region.clone()),
            error: None,
            ..Row::empty()
        };
        decorate(&mut row);
        out.push(row);
    }
    // One warning per organisation role that cannot be planned, not one per account.
    let mut seen = std::collections::HashSet::new();
    for t in &all {
        if let Some(RolePlan { error: Some(e), .. }) = plans.get(&(t.org.name.as_str(), t.role))
            && seen.insert((t.org.name.as_str(), t.role))
            && let Some(row) = out.iter_mut().find(|r| r.target == t.id)
        {
            row.error = Some(format!("organisation '{}' role '{}': {e}", t.org.name, t.role));
        }
    }
    out
}

impl Row {
    fn clone_for_table(&self) -> Row {
        Row {
            target: self.target.clone(),
            kind: self.kind.clone(),
            role_arn: self.role_arn.clone(),
            account: self.account.clone(),
            chain: self.chain.clone(),
            mfa: self.mfa,
            assumable: self.assumable,
            region: self.region.clone(),
            error: None,
            org: self.org.clone(),
            account_name: None,
            ou: self.ou.clone(),
            state: self.state.clone(),
            tags: None,
            org_target: None,
        }
    }
}

/// The organisation targets as text: per organisation a heading, then per OU
/// a heading and the targets in it.
pub fn table(orgs: &[(&OrgSettings, Snapshot)], rows: &[Row]) -> String {
    if rows.is_empty() {
        return String::new();
    }
    let header = ["TARGET", "ACCOUNT", "STATE", "CHAIN", "MFA", "REGION"];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            let state = r.state.clone().unwrap_or_default();
            let state = if r.kind == MERGED { format!("{state} (profile)") } else { state };
            [
                r.target.clone(),
                r.account.clone().unwrap_or_default(),
                state,
                r.chain.clone().unwrap_or_else(|| "-".into()),
                if r.mfa { "yes".into() } else { "-".into() },
                r.region.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cols: &[String], out: &mut String| {
        out.push_str("    ");
        for (i, (c, w)) in cols.iter().zip(widths).enumerate() {
            out.push_str(c);
            if i + 1 < cols.len() {
                out.push_str(&" ".repeat(w - c.chars().count() + 2));
            }
        }
        out.push('\n');
    };
    let mut out = String::new();
    let (mut org, mut ou) = (None::<&str>, None::<&str>);
    for (row, cols) in rows.iter().zip(&cells) {
        let row_org = row.org.as_deref().unwrap_or_default();
        if org != Some(row_org) {
            org = Some(row_org);
            ou = None;
            let snap = orgs.iter().find(|(o, _)| o.name == row_org).map(|(_, s)| s);
            let (count, fetched) = snap.map_or((0, String::new()), |s| (s.accounts.len(), s.fetched_at.clone()));
            let age = snap.map(|s| age_label(s.age(crate::org::now_unix()))).unwrap_or_default();
            out.push_str(&format!("\norganisation '{row_org}': {count} accounts, listed {fetched} ({age} ago)\n"));
            line(&header.map(str::to_owned), &mut out);
        }
        let row_ou = row.ou.as_deref().unwrap_or("?");
        if ou != Some(row_ou) {
            ou = Some(row_ou);
            out.push_str(&format!("  {row_ou}\n"));
        }
        line(cols, &mut out);
    }
    out
}
