//! Organisation targets: lookup, scope, merging with profiles, and plans, one row per rule.

use std::collections::BTreeMap;

use super::*;
use crate::config::aws::from_text;
use crate::org::model::{ACTIVE, Account, Snapshot};

const CREDS: &str = "[hub]\naws_access_key_id = AKIAHUB\naws_secret_access_key = s\n\
                     [temp]\naws_access_key_id = ASIATEMP\naws_secret_access_key = s\naws_session_token = t\n";

const CONFIG: &str = r#"
[profile hub]
region = eu-central-1
mfa_serial = arn:aws:iam::111111111111:mfa/alice
mfa_process = echo 123456

[profile temp]
mfa_serial = arn:aws:iam::111111111111:mfa/alice

[profile jump]
role_arn = arn:aws:iam::111111111111:role/Jump
source_profile = hub
duration_seconds = 7200

[profile merged-ro]
role_arn = arn:aws:iam::222222222222:role/ReadOnly
source_profile = hub
region = ap-southeast-2
"#;

const SETTINGS: &str = r#"
[[organization]]
name = "acme"
profile = "hub"
roles = ["ReadOnly", "Developer", "Auditor"]
exclude_accounts = ["999999999999"]
[organization.role.Developer]
mfa = true
duration = "4h"
[organization.role.Auditor]
external_id = "audit-7f3a"
duration = 1800

[[organization]]
name = "from-temp"
profile = "hub"
source_profile = "temp"
roles = ["Developer"]
[organization.role.Developer]
mfa = true

[[organization]]
name = "from-role"
profile = "hub"
source_profile = "jump"
roles = ["Admin"]
[organization.role.Admin]
duration = "8h"

[[organization]]
name = "no-serial"
profile = "hub"
source_profile = "jump"
roles = ["Developer"]
[organization.role.Developer]
mfa = true
"#;

fn account(id: &str, name: &str, state: &str, ou: &str) -> Account {
    Account {
        id: id.into(),
        name: name.into(),
        email: String::new(),
        state: state.into(),
        joined: None,
        ou: Some(ou.into()),
        tags: BTreeMap::new(),
    }
}

fn snapshot(org: &OrgSettings) -> Snapshot {
    Snapshot::new(
        org,
        0,
        None,
        vec![
            account("222222222222", "payments-prod", ACTIVE, "/Workloads/Prod"),
            account("333333333333", "Zürich Ops", ACTIVE, "/Workloads/EU"),
            account("444444444444", "retired", "SUSPENDED", "/Suspended"),
            account("555555555555", "twin", ACTIVE, "/Sandbox"),
            account("666666666666", "twin", ACTIVE, "/Sandbox"),
            account("999999999999", "legacy", ACTIVE, "/"),
        ],
    )
}

#[tokio::test]
async fn account_targets_plan_through_the_source_chain() {
    let (_dir, config) = from_text(CONFIG, CREDS, &[]).await;
    let settings = Settings::parse(SETTINGS, std::path::Path::new("s.toml")).unwrap();
    let orgs = &settings.organizations;
    let none = Overrides::default();
    let flags = Overrides { duration: Some(5400), region: Some("us-west-2".into()), ..Overrides::default() };
    // (org index, role, flags, base, mfa session, steps: (arn, duration, chained, mfa on call), region, endpoint profile)
    type Row<'a> = (usize, &'a str, &'a Overrides, &'a str, bool, Vec<(&'a str, u32, bool, bool)>, &'a str, &'a str);
    let rows: Vec<Row> = vec![
        (
            0,
            "ReadOnly",
            &none,
            "hub (keys)",
            false,
            vec![("arn:aws:iam::777777777777:role/ReadOnly", 3600, false, false)],
            "eu-central-1",
            "hub",
        ),
        // Rule 3: the hub's long-lived keys + mfa = true → one MFA session, none on the call.
        (
            0,
            "Developer",
            &none,
            "hub (keys)",
            true,
            // 4 h asked, but a role assumed with an MFA session is chaining: 1 h, with a notice.
            vec![("arn:aws:iam::777777777777:role/Developer", 3600, true, false)],
            "eu-central-1",
            "hub",
        ),
        (
            0,
            "Auditor",
            &flags,
            "hub (keys)",
            false,
            vec![("arn:aws:iam::777777777777:role/Auditor", 5400, false, false)],
            "us-west-2",
            "hub",
        ),
        // Temporary base keys cannot call GetSessionToken → MFA on the AssumeRole call.
        (
            1,
            "Developer",
            &none,
            "temp (keys)",
            false,
            vec![("arn:aws:iam::777777777777:role/Developer", 3600, false, true)],
            "us-east-1",
            "temp",
        ),
        // A role source: its own role first, then the account role, chained and capped at 1 h.
        (
            2,
            "Admin",
            &none,
            "hub (keys)",
            false,
            vec![
                ("arn:aws:iam::111111111111:role/Jump", 7200, false, false),
                ("arn:aws:iam::777777777777:role/Admin", 3600, true, false),
            ],
            "us-east-1",
            "jump",
        ),
    ];
    for (i, role, flags, base, mfa_session, steps, region, endpoint) in rows {
        let target = format!("777777777777/{role}");
        let plan = build_for_account(&target, &orgs[i], "aws", "777777777777", role, &config, &settings, flags)
            .unwrap_or_else(|e| panic!("{target}: {e}"));
        assert_eq!(plan.target, target);
        assert_eq!(plan.base.describe(), base, "{target}");
        assert_eq!(plan.mfa_session.is_some(), mfa_session, "{target}: mfa session");
        let got: Vec<_> = plan
            .steps
            .iter()
            .map(|s| (s.role_arn.as_str().to_owned(), s.duration, s.chained, s.mfa.is_some()))
            .collect();
        let want: Vec<_> = steps.iter().map(|(a, d, c, m)| (a.to_string(), *d, *c, *m)).collect();
        assert_eq!(got, want, "{target}");
        assert_eq!(plan.region, region, "{target}");
        assert_eq!(plan.endpoint_profile.as_deref(), Some(endpoint), "{target}");
        let capped = i == 2 || (i == 0 && role == "Developer");
        assert_eq!(plan.notices.len(), usize::from(capped), "{target}: {:?}", plan.notices);
    }
    let auditor =
        build_for_account("x/Auditor", &orgs[0], "aws", "777777777777", "Auditor", &config, &settings, &none).unwrap();
    assert_eq!(auditor.steps[0].external_id.as_deref(), Some("audit-7f3a"));
    let dev = build_for_account("x/Developer", &orgs[0], "aws", "777777777777", "Developer", &config, &settings, &none)
        .unwrap();
    let device = dev.mfa_session.unwrap().device;
    assert_eq!(
        (device.serial.as_str(), device.process.as_deref()),
        ("arn:aws:iam::111111111111:mfa/alice", Some("echo 123456"))
    );

    let err = build_for_account("x/Developer", &orgs[3], "aws", "777777777777", "Developer", &config, &settings, &none)
        .unwrap_err()
        .to_string();
    assert!(err.contains("sets mfa = true, but source profile 'jump' has no mfa_serial"), "{err}");
}

#[tokio::test]
async fn lookup_by_id_or_name_with_every_refusal_explained() {
    let (_dir, config) = from_text(CONFIG, CREDS, &[]).await;
    let settings = Settings::parse(SETTINGS, std::path::Path::new("s.toml")).unwrap();
    let org = &settings.organizations[0];
    let snap = snapshot(org);
    let views = [OrgView { settings: org, snapshot: &snap }];
    let none = Overrides::default();
    let rows: Vec<(&str, &str, Result<&str, &str>)> = vec![
        ("payments-prod", "ReadOnly", Ok("222222222222")),
        ("333333333333", "Developer", Ok("333333333333")),
        ("Zürich Ops", "Auditor", Ok("333333333333")),
        ("555555555555", "ReadOnly", Ok("555555555555")),
        (
            "nope",
            "ReadOnly",
            Err("no account 'nope' in organisation 'acme' (6 accounts, fetched 1970-01-01T00:00:00Z)"),
        ),
        (
            "twin",
            "ReadOnly",
            Err(
                "account name 'twin' is used by 2 accounts; use the account id: '555555555555/ReadOnly' (acme), '666666666666/ReadOnly' (acme)",
            ),
        ),
        (
            "retired",
            "ReadOnly",
            Err("account 'retired' (444444444444) of organisation 'acme' is SUSPENDED, not ACTIVE"),
        ),
        ("payments-prod", "Admin", Err("'Admin' is not one of them (add it to 'roles' of [[organization]] 'acme')")),
        (
            "legacy",
            "ReadOnly",
            Err("account 'legacy' (999999999999) is not a target of organisation 'acme': it is in exclude_accounts"),
        ),
    ];
    for (account, role, want) in rows {
        let target = format!("{account}/{role}");
        let got = plan(&target, account, role, &views, &config, &settings, &none);
        match (got, want) {
            (Ok(p), Ok(id)) => {
                assert_eq!(p.target, target);
                assert_eq!(p.final_step().unwrap().role_arn.account(), id, "{target}");
            }
            (Err(e), Err(text)) => assert!(e.to_string().contains(text), "{target}:\n  got  {e}\n  want {text}"),
            (got, want) => panic!("{target}: got {got:?}, want {want:?}"),
        }
    }
    // A profile for the same account and role is the same target: its settings win.
    let merged =
        plan("payments-prod/ReadOnly", "payments-prod", "ReadOnly", &views, &config, &settings, &none).unwrap();
    assert_eq!(merged.region, "ap-southeast-2");
    assert_eq!(merged.describe_chain(), "hub (keys) -> merged-ro");
}

#[tokio::test]
async fn ids_are_names_unless_ambiguous_and_merged_profiles_are_named() {
    let (_dir, config) = from_text(CONFIG, CREDS, &[]).await;
    let mut settings = Settings::parse(SETTINGS, std::path::Path::new("s.toml")).unwrap();
    settings.organizations[0].include_ous = vec!["/Workloads/**".into(), "/Sandbox".into(), "/Suspended".into()];
    let org = &settings.organizations[0];
    let snap = snapshot(org);
    let by_role = profiles_by_role(&config);
    let views = [OrgView { settings: org, snapshot: &snap }];
    let all = all(&views, &by_role);
    let ids: Vec<(&str, Option<&str>)> =
        all.iter().filter(|t| t.role == "ReadOnly").map(|t| (t.id.as_str(), t.profile)).collect();
    assert_eq!(
        ids,
        vec![
            ("555555555555/ReadOnly", None),
            ("666666666666/ReadOnly", None),
            ("retired/ReadOnly", None),
            ("Zürich Ops/ReadOnly", None),
            ("payments-prod/ReadOnly", Some("merged-ro")),
        ]
    );
    assert_eq!(all.len(), 15, "5 accounts in scope × 3 roles");
}

#[tokio::test]
async fn role_arns_are_in_the_organisation_partition() {
    let (_dir, config) = from_text(CONFIG, CREDS, &[]).await;
    let text = r#"
[[organization]]
name = "gov"
profile = "hub"
roles = ["ReadOnly"]

[[organization]]
name = "gov-by-region"
profile = "hub"
roles = ["ReadOnly"]
region = "us-gov-west-1"

[[organization]]
name = "china"
profile = "hub"
roles = ["ReadOnly"]
region = "cn-north-1"

[[organization]]
name = "plain"
profile = "hub"
roles = ["ReadOnly"]
"#;
    let settings = Settings::parse(text, std::path::Path::new("s.toml")).unwrap();
    let orgs = &settings.organizations;
    // (organisation, who listed it, account) → partition.
    let rows = [
        (0, Some("arn:aws-us-gov:sts::111111111111:assumed-role/Reader/alice"), "210000000000", "aws-us-gov"),
        (1, None, "220000000000", "aws-us-gov"),
        (2, None, "230000000000", "aws-cn"),
        (3, Some("arn:aws:iam::111111111111:user/alice"), "240000000000", "aws"),
    ];
    let snaps: Vec<Snapshot> = rows
        .iter()
        .map(|(i, by, id, _)| {
            let name = format!("acct-{}", orgs[*i].name);
            Snapshot::new(&orgs[*i], 0, by.map(str::to_owned), vec![account(id, &name, ACTIVE, "/")])
        })
        .collect();
    let views: Vec<OrgView<'_>> =
        snaps.iter().zip(&rows).map(|(s, (i, ..))| OrgView { settings: &orgs[*i], snapshot: s }).collect();
    let entries = crate::catalog::build::entries(&config, &settings, &views);
    for ((i, _, id, partition), view) in rows.iter().zip(&views) {
        let want = format!("arn:{partition}:iam::{id}:role/ReadOnly");
        assert_eq!(view.partition(), *partition, "{}", orgs[*i].name);
        let target = format!("acct-{}/ReadOnly", orgs[*i].name);
        let entry = entries.iter().find(|e| e.id == target).unwrap_or_else(|| panic!("no entry {target}"));
        assert_eq!(entry.role_arn.as_ref().map(|a| a.as_str()), Some(want.as_str()), "entry {target}");
        let plan = plan(
            &target,
            &format!("acct-{}", orgs[*i].name),
            "ReadOnly",
            &views,
            &config,
            &settings,
            &Overrides::default(),
        )
        .unwrap_or_else(|e| panic!("{target}: {e}"));
        assert_eq!(plan.final_step().unwrap().role_arn.as_str(), want, "plan {target}");
    }
}
