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
use crate::org::targets::{self, OrgTarget, OrgView};

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
                decorate_profile(&mut profile_rows[i], t);
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

/// Copies the account's facts onto a profile row merged with organisation target `t`.
fn decorate_profile(row: &mut Row, t: &OrgTarget<'_>) {
    row.org = Some(t.org.name.clone());
    row.account_name = Some(t.account.name.clone());
    row.ou = t.account.ou.clone();
    row.state = Some(t.account.state.clone());
    row.tags = Some(t.account.tags.clone());
    row.org_target = Some(t.id.clone());
}

/// The organisation targets as a table, built straight from the snapshots
/// (no per-target [`Row`]: this is the path `rolecall list` takes for
/// thousands of accounts): per organisation a heading, per OU a heading, then
/// its targets. Decorates merged `profile_rows`; returns the text and warnings.
pub fn text(ctx: &Context, orgs: &[(&OrgSettings, Snapshot)], profile_rows: &mut [Row]) -> (String, Vec<String>) {
    let views: Vec<OrgView<'_>> = orgs.iter().map(|(o, s)| OrgView { settings: o, snapshot: s }).collect();
    let by_role = targets::profiles_by_role(&ctx.aws);
    let all = targets::all(&views, &by_role);
    if all.is_empty() {
        return (String::new(), Vec::new());
    }
    let index: HashMap<&str, usize> = profile_rows.iter().enumerate().map(|(i, r)| (r.target.as_str(), i)).collect();
    let mut merged = Vec::new();
    let mut plans: HashMap<(&str, &str), RolePlan> = HashMap::new();
    for t in &all {
        if let Some(&i) = t.profile.and_then(|p| index.get(p)) {
            merged.push((i, t));
        }
        plans.entry((&t.org.name, t.role)).or_insert_with(|| role_plan(ctx, t.org, t.role));
    }
    for (i, t) in merged {
        decorate_profile(&mut profile_rows[i], t);
    }
    let mut warnings = Vec::new();
    for ((org, role), plan) in &plans {
        if let Some(e) = &plan.error {
            warnings.push(format!("organisation '{org}' role '{role}': {e}"));
        }
    }
    warnings.sort();

    let cells = |t: &OrgTarget<'_>| {
        let plan = &plans[&(t.org.name.as_str(), t.role)];
        let state = match t.profile {
            Some(_) => format!("{} (profile)", t.account.state),
            None => t.account.state.clone(),
        };
        let chain = match (t.profile, &plan.error) {
            (Some(p), _) => format!("= profile '{p}'"),
            (None, Some(_)) => "-".to_owned(),
            (None, None) => format!("{} -> {}", plan.chain_prefix, t.id),
        };
        let mfa = if plan.mfa && t.profile.is_none() { "yes" } else { "-" };
        let region = if plan.error.is_some() { "-".to_owned() } else { plan.region.clone() };
        (state, chain, mfa, region)
    };
    let header = ["TARGET", "ACCOUNT", "STATE", "CHAIN", "MFA", "REGION"];
    let mut widths = header.map(str::len);
    let rendered: Vec<_> = all.iter().map(|t| (t, cells(t))).collect();
    for (t, (state, chain, mfa, region)) in &rendered {
        let lens =
            [t.id.chars().count(), t.account.id.len(), state.len(), chain.chars().count(), mfa.len(), region.len()];
        for (w, l) in widths.iter_mut().zip(lens) {
            *w = (*w).max(l);
        }
    }
    let line_len: usize = widths.iter().sum::<usize>() + 2 * widths.len() + 4;
    let mut out = String::with_capacity((rendered.len() + 64) * (line_len + 8));
    let push_line = |out: &mut String, cols: [&str; 6]| {
        out.push_str("    ");
        for (i, (c, w)) in cols.iter().zip(widths).enumerate() {
            out.push_str(c);
            if i + 1 < cols.len() {
                out.extend(std::iter::repeat_n(' ', w - c.chars().count() + 2));
            }
        }
        out.push('\n');
    };
    let now = crate::org::now_unix();
    let (mut org, mut ou): (Option<&str>, Option<&str>) = (None, None);
    for (t, (state, chain, mfa, region)) in &rendered {
        if org != Some(t.org.name.as_str()) {
            org = Some(&t.org.name);
            ou = None;
            let snap = orgs.iter().find(|(o, _)| o.name == t.org.name).map(|(_, s)| s);
            if let Some(s) = snap {
                out.push_str(&format!(
                    "\norganisation '{}': {} accounts, listed {} ({} ago)\n",
                    t.org.name,
                    s.accounts.len(),
                    s.fetched_at,
                    age_label(s.age(now))
                ));
            }
            push_line(&mut out, header);
        }
        let here = t.account.ou_label();
        if ou != Some(here) {
            ou = Some(here);
            out.push_str("  ");
            out.push_str(here);
            out.push('\n');
        }
        push_line(&mut out, [&t.id, &t.account.id, state, chain, mfa, region]);
    }
    (out, warnings)
}
