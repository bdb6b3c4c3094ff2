//! One classifier for every AWS call rolecall makes (STS, Organizations, and
//! later the SSO portal): what went wrong, in terms the layers above can word
//! for the operator and map to an exit code.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_runtime_api::http::Response as HttpResponse;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// How an AWS call failed, before a layer adds context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwsFailure {
    /// AccessDenied.
    Denied(String),
    /// The signing credentials are expired, unknown or malformed.
    BadCredentials {
        /// AWS's code.
        code: String,
        /// AWS's message.
        message: String,
    },
    /// A parameter was refused (duration above the role's maximum, …).
    Validation(String),
    /// The endpoint could not be reached, or did not answer in time.
    Network(String),
    /// The endpoint answered with a server error or with something that is
    /// not an AWS response (HTTP 5xx, garbage, a truncated body).
    Server(String),
    /// Any other refusal.
    Other {
        /// AWS's code.
        code: String,
        /// AWS's message.
        message: String,
    },
}

/// Sorts an SDK error into what the operator can act on.
pub fn classify<E>(err: SdkError<E, HttpResponse>) -> AwsFailure
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match &err {
        SdkError::DispatchFailure(d) => {
            let detail = d.as_connector_error().map(|c| error_chain(c)).unwrap_or_else(|| error_chain(&err));
            return AwsFailure::Network(detail);
        }
        SdkError::TimeoutError(_) => {
            return AwsFailure::Network(
                "no answer in time (the limits are connect_timeout, attempt_timeout and operation_timeout \
                 under [defaults] in rolecall's settings)"
                    .into(),
            );
        }
        SdkError::ResponseError(r) => {
            let status = r.raw().status().as_u16();
            return AwsFailure::Server(format!("HTTP {status} with a response that could not be read"));
        }
        _ => {}
    }
    // Some servers (moto's auth layer among them) wrap the error in
    // `<Errors><Error>`, which the SDK's parser does not find: read the body then.
    let (status, from_body) = match &err {
        SdkError::ServiceError(ctx) => {
            let body = if err.code().is_none() { ctx.raw().body().bytes().map(xml_error) } else { None };
            (Some(ctx.raw().status().as_u16()), body.unwrap_or_default())
        }
        _ => (None, (None, None)),
    };
    let code = err.code().map(str::to_owned).or(from_body.0);
    let message = err.message().map(str::to_owned).or(from_body.1);
    let Some(code) = code else {
        return match status {
            Some(s) if s >= 500 => AwsFailure::Server(format!("HTTP {s} without an AWS error in the body")),
            Some(s) => AwsFailure::Server(format!("HTTP {s} with a body that is not an AWS response")),
            None => AwsFailure::Server(error_chain(&err)),
        };
    };
    let message = message.unwrap_or_else(|| error_chain(&err));
    match code.as_str() {
        "AccessDenied" | "AccessDeniedException" => AwsFailure::Denied(message),
        "ExpiredToken"
        | "ExpiredTokenException"
        | "InvalidClientTokenId"
        | "SignatureDoesNotMatch"
        | "UnrecognizedClientException"
        | "IncompleteSignature"
        | "MissingAuthenticationToken"
        | "UnauthorizedException" => AwsFailure::BadCredentials { code, message },
        "ValidationError" | "ValidationException" => AwsFailure::Validation(message),
        "InternalFailure" | "InternalError" | "ServiceUnavailable" | "ServiceUnavailableException" => {
            AwsFailure::Server(format!("{code}: {message}"))
        }
        _ if status.is_some_and(|s| s >= 500) => AwsFailure::Server(format!("{code}: {message}")),
        _ => AwsFailure::Other { code, message },
    }
}

/// `<Code>` and `<Message>` of an XML error body, wherever they are nested.
fn xml_error(body: &[u8]) -> (Option<String>, Option<String>) {
    let text = String::from_utf8_lossy(body);
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let start = text.find(&open)? + open.len();
        let end = text[start..].find(&format!("</{name}>"))? + start;
        Some(text[start..end].trim().to_owned()).filter(|s| !s.is_empty())
    };
    (tag("Code"), tag("Message"))
}

/// The error and its sources on one line.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_errors_are_found_wherever_nested() {
        let body = b"<ErrorResponse><Errors><Error><Code>AccessDenied</Code><Message>no</Message></Error></Errors></ErrorResponse>";
        assert_eq!(xml_error(body), (Some("AccessDenied".into()), Some("no".into())));
        assert_eq!(xml_error(b"garbage"), (None, None));
    }
}
