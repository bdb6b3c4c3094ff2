//! The server's clock, read from a response's `Date` header: `doctor`
//! compares it with the local clock (SigV4 signatures older or newer than
//! five minutes are refused).

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::date_time::{DateTime, Format};

/// Keeps the last answer's `Date` and the local time it arrived.
#[derive(Debug, Clone, Default)]
pub struct ServerDate {
    seen: Arc<Mutex<Option<(SystemTime, SystemTime)>>>,
}

impl ServerDate {
    /// (server time, local time) of the last answer that carried a valid `Date`.
    pub fn seen(&self) -> Option<(SystemTime, SystemTime)> {
        self.seen.lock().ok().and_then(|s| *s)
    }
}

/// Parses an HTTP date (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn parse_http_date(text: &str) -> Option<SystemTime> {
    DateTime::from_str(text.trim(), Format::HttpDate).ok().and_then(|d| SystemTime::try_from(d).ok())
}

impl Intercept for ServerDate {
    fn name(&self) -> &'static str {
        "ServerDate"
    }

    fn read_after_attempt(
        &self,
        ctx: &FinalizerInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let now = SystemTime::now();
        if let Some(server) = ctx.response().and_then(|r| r.headers().get("date")).and_then(parse_http_date)
            && let Ok(mut seen) = self.seen.lock()
        {
            *seen = Some((server, now));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_parse_and_junk_does_not() {
        let t = parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(), 784_111_777);
        assert_eq!(parse_http_date("yesterday"), None);
    }
}
