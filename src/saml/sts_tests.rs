//! `AssumeRoleWithSAML` request shapes, the one-hour retry and error wording, with aws-smithy-mocks.

use std::time::{Duration, SystemTime};

use aws_sdk_sts::Client;
use aws_sdk_sts::operation::assume_role_with_saml::{AssumeRoleWithSAMLError, AssumeRoleWithSamlOutput};
use aws_sdk_sts::types::Credentials as StsCredentials;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_types::error::ErrorMetadata;
use base64::Engine;

use super::*;
use crate::saml::{SamlResponse, parse};

const ROLE: &str = "arn:aws:iam::111111111111:role/Admin";
const PROVIDER: &str = "arn:aws:iam::111111111111:saml-provider/Okta";

/// A valid assertion granting ROLE, with `SessionDuration` when given.
fn assertion(session_duration: Option<u32>) -> Assertion {
    let duration = session_duration
        .map(|d| format!(r#"<a:Attribute Name="https://aws.amazon.com/SAML/Attributes/SessionDuration"><a:AttributeValue>{d}</a:AttributeValue></a:Attribute>"#))
        .unwrap_or_default();
    let xml = format!(
        r#"<p:Response xmlns:p="urn:oasis:names:tc:SAML:2.0:protocol"><a:Assertion xmlns:a="urn:oasis:names:tc:SAML:2.0:assertion"><a:Conditions NotOnOrAfter="2999-01-01T00:00:00Z"/><a:AttributeStatement><a:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role"><a:AttributeValue>{ROLE},{PROVIDER}</a:AttributeValue></a:Attribute><a:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName"><a:AttributeValue>alice</a:AttributeValue></a:Attribute>{duration}</a:AttributeStatement></a:Assertion></p:Response>"#
    );
    let b64 = base64::engine::general_purpose::STANDARD.encode(xml);
    parse(SamlResponse::from(b64), SystemTime::now()).unwrap()
}

fn output() -> AssumeRoleWithSamlOutput {
    let creds = StsCredentials::builder()
        .access_key_id("ASIASAML")
        .secret_access_key("secret")
        .session_token("token")
        .expiration((SystemTime::now() + Duration::from_secs(3600)).into())
        .build()
        .unwrap();
    AssumeRoleWithSamlOutput::builder().credentials(creds).build()
}

fn refusal(code: &'static str, message: &'static str) -> AssumeRoleWithSAMLError {
    AssumeRoleWithSAMLError::generic(ErrorMetadata::builder().code(code).message(message).build())
}

#[test]
fn the_duration_asked_is_capped_by_session_duration() {
    let cases = [(3600, None, 3600), (43200, Some(28800), 28800), (900, Some(28800), 900), (7200, Some(7200), 7200)];
    for (asked, cap, want) in cases {
        assert_eq!(duration_for(asked, cap.map(Duration::from_secs)), want, "{asked} capped by {cap:?}");
    }
}

#[tokio::test]
async fn the_request_carries_the_pair_the_assertion_and_the_capped_duration() {
    let a = assertion(Some(28800));
    let expected = a.response().expose().to_owned();
    let rule = mock!(Client::assume_role_with_saml)
        .match_requests(move |r| {
            r.role_arn() == Some(ROLE)
                && r.principal_arn() == Some(PROVIDER)
                && r.saml_assertion() == Some(expected.as_str())
                && r.duration_seconds() == Some(28800)
        })
        .then_output(output);
    let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&rule]);
    let s = assume(&client, &a, &a.roles()[0], 43200).await.unwrap();
    assert_eq!((s.credentials.access_key_id.as_str(), s.duration, s.fell_back), ("ASIASAML", 28800, false));
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn above_the_roles_maximum_it_retries_once_at_one_hour() {
    let a = assertion(None);
    let too_long =
        mock!(Client::assume_role_with_saml).match_requests(|r| r.duration_seconds() == Some(43200)).then_error(|| {
            refusal(
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            )
        });
    let hour =
        mock!(Client::assume_role_with_saml).match_requests(|r| r.duration_seconds() == Some(3600)).then_output(output);
    let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&too_long, &hour]);
    let s = assume(&client, &a, &a.roles()[0], 43200).await.unwrap();
    assert_eq!((s.duration, s.fell_back), (3600, true));
    assert_eq!((too_long.num_calls(), hour.num_calls()), (1, 1));

    // At an hour already, or for another validation error, there is nothing to retry.
    let refused = mock!(Client::assume_role_with_saml).then_error(|| {
        refusal("ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    });
    let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&refused]);
    let err = assume(&client, &a, &a.roles()[0], 3600).await.unwrap_err();
    assert!(matches!(err, SamlStsError::Invalid(_)), "{err}");
    assert_eq!(refused.num_calls(), 1);
}

#[tokio::test]
async fn refusals_are_worded_for_what_to_do_and_cleaned() {
    let a = assertion(None);
    let cases: [(&'static str, &'static str, &str); 5] = [
        ("ExpiredTokenException", "Token is expired", "has expired (ExpiredTokenException): sign in again"),
        (
            "InvalidIdentityToken",
            "Response signature invalid \u{1b}[2J",
            "AWS refused the SAML assertion (InvalidIdentityToken: Response signature invalid \\u{1b}[2J)",
        ),
        (
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithSAML",
            "AWS denied role 'arn:aws:iam::111111111111:role/Admin' through SAML provider 'arn:aws:iam::111111111111:saml-provider/Okta'",
        ),
        ("IDPRejectedClaim", "claim rejected", "AWS refused the SAML assertion (IDPRejectedClaim"),
        ("RegionDisabledException", "STS is not activated", "(RegionDisabledException: STS is not activated)"),
    ];
    for (code, message, want) in cases {
        let rule = mock!(Client::assume_role_with_saml).then_error(move || refusal(code, message));
        let client = mock_client!(aws_sdk_sts, RuleMode::MatchAny, [&rule]);
        let err = assume(&client, &a, &a.roles()[0], 3600).await.unwrap_err().to_string();
        assert!(err.contains(want), "{code}: {err}");
        assert!(!err.contains('\u{1b}') && !err.contains(a.response().expose()), "{code}: {err:?}");
        assert_eq!(rule.num_calls(), 1, "{code}: no retry");
    }
}
