//! One log line per AWS request, for `-v`/`ROLECALL_LOG`: an SDK interceptor
//! that every client rolecall builds carries. It records the operation, the
//! region, the endpoint (scheme, host and path only), each attempt's HTTP
//! status and request id, the attempts made and the time taken, and never
//! anything from a request's or a response's headers or body beyond the
//! request id: those hold signatures, session tokens, MFA codes and keys.

use std::time::Instant;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use aws_types::region::Region;

/// The log target of these lines: `ROLECALL_LOG=rolecall::aws=debug` shows only them.
pub const TARGET: &str = "rolecall::aws";

/// The interceptor: add it to every SDK client's config builder.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestLog;

/// When the operation started (kept in the operation's config bag).
#[derive(Debug, Clone, Copy)]
struct Started(Instant);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

/// Where the last attempt went (the request is gone by the end of the operation).
#[derive(Debug, Clone)]
struct SentTo(String);

impl Storable for SentTo {
    type Storer = StoreReplace<Self>;
}

fn operation(cfg: &ConfigBag) -> (String, String) {
    cfg.load::<Metadata>()
        .map(|m| (m.service().to_owned(), m.name().to_owned()))
        .unwrap_or_else(|| ("?".into(), "?".into()))
}

fn region(cfg: &ConfigBag) -> String {
    cfg.load::<Region>().map(|r| r.as_ref().to_owned()).unwrap_or_else(|| "-".into())
}

/// `scheme://host[:port]/path` of a request URI: no user info, no query.
pub fn endpoint_of(uri: &str) -> String {
    let (scheme, rest) = uri.split_once("://").unwrap_or(("", uri));
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host = authority.rsplit('@').next().unwrap_or_default();
    let text = if scheme.is_empty() { format!("{host}{path}") } else { format!("{scheme}://{host}{path}") };
    crate::text::clean(&text).into_owned()
}

fn request_id(response: &Response) -> String {
    ["x-amzn-requestid", "x-amz-request-id", "x-amzn-request-id"]
        .iter()
        .find_map(|h| response.headers().get(*h))
        .map(|v| crate::text::clean(v).chars().take(80).collect())
        .unwrap_or_else(|| "-".into())
}

impl Intercept for RequestLog {
    fn name(&self) -> &'static str {
        "RequestLog"
    }

    fn read_before_execution(
        &self,
        _ctx: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if tracing::enabled!(target: TARGET, tracing::Level::DEBUG) {
            cfg.interceptor_state().store_put(Started(Instant::now()));
        }
        Ok(())
    }

    fn read_before_transmit(
        &self,
        ctx: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if !tracing::enabled!(target: TARGET, tracing::Level::DEBUG) {
            return Ok(());
        }
        let endpoint = endpoint_of(ctx.request().uri());
        let (service, op) = operation(cfg);
        let attempt = cfg.load::<RequestAttempts>().map(|a| a.attempts()).unwrap_or(1);
        tracing::trace!(
            target: TARGET,
            service = %service,
            operation = %op,
            region = %region(cfg),
            endpoint = %endpoint,
            attempt,
            "sending"
        );
        cfg.interceptor_state().store_put(SentTo(endpoint));
        Ok(())
    }

    fn read_after_attempt(
        &self,
        ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if tracing::enabled!(target: TARGET, tracing::Level::TRACE) {
            let (service, op) = operation(cfg);
            let attempt = cfg.load::<RequestAttempts>().map(|a| a.attempts()).unwrap_or(1);
            match ctx.response() {
                Some(r) => tracing::trace!(
                    target: TARGET,
                    service = %service,
                    operation = %op,
                    attempt,
                    status = r.status().as_u16(),
                    request_id = %request_id(r),
                    "attempt answered"
                ),
                None => {
                    tracing::trace!(target: TARGET, service = %service, operation = %op, attempt, "attempt got no response")
                }
            }
        }
        Ok(())
    }

    fn read_after_execution(
        &self,
        ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if !tracing::enabled!(target: TARGET, tracing::Level::DEBUG) {
            return Ok(());
        }
        let (service, op) = operation(cfg);
        let attempts = cfg.load::<RequestAttempts>().map(|a| a.attempts()).unwrap_or(1);
        let ms = cfg.load::<Started>().map(|s| s.0.elapsed().as_millis()).unwrap_or_default();
        let endpoint = match (ctx.request(), cfg.load::<SentTo>()) {
            (Some(r), _) => endpoint_of(r.uri()),
            (None, Some(sent)) => sent.0.clone(),
            (None, None) => "-".into(),
        };
        let (status, id) = match ctx.response() {
            Some(r) => (r.status().as_u16().to_string(), request_id(r)),
            None => ("no response".into(), "-".into()),
        };
        let ok = matches!(ctx.output_or_error(), Some(Ok(_)));
        tracing::debug!(
            target: TARGET,
            service = %service,
            operation = %op,
            region = %region(cfg),
            endpoint = %endpoint,
            status = %status,
            request_id = %id,
            attempts,
            ms,
            ok,
            "aws request"
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::endpoint_of;

    #[test]
    fn endpoints_lose_user_info_and_query() {
        let cases = [
            ("https://sts.us-east-1.amazonaws.com/", "https://sts.us-east-1.amazonaws.com/"),
            ("http://127.0.0.1:5000", "http://127.0.0.1:5000"),
            ("http://user:pw@127.0.0.1:5000/x?token=abc#f", "http://127.0.0.1:5000/x"),
            (
                "https://portal.sso.eu-west-1.amazonaws.com/federation/credentials?role_name=R&account_id=1",
                "https://portal.sso.eu-west-1.amazonaws.com/federation/credentials",
            ),
        ];
        for (uri, want) in cases {
            assert_eq!(endpoint_of(uri), want, "{uri}");
        }
    }
}
