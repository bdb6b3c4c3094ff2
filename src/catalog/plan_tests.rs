//! `plan_for`'s refusals: each case gives its own typed variant, its exit
//! code and the message the operator reads; Identity Center is tried when the
//! organisations do not have the target, chosen by the variant.

use std::collections::BTreeMap;

use super::*;
use crate::config::SsoSession;
use crate::config::aws::from_text;
use crate::org::model::{ACTIVE, Account, Snapshot};
use crate::sso::discover::{Snapshot as SsoSnapshot, SsoAccount};

const CREDS: &str = "[hub]\naws_access_key_id = AKIAHUB\naws_secret_access_key = s\n";
const CONFIG: &str = "[profile hub]\nregion = eu-central-1\n";
const ORG: &str = r#"
[[organization]]
name = "acme"
profile = "hub"
roles = ["ReadOnly"]
exclude_accounts = ["999999999999"]
"#;

fn account(id: &str, name: &str, state: &str) -> Account {
    Account {
        id: id.into(),
        name: name.into(),
        email: String::new(),
        state: state.into(),
        joined: None,
        ou: Some("/".into()),
        tags: BTreeMap::new(),
    }
}

fn sso_snapshot() -> SsoSnapshot {
    SsoSnapshot {
        version: crate::sso::discover::VERSION,
        session: "acme".into(),
        start_url: "https://acme.awsapps.com/start".into(),
        fetched_at: 0,
        accounts: vec![SsoAccount {
            id: "123456789012".into(),
            name: "sso-only".into(),
            email: String::new(),
            roles: vec!["ReadOnly".into()],
        }],
    }
}

/// A short name for each variant, so the table reads as "this case → that variant".
fn kind(e: &CatalogError) -> &'static str {
    match e {
        CatalogError::Plan(_) => "Plan",
        CatalogError::NoOrganisation { sso: SsoSearch::NotSignedIn, .. } => "NoOrganisation/NotSignedIn",
        CatalogError::NoOrganisation { sso: SsoSearch::NoMatch, .. } => "NoOrganisation/NoMatch",
        CatalogError::OrganisationNotListed { .. } => "OrganisationNotListed",
        CatalogError::UnknownAccount { unlisted, .. } if unlisted.is_empty() => "UnknownAccount",
        CatalogError::UnknownAccount { .. } => "UnknownAccount+unlisted",
        CatalogError::AmbiguousAccount { .. } => "AmbiguousAccount",
        CatalogError::UnknownRole { .. } => "UnknownRole",
        CatalogError::Suspended { .. } => "Suspended",
        CatalogError::OutOfScope { .. } => "OutOfScope",
        CatalogError::NoSsoTarget { sso: SsoSearch::NotSignedIn, .. } => "NoSsoTarget/NotSignedIn",
        CatalogError::NoSsoTarget { sso: SsoSearch::NoMatch, .. } => "NoSsoTarget/NoMatch",
    }
}

#[tokio::test]
async fn each_refusal_is_its_own_variant_with_exit_code_1_and_an_actionable_message() {
    let (_dir, aws) = from_text(CONFIG, CREDS, &[]).await;
    let with_org = Settings::parse(ORG, std::path::Path::new("s.toml")).unwrap();
    let without_org = Settings::parse("", std::path::Path::new("s.toml")).unwrap();
    let org = &with_org.organizations[0];
    let snap = Snapshot::new(
        org,
        0,
        None,
        vec![
            account("222222222222", "prod", ACTIVE),
            account("444444444444", "retired", "SUSPENDED"),
            account("555555555555", "twin", ACTIVE),
            account("666666666666", "twin", ACTIVE),
            account("999999999999", "legacy", ACTIVE),
        ],
    );
    let views = [OrgView { settings: org, snapshot: &snap }];
    let session = SsoSession {
        name: Some("acme".into()),
        start_url: "https://acme.awsapps.com/start".into(),
        region: "eu-west-1".into(),
        scopes: vec![],
    };
    let sso_snap = sso_snapshot();
    let sso = [SsoView { session: &session, snapshot: &sso_snap }];
    let missing = vec!["beta".to_owned()];
    let config = aws.files.config.display().to_string();

    let loaded = Orgs { views: &views, missing: &[], sso: &[] };
    let loaded_some_missing = Orgs { views: &views, missing: &missing, sso: &[] };
    let none_listed = Orgs { views: &[], missing: &missing, sso: &[] };
    let signed_in = Orgs { views: &[], missing: &[], sso: &sso };
    let nothing = Orgs::default();

    // (id, settings, orgs, variant, message)
    let rows: Vec<(&str, &Settings, Orgs<'_>, &str, String)> = vec![
        (
            "nope/ReadOnly",
            &without_org,
            nothing,
            "NoOrganisation/NotSignedIn",
            format!(
                "'nope/ReadOnly' is not a profile in '{config}', no organisation is configured in the settings ([[organization]]) to have account 'nope' with role 'ReadOnly', and no IAM Identity Center session has been discovered ('rolecall login --sso NAME' lists its accounts)"
            ),
        ),
        (
            "nope/ReadOnly",
            &without_org,
            signed_in,
            "NoOrganisation/NoMatch",
            format!(
                "'nope/ReadOnly' is not a profile in '{config}', no organisation is configured in the settings ([[organization]]) to have account 'nope' with role 'ReadOnly', and no discovered IAM Identity Center session has that account and permission set"
            ),
        ),
        (
            "prod/ReadOnly",
            &with_org,
            none_listed,
            "OrganisationNotListed",
            "organisation 'beta' could not be listed, so 'prod/ReadOnly' cannot be looked up there; 'rolecall accounts' shows why".into(),
        ),
        (
            "nope/ReadOnly",
            &with_org,
            loaded,
            "UnknownAccount",
            "no account 'nope' in organisation 'acme' (5 accounts, fetched 1970-01-01T00:00:00Z); 'rolecall accounts --refresh' fetches the current list".into(),
        ),
        (
            "nope/ReadOnly",
            &with_org,
            loaded_some_missing,
            "UnknownAccount+unlisted",
            "no account 'nope' in organisation 'acme' (5 accounts, fetched 1970-01-01T00:00:00Z); 'rolecall accounts --refresh' fetches the current list; organisation 'beta' could not be listed, so 'nope/ReadOnly' cannot be looked up there; 'rolecall accounts' shows why".into(),
        ),
        (
            "twin/ReadOnly",
            &with_org,
            loaded,
            "AmbiguousAccount",
            "account name 'twin' is used by 2 accounts; use the account id: '555555555555/ReadOnly' (acme), '666666666666/ReadOnly' (acme)".into(),
        ),
        (
            "prod/Admin",
            &with_org,
            loaded,
            "UnknownRole",
            "organisation 'acme' offers the roles [\"ReadOnly\"] in its accounts; 'Admin' is not one of them (add it to 'roles' of [[organization]] 'acme')".into(),
        ),
        (
            "retired/ReadOnly",
            &with_org,
            loaded,
            "Suspended",
            "account 'retired' (444444444444) of organisation 'acme' is SUSPENDED, not ACTIVE: its roles cannot be assumed".into(),
        ),
        (
            "legacy/ReadOnly",
            &with_org,
            loaded,
            "OutOfScope",
            "account 'legacy' (999999999999) is not a target of organisation 'acme': it is in exclude_accounts".into(),
        ),
        (
            "prod/sso:Admin",
            &with_org,
            loaded,
            "NoSsoTarget/NotSignedIn",
            "'prod/sso:Admin': no account 'prod' with permission set 'Admin': no IAM Identity Center session has been discovered ('rolecall login --sso NAME' lists its accounts)".into(),
        ),
        (
            "sso-only/sso:Admin",
            &with_org,
            signed_in,
            "NoSsoTarget/NoMatch",
            "'sso-only/sso:Admin': no account 'sso-only' with permission set 'Admin': no discovered IAM Identity Center session has that account and permission set".into(),
        ),
    ];
    for (id, settings, orgs, want_kind, want_text) in rows {
        let parsed = TargetId::parse(id, &aws);
        let err = match plan_for(id, &parsed, &aws, settings, orgs, &Overrides::default()) {
            Ok(plan) => panic!("{id}: planned {plan:?}, want {want_kind}"),
            Err(e) => e,
        };
        assert_eq!(kind(&err), want_kind, "{id}: {err}");
        assert_eq!(err.exit_code(), 1, "{id}");
        assert!(err.is_not_found(), "{id}");
        assert_eq!(err.to_string(), want_text, "{id}");
    }
}

#[tokio::test]
async fn identity_center_is_tried_when_the_organisations_do_not_have_the_target() {
    let (_dir, aws) = from_text(CONFIG, CREDS, &[]).await;
    let settings = Settings::parse(ORG, std::path::Path::new("s.toml")).unwrap();
    let org = &settings.organizations[0];
    let snap = Snapshot::new(org, 0, None, vec![account("222222222222", "prod", ACTIVE)]);
    let views = [OrgView { settings: org, snapshot: &snap }];
    let session = SsoSession {
        name: Some("acme".into()),
        start_url: "https://acme.awsapps.com/start".into(),
        region: "eu-west-1".into(),
        scopes: vec![],
    };
    let sso_snap = sso_snapshot();
    let sso = [SsoView { session: &session, snapshot: &sso_snap }];
    let missing = vec!["beta".to_owned()];
    let none = Overrides::default();
    // Not in the loaded organisation (UnknownAccount), and with no organisation listed at all.
    for orgs in [Orgs { views: &views, missing: &[], sso: &sso }, Orgs { views: &[], missing: &missing, sso: &sso }] {
        let id = "sso-only/ReadOnly";
        let plan = plan_for(id, &TargetId::parse(id, &aws), &aws, &settings, orgs, &none).unwrap();
        assert_eq!(plan.target, id);
    }
    // A wrong flag is the operator's mistake, not a lookup miss: it stays a plan error.
    let bad = Overrides { duration: Some(1), ..Overrides::default() };
    let orgs = Orgs { views: &views, missing: &[], sso: &sso };
    let err = plan_for("prod/ReadOnly", &TargetId::parse("prod/ReadOnly", &aws), &aws, &settings, orgs, &bad)
        .expect_err("a 1 s duration is refused");
    assert!(matches!(err, CatalogError::Plan(_)), "{err:?}");
    assert!(!err.is_not_found());
    assert_eq!(err.exit_code(), 1);
}
