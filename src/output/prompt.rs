//! The prompt segment for a shell inside a rolecall session: the target and
//! the time its credentials have left, from the values of ROLECALL_TARGET and
//! ROLECALL_EXPIRATION alone. Pure: the caller hands in the clock.

use std::time::SystemTime;

use crate::{text, time};

/// Under this many seconds left, the segment is marked with `!`.
pub const WARN_SECS: u64 = 600;

/// The segment for a session of `target` expiring at `expiration` (RFC 3339),
/// as of `now`: `dev 42m`, `dev 1h05m`, `dev !7m` (under ten minutes), `dev
/// expired`, or just `dev` when the credentials do not expire (static keys)
/// or the expiry is not RFC 3339. `None` outside a session (no target).
pub fn segment(target: Option<&str>, expiration: Option<&str>, now: SystemTime) -> Option<String> {
    let target = text::clean(target.map(str::trim).filter(|t| !t.is_empty())?);
    let Some(until) = expiration.and_then(time::parse_rfc3339) else {
        return Some(target.into_owned());
    };
    let left = match until.duration_since(now) {
        Ok(d) if d.as_secs() > 0 => d.as_secs(),
        _ => return Some(format!("{target} expired")),
    };
    let label = if left < 60 { format!("{left}s") } else { time::left_label(left) };
    let mark = if left < WARN_SECS { "!" } else { "" };
    Some(format!("{target} {mark}{label}"))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn segment_table() {
        let now = time::from_epoch(1_800_000_000).unwrap_or(SystemTime::UNIX_EPOCH);
        let at = |secs: i64| time::rfc3339_unix(1_800_000_000u64.saturating_add_signed(secs));
        let cases: &[(Option<&str>, Option<String>, Option<&str>)] = &[
            (None, Some(at(3000)), None),
            (Some(""), Some(at(3000)), None),
            (Some("dev"), Some(at(42 * 60 + 30)), Some("dev 42m")),
            (Some("dev"), Some(at(3900)), Some("dev 1h05m")),
            (Some("dev"), Some(at(600)), Some("dev 10m")),
            (Some("dev"), Some(at(599)), Some("dev !9m")),
            (Some("dev"), Some(at(42)), Some("dev !42s")),
            (Some("dev"), Some(at(0)), Some("dev expired")),
            (Some("dev"), Some(at(-5)), Some("dev expired")),
            (Some("dev"), None, Some("dev")),
            (Some("dev"), Some("soon".into()), Some("dev")),
            (Some("acct 1/Admin"), Some(at(7200)), Some("acct 1/Admin 2h00m")),
            (Some("evil\x1b[31m"), None, Some("evil\\u{1b}[31m")),
        ];
        for (target, exp, want) in cases {
            let got = segment(*target, exp.as_deref(), now);
            assert_eq!(got.as_deref(), *want, "target {target:?}, expiration {exp:?}");
        }
        let later = now + Duration::from_secs(10_000);
        assert_eq!(segment(Some("dev"), Some(&at(3000)), later).as_deref(), Some("dev expired"));
    }
}
