use std::collections::BTreeMap;
use std::sync::Arc;

use super::*;
use crate::catalog::entry::{AccountRef, Alias, Kind, Problem};
use crate::config::{ProfileKind, RoleArn};

fn account(id: &str, name: &str, ou: &str, state: &str, tags: &[(&str, &str)]) -> Arc<AccountRef> {
    Arc::new(AccountRef {
        org: "acme".into(),
        id: id.into(),
        name: name.into(),
        ou: Some(ou.into()),
        state: state.into(),
        tags: tags.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect::<BTreeMap<_, _>>(),
    })
}

fn org(acct: &Arc<AccountRef>, role: &str) -> Entry {
    Entry {
        id: format!("{}/{role}", acct.name),
        kind: Kind::OrgRole,
        role_arn: Some(RoleArn::in_partition("aws", &acct.id, role)),
        route: None,
        account: Some(acct.clone()),
        alias: None,
        problem: None,
    }
}

fn profile(name: &str, role: Option<(&str, &str)>, problem: Option<Problem>) -> Entry {
    Entry {
        id: name.into(),
        kind: Kind::Profile(if role.is_some() { ProfileKind::Role } else { ProfileKind::StaticKeys }),
        role_arn: role.map(|(acct, r)| RoleArn::in_partition("aws", acct, r)),
        route: None,
        account: None,
        alias: None,
        problem,
    }
}

/// A catalog: two profiles (one merged with an organisation target), a
/// settings-only profile, and five accounts × two roles, one suspended.
fn catalog() -> Vec<Entry> {
    let pay =
        account("111111111111", "payments-prod", "/Workloads/Prod", "ACTIVE", &[("Team", "pay"), ("env", "prod")]);
    let pay_dev =
        account("222222222222", "payments-dev", "/Workloads/Dev", "ACTIVE", &[("Team", "pay"), ("env", "dev")]);
    let data = account("333333333333", "data-prod", "/Workloads/Prod", "ACTIVE", &[("Team", "data"), ("env", "prod")]);
    let sec = account("444444444444", "security", "/Security", "ACTIVE", &[]);
    let old = account("555555555555", "retired", "/Suspended", "SUSPENDED", &[("Team", "data")]);
    let mut merged = profile("pay-ro", Some(("111111111111", "ReadOnly")), None);
    merged.account = Some(pay.clone());
    merged.alias = Some(Alias::OrgTarget("payments-prod/ReadOnly".into()));
    let mut out = vec![
        merged,
        profile("hub", None, None),
        profile("settings-only", None, Some(Problem::NoCredentials { region: None })),
    ];
    for a in [&pay, &pay_dev, &data, &sec, &old] {
        for role in ["ReadOnly", "Admin"] {
            let mut e = org(a, role);
            if a.name == "payments-prod" && role == "ReadOnly" {
                e.alias = Some(Alias::Profile("pay-ro".into()));
            }
            out.push(e);
        }
    }
    out
}

fn sel(ids: &[&str], ous: &[&str], tags: &[(&str, &str)], roles: &[&str]) -> Selection {
    let own = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
    Selection {
        ids: own(ids),
        ous: own(ous),
        tags: tags.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        roles: own(roles),
    }
}

#[test]
fn selections_pick_targets_in_catalog_order_once() {
    let entries = catalog();
    let rows: Vec<(Selection, Vec<&str>, Vec<&str>)> = vec![
        // A glob within the account part; the merged target is found as its profile.
        (sel(&["payments-*/ReadOnly"], &[], &[], &[]), vec!["pay-ro", "payments-dev/ReadOnly"], vec![]),
        // The same target named three ways comes once.
        (sel(&["pay-ro", "payments-prod/ReadOnly", "111111111111/ReadOnly"], &[], &[], &[]), vec!["pay-ro"], vec![]),
        // By account id.
        (sel(&["333333333333/*"], &[], &[], &[]), vec!["data-prod/ReadOnly", "data-prod/Admin"], vec![]),
        // `*` does not cross the '/': profiles only (the settings-only one is skipped).
        (sel(&["*"], &[], &[], &[]), vec!["pay-ro", "hub"], vec!["settings-only"]),
        // OU filter alone; the suspended account is reported, not run.
        (sel(&[], &["/Workloads/Prod"], &[], &["ReadOnly"]), vec!["pay-ro", "data-prod/ReadOnly"], vec![]),
        (
            sel(&[], &["/**"], &[], &["Admin"]),
            vec!["payments-prod/Admin", "payments-dev/Admin", "data-prod/Admin", "security/Admin"],
            vec!["retired/Admin"],
        ),
        // Several OUs: any of them.
        (
            sel(&[], &["/Security", "/Workloads/Dev"], &[], &["ReadOnly"]),
            vec!["payments-dev/ReadOnly", "security/ReadOnly"],
            vec![],
        ),
        // Tags: every key, any value for one key.
        (sel(&[], &[], &[("Team", "data")], &["ReadOnly"]), vec!["data-prod/ReadOnly"], vec!["retired/ReadOnly"]),
        (sel(&[], &[], &[("Team", "pay"), ("env", "prod")], &[]), vec!["pay-ro", "payments-prod/Admin"], vec![]),
        (
            sel(&[], &[], &[("env", "prod"), ("env", "dev")], &["Admin"]),
            vec!["payments-prod/Admin", "payments-dev/Admin", "data-prod/Admin"],
            vec![],
        ),
        // A role filter matches profiles by their role too.
        (
            sel(&[], &[], &[], &["ReadOnly"]),
            vec!["pay-ro", "payments-dev/ReadOnly", "data-prod/ReadOnly", "security/ReadOnly"],
            vec!["retired/ReadOnly"],
        ),
        // Ids and filters together: the filters narrow the ids.
        (
            sel(&["**"], &["/Workloads/**"], &[], &["Admin"]),
            vec!["payments-prod/Admin", "payments-dev/Admin", "data-prod/Admin"],
            vec![],
        ),
        // `**` crosses the '/', and braces and classes work.
        (sel(&["{security,data-prod}/Adm[i]n"], &[], &[], &[]), vec!["data-prod/Admin", "security/Admin"], vec![]),
    ];
    for (s, want, skipped) in rows {
        let got = s.apply(&entries).unwrap_or_else(|e| panic!("{s:?}: {e}"));
        let ids: Vec<&str> = got.targets.iter().map(|e| e.id.as_str()).collect();
        let skip: Vec<&str> = got.skipped.iter().map(|s| s.entry.id.as_str()).collect();
        assert_eq!((ids, skip), (want, skipped), "{s:?}");
    }
}

#[test]
fn skipped_targets_say_why() {
    let entries = catalog();
    let got = sel(&["retired/ReadOnly", "settings-only"], &[], &[], &[]).apply(&entries).unwrap();
    let reasons: Vec<&str> = got.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert_eq!(reasons, ["'settings-only' has settings only, no credentials", "the account is SUSPENDED"]);
    assert!(got.targets.is_empty());
}

#[test]
fn bad_selections_are_errors() {
    let entries = catalog();
    let rows = [
        (Selection::default(), SelectError::Empty),
        (sel(&["nope/ReadOnly"], &[], &[], &[]), SelectError::Unknown("nope/ReadOnly".into())),
        (sel(&["hub", "typo"], &[], &[], &[]), SelectError::Unknown("typo".into())),
        (sel(&["zzz-*"], &[], &[], &[]), SelectError::NothingMatched),
        (sel(&[], &["/Nowhere/**"], &[], &[]), SelectError::NothingMatched),
        (sel(&[], &[], &[], &["Auditor"]), SelectError::NothingMatched),
    ];
    for (s, want) in rows {
        assert_eq!(s.apply(&entries).unwrap_err(), want, "{s:?}");
    }
    let bad = sel(&["a/[b"], &[], &[], &[]).apply(&entries).unwrap_err();
    assert!(matches!(&bad, SelectError::BadGlob { pattern, .. } if pattern == "a/[b"), "{bad:?}");
    assert!(bad.to_string().starts_with("'a/[b' is not a valid glob: "), "{bad}");
}

#[test]
fn id_files_skip_blanks_and_comments() {
    assert_eq!(ids_from_text("a/R\n\n  # note\n b \r\nc/*\n"), ["a/R", "b", "c/*"]);
}
