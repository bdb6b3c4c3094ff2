//! Time, in one place: the clock, seconds since the epoch, RFC 3339 text, and
//! the short labels ("5m", "1h05m", "42s ago") the command line and the TUI
//! show. Pure apart from reading the clock in [`now`] and [`now_unix`]; every
//! conversion saturates or refuses instead of panicking on absurd values.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

/// The last second of year 9999: epoch values above it come from a corrupt file.
pub const MAX_EPOCH: u64 = 253_402_300_799;

/// A clock: [`now`] in the product, a fixed time in tests. Code that decides
/// by the time takes one (or the time itself) instead of reading the system clock.
pub type Clock = fn() -> SystemTime;

/// The current time.
pub fn now() -> SystemTime {
    SystemTime::now()
}

/// Seconds since the Unix epoch now.
pub fn now_unix() -> u64 {
    epoch_secs(now())
}

/// Seconds since the epoch for `t` (0 before the epoch).
pub fn epoch_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// The time `secs` after the epoch, or `None` past [`MAX_EPOCH`] (a corrupt value).
pub fn from_epoch(secs: u64) -> Option<SystemTime> {
    if secs > MAX_EPOCH {
        return None;
    }
    UNIX_EPOCH.checked_add(Duration::from_secs(secs))
}

/// Time left from `now` until `until` (zero when past).
pub fn left(until: SystemTime, now: SystemTime) -> Duration {
    until.duration_since(now).unwrap_or_default()
}

/// RFC 3339 UTC text in whole seconds (the fraction dropped), as the AWS CLI
/// writes `Expiration` (`2026-11-30T12:00:00Z`): one form whether the time
/// came from STS (milliseconds) or from the session cache (seconds).
pub fn rfc3339(t: SystemTime) -> String {
    DateTime::from_secs(DateTime::from(t).secs()).fmt(Format::DateTime).unwrap_or_else(|_| epoch_secs(t).to_string())
}

/// RFC 3339 UTC text for seconds since the epoch.
pub fn rfc3339_unix(secs: u64) -> String {
    let secs = i64::try_from(secs.min(MAX_EPOCH)).unwrap_or(i64::MAX);
    DateTime::from_secs(secs).fmt(Format::DateTime).unwrap_or_else(|_| secs.to_string())
}

/// The time RFC 3339 UTC text names, as AWS and rolecall write it
/// (`2026-11-30T12:00:00Z`, fractions too), or `None` otherwise.
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    DateTime::from_str(text.trim(), Format::DateTime).ok().and_then(|t| SystemTime::try_from(t).ok())
}

/// An age or a span, coarsely: `42s`, `5m`, `3h`, `2d`.
pub fn coarse(secs: u64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

/// Time left on a session: `1h05m`, or `42m` under an hour.
pub fn left_label(secs: u64) -> String {
    if secs >= 3600 { format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60) } else { format!("{}m", secs / 60) }
}

/// Time left to the second: `1:05:09`.
pub fn clock_label(secs: u64) -> String {
    format!("{}:{:02}:{:02}", secs / 3600, (secs % 3600) / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One form for every `Expiration` (credential_process, exports, the server): whole seconds,
    /// as the AWS CLI writes it, whatever precision the time came with (moto and STS give
    /// milliseconds, the session cache whole seconds).
    #[test]
    fn rfc3339_is_whole_seconds() {
        let at = |ms: u64| rfc3339(UNIX_EPOCH + Duration::from_millis(ms));
        assert_eq!(at(1_796_731_200_000), "2026-12-08T12:00:00Z");
        assert_eq!(at(1_796_731_200_123), "2026-12-08T12:00:00Z");
        assert_eq!(at(1_796_731_200_999), "2026-12-08T12:00:00Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_nanos(1_796_731_201_000_000_001)), "2026-12-08T12:00:01Z");
    }

    #[test]
    fn conversions_and_labels() {
        assert_eq!(rfc3339_unix(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(UNIX_EPOCH + Duration::from_secs(1_800_000_000)), "2027-01-15T08:00:00Z");
        assert_eq!(from_epoch(u64::MAX), None, "a corrupt expiry is refused, not a panic");
        assert_eq!(from_epoch(10).map(epoch_secs), Some(10));
        assert_eq!(rfc3339_unix(u64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(coarse(59), "59s");
        assert_eq!(coarse(3599), "59m");
        assert_eq!(coarse(7200), "2h");
        assert_eq!(coarse(3 * 86_400), "3d");
        assert_eq!(left_label(3900), "1h05m");
        assert_eq!(left_label(600), "10m");
        assert_eq!(clock_label(3909), "1:05:09");
        assert_eq!(parse_rfc3339("2027-01-15T08:00:00Z").map(epoch_secs), Some(1_800_000_000));
        assert_eq!(parse_rfc3339("2027-01-15T08:00:00.5Z").map(epoch_secs), Some(1_800_000_000));
        assert_eq!(parse_rfc3339("tomorrow"), None);
    }
}
