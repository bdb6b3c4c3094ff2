//! Exact request shapes and error handling, with aws-smithy-mocks (what moto cannot check).

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_sdk_sts::Client;
use aws_sdk_sts::config::retry::RetryConfig;
use aws_sdk_sts::operation::assume_role::{AssumeRoleError, AssumeRoleOutput};
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
use aws_sdk_sts::operation::get_session_token::{GetSessionTokenError, GetSessionTokenOutput};
use aws_sdk_sts::types::Credentials as StsCredentials;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;
use aws_types::os_shim_internal::Env;

use super::sts::StsConnector;
use super::*;
use crate::config::Settings;
use crate::config::aws::from_text;
use crate::credentials::Credentials;

struct MockConnector(Client);

impl StsConnector for MockConnector {
    fn client(&self, _creds: &Credentials) -> Client {
        self.0.clone()
    }
    fn endpoint(&self) -> String {
        "http://mock".into()
    }
}

const CREDS: &str = "[hub]\naws_access_key_id = AKIAHUB\naws_secret_access_key = s\n";
const CONFIG: &str = r#"
[profile tagged]
role_arn = arn:aws:iam::222222222222:role/Developer
source_profile = hub
mfa_serial = arn:aws:iam::111111111111:mfa/alice
external_id = ext-123
rolecall_source_identity = alice
rolecall_tags = team=payments,project=ledger
rolecall_transitive_tags = team
rolecall_policy_arns = arn:aws:iam::aws:policy/ReadOnlyAccess,arn:aws:iam::aws:policy/job-function/ViewOnlyAccess
"#;

fn sts_creds(key: &str) -> StsCredentials {
    let exp = SystemTime::now() + Duration::from_secs(3600);
    StsCredentials::builder()
        .access_key_id(key)
        .secret_access_key("secret")
        .session_token("token")
        .expiration(exp.into())
        .build()
        .expect("complete credentials")
}

/// `GetCallerIdentity` that always answers as the IAM user.
fn identity_rule() -> Rule {
    mock!(Client::get_caller_identity).then_output(|| {
        GetCallerIdentityOutput::builder()
            .arn("arn:aws:iam::111111111111:user/alice")
            .account("111111111111")
            .user_id("AIDAALICE")
            .build()
    })
}

/// `GetCallerIdentity` that answers as the IAM user first (the base), then
/// as role `role` in `account` (after the assume).
fn identity_rule_for(account: &'static str, role: &'static str) -> Rule {
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    mock!(Client::get_caller_identity).then_output(move || {
        if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            return GetCallerIdentityOutput::builder()
                .arn("arn:aws:iam::111111111111:user/alice")
                .account("111111111111")
                .user_id("AIDAALICE")
                .build();
        }
        GetCallerIdentityOutput::builder()
            .arn(format!("arn:aws:sts::{account}:assumed-role/{role}/alice"))
            .account(account)
            .user_id("AROAX:alice")
            .build()
    })
}

async fn broker(client: Client, code: &str) -> Broker {
    Broker::new(
        Arc::new(MockConnector(client)),
        MfaSource::non_interactive(Some(MfaCode::parse(code).unwrap())),
        Arc::new(MemoryCache::default()),
        Env::from_slice(&[]),
    )
}

#[tokio::test]
async fn mfa_session_then_assume_role_with_every_parameter() {
    let (_dir, config) = from_text(CONFIG, CREDS, &[]).await;
    let plan = plan::build("tagged", &config, &Settings::default(), &Overrides::default()).unwrap();

    let session_token = mock!(Client::get_session_token)
        .match_requests(|r| {
            r.serial_number() == Some("arn:aws:iam::111111111111:mfa/alice")
                && r.token_code() == Some("123456")
                && r.duration_seconds() == Some(43200)
        })
        .then_output(|| GetSessionTokenOutput::builder().credentials(sts_creds("ASIAMFA")).build());
    let assume = mock!(Client::assume_role)
        .match_requests(|r| {
            let tags: Vec<(&str, &str)> = r.tags().iter().map(|t| (t.key(), t.value())).collect();
            let arns: Vec<&str> = r.policy_arns().iter().filter_map(|p| p.arn()).collect();
            r.role_arn() == Some("arn:aws:iam::222222222222:role/Developer")
                && r.role_session_name() == Some("alice")
                && r.duration_seconds() == Some(3600)
                && r.external_id() == Some("ext-123")
                && r.source_identity() == Some("alice")
                && tags == [("team", "payments"), ("project", "ledger")]
                && r.transitive_tag_keys() == ["team"]
                && arns == ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]
                // Rule 3: MFA travelled in GetSessionToken, not on AssumeRole.
                && r.serial_number().is_none()
                && r.token_code().is_none()
        })
        .then_output(|| AssumeRoleOutput::builder().credentials(sts_creds("ASIAROLE")).build());
    let who = identity_rule_for("222222222222", "Developer");
    let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&session_token, &assume, &who]);

    let outcome = broker(client, "123456").await.run(&plan).await.unwrap();
    assert_eq!(outcome.session.credentials.access_key_id, "ASIAROLE");
    assert_eq!(session_token.num_calls(), 1);
    assert_eq!(assume.num_calls(), 1);
    assert_eq!(who.num_calls(), 2, "base identity and the assumed role's");
}

#[tokio::test]
async fn mfa_code_on_assume_role_when_the_base_is_a_session() {
    let creds = "[hub]\naws_access_key_id = ASIAHUB\naws_secret_access_key = s\naws_session_token = t\n";
    let (_dir, config) = from_text(CONFIG, creds, &[]).await;
    let plan = plan::build("tagged", &config, &Settings::default(), &Overrides::default()).unwrap();
    let assume = mock!(Client::assume_role)
        .match_requests(|r| {
            r.serial_number() == Some("arn:aws:iam::111111111111:mfa/alice") && r.token_code() == Some("654321")
        })
        .then_output(|| AssumeRoleOutput::builder().credentials(sts_creds("ASIAROLE")).build());
    let who = identity_rule_for("222222222222", "Developer");
    let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&assume, &who]);
    broker(client, "654321").await.run(&plan).await.unwrap();
    assert_eq!(assume.num_calls(), 1);
}

#[tokio::test]
async fn an_identity_that_is_not_the_role_is_refused() {
    let config_text = "[profile ro]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = hub\n";
    let (_dir, config) = from_text(config_text, CREDS, &[]).await;
    let plan = plan::build("ro", &config, &Settings::default(), &Overrides::default()).unwrap();
    let assume = mock!(Client::assume_role)
        .then_output(|| AssumeRoleOutput::builder().credentials(sts_creds("ASIAROLE")).build());
    // A (fake) STS whose credentials prove to be another account's role.
    let liar = mock!(Client::get_caller_identity).then_output(|| {
        GetCallerIdentityOutput::builder()
            .arn("arn:aws:sts::999999999999:assumed-role/ReadOnly/alice")
            .account("999999999999")
            .user_id("AROAX:alice")
            .build()
    });
    let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&assume, &liar]);
    let err = broker(client, "123456").await.run(&plan).await.unwrap_err();
    assert!(matches!(err, BrokerError::WrongIdentity { .. }), "{err:?}");
    assert_eq!(err.exit_code(), 2);
    assert!(err.to_string().contains("prove to be 'arn:aws:sts::999999999999:assumed-role/ReadOnly/alice'"), "{err}");
}

#[tokio::test]
async fn a_role_assumed_with_an_mfa_session_is_capped_at_one_hour() {
    let (_dir, config) = from_text(CONFIG, CREDS, &[]).await;
    let four_hours = Overrides { duration: Some(14_400), ..Overrides::default() };
    let plan = plan::build("tagged", &config, &Settings::default(), &four_hours).unwrap();
    let session_token = mock!(Client::get_session_token)
        .then_output(|| GetSessionTokenOutput::builder().credentials(sts_creds("ASIAMFA")).build());
    let assume = mock!(Client::assume_role)
        .match_requests(|r| r.duration_seconds() == Some(3600) && r.serial_number().is_none())
        .then_output(|| AssumeRoleOutput::builder().credentials(sts_creds("ASIAROLE")).build());
    let who = identity_rule_for("222222222222", "Developer");
    let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&session_token, &assume, &who]);
    let outcome = broker(client, "123456").await.run(&plan).await.unwrap();
    assert_eq!((session_token.num_calls(), assume.num_calls()), (1, 1));
    assert!(outcome.notices.iter().any(|n| n.contains("treats as role chaining")), "{:?}", outcome.notices);
}

#[tokio::test]
async fn mfa_on_assume_sends_the_code_with_assume_role_for_the_full_duration() {
    let (_dir, config) = from_text(CONFIG, CREDS, &[]).await;
    let flags = Overrides { duration: Some(14_400), mfa_on_assume: Some(true), ..Overrides::default() };
    let plan = plan::build("tagged", &config, &Settings::default(), &flags).unwrap();
    assert!(plan.mfa_session.is_none());
    let assume = mock!(Client::assume_role)
        .match_requests(|r| {
            r.duration_seconds() == Some(14_400)
                && r.serial_number() == Some("arn:aws:iam::111111111111:mfa/alice")
                && r.token_code() == Some("123456")
        })
        .then_output(|| AssumeRoleOutput::builder().credentials(sts_creds("ASIAROLE")).build());
    let who = identity_rule_for("222222222222", "Developer");
    // No GetSessionToken rule: a call to it would fail the test.
    let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&assume, &who]);
    let outcome = broker(client, "123456").await.run(&plan).await.unwrap();
    assert_eq!(assume.num_calls(), 1);
    assert!(outcome.notices.is_empty(), "{:?}", outcome.notices);
}

#[tokio::test]
async fn wrong_mfa_code_is_explained() {
    let (_dir, config) = from_text(CONFIG, CREDS, &[]).await;
    let plan = plan::build("tagged", &config, &Settings::default(), &Overrides::default()).unwrap();
    let denied = mock!(Client::get_session_token).then_error(|| {
        GetSessionTokenError::generic(
            ErrorMetadata::builder()
                .code("AccessDenied")
                .message("MultiFactorAuthentication failed with invalid MFA one time pass code.")
                .build(),
        )
    });
    let who = identity_rule();
    let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&denied, &who]);
    let err = broker(client, "000000").await.run(&plan).await.unwrap_err();
    assert_eq!(err.exit_code(), 2);
    assert!(matches!(err, BrokerError::MfaRejected { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("AWS rejected the MFA code for 'arn:aws:iam::111111111111:mfa/alice'"), "{text}");
    assert!(text.contains("invalid MFA one time pass code"), "{text}");
}

#[tokio::test]
async fn access_denied_gets_the_checklist() {
    let (_dir, config) = from_text(CONFIG, CREDS, &[]).await;
    let plan = plan::build("tagged", &config, &Settings::default(), &Overrides::default()).unwrap();
    let session = mock!(Client::get_session_token)
        .then_output(|| GetSessionTokenOutput::builder().credentials(sts_creds("ASIAMFA")).build());
    let denied = mock!(Client::assume_role).then_error(|| {
        AssumeRoleError::generic(ErrorMetadata::builder().code("AccessDenied").message("not authorized").build())
    });
    let who = identity_rule();
    let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&session, &denied, &who]);
    let err = broker(client, "123456").await.run(&plan).await.unwrap_err().to_string();
    let expected = [
        "AccessDenied: sts:AssumeRole on 'arn:aws:iam::222222222222:role/Developer' was refused for 'arn:aws:iam::111111111111:user/alice'.",
        "1. Does the role's trust policy trust this caller? Caller: arn:aws:iam::111111111111:user/alice",
        "An MFA code was sent",
        "An ExternalId was sent",
        "allow sts:AssumeRole on arn:aws:iam::222222222222:role/Developer?",
        "(SCP)",
        "AWS said: not authorized",
    ];
    for want in expected {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
}

#[tokio::test]
async fn throttling_is_retried() {
    let creds = "[hub]\naws_access_key_id = AKIAHUB\naws_secret_access_key = s\n";
    let config_text = "[profile ro]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = hub\n";
    let (_dir, config) = from_text(config_text, creds, &[]).await;
    let plan = plan::build("ro", &config, &Settings::default(), &Overrides::default()).unwrap();
    let throttled =
        || AssumeRoleError::generic(ErrorMetadata::builder().code("Throttling").message("Rate exceeded").build());
    let assume = mock!(Client::assume_role)
        .sequence()
        .error(throttled)
        .times(2)
        .output(|| AssumeRoleOutput::builder().credentials(sts_creds("ASIAROLE")).build())
        .build();
    let who = identity_rule_for("222222222222", "ReadOnly");
    let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&assume, &who], |c| c
        .retry_config(RetryConfig::standard().with_max_attempts(3).with_initial_backoff(Duration::from_millis(5))));
    let outcome = broker(client, "123456").await.run(&plan).await.unwrap();
    assert_eq!(outcome.session.credentials.access_key_id, "ASIAROLE");
    assert_eq!(assume.num_calls(), 3, "two throttled attempts, then success");
}

#[tokio::test]
async fn a_permanent_key_from_assume_role_is_reported_as_a_bug() {
    let config_text = "[profile ro]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = hub\n";
    let (_dir, config) = from_text(config_text, CREDS, &[]).await;
    let plan = plan::build("ro", &config, &Settings::default(), &Overrides::default()).unwrap();
    let assume = mock!(Client::assume_role)
        .then_output(|| AssumeRoleOutput::builder().credentials(sts_creds("AKIAWRONG")).build());
    let who = identity_rule();
    let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&assume, &who]);
    let err = broker(client, "123456").await.run(&plan).await.unwrap_err().to_string();
    assert!(err.contains("'AKIAWRONG', which is not a temporary 'ASIA…' key"), "{err}");
}

#[tokio::test]
async fn duration_above_the_role_maximum_suggests_a_value() {
    let config_text = "[profile ro]\nrole_arn = arn:aws:iam::222222222222:role/ReadOnly\nsource_profile = hub\nduration_seconds = 43200\n";
    let (_dir, config) = from_text(config_text, CREDS, &[]).await;
    let plan = plan::build("ro", &config, &Settings::default(), &Overrides::default()).unwrap();
    let too_long = mock!(Client::assume_role).then_error(|| {
        AssumeRoleError::generic(
            ErrorMetadata::builder()
                .code("ValidationError")
                .message("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
                .build(),
        )
    });
    let who = identity_rule();
    let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&too_long, &who]);
    let err = broker(client, "123456").await.run(&plan).await.unwrap_err();
    assert_eq!(err.exit_code(), 2);
    let text = err.to_string();
    assert!(
        text.starts_with("role 'arn:aws:iam::222222222222:role/ReadOnly' does not allow a 43200 s session"),
        "{text}"
    );
    assert!(text.contains("e.g. '--duration 3600'"), "{text}");
    assert!(text.contains("exceeds the MaxSessionDuration"), "{text}");
}
