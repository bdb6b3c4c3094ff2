//! Console sign-in through the AWS federation endpoint: the partition's
//! endpoints, the `getSigninToken` request (the Session JSON of temporary
//! credentials, `SessionDuration` where AWS allows it) and the `login` URL
//! with `Issuer` and `Destination`. The sign-in token grants console access:
//! it is held as a secret, never logged, and leaves only inside the login URL.

use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use crate::credentials::Credentials;
use crate::limits;

/// The AWS partitions with a public console.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partition {
    /// `aws`: the commercial regions.
    Aws,
    /// `aws-us-gov`: GovCloud (US).
    UsGov,
    /// `aws-cn`: the China regions.
    China,
}

impl Partition {
    /// The partition a region belongs to.
    pub fn of_region(region: &str) -> Self {
        if region.starts_with("cn-") {
            Self::China
        } else if region.starts_with("us-gov-") {
            Self::UsGov
        } else {
            Self::Aws
        }
    }

    /// The federation endpoint.
    pub fn federation_url(self) -> &'static str {
        match self {
            Self::Aws => "https://signin.aws.amazon.com/federation",
            Self::UsGov => "https://signin.amazonaws-us-gov.com/federation",
            Self::China => "https://signin.amazonaws.cn/federation",
        }
    }

    /// The console's host name, without a region or session prefix.
    pub fn console_host(self) -> &'static str {
        match self {
            Self::Aws => "console.aws.amazon.com",
            Self::UsGov => "console.amazonaws-us-gov.com",
            Self::China => "console.amazonaws.cn",
        }
    }
}

/// Why no sign-in URL could be made.
#[derive(Debug, thiserror::Error)]
pub enum FederationError {
    /// A value given by the user is wrong; the message names it.
    #[error("{0}")]
    Invalid(String),
    /// The endpoint could not be reached or did not answer in time.
    #[error("the sign-in endpoint '{endpoint}' could not be reached: {detail}")]
    Network {
        /// The endpoint, without a query.
        endpoint: String,
        /// What went wrong.
        detail: String,
    },
    /// The endpoint refused the credentials or answered something else.
    #[error("the sign-in endpoint '{endpoint}' refused the session ({detail})")]
    Refused {
        /// The endpoint, without a query.
        endpoint: String,
        /// The status and a cleaned start of the answer.
        detail: String,
    },
}

impl FederationError {
    /// rolecall's exit code for this failure (docs/rules.md rule 12).
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Invalid(_) => 1,
            Self::Refused { .. } => 2,
            Self::Network { .. } => 5,
        }
    }
}

/// The federation endpoint to use: an override (a setting or
/// `ROLECALL_SIGNIN_ENDPOINT`), else the partition's. An override must be
/// https, or http to a loopback address (a local stand-in): the token
/// request carries the session's secret key.
pub fn endpoint(partition: Partition, overridden: Option<&str>) -> Result<Url, FederationError> {
    let text = overridden.unwrap_or(partition.federation_url());
    let url = Url::parse(text).map_err(|e| FederationError::Invalid(format!("sign-in endpoint '{text}': {e}")))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        _ => Err(FederationError::Invalid(format!(
            "sign-in endpoint '{text}' must be https (or http to 127.0.0.1): the request carries a secret key"
        ))),
    }
}

/// Whether AWS accepts `SessionDuration` for these credentials: only for a
/// role session made by long-lived IAM user keys (not role chaining, not
/// from an MFA session, which AWS also counts as chaining). For the others
/// the console session lasts as long as the credentials do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationRule {
    /// `SessionDuration` may be sent (900..=43200 s).
    Allowed,
    /// The credentials come from role chaining: no `SessionDuration`.
    Chained,
}

/// The `SessionDuration` to send for a console session of `asked` seconds.
/// `Ok(None)` sends none; a chained session with a duration asked for is
/// `Err` with the notice to show (the call still goes ahead without it).
pub fn session_duration(rule: DurationRule, asked: Option<u32>) -> Result<Option<u32>, String> {
    match (rule, asked) {
        (_, None) => Ok(None),
        (DurationRule::Allowed, Some(d)) => {
            limits::check_duration(d).map_err(|e| format!("--duration {e}"))?;
            Ok(Some(d))
        }
        (DurationRule::Chained, Some(_)) => Err("the console session lasts as long as these credentials: AWS \
             accepts no SessionDuration for a role reached by role chaining (or from an MFA session)"
            .into()),
    }
}

/// The `getSigninToken` URL for `creds`, with the Session JSON
/// (`sessionId`, `sessionKey`, `sessionToken`). It holds the secret key: it
/// is requested, never shown.
pub fn token_request(
    endpoint: &Url,
    creds: &Credentials,
    duration: Option<u32>,
) -> Result<SecretString, FederationError> {
    let Some(token) = creds.session_token() else {
        return Err(FederationError::Invalid(
            "the console needs temporary credentials (a role session); an IAM user's keys cannot sign in".into(),
        ));
    };
    let session = serde_json::json!({
        "sessionId": creds.access_key_id,
        "sessionKey": creds.secret_access_key(),
        "sessionToken": token,
    });
    let mut url = endpoint.clone();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("Action", "getSigninToken");
        if let Some(d) = duration {
            q.append_pair("SessionDuration", &d.to_string());
        }
        q.append_pair("Session", &session.to_string());
    }
    Ok(SecretString::from(String::from(url)))
}

/// Where the console opens: `destination` (a console URL, with any
/// multi-session prefix removed so the console picks or adds the session
/// itself), else `service`'s home page in `region`, else the console home.
pub fn destination(
    partition: Partition,
    region: &str,
    service: Option<&str>,
    destination: Option<&str>,
) -> Result<String, FederationError> {
    let host = partition.console_host();
    if let Some(given) = destination {
        let mut url =
            Url::parse(given).map_err(|e| FederationError::Invalid(format!("--destination '{given}': {e}")))?;
        let name = url.host_str().unwrap_or_default().to_owned();
        let in_console = name == host || name.ends_with(&format!(".{host}"));
        if url.scheme() != "https" || !in_console {
            return Err(FederationError::Invalid(format!("--destination '{given}' is not an https URL of {host}")));
        }
        let plain = strip_session_prefix(&name, host);
        if plain != name {
            url.set_host(Some(&plain)).map_err(|e| FederationError::Invalid(format!("--destination: {e}")))?;
        }
        return Ok(url.into());
    }
    let base = format!("https://{region}.{host}");
    match service {
        None => Ok(format!("{base}/console/home?region={region}")),
        Some(s) if !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {
            Ok(format!("{base}/{s}/home?region={region}"))
        }
        Some(s) => Err(FederationError::Invalid(format!(
            "--service '{s}' is not a console service name (letters, digits and '-', e.g. s3, ec2, cloudwatch)"
        ))),
    }
}

/// `123456789012-abcd1234.us-east-1.console.aws.amazon.com` names one
/// multi-session session; `us-east-1.console.aws.amazon.com` lets the console
/// use the session just signed in.
fn strip_session_prefix(name: &str, host: &str) -> String {
    let Some(prefix) = name.strip_suffix(host).and_then(|p| p.strip_suffix('.')) else { return name.to_owned() };
    let labels: Vec<&str> = prefix.split('.').collect();
    let session = |l: &str| {
        l.split_once('-').is_some_and(|(acct, rest)| {
            acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty()
        })
    };
    let kept: Vec<&str> = labels.into_iter().filter(|l| !session(l)).collect();
    if kept.is_empty() { host.to_owned() } else { format!("{}.{host}", kept.join(".")) }
}

/// The `login` URL: the sign-in token, an empty `Issuer` (there is no page
/// of ours to return to when the session ends), and the destination. It is a
/// secret for as long as the token is valid (15 minutes).
pub fn login_url(endpoint: &Url, token: &SecretString, destination: &str) -> SecretString {
    let mut url = endpoint.clone();
    url.set_query(None);
    url.query_pairs_mut()
        .append_pair("Action", "login")
        .append_pair("Issuer", "")
        .append_pair("Destination", destination)
        .append_pair("SigninToken", token.expose_secret());
    SecretString::from(String::from(url))
}

/// `body` with the request's Session JSON values (the secret key and session
/// token among them), raw or URL-encoded, cut out: an error page that echoes
/// the request must not put them on the terminal.
fn redact_session(request: &Url, body: &str) -> String {
    let mut out = body.to_owned();
    for (key, value) in request.query_pairs() {
        if key != "Session" {
            continue;
        }
        let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(&value) else { continue };
        for secret in map.values().filter_map(|v| v.as_str()).filter(|v| !v.is_empty()) {
            let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            let escaped = secret.replace('/', "\\/");
            for form in [secret.to_owned(), encoded, escaped] {
                out = out.replace(&form, "[redacted]");
            }
        }
        let whole: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
        out = out.replace(&whole, "[redacted]").replace(value.as_ref(), "[redacted]");
    }
    out
}

/// Asks the federation endpoint for a sign-in token, within `timeout`
/// (connecting included).
pub async fn signin_token(request: &SecretString, timeout: Duration) -> Result<SecretString, FederationError> {
    let url = Url::parse(request.expose_secret()).map_err(|e| FederationError::Invalid(e.to_string()))?;
    let shown = format!("{}://{}{}", url.scheme(), url.host_str().unwrap_or_default(), port_suffix(&url)) + url.path();
    let network = |detail: String| FederationError::Network { endpoint: shown.clone(), detail };
    let uri: hyper::Uri = request.expose_secret().parse().map_err(|e| network(format!("{e}")))?;
    let req = hyper::Request::get(uri)
        .header("user-agent", concat!("rolecall/", env!("CARGO_PKG_VERSION")))
        .body(Empty::new())
        .map_err(|e| network(e.to_string()))?;
    // Plain http (a loopback stand-in) needs no TLS roots: loading them costs milliseconds.
    let call = async {
        if url.scheme() == "http" {
            fetch(hyper_util::client::legacy::connect::HttpConnector::new(), req).await
        } else {
            let connector = hyper_rustls::HttpsConnectorBuilder::new()
                .with_provider_and_native_roots(rustls::crypto::aws_lc_rs::default_provider())
                .map_err(|e| format!("no TLS root certificates: {e}"))?
                .https_only()
                .enable_http1()
                .build();
            fetch(connector, req).await
        }
    };
    let call = async { call.await.map_err(network) };
    let (status, body) = tokio::time::timeout(timeout, call)
        .await
        .map_err(|_| network(format!("no answer within {}s", timeout.as_secs())))??;
    let refused = |detail: String| FederationError::Refused { endpoint: shown.clone(), detail };
    if !status.is_success() {
        let text = redact_session(&url, &String::from_utf8_lossy(&body));
        let start: String = text.chars().take(200).collect();
        let detail = format!("HTTP {status}: {}", crate::text::clean(start.trim()));
        // A server error is the endpoint's trouble (exit 5), not a refusal of the session (exit 2).
        return Err(if status.is_server_error() { network(detail) } else { refused(detail) });
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(rename = "SigninToken")]
        signin_token: String,
    }
    let answer: Answer =
        serde_json::from_slice(&body).map_err(|_| refused(format!("HTTP {status}: no SigninToken in the answer")))?;
    if answer.signin_token.is_empty() {
        return Err(refused("an empty SigninToken".into()));
    }
    Ok(SecretString::from(answer.signin_token))
}

/// One GET through `connector`: the status and at most 64 KiB of body.
async fn fetch<C>(connector: C, req: hyper::Request<Empty<Bytes>>) -> Result<(hyper::StatusCode, Bytes), String>
where
    C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
{
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build(connector);
    let res = client.request(req).await.map_err(|e| describe(&e))?;
    let status = res.status();
    let body = Limited::new(res.into_body(), 64 * 1024).collect().await.map_err(|e| e.to_string())?;
    Ok((status, body.to_bytes()))
}

fn port_suffix(url: &Url) -> String {
    url.port().map(|p| format!(":{p}")).unwrap_or_default()
}

/// A client error with its causes, without the request (whose URL holds secrets).
fn describe(e: &hyper_util::client::legacy::Error) -> String {
    let mut text = if e.is_connect() { "cannot connect".to_owned() } else { "request failed".to_owned() };
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
#[path = "federation_tests.rs"]
mod tests;
