//! Tests of the SAML assertion reader: a builder for responses as IdPs write
//! them, tables of good and bad ones, hostile XML, and random bytes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use proptest::prelude::*;

use super::*;

const NOW: &str = "2026-12-08T12:00:00Z";
const ROLE_A: &str = "arn:aws:iam::111111111111:role/Admin";
const PROV_A: &str = "arn:aws:iam::111111111111:saml-provider/Okta";
const ROLE_B: &str = "arn:aws:iam::222222222222:role/team/ReadOnly";
const PROV_B: &str = "arn:aws:iam::222222222222:saml-provider/Okta";

fn now() -> SystemTime {
    time::parse_rfc3339(NOW).unwrap()
}

/// A response as an IdP writes one; each field is the XML that goes in its place.
#[derive(Clone)]
struct Doc {
    /// Prefix of the protocol namespace (`samlp`), `""` for the default namespace.
    p: &'static str,
    /// Prefix of the assertion namespace (`saml2`, `saml`, `a`…).
    a: &'static str,
    prolog: String,
    status: String,
    /// Role attributes: each a list of values.
    roles: Vec<Vec<String>>,
    names: Vec<String>,
    durations: Vec<String>,
    subject_not_on_or_after: Option<String>,
    conditions: String,
    extra_assertions: usize,
    encrypted: bool,
}

impl Default for Doc {
    fn default() -> Self {
        Self {
            p: "samlp",
            a: "saml2",
            prolog: r#"<?xml version="1.0" encoding="UTF-8"?>"#.to_owned(),
            status: "urn:oasis:names:tc:SAML:2.0:status:Success".to_owned(),
            roles: vec![vec![format!("{ROLE_A},{PROV_A}"), format!("{PROV_B},{ROLE_B}")]],
            names: vec!["alice@example.com".to_owned()],
            durations: vec!["28800".to_owned()],
            subject_not_on_or_after: Some("2026-12-08T12:05:00Z".to_owned()),
            conditions: r#"NotBefore="2026-12-08T11:59:55Z" NotOnOrAfter="2026-12-08T12:10:00.123Z""#.to_owned(),
            extra_assertions: 0,
            encrypted: false,
        }
    }
}

impl Doc {
    fn tag(prefix: &str, name: &str) -> String {
        if prefix.is_empty() { name.to_owned() } else { format!("{prefix}:{name}") }
    }

    fn xmlns(prefix: &str, uri: &str) -> String {
        if prefix.is_empty() { format!(r#" xmlns="{uri}""#) } else { format!(r#" xmlns:{prefix}="{uri}""#) }
    }

    fn xml(&self) -> String {
        let (p, a) = (|n: &str| Self::tag(self.p, n), |n: &str| Self::tag(self.a, n));
        let attr = |name: &str, values: &[String]| {
            let vals: String = values.iter().map(|v| format!("<{0}>{v}</{0}>", a("AttributeValue"))).collect();
            format!(r#"<{0} Name="{name}">{vals}</{0}>"#, a("Attribute"))
        };
        let mut attrs = String::new();
        attrs += &attr(SESSION_NAME_ATTRIBUTE, &self.names);
        for values in &self.roles {
            attrs += &attr(ROLE_ATTRIBUTE, values);
        }
        if !self.durations.is_empty() {
            attrs += &attr(SESSION_DURATION_ATTRIBUTE, &self.durations);
        }
        let noa = self.subject_not_on_or_after.as_ref().map(|t| format!(r#" NotOnOrAfter="{t}""#)).unwrap_or_default();
        let assertion = format!(
            r#"<{as_}{ns} ID="_a1" Version="2.0"><{iss}>https://idp.example.com</{iss}><{sub}><{nid}>alice</{nid}><{sc} Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><{scd}{noa} Recipient="https://signin.aws.amazon.com/saml"/></{sc}></{sub}><{cond} {c}><{ar}><{au}>urn:amazon:webservices</{au}></{ar}></{cond}><{ast}>{attrs}</{ast}></{as_}>"#,
            as_ = a("Assertion"),
            ns = Self::xmlns(self.a, "urn:oasis:names:tc:SAML:2.0:assertion"),
            iss = a("Issuer"),
            sub = a("Subject"),
            nid = a("NameID"),
            sc = a("SubjectConfirmation"),
            scd = a("SubjectConfirmationData"),
            cond = a("Conditions"),
            c = self.conditions,
            ar = a("AudienceRestriction"),
            au = a("Audience"),
            ast = a("AttributeStatement"),
        );
        let mut body = if self.encrypted {
            format!(
                "<{0}{1}><xenc:EncryptedData xmlns:xenc=\"http://www.w3.org/2001/04/xmlenc#\"/></{0}>",
                a("EncryptedAssertion"),
                Self::xmlns(self.a, "urn:oasis:names:tc:SAML:2.0:assertion")
            )
        } else {
            assertion.clone()
        };
        for _ in 0..self.extra_assertions {
            body += &assertion;
        }
        format!(
            r#"{prolog}<{resp}{ns} Destination="https://signin.aws.amazon.com/saml" ID="_r1" Version="2.0"><{st}><{sc} Value="{status}"/></{st}>{body}</{resp}>"#,
            prolog = self.prolog,
            resp = p("Response"),
            ns = Self::xmlns(self.p, "urn:oasis:names:tc:SAML:2.0:protocol"),
            st = p("Status"),
            sc = p("StatusCode"),
            status = self.status,
        )
    }

    fn base64(&self) -> String {
        STANDARD.encode(self.xml())
    }

    fn parse(&self) -> Result<Assertion, AssertionError> {
        parse(SamlResponse::from(self.base64()), now())
    }
}

fn roles_of(a: &Assertion) -> Vec<(String, String)> {
    a.roles().iter().map(|p| (p.role.to_string(), p.provider.to_string())).collect()
}

#[test]
fn a_typical_response_gives_its_roles_name_duration_and_expiry() {
    let doc = Doc::default();
    let a = doc.parse().unwrap();
    assert_eq!(
        roles_of(&a),
        [(ROLE_A.to_owned(), PROV_A.to_owned()), (ROLE_B.to_owned(), PROV_B.to_owned())],
        "either order, the role first"
    );
    assert_eq!(a.role_session_name(), "alice@example.com");
    assert_eq!(a.session_duration(), Some(Duration::from_secs(28800)));
    assert_eq!(a.not_on_or_after(), time::parse_rfc3339("2026-12-08T12:05:00Z").unwrap(), "the earliest NotOnOrAfter");
    assert!(a.is_valid_at(now()));
    assert!(!a.is_valid_at(a.not_on_or_after()));
    assert_eq!(a.response().expose(), doc.base64());
}

#[test]
fn good_responses_in_the_shapes_idps_write() {
    let many: Vec<String> = (0..200)
        .map(|i| {
            format!(
                "arn:aws:iam::{:012}:role/R{i},arn:aws:iam::{:012}:saml-provider/P",
                700_000_000_000u64 + i,
                700_000_000_000u64 + i
            )
        })
        .collect();
    let cases: Vec<(&str, Doc, usize)> = vec![
        ("saml: and samlp: prefixes", Doc { a: "saml", ..Doc::default() }, 2),
        ("odd prefixes", Doc { a: "x", p: "proto", ..Doc::default() }, 2),
        ("default namespaces", Doc { a: "", p: "", ..Doc::default() }, 2),
        (
            "one attribute per role",
            Doc {
                roles: vec![vec![format!("{ROLE_A},{PROV_A}")], vec![format!("{ROLE_B},{PROV_B}")]],
                ..Doc::default()
            },
            2,
        ),
        (
            "the same pair twice counts once",
            Doc { roles: vec![vec![format!("{ROLE_A},{PROV_A}"), format!("{PROV_A}, {ROLE_A}")]], ..Doc::default() },
            1,
        ),
        (
            "whitespace around values",
            Doc { roles: vec![vec![format!("\n  {ROLE_A} , {PROV_A}\n")]], ..Doc::default() },
            1,
        ),
        (
            "CDATA and comments inside a value",
            Doc { roles: vec![vec![format!("<![CDATA[{ROLE_A}]]>,<!-- c -->{PROV_A}")]], ..Doc::default() },
            1,
        ),
        ("no SessionDuration", Doc { durations: vec![], ..Doc::default() }, 2),
        ("only Conditions NotOnOrAfter", Doc { subject_not_on_or_after: None, ..Doc::default() }, 2),
        ("no XML declaration", Doc { prolog: String::new(), ..Doc::default() }, 2),
        (
            "GovCloud and China partitions",
            Doc {
                roles: vec![vec![
                    "arn:aws-us-gov:iam::111111111111:role/A,arn:aws-us-gov:iam::111111111111:saml-provider/P"
                        .to_owned(),
                    "arn:aws-cn:iam::222222222222:saml-provider/P,arn:aws-cn:iam::222222222222:role/B".to_owned(),
                ]],
                ..Doc::default()
            },
            2,
        ),
        ("200 roles", Doc { roles: vec![many], ..Doc::default() }, 200),
    ];
    for (what, doc, roles) in cases {
        let a = doc.parse().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(a.roles().len(), roles, "{what}");
    }
}

#[test]
fn bad_responses_are_refused_with_a_reason() {
    let b64 = |s: &str| STANDARD.encode(s);
    let raw: Vec<(&str, String, AssertionError)> = vec![
        ("empty", " \n ".to_owned(), AssertionError::Empty),
        ("not base64", "PHNhbWw%3D".to_owned(), AssertionError::NotBase64),
        ("not UTF-8", STANDARD.encode([0xff, 0xfe, 0x3c]), AssertionError::NotUtf8),
        ("not XML", b64("hello"), AssertionError::Malformed { line: 1, column: 1 }),
        ("mismatched tags", b64("<a>\n  <b></c></a>"), AssertionError::Malformed { line: 2, column: 6 }),
        ("another document", b64(r#"<html xmlns="http://www.w3.org/1999/xhtml"/>"#), AssertionError::NotResponse),
        ("Response in no namespace", b64("<Response/>"), AssertionError::NotResponse),
    ];
    for (what, text, want) in raw {
        let got = parse(SamlResponse::from(text), now()).map(|_| ()).unwrap_err();
        assert_eq!(got, want, "{what}");
    }
    let value = |v: &str| vec![vec![v.to_owned()]];
    let docs: Vec<(&str, Doc, AssertionError)> = vec![
        (
            "IdP status",
            Doc { status: "urn:oasis:names:tc:SAML:2.0:status:Requester".into(), ..Doc::default() },
            AssertionError::IdpStatus { status: "Requester".into() },
        ),
        (
            "hostile IdP status",
            Doc { status: "urn:x:$(reboot)".into(), ..Doc::default() },
            AssertionError::IdpStatus { status: "unknown".into() },
        ),
        ("encrypted", Doc { encrypted: true, ..Doc::default() }, AssertionError::Encrypted),
        (
            "two assertions (wrapping)",
            Doc { extra_assertions: 1, ..Doc::default() },
            AssertionError::ManyAssertions { count: 2 },
        ),
        (
            "expired",
            Doc { subject_not_on_or_after: Some("2026-12-08T11:55:00Z".into()), ..Doc::default() },
            AssertionError::Expired { ago: "5m".into() },
        ),
        (
            "expired right now",
            Doc { subject_not_on_or_after: Some(NOW.into()), ..Doc::default() },
            AssertionError::Expired { ago: "0s".into() },
        ),
        (
            "conditions expired",
            Doc {
                subject_not_on_or_after: None,
                conditions: r#"NotOnOrAfter="2026-12-08T10:00:00Z""#.into(),
                ..Doc::default()
            },
            AssertionError::Expired { ago: "2h".into() },
        ),
        (
            "not yet valid",
            Doc {
                conditions: r#"NotBefore="2026-12-08T13:00:00Z" NotOnOrAfter="2026-12-08T14:00:00Z""#.into(),
                ..Doc::default()
            },
            AssertionError::NotYetValid { wait: "1h".into() },
        ),
        (
            "no expiry",
            Doc { subject_not_on_or_after: None, conditions: String::new(), ..Doc::default() },
            AssertionError::NoExpiry,
        ),
        (
            "bad time",
            Doc { subject_not_on_or_after: Some("tomorrow".into()), ..Doc::default() },
            AssertionError::BadTime { field: "SubjectConfirmationData NotOnOrAfter" },
        ),
        ("no roles", Doc { roles: vec![], ..Doc::default() }, AssertionError::NoRoles),
        ("an empty Role attribute", Doc { roles: vec![vec![]], ..Doc::default() }, AssertionError::NoRoles),
        (
            "one ARN",
            Doc { roles: value(ROLE_A), ..Doc::default() },
            AssertionError::BadRole { index: 1, reason: "it has 1 comma-separated parts, not 2".into() },
        ),
        (
            "three ARNs",
            Doc { roles: value(&format!("{ROLE_A},{PROV_A},{ROLE_B}")), ..Doc::default() },
            AssertionError::BadRole { index: 1, reason: "it has 3 comma-separated parts, not 2".into() },
        ),
        (
            "two roles",
            Doc { roles: value(&format!("{ROLE_A},{ROLE_B}")), ..Doc::default() },
            AssertionError::BadRole { index: 1, reason: "both halves are role ARNs".into() },
        ),
        (
            "two providers",
            Doc { roles: value(&format!("{PROV_A},{PROV_B}")), ..Doc::default() },
            AssertionError::BadRole {
                index: 1,
                reason: "neither half is a role ARN: the resource must start with 'role/'".into(),
            },
        ),
        (
            "a user, not a provider",
            Doc {
                roles: vec![vec![format!("{ROLE_A},{PROV_A}"), format!("{ROLE_A},arn:aws:iam::111111111111:user/bob")]],
                ..Doc::default()
            },
            AssertionError::BadRole {
                index: 2,
                reason: "the other half is not a SAML provider ARN: the resource must start with 'saml-provider/'"
                    .into(),
            },
        ),
        (
            "hostile role name",
            Doc { roles: value(&format!("arn:aws:iam::111111111111:role/SECRET$(id)`x`,{PROV_A}")), ..Doc::default() },
            AssertionError::BadRole {
                index: 1,
                reason:
                    "neither half is a role ARN: the role name must be 1-64 characters of letters, digits and '+=,.@_-'"
                        .into(),
            },
        ),
        ("no RoleSessionName", Doc { names: vec![], ..Doc::default() }, AssertionError::SessionNameCount { count: 0 }),
        (
            "two RoleSessionNames",
            Doc { names: vec!["a1".into(), "b2".into()], ..Doc::default() },
            AssertionError::SessionNameCount { count: 2 },
        ),
        (
            "hostile RoleSessionName",
            Doc { names: vec!["alice;$(reboot)".into()], ..Doc::default() },
            AssertionError::BadSessionName,
        ),
        (
            "a raw control character (not XML 1.0)",
            Doc { names: vec!["alice\u{1b}[2J".into()], ..Doc::default() },
            AssertionError::Malformed { line: 1, column: 1055 },
        ),
        ("short RoleSessionName", Doc { names: vec!["a".into()], ..Doc::default() }, AssertionError::BadSessionName),
        (
            "SessionDuration too long",
            Doc { durations: vec!["43201".into()], ..Doc::default() },
            AssertionError::BadSessionDuration,
        ),
        (
            "SessionDuration too short",
            Doc { durations: vec!["899".into()], ..Doc::default() },
            AssertionError::BadSessionDuration,
        ),
        (
            "SessionDuration not a number",
            Doc { durations: vec!["1h".into()], ..Doc::default() },
            AssertionError::BadSessionDuration,
        ),
        (
            "two SessionDurations",
            Doc { durations: vec!["900".into(), "3600".into()], ..Doc::default() },
            AssertionError::BadSessionDuration,
        ),
    ];
    for (what, doc, want) in docs {
        let got = doc.parse().map(|_| ()).unwrap_err();
        assert_eq!(got, want, "{what}");
        let message = got.to_string();
        for secret in ["SECRET", "alice", "reboot", "\u{1b}", "Okta", &doc.base64()[..40]] {
            assert!(!message.contains(secret), "{what}: the message repeats the assertion: {message}");
        }
    }
}

#[test]
fn dtds_entities_and_huge_input_are_refused_before_any_expansion() {
    let doc = Doc::default();
    let with_prolog = |prolog: &str| Doc { prolog: prolog.to_owned(), ..doc.clone() };
    let lol =
        (1..=9).map(|i| format!(r#"<!ENTITY lol{i} "{}">"#, format!("&lol{};", i - 1).repeat(10))).collect::<String>();
    let bomb = format!(r#"<?xml version="1.0"?><!DOCTYPE samlp:Response [<!ENTITY lol0 "lol">{lol}]>"#);
    let cases = [
        ("billion laughs", with_prolog(&bomb)),
        ("XXE", with_prolog(r#"<!DOCTYPE samlp:Response [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"#)),
        ("external DTD", with_prolog(r#"<!DOCTYPE samlp:Response SYSTEM "http://127.0.0.1:1/evil.dtd">"#)),
        ("empty DOCTYPE", with_prolog("<!DOCTYPE samlp:Response>")),
    ];
    for (what, doc) in cases {
        assert_eq!(doc.parse().map(|_| ()).unwrap_err(), AssertionError::Dtd, "{what}");
    }
    // An entity used without a DTD is unknown, never fetched or expanded.
    let undefined = Doc { names: vec!["&xxe;".into()], ..Doc::default() };
    assert_eq!(undefined.parse().map(|_| ()).unwrap_err(), AssertionError::Entity);
    // The five predefined entities and character references are plain XML.
    let predefined = Doc { names: vec!["a&amp;b".into()], ..Doc::default() };
    assert_eq!(
        predefined.parse().map(|_| ()).unwrap_err(),
        AssertionError::BadSessionName,
        "'a&b' is read, then refused as a name"
    );
    // 10 MB: refused on its length, before decoding.
    let huge = "A".repeat(10 * 1024 * 1024);
    assert_eq!(
        parse(SamlResponse::from(huge), now()).map(|_| ()).unwrap_err(),
        AssertionError::TooLarge { chars: 10 * 1024 * 1024 }
    );
    let just_over = Doc { names: vec![format!("a{}", "b".repeat(80_000))], ..Doc::default() };
    assert!(matches!(just_over.parse(), Err(AssertionError::TooLarge { .. })));
    // Whitespace (line-wrapped base64 from a file or a command) does not count.
    let wrapped: String =
        doc.base64().as_bytes().chunks(76).map(|c| format!("{}\r\n", String::from_utf8_lossy(c))).collect();
    assert_eq!(parse(SamlResponse::from(wrapped), now()).unwrap().response().expose(), doc.base64());
}

#[test]
fn nothing_shows_the_response_in_debug() {
    let doc = Doc::default();
    let b64 = doc.base64();
    let response = SamlResponse::from(b64.clone());
    assert_eq!(format!("{response:?}"), "SamlResponse([REDACTED])");
    let a = parse(response, now()).unwrap();
    let debug = format!("{a:?}");
    assert!(!debug.contains(&b64[..20]), "{debug}");
    assert!(debug.contains("REDACTED") && debug.contains("Admin"), "{debug}");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = parse(SamlResponse::from(STANDARD.encode(&bytes)), now());
        let _ = parse(SamlResponse::from(String::from_utf8_lossy(&bytes).into_owned()), now());
    }

    #[test]
    fn mangled_responses_never_panic(cut in 0usize..4000, byte in any::<u8>(), at in 0usize..4000) {
        let mut xml = Doc::default().xml().into_bytes();
        if at < xml.len() {
            xml[at] = byte;
        }
        xml.truncate(cut.max(1));
        let _ = parse(SamlResponse::from(STANDARD.encode(&xml)), now());
    }
}
