//! Table-driven tests of plan building: one row per rule.

use super::*;
use crate::config::aws::from_text;
use crate::limits::sanitize_session_name;

const CREDS: &str = "[hub]\naws_access_key_id = AKIAHUB\naws_secret_access_key = s\n\
                     [temp]\naws_access_key_id = ASIATEMP\naws_secret_access_key = s\naws_session_token = t\n";

const CONFIG: &str = r#"
[profile hub]
region = eu-central-1

[profile ro]
role_arn = arn:aws:iam::222222222222:role/ReadOnly
source_profile = hub

[profile dev]
role_arn = arn:aws:iam::222222222222:role/Developer
source_profile = hub
mfa_serial = arn:aws:iam::111111111111:mfa/alice
mfa_process = echo 123456

[profile dev-from-temp]
role_arn = arn:aws:iam::222222222222:role/Developer
source_profile = temp
mfa_serial = arn:aws:iam::111111111111:mfa/alice

[profile audit]
role_arn = arn:aws:iam::333333333333:role/Auditor
source_profile = hub
external_id = audit-7f3a
role_session_name = alice-audit
duration_seconds = 7200
region = ap-southeast-2

[profile a]
role_arn = arn:aws:iam::222222222222:role/ChainA
source_profile = hub
duration_seconds = 43200
[profile b]
role_arn = arn:aws:iam::333333333333:role/ChainB
source_profile = a
[profile c]
role_arn = arn:aws:iam::444444444444:role/ChainC
source_profile = b
duration_seconds = 43200

[profile env]
role_arn = arn:aws:iam::222222222222:role/ReadOnly
credential_source = Environment

[profile tagged]
role_arn = arn:aws:iam::222222222222:role/ReadOnly
source_profile = hub
rolecall_source_identity = alice
rolecall_tags = team=payments, cost-center=42
rolecall_transitive_tags = team
rolecall_policy_arns = arn:aws:iam::aws:policy/ReadOnlyAccess

[profile bad-tags]
role_arn = arn:aws:iam::222222222222:role/ReadOnly
source_profile = hub
rolecall_tags = team=payments
rolecall_transitive_tags = project
"#;

/// What a row expects of the plan.
#[derive(Debug, Default)]
struct Want {
    base: &'static str,
    mfa_session: bool,
    /// Per step: (role name, duration sent, chained, MFA on the call).
    steps: Vec<(&'static str, u32, bool, bool)>,
    region: &'static str,
    notices: usize,
    session_name: Option<SessionName>,
}

#[tokio::test]
async fn plans_follow_the_rules() {
    let (_dir, config) = from_text(CONFIG, CREDS, &[]).await;
    let settings = Settings::default();
    let none = Overrides::default();
    let flags = Overrides {
        duration: Some(5400),
        session_name: Some("ops.bob".into()),
        region: Some("us-west-2".into()),
        external_id: Some("other-id".into()),
        ..Overrides::default()
    };
    let template = Some(SessionName::Template("{user}".into()));
    let rows: Vec<(&str, &Overrides, Want)> = vec![
        // Direct role: settings duration (1 h), {user} template, target's region else settings/fallback.
        (
            "ro",
            &none,
            Want {
                base: "hub (keys)",
                steps: vec![("ReadOnly", 3600, false, false)],
                region: "us-east-1",
                session_name: template.clone(),
                ..Want::default()
            },
        ),
        // Rule 3: long-lived keys + MFA → one GetSessionToken, no MFA on AssumeRole;
        // the role is then assumed with temporary credentials: chaining, 1 h at most.
        (
            "dev",
            &none,
            Want {
                base: "hub (keys)",
                mfa_session: true,
                steps: vec![("Developer", 3600, true, false)],
                region: "us-east-1",
                ..Want::default()
            },
        ),
        // Rule 3: temporary base keys cannot call GetSessionToken → MFA on AssumeRole.
        (
            "dev-from-temp",
            &none,
            Want {
                base: "temp (keys)",
                steps: vec![("Developer", 3600, false, true)],
                region: "us-east-1",
                ..Want::default()
            },
        ),
        // Profile keys: external id, fixed session name, duration, region.
        (
            "audit",
            &none,
            Want {
                base: "hub (keys)",
                steps: vec![("Auditor", 7200, false, false)],
                region: "ap-southeast-2",
                session_name: Some(SessionName::Fixed("alice-audit".into())),
                ..Want::default()
            },
        ),
        // Flags override the profile.
        (
            "audit",
            &flags,
            Want {
                base: "hub (keys)",
                steps: vec![("Auditor", 5400, false, false)],
                region: "us-west-2",
                session_name: Some(SessionName::Fixed("ops.bob".into())),
                ..Want::default()
            },
        ),
        // Rule 4: the first hop keeps 12 h, chained hops are capped at 1 h with a notice.
        (
            "c",
            &none,
            Want {
                base: "hub (keys)",
                steps: vec![
                    ("ChainA", 43200, false, false),
                    ("ChainB", 3600, true, false),
                    ("ChainC", 3600, true, false),
                ],
                region: "us-east-1",
                notices: 1,
                ..Want::default()
            },
        ),
        (
            "env",
            &none,
            Want {
                base: "environment",
                steps: vec![("ReadOnly", 3600, false, false)],
                region: "us-east-1",
                ..Want::default()
            },
        ),
        ("hub", &none, Want { base: "hub (keys)", steps: vec![], region: "eu-central-1", ..Want::default() }),
    ];
    for (target, flags, want) in rows {
        let plan = build(target, &config, &settings, flags).unwrap_or_else(|e| panic!("{target}: {e}"));
        assert_eq!(plan.base.describe(), want.base, "{target}: base");
        assert_eq!(plan.mfa_session.is_some(), want.mfa_session, "{target}: mfa session");
        let steps: Vec<_> =
            plan.steps.iter().map(|s| (s.role_arn.name().to_owned(), s.duration, s.chained, s.mfa.is_some())).collect();
        let want_steps: Vec<_> = want.steps.iter().map(|(n, d, c, m)| (n.to_string(), *d, *c, *m)).collect();
        assert_eq!(steps, want_steps, "{target}: steps");
        assert_eq!(plan.region, want.region, "{target}: region");
        assert_eq!(plan.notices.len(), want.notices, "{target}: notices {:?}", plan.notices);
        if let Some(name) = want.session_name {
            assert_eq!(plan.steps.last().map(|s| s.session_name.clone()), Some(name), "{target}: session name");
        }
    }
}

#[tokio::test]
async fn region_precedence_and_settings() {
    let (_dir, config) = from_text(CONFIG, CREDS, &[("AWS_DEFAULT_REGION", "sa-east-1")]).await;
    let mut settings = Settings::default();
    settings.defaults.region = Some("eu-west-1".into());
    settings.defaults.duration = std::time::Duration::from_secs(1800);
    let plan = build("audit", &config, &settings, &Overrides::default()).unwrap();
    assert_eq!(plan.region, "sa-east-1", "environment beats the profile");
    let (_dir2, config2) = from_text(CONFIG, CREDS, &[]).await;
    let plan = build("ro", &config2, &settings, &Overrides::default()).unwrap();
    assert_eq!(plan.region, "eu-west-1", "settings beat the fallback");
    assert_eq!(plan.steps[0].duration, 1800, "settings duration is the default");
}

#[tokio::test]
async fn every_parameter_reaches_the_step() {
    let (_dir, config) = from_text(CONFIG, CREDS, &[]).await;
    let plan = build("tagged", &config, &Settings::default(), &Overrides::default()).unwrap();
    let step = &plan.steps[0];
    assert_eq!(step.source_identity.as_deref(), Some("alice"));
    assert_eq!(step.tags, vec![("team".into(), "payments".into()), ("cost-center".into(), "42".into())]);
    assert_eq!(step.transitive_tags, vec!["team".to_owned()]);
    assert_eq!(step.policy_arns, vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned()]);

    let dev = build("dev", &config, &Settings::default(), &Overrides::default()).unwrap();
    let mfa = dev.mfa_session.unwrap();
    assert_eq!(mfa.device.serial, "arn:aws:iam::111111111111:mfa/alice");
    assert_eq!(mfa.device.process.as_deref(), Some("echo 123456"));
    assert_eq!(mfa.duration, 12 * 3600);
}

#[tokio::test]
async fn bad_values_are_refused_before_any_call() {
    let (_dir, config) = from_text(CONFIG, CREDS, &[]).await;
    let settings = Settings::default();
    let eleven: Vec<String> = (0..11).map(|i| format!("arn:aws:iam::aws:policy/P{i}")).collect();
    let rows: Vec<(&str, Overrides, &str)> = vec![
        ("ro", Overrides { duration: Some(600), ..Default::default() }, "--duration '600' is outside 900..=43200"),
        ("ro", Overrides { duration: Some(50000), ..Default::default() }, "--duration '50000' is outside"),
        (
            "ro",
            Overrides { session_name: Some("a b".into()), ..Default::default() },
            "session name for 'ro': 'a b' must be",
        ),
        ("ro", Overrides { session_name: Some("x".into()), ..Default::default() }, "'x' must be 2-64"),
        ("ro", Overrides { source_identity: Some("bad id!".into()), ..Default::default() }, "source identity for 'ro'"),
        ("ro", Overrides { external_id: Some("x".into()), ..Default::default() }, "external id for 'ro'"),
        ("ro", Overrides { policy_arns: Some(eleven), ..Default::default() }, "11 given; AWS accepts at most 10"),
        (
            "ro",
            Overrides { policy_arns: Some(vec!["ReadOnly".into()]), ..Default::default() },
            "'ReadOnly' is not a policy ARN",
        ),
        (
            "ro",
            Overrides { policy: Some("{not json".into()), ..Default::default() },
            "session policy for 'ro' from --policy-file: is not valid JSON",
        ),
        ("ro", Overrides { policy: Some("[1]".into()), ..Default::default() }, "must be a JSON object"),
        ("bad-tags", Overrides::default(), "transitive tag key 'project' is not one of the session tags"),
        ("nope", Overrides::default(), "profile 'nope' is not defined"),
    ];
    for (target, flags, want) in rows {
        let err = build(target, &config, &settings, &flags).unwrap_err().to_string();
        assert!(err.contains(want), "{target} {flags:?}:\n  got  {err}\n  want {want}");
    }
}

#[test]
fn session_names_are_sanitised() {
    let rows = [
        ("alice", "alice"),
        ("alice smith", "alice-smith"),
        ("a", "a-"),
        ("", "--"),
        ("émile", "-mile"),
        (&"x".repeat(80), &"x".repeat(64)),
    ];
    for (raw, want) in rows {
        let got = sanitize_session_name(raw);
        assert_eq!(got, want, "{raw:?}");
        assert!(check_session_name(&got).is_ok(), "{got}");
    }
}

/// An SSO profile plans to its Identity Center base with no AssumeRole; a role
/// profile on top of it assumes one role from it (chaining is capped at run
/// time, when the base proves to be a role session).
#[tokio::test]
async fn sso_profiles_plan_to_an_identity_center_base() {
    let config = "[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = eu-west-1\n\n\
        [profile dev]\nsso_session = acme\nsso_account_id = 111111111111\nsso_role_name = Dev\nregion = eu-central-1\n\n\
        [profile app]\nrole_arn = arn:aws:iam::222222222222:role/App\nsource_profile = dev\nduration_seconds = 7200\n";
    let (_dir, aws) = from_text(config, "", &[]).await;
    let settings = Settings::default();
    let dev = build("dev", &aws, &settings, &Overrides::default()).unwrap();
    assert!(dev.steps.is_empty() && !dev.needs_mfa());
    assert_eq!(dev.region, "eu-central-1");
    assert!(
        matches!(&dev.base, Base::Sso { role, .. } if role.account_id == "111111111111" && role.role_name == "Dev")
    );
    let app = build("app", &aws, &settings, &Overrides::default()).unwrap();
    assert_eq!(app.describe_chain(), "dev (sso) -> app");
    assert_eq!(app.steps[0].requested_duration, 7200);
}

/// The duration cap's notice says why it capped: the MFA session on the first
/// role, or a role session further down the chain; MFA on the call itself is no chaining.
#[tokio::test]
async fn the_cap_notice_names_why() {
    let (_dir, config) = from_text(CONFIG, CREDS, &[]).await;
    let settings = Settings::default();
    let two_hours = Overrides { duration: Some(7200), ..Overrides::default() };
    let on_assume = Overrides { duration: Some(7200), mfa_on_assume: Some(true), ..Overrides::default() };
    let none = Overrides::default();
    let rows: Vec<(&str, &Overrides, Vec<String>, u32)> = vec![
        ("dev", &two_hours, vec![mfa_session_notice("dev", 7200)], CHAINED_MAX_DURATION),
        ("dev", &on_assume, vec![], 7200),
        ("c", &none, vec![chain_notice("c", 43200)], CHAINED_MAX_DURATION),
        ("audit", &none, vec![], 7200),
    ];
    for (target, flags, notices, duration) in rows {
        let plan = build(target, &config, &settings, flags).unwrap_or_else(|e| panic!("{target}: {e}"));
        assert_eq!(plan.notices, notices, "{target}: notices");
        assert_eq!(plan.final_step().map(|s| s.duration), Some(duration), "{target}: duration sent");
    }
}
