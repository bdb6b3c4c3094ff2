//! Durations as users write them in settings and flags: `3600`, `"1h"`,
//! `"90m"`, `"1h30m"`, and the serde helpers that read them.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// Parses `3600`, `"3600"`, `"1h"`, `"1h30m"`, `"90m"` into a duration.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    humantime::parse_duration(text)
        .map_err(|e| format!("'{text}' is not a duration such as '3600', '1h' or '90m' ({e})"))
}

/// Parses a duration into whole seconds that fit a `u32` (what STS takes).
pub fn parse_seconds(text: &str) -> Result<u32, String> {
    let secs = parse_duration(text)?.as_secs();
    u32::try_from(secs).map_err(|_| format!("'{}' is too long", text.trim()))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Raw {
    Seconds(u64),
    Text(String),
}

/// Serde: `3600` (seconds) or a human duration such as `"1h"`.
pub fn de_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    match Raw::deserialize(d)? {
        Raw::Seconds(s) => Ok(Duration::from_secs(s)),
        Raw::Text(t) => parse_duration(&t).map_err(serde::de::Error::custom),
    }
}

/// Serde: an optional duration as whole seconds that fit a `u32`.
pub fn de_opt_seconds<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let secs = de_duration(d)?.as_secs();
    u32::try_from(secs).map(Some).map_err(|_| serde::de::Error::custom("duration is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_users_write() {
        for (text, secs) in [("3600", 3600), (" 1h ", 3600), ("90m", 5400), ("1h30m", 5400)] {
            assert_eq!(parse_duration(text).unwrap().as_secs(), secs, "{text}");
        }
        assert!(parse_duration("soon").unwrap_err().contains("'soon' is not a duration"));
        assert!(parse_seconds("100000000y").unwrap_err().contains("too long"));
    }
}
