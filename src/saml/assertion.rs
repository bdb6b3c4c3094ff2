//! The SAML response an identity provider posts to AWS, read without trusting
//! it: base64 → XML (no DTD, no entities, bounded) → the roles it grants, the
//! session name and duration, and when it stops being valid. rolecall does not
//! check the IdP's signature (AWS does); it refuses what AWS would refuse anyway
//! (expired, no role, pairs that are not two ARNs) with an error a person can act
//! on. Pure: the caller passes the time, and no error repeats the assertion.

use std::fmt;
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use roxmltree::{Document, Node, ParsingOptions};
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use super::provider::ProviderArn;
use crate::config::arn::RoleArn;
use crate::{limits, time};

/// The longest `SAMLAssertion` AWS accepts (characters of base64).
pub const MAX_RESPONSE_CHARS: usize = 100_000;
/// XML nodes the parser builds at most (a 100,000-character response has far fewer).
const NODES_LIMIT: u32 = 50_000;
/// A `NotBefore` this far ahead of our clock is still accepted (clocks drift).
const CLOCK_SKEW: Duration = Duration::from_secs(300);

const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
const SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
/// The attribute listing the roles, each value `role ARN,provider ARN` in either order.
pub const ROLE_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
/// The attribute naming the session (`assumed-role/ROLE/<this>`).
pub const SESSION_NAME_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
/// The attribute capping the session's length, in seconds.
pub const SESSION_DURATION_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/SessionDuration";

/// The base64 `SAMLResponse`, as the IdP posted it and `AssumeRoleWithSAML`
/// takes it: a bearer secret (whoever holds it may assume its roles until it
/// expires), so it is zeroized on drop and redacted in `Debug`.
pub struct SamlResponse(SecretString);

impl SamlResponse {
    /// The base64 text to send as `SAMLAssertion`.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for SamlResponse {
    fn from(text: String) -> Self {
        Self(SecretString::from(text))
    }
}

impl fmt::Debug for SamlResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SamlResponse([REDACTED])")
    }
}

/// One role the assertion grants: the role and the SAML provider to name as `PrincipalArn`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RolePair {
    /// The role to assume.
    pub role: RoleArn,
    /// The IAM SAML provider that trusts the IdP.
    pub provider: ProviderArn,
}

/// A SAML response read and checked: what rolecall needs to offer its roles and
/// call `AssumeRoleWithSAML`. `Debug` shows everything but the response itself.
#[derive(Debug)]
pub struct Assertion {
    response: SamlResponse,
    roles: Vec<RolePair>,
    role_session_name: String,
    session_duration: Option<Duration>,
    not_on_or_after: SystemTime,
}

impl Assertion {
    /// The response to send as `SAMLAssertion` (whitespace removed).
    pub fn response(&self) -> &SamlResponse {
        &self.response
    }

    /// Every role granted, in the assertion's order, each once.
    pub fn roles(&self) -> &[RolePair] {
        &self.roles
    }

    /// The `RoleSessionName` attribute (AWS requires it).
    pub fn role_session_name(&self) -> &str {
        &self.role_session_name
    }

    /// The `SessionDuration` attribute: sessions from this assertion last at most this long.
    pub fn session_duration(&self) -> Option<Duration> {
        self.session_duration
    }

    /// The earliest `NotOnOrAfter` of the assertion: AWS refuses it from then on.
    pub fn not_on_or_after(&self) -> SystemTime {
        self.not_on_or_after
    }

    /// Whether AWS would still take the assertion at `now`.
    pub fn is_valid_at(&self, now: SystemTime) -> bool {
        now < self.not_on_or_after
    }
}

/// Why a SAML response cannot be used. No variant carries text from the
/// response: it is a bearer secret, and hostile text besides.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssertionError {
    /// Nothing but whitespace.
    #[error("the SAML response is empty: expected the base64 SAMLResponse the identity provider posts to AWS")]
    Empty,
    /// Longer than AWS accepts.
    #[error(
        "the SAML response is {chars} characters long; AWS accepts at most {MAX_RESPONSE_CHARS}: this is not a sign-in response"
    )]
    TooLarge {
        /// Its length without whitespace.
        chars: usize,
    },
    /// Not base64.
    #[error(
        "the SAML response is not base64: expected the SAMLResponse value the identity provider posts to AWS, as is (not URL-encoded)"
    )]
    NotBase64,
    /// Decoded, but not UTF-8.
    #[error("the decoded SAML response is not UTF-8 XML")]
    NotUtf8,
    /// A `<!DOCTYPE>`: DTDs bring entity expansion (billion laughs) and external entities (XXE).
    #[error(
        "the SAML response contains a document type declaration (<!DOCTYPE>): rolecall refuses DTDs and entities, as AWS does; identity providers do not send them"
    )]
    Dtd,
    /// An entity reference XML does not predefine.
    #[error("the SAML response refers to an XML entity that is not defined: rolecall refuses entities, as AWS does")]
    Entity,
    /// More nodes than a sign-in response has.
    #[error("the SAML response has more than {NODES_LIMIT} XML nodes: this is not a sign-in response")]
    TooManyNodes,
    /// Not well-formed XML.
    #[error("the SAML response is not well-formed XML (line {line}, column {column})")]
    Malformed {
        /// Where the parser stopped.
        line: u32,
        /// The column there.
        column: u32,
    },
    /// XML, but not `samlp:Response`.
    #[error("the SAML response is XML but not a SAML 2.0 Response (element Response in {NS_PROTOCOL})")]
    NotResponse,
    /// The IdP reported a failure instead of a sign-in.
    #[error(
        "the identity provider answered '{status}' instead of Success: the sign-in failed there; try again or ask its administrator"
    )]
    IdpStatus {
        /// The last part of the status code URN (`Requester`, `AuthnFailed`…), or `unknown`.
        status: String,
    },
    /// The assertion is encrypted (AWS can decrypt it; rolecall cannot read the roles).
    #[error(
        "the SAML assertion is encrypted (EncryptedAssertion): rolecall cannot read the roles it grants; ask your identity provider's administrator to send the AWS app's assertions unencrypted"
    )]
    Encrypted,
    /// A Response with no Assertion.
    #[error("the SAML response holds no assertion")]
    NoAssertion,
    /// More than one assertion (AWS takes one; a second is a wrapping attack or a broken IdP).
    #[error("the SAML response holds {count} assertions; AWS takes exactly one")]
    ManyAssertions {
        /// How many.
        count: usize,
    },
    /// No `NotOnOrAfter` anywhere.
    #[error("the SAML assertion has no NotOnOrAfter time (SubjectConfirmationData or Conditions); AWS refuses it")]
    NoExpiry,
    /// A time attribute that is not RFC 3339.
    #[error("the SAML assertion's {field} is not a valid time")]
    BadTime {
        /// Which attribute.
        field: &'static str,
    },
    /// `NotOnOrAfter` has passed.
    #[error("the SAML assertion expired {ago} ago (NotOnOrAfter): sign in again (or check this computer's clock)")]
    Expired {
        /// How long ago, coarsely (`5m`).
        ago: String,
    },
    /// `NotBefore` is still ahead.
    #[error("the SAML assertion is not valid for another {wait} (NotBefore): check this computer's clock")]
    NotYetValid {
        /// How long, coarsely.
        wait: String,
    },
    /// No role values.
    #[error(
        "the SAML assertion grants no AWS role (no value of {ROLE_ATTRIBUTE}): ask your identity provider's administrator to assign you roles in the AWS app"
    )]
    NoRoles,
    /// A role value that is not two ARNs.
    #[error("role value {index} of the SAML assertion is not 'role ARN,SAML provider ARN': {reason}")]
    BadRole {
        /// 1-based, in document order across Role attributes.
        index: usize,
        /// Why, without the value.
        reason: String,
    },
    /// `RoleSessionName` absent or repeated.
    #[error(
        "the SAML assertion has {count} RoleSessionName values; AWS needs exactly one ({SESSION_NAME_ATTRIBUTE}): ask your identity provider's administrator"
    )]
    SessionNameCount {
        /// How many values it has.
        count: usize,
    },
    /// `RoleSessionName` AWS would refuse.
    #[error(
        "the SAML assertion's RoleSessionName is not 2-64 characters of letters, digits and '+=,.@_-', as AWS requires: ask your identity provider's administrator"
    )]
    BadSessionName,
    /// `SessionDuration` AWS would refuse.
    #[error(
        "the SAML assertion's SessionDuration is not one whole number of seconds from 900 to 43200, as AWS requires: ask your identity provider's administrator"
    )]
    BadSessionDuration,
}

/// Reads a SAML response (base64, whitespace allowed) and checks it at `now`.
pub fn parse(response: SamlResponse, now: SystemTime) -> Result<Assertion, AssertionError> {
    let raw = response.expose();
    let chars = raw.bytes().filter(|b| !b.is_ascii_whitespace()).count();
    if chars == 0 {
        return Err(AssertionError::Empty);
    }
    if chars > MAX_RESPONSE_CHARS {
        return Err(AssertionError::TooLarge { chars });
    }
    let compact: String = raw.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    let compact = SamlResponse::from(compact);
    drop(response);
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let xml = Zeroizing::new(engine.decode(compact.expose()).map_err(|_| AssertionError::NotBase64)?);
    let text = std::str::from_utf8(&xml).map_err(|_| AssertionError::NotUtf8)?;
    let options = ParsingOptions { allow_dtd: false, nodes_limit: NODES_LIMIT, ..ParsingOptions::default() };
    let doc = Document::parse_with_options(text, options).map_err(xml_error)?;
    let claims = read(&doc, now)?;
    Ok(Assertion {
        response: compact,
        roles: claims.roles,
        role_session_name: claims.role_session_name,
        session_duration: claims.session_duration,
        not_on_or_after: claims.not_on_or_after,
    })
}

fn xml_error(e: roxmltree::Error) -> AssertionError {
    use roxmltree::Error as E;
    match e {
        E::DtdDetected => AssertionError::Dtd,
        E::UnknownEntityReference(..) | E::EntityReferenceLoop(..) | E::MalformedEntityReference(..) => {
            AssertionError::Entity
        }
        E::NodesLimitReached | E::AttributesLimitReached | E::NamespacesLimitReached => AssertionError::TooManyNodes,
        other => {
            let pos = other.pos();
            AssertionError::Malformed { line: pos.row, column: pos.col }
        }
    }
}

struct Claims {
    roles: Vec<RolePair>,
    role_session_name: String,
    session_duration: Option<Duration>,
    not_on_or_after: SystemTime,
}

fn is(node: &Node, ns: &str, name: &str) -> bool {
    node.is_element() && node.tag_name().name() == name && node.tag_name().namespace() == Some(ns)
}

fn children<'a, 'i>(node: Node<'a, 'i>, ns: &'static str, name: &'static str) -> impl Iterator<Item = Node<'a, 'i>> {
    node.children().filter(move |n| is(n, ns, name))
}

/// The text of a node and its descendants (CDATA and text split by comments join up).
fn text_of(node: Node) -> String {
    node.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect::<String>().trim().to_owned()
}

fn read(doc: &Document, now: SystemTime) -> Result<Claims, AssertionError> {
    let root = doc.root_element();
    if !is(&root, NS_PROTOCOL, "Response") {
        return Err(AssertionError::NotResponse);
    }
    if let Some(code) =
        children(root, NS_PROTOCOL, "Status").flat_map(|s| children(s, NS_PROTOCOL, "StatusCode")).next()
    {
        let value = code.attribute("Value").unwrap_or_default();
        if value != SUCCESS {
            let last = value.rsplit(':').next().unwrap_or_default();
            let status = if !last.is_empty() && last.len() <= 40 && last.bytes().all(|b| b.is_ascii_alphanumeric()) {
                last.to_owned()
            } else {
                "unknown".to_owned()
            };
            return Err(AssertionError::IdpStatus { status });
        }
    }
    let assertions: Vec<Node> = children(root, NS_ASSERTION, "Assertion").collect();
    let assertion = match assertions.as_slice() {
        [one] => *one,
        [] if children(root, NS_ASSERTION, "EncryptedAssertion").next().is_some() => {
            return Err(AssertionError::Encrypted);
        }
        [] => return Err(AssertionError::NoAssertion),
        many => return Err(AssertionError::ManyAssertions { count: many.len() }),
    };
    let not_on_or_after = check_times(assertion, now)?;
    let attributes: Vec<Node> = children(assertion, NS_ASSERTION, "AttributeStatement")
        .flat_map(|s| children(s, NS_ASSERTION, "Attribute"))
        .collect();
    let values = |name: &str| -> Vec<String> {
        attributes
            .iter()
            .filter(|a| a.attribute("Name") == Some(name))
            .flat_map(|a| children(*a, NS_ASSERTION, "AttributeValue"))
            .map(text_of)
            .collect()
    };
    let roles = role_pairs(&values(ROLE_ATTRIBUTE))?;
    let names = values(SESSION_NAME_ATTRIBUTE);
    let [name] = names.as_slice() else {
        return Err(AssertionError::SessionNameCount { count: names.len() });
    };
    if limits::check_session_name(name).is_err() {
        return Err(AssertionError::BadSessionName);
    }
    let session_duration = match values(SESSION_DURATION_ATTRIBUTE).as_slice() {
        [] => None,
        [one] => match one.parse::<u64>() {
            Ok(secs) if (900..=43_200).contains(&secs) => Some(Duration::from_secs(secs)),
            _ => return Err(AssertionError::BadSessionDuration),
        },
        _ => return Err(AssertionError::BadSessionDuration),
    };
    Ok(Claims { roles, role_session_name: name.clone(), session_duration, not_on_or_after })
}

/// The earliest `NotOnOrAfter` (bearer confirmation and conditions), once it and
/// `NotBefore` hold at `now`.
fn check_times(assertion: Node, now: SystemTime) -> Result<SystemTime, AssertionError> {
    let time_of = |node: Node, attr: &str, field: &'static str| -> Result<Option<SystemTime>, AssertionError> {
        node.attribute(attr).map(|t| time::parse_rfc3339(t).ok_or(AssertionError::BadTime { field })).transpose()
    };
    let mut earliest: Option<SystemTime> = None;
    let confirmations = children(assertion, NS_ASSERTION, "Subject")
        .flat_map(|s| children(s, NS_ASSERTION, "SubjectConfirmation"))
        .flat_map(|c| children(c, NS_ASSERTION, "SubjectConfirmationData"));
    for data in confirmations {
        if let Some(t) = time_of(data, "NotOnOrAfter", "SubjectConfirmationData NotOnOrAfter")? {
            earliest = Some(earliest.map_or(t, |e| e.min(t)));
        }
    }
    for conditions in children(assertion, NS_ASSERTION, "Conditions") {
        if let Some(t) = time_of(conditions, "NotOnOrAfter", "Conditions NotOnOrAfter")? {
            earliest = Some(earliest.map_or(t, |e| e.min(t)));
        }
        if let Some(t) = time_of(conditions, "NotBefore", "Conditions NotBefore")?
            && now + CLOCK_SKEW < t
        {
            return Err(AssertionError::NotYetValid { wait: time::coarse(time::left(t, now).as_secs()) });
        }
    }
    let until = earliest.ok_or(AssertionError::NoExpiry)?;
    if now >= until {
        let ago = now.duration_since(until).unwrap_or_default().as_secs();
        return Err(AssertionError::Expired { ago: time::coarse(ago) });
    }
    Ok(until)
}

/// Every `role,provider` (or `provider,role`) value as a pair, each once, in order.
fn role_pairs(values: &[String]) -> Result<Vec<RolePair>, AssertionError> {
    let mut seen = std::collections::HashSet::with_capacity(values.len());
    let mut pairs: Vec<RolePair> = Vec::with_capacity(values.len());
    for (i, value) in values.iter().enumerate() {
        let bad = |reason: String| AssertionError::BadRole { index: i + 1, reason };
        let parts: Vec<&str> = value.split(',').map(str::trim).collect();
        let [a, b] = parts.as_slice() else {
            return Err(bad(format!("it has {} comma-separated parts, not 2", parts.len())));
        };
        let pair = match (a.parse::<RoleArn>(), b.parse::<RoleArn>()) {
            (Ok(role), Err(_)) => b.parse::<ProviderArn>().map(|provider| RolePair { role, provider }),
            (Err(_), Ok(role)) => a.parse::<ProviderArn>().map(|provider| RolePair { role, provider }),
            (Ok(_), Ok(_)) => return Err(bad("both halves are role ARNs".to_owned())),
            (Err(e), Err(_)) => return Err(bad(format!("neither half is a role ARN: {e}"))),
        };
        let pair = pair.map_err(|e| bad(format!("the other half is not a SAML provider ARN: {e}")))?;
        if seen.insert(pair.clone()) {
            pairs.push(pair);
        }
    }
    if pairs.is_empty() {
        return Err(AssertionError::NoRoles);
    }
    Ok(pairs)
}

#[cfg(test)]
#[path = "assertion_tests.rs"]
mod tests;
