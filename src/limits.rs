//! STS's limits and AWS's name rules, in one place: session durations, the
//! role-chaining cap, the MFA-session range, and the checks for session
//! names, ExternalIds, tags, policy ARNs and role names. Pure; no I/O.

/// Shortest role session AWS grants, in seconds.
pub const MIN_DURATION: u32 = 900;
/// Longest role session AWS grants (the role's own maximum may be lower), in seconds.
pub const MAX_DURATION: u32 = 43_200;
/// AWS caps a role session at one hour when its caller is itself temporary:
/// another role session, or an MFA session from `GetSessionToken` ("role chaining").
pub const CHAINED_MAX_DURATION: u32 = 3_600;
/// Shortest MFA session (`GetSessionToken`) an IAM user may ask for, in seconds.
pub const MIN_MFA_SESSION: u32 = 900;
/// Longest MFA session an IAM user may ask for (36 hours), in seconds.
pub const MAX_MFA_SESSION: u32 = 129_600;
/// STS region when nothing else names one.
pub const FALLBACK_REGION: &str = "us-east-1";
/// At most this many session tags per `AssumeRole`.
pub const MAX_TAGS: usize = 50;
/// At most this many managed session policies per `AssumeRole`.
pub const MAX_POLICY_ARNS: usize = 10;

/// Checks a role session duration is within what AWS accepts for roles.
pub fn check_duration(seconds: u32) -> Result<(), String> {
    if (MIN_DURATION..=MAX_DURATION).contains(&seconds) {
        Ok(())
    } else {
        Err(format!("'{seconds}' is outside {MIN_DURATION}..={MAX_DURATION} seconds"))
    }
}

/// Checks an MFA session duration (15 minutes to 36 hours).
pub fn check_mfa_session(seconds: u32) -> Result<(), String> {
    if (MIN_MFA_SESSION..=MAX_MFA_SESSION).contains(&seconds) {
        Ok(())
    } else {
        Err(format!("'{seconds}' is outside {MIN_MFA_SESSION}..={MAX_MFA_SESSION} seconds (15 minutes to 36 hours)"))
    }
}

/// Checks a region name the way botocore does (a DNS label: 1-63 letters,
/// digits and '-', not all digits, no '-' at either end), so a value the AWS
/// CLI refuses is refused here too, before it becomes part of an endpoint URL.
pub fn check_region(region: &str) -> Result<(), String> {
    let label = (1..=63).contains(&region.len())
        && region.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !region.starts_with('-')
        && !region.ends_with('-')
        && !region.chars().all(|c| c.is_ascii_digit());
    if label {
        Ok(())
    } else {
        Err(format!("'{region}' is not a region name (letters, digits and '-', like 'eu-west-1')"))
    }
}

/// The characters of `[\w+=,.@-]`, which AWS allows in session and role names.
pub fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// Checks a session name (or source identity) against `[\w+=,.@-]{2,64}`.
pub fn check_session_name(name: &str) -> Result<(), String> {
    if (2..=64).contains(&name.len()) && name.chars().all(is_name_char) {
        Ok(())
    } else {
        Err(format!("'{name}' must be 2-64 characters of letters, digits and '_+=,.@-'"))
    }
}

/// Turns any text (a user name, a template result) into a valid session name.
pub fn sanitize_session_name(raw: &str) -> String {
    let mut name: String = raw.chars().map(|c| if is_name_char(c) { c } else { '-' }).take(64).collect();
    while name.len() < 2 {
        name.push('-');
    }
    name
}

/// Checks an `ExternalId`: 2-1224 characters of `[\w+=,.@:/-]`.
pub fn check_external_id(x: &str) -> Result<(), String> {
    let ok = |c: char| c.is_ascii_alphanumeric() || "_+=,.@:/-".contains(c);
    if (2..=1224).contains(&x.len()) && x.chars().all(ok) {
        Ok(())
    } else {
        Err(format!("'{x}' must be 2-1224 characters of letters, digits and '_+=,.@:/-'"))
    }
}

/// Checks a role name (the last path segment of a role ARN): 1-64 of `[\w+=,.@-]`.
pub fn check_role_name(name: &str) -> Result<(), String> {
    if (1..=64).contains(&name.len()) && name.chars().all(is_name_char) {
        Ok(())
    } else {
        Err(format!("'{name}' is not a role name (1-64 letters, digits and '_+=,.@-')"))
    }
}

/// Checks session tags and transitive tag keys.
pub fn check_tags(tags: &[(String, String)], transitive: &[String]) -> Result<(), String> {
    if tags.len() > MAX_TAGS {
        return Err(format!("{} tags given; AWS accepts at most {MAX_TAGS}", tags.len()));
    }
    for (k, v) in tags {
        if k.is_empty() || k.len() > 128 || v.len() > 256 {
            return Err(format!("'{k}={v}': keys are 1-128 characters and values at most 256"));
        }
    }
    if let Some(missing) = transitive.iter().find(|t| !tags.iter().any(|(k, _)| k == *t)) {
        return Err(format!("transitive tag key '{missing}' is not one of the session tags"));
    }
    Ok(())
}

/// Checks managed session policy ARNs.
pub fn check_policy_arns(arns: &[String]) -> Result<(), String> {
    if arns.len() > MAX_POLICY_ARNS {
        return Err(format!("{} given; AWS accepts at most {MAX_POLICY_ARNS}", arns.len()));
    }
    match arns.iter().find(|a| !(a.starts_with("arn:") && a.contains(":policy/"))) {
        Some(bad) => Err(format!("'{bad}' is not a policy ARN (arn:aws:iam::…:policy/…)")),
        None => Ok(()),
    }
}

/// Checks an inline session policy is a JSON object.
pub fn check_policy(text: &str) -> Result<(), String> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        Ok(_) => Err("must be a JSON object".into()),
        Err(e) => Err(format!("is not valid JSON ({e})")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_and_names() {
        assert!(check_duration(900).is_ok() && check_duration(43_200).is_ok());
        assert!(check_duration(899).is_err() && check_duration(43_201).is_err());
        assert!(check_mfa_session(129_600).is_ok() && check_mfa_session(129_601).is_err());
        for (name, ok) in [("al", true), ("a", false), ("alice@example.com", true), ("al ice", false)] {
            assert_eq!(check_session_name(name).is_ok(), ok, "{name}");
        }
        assert_eq!(sanitize_session_name("a"), "a-");
        assert_eq!(sanitize_session_name("jöe smith"), "j-e-smith");
        assert!(check_external_id("x").is_err() && check_external_id("abc:/def").is_ok());
        assert!(check_role_name("Read Only").is_err() && check_role_name("ReadOnly").is_ok());
        assert!(check_tags(&[("k".into(), "v".into())], &["x".into()]).is_err());
        assert!(check_policy_arns(&["arn:aws:s3:::b".into()]).is_err());
        assert!(check_policy("[]").is_err() && check_policy("{}").is_ok());
    }

    #[test]
    fn regions_are_what_botocore_accepts() {
        let rows = [
            ("eu-west-1", true),
            ("us-gov-west-1", true),
            ("cn-north-1", true),
            ("local", true),
            ("eu west 1", false),
            ("eu-west-1/../x", false),
            ("eu-west-1.evil.example", false),
            ("-eu-west-1", false),
            ("eu-west-1-", false),
            ("123", false),
            ("", false),
            ("eu\u{1b}[2J", false),
        ];
        for (region, ok) in rows {
            assert_eq!(check_region(region).is_ok(), ok, "{region:?}");
        }
        assert!(check_region(&"a".repeat(63)).is_ok() && check_region(&"a".repeat(64)).is_err());
    }
}
