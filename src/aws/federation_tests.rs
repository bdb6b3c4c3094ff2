//! Sign-in URL building: partitions, destinations, the duration rule, and
//! the two requests' parameters.

use secrecy::ExposeSecret;

use super::*;

fn query(url: &str) -> Vec<(String, String)> {
    Url::parse(url).unwrap().query_pairs().into_owned().collect()
}

fn creds() -> Credentials {
    Credentials::new("ASIAEXAMPLE", "secret/key+1", Some("tok=en".into()), None)
}

#[test]
fn partitions_have_their_own_endpoints() {
    let rows = [
        ("us-east-1", "https://signin.aws.amazon.com/federation", "console.aws.amazon.com"),
        ("eu-west-1", "https://signin.aws.amazon.com/federation", "console.aws.amazon.com"),
        ("us-gov-west-1", "https://signin.amazonaws-us-gov.com/federation", "console.amazonaws-us-gov.com"),
        ("cn-north-1", "https://signin.amazonaws.cn/federation", "console.amazonaws.cn"),
        ("cn-northwest-1", "https://signin.amazonaws.cn/federation", "console.amazonaws.cn"),
    ];
    for (region, signin, console) in rows {
        let p = Partition::of_region(region);
        assert_eq!(p.federation_url(), signin, "{region}");
        assert_eq!(p.console_host(), console, "{region}");
        assert_eq!(endpoint(p, None).unwrap().as_str(), signin);
    }
}

#[test]
fn an_overridden_endpoint_is_https_or_loopback() {
    let ok = ["http://127.0.0.1:4567/federation", "http://localhost:1/f", "https://signin.example.com/federation"];
    for text in ok {
        assert_eq!(endpoint(Partition::Aws, Some(text)).unwrap().as_str(), text);
    }
    for bad in ["http://10.0.0.1/federation", "ftp://127.0.0.1/", "not a url"] {
        let err = endpoint(Partition::Aws, Some(bad)).unwrap_err();
        assert!(err.to_string().contains(bad), "{err}");
        assert_eq!(err.exit_code(), 1);
    }
}

#[test]
fn destinations() {
    type Row<'a> = (&'a str, Option<&'a str>, Option<&'a str>, &'a str);
    let rows: [Row; 7] = [
        ("eu-west-1", None, None, "https://eu-west-1.console.aws.amazon.com/console/home?region=eu-west-1"),
        ("eu-west-1", Some("s3"), None, "https://eu-west-1.console.aws.amazon.com/s3/home?region=eu-west-1"),
        ("cn-north-1", Some("ec2"), None, "https://cn-north-1.console.amazonaws.cn/ec2/home?region=cn-north-1"),
        (
            "us-gov-west-1",
            None,
            None,
            "https://us-gov-west-1.console.amazonaws-us-gov.com/console/home?region=us-gov-west-1",
        ),
        // A destination wins over --service, and keeps its path and query.
        (
            "eu-west-1",
            Some("s3"),
            Some("https://console.aws.amazon.com/iam/home#/roles"),
            "https://console.aws.amazon.com/iam/home#/roles",
        ),
        // A multi-session URL names one session: the prefix goes, the console picks the new one.
        (
            "eu-west-1",
            None,
            Some("https://123456789012-abcd1234.us-east-1.console.aws.amazon.com/lambda/home?region=us-east-1"),
            "https://us-east-1.console.aws.amazon.com/lambda/home?region=us-east-1",
        ),
        (
            "eu-west-1",
            None,
            Some("https://123456789012-abcd1234.console.aws.amazon.com/s3/"),
            "https://console.aws.amazon.com/s3/",
        ),
    ];
    for (region, service, dest, want) in rows {
        let got = destination(Partition::of_region(region), region, service, dest).unwrap();
        assert_eq!(got, want, "{region} {service:?} {dest:?}");
    }
    let bad = [
        (None, Some("http://console.aws.amazon.com/")),
        (None, Some("https://evil.example.com/?console.aws.amazon.com")),
        (None, Some("https://console.aws.amazon.com.evil.example/")),
        (Some("s3/../x"), None),
        (Some(""), None),
    ];
    for (service, dest) in bad {
        let err = destination(Partition::Aws, "us-east-1", service, dest).unwrap_err();
        assert_eq!(err.exit_code(), 1, "{service:?} {dest:?}");
    }
}

#[test]
fn session_duration_only_where_aws_allows_it() {
    use DurationRule::*;
    assert_eq!(session_duration(Allowed, None), Ok(None));
    assert_eq!(session_duration(Allowed, Some(900)), Ok(Some(900)));
    assert_eq!(session_duration(Allowed, Some(43_200)), Ok(Some(43_200)));
    assert!(session_duration(Allowed, Some(899)).unwrap_err().contains("900"));
    assert!(session_duration(Allowed, Some(43_201)).is_err());
    assert_eq!(session_duration(Chained, None), Ok(None));
    assert!(session_duration(Chained, Some(7200)).unwrap_err().contains("role chaining"));
}

#[test]
fn the_token_request_carries_the_session_json() {
    let ep = endpoint(Partition::Aws, None).unwrap();
    let url = token_request(&ep, &creds(), Some(3600)).unwrap();
    let q = query(url.expose_secret());
    assert_eq!(q[0], ("Action".into(), "getSigninToken".into()));
    assert_eq!(q[1], ("SessionDuration".into(), "3600".into()));
    let session: serde_json::Value = serde_json::from_str(&q[2].1).unwrap();
    assert_eq!(q[2].0, "Session");
    assert_eq!(
        session,
        serde_json::json!({"sessionId": "ASIAEXAMPLE", "sessionKey": "secret/key+1", "sessionToken": "tok=en"})
    );
    let without = token_request(&ep, &creds(), None).unwrap();
    assert!(!without.expose_secret().contains("SessionDuration"));
    // An IAM user's keys have no token: the console cannot take them.
    let keys = Credentials::new("AKIAEXAMPLE", "s", None, None);
    assert!(token_request(&ep, &keys, None).unwrap_err().to_string().contains("temporary credentials"));
}

#[test]
fn the_login_url_has_issuer_destination_and_token() {
    let ep = Url::parse("http://127.0.0.1:9/federation?stale=1").unwrap();
    let url = login_url(&ep, &SecretString::from("T0K&N=".to_owned()), "https://console.aws.amazon.com/s3/home?a=b&c");
    let q = query(url.expose_secret());
    let want: Vec<(String, String)> = [
        ("Action", "login"),
        ("Issuer", ""),
        ("Destination", "https://console.aws.amazon.com/s3/home?a=b&c"),
        ("SigninToken", "T0K&N="),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    assert_eq!(q, want);
    assert!(url.expose_secret().starts_with("http://127.0.0.1:9/federation?Action=login&"));
}

#[test]
fn an_error_page_that_echoes_the_request_shows_no_secret() {
    let session = r#"{"sessionId":"ASIAEXAMPLE","sessionKey":"se/cr+et=","sessionToken":"to/ken+=="}"#;
    let mut url = Url::parse("https://signin.example/federation").unwrap();
    url.query_pairs_mut().append_pair("Action", "getSigninToken").append_pair("Session", session);
    let encoded: String = url::form_urlencoded::byte_serialize(b"se/cr+et=").collect();
    let body = format!("bad request for {url} (key se/cr+et=, {encoded}, token to\\/ken+==)");
    let shown = super::redact_session(&url, &body);
    for secret in ["se/cr+et=", encoded.as_str(), "to/ken+==", "to\\/ken+==", "ASIAEXAMPLE"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("[redacted]"));
}
