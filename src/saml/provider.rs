//! SAML provider ARNs (`arn:aws:iam::123456789012:saml-provider/Name`): the
//! `PrincipalArn` half of each role an assertion grants.

use std::fmt;
use std::str::FromStr;

/// A parsed `arn:<partition>:iam::<account>:saml-provider/<name>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProviderArn {
    arn: String,
    account_start: usize,
    name_start: usize,
}

/// Why a string is not a SAML provider ARN; worded to follow "is not a SAML provider ARN: ".
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProviderArnError(&'static str);

impl ProviderArn {
    /// The 12-digit account id the provider lives in.
    pub fn account(&self) -> &str {
        &self.arn[self.account_start..self.account_start + 12]
    }

    /// The provider's name in IAM.
    pub fn name(&self) -> &str {
        &self.arn[self.name_start..]
    }

    /// The full ARN text, as `PrincipalArn` takes it.
    pub fn as_str(&self) -> &str {
        &self.arn
    }
}

impl fmt::Display for ProviderArn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn)
    }
}

impl FromStr for ProviderArn {
    type Err = ProviderArnError;

    fn from_str(s: &str) -> Result<Self, ProviderArnError> {
        let parts: Vec<&str> = s.splitn(6, ':').collect();
        if parts.len() != 6 || parts[0] != "arn" {
            return Err(ProviderArnError("expected 'arn:aws:iam::<12-digit account>:saml-provider/<name>'"));
        }
        let (partition, service, region, account, resource) = (parts[1], parts[2], parts[3], parts[4], parts[5]);
        let partition_ok = partition == "aws"
            || partition.strip_prefix("aws-").is_some_and(|rest| {
                !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            });
        if !partition_ok {
            return Err(ProviderArnError("the partition must be 'aws' or 'aws-…', e.g. 'aws-us-gov', 'aws-cn'"));
        }
        if service != "iam" || !region.is_empty() {
            return Err(ProviderArnError("a SAML provider ARN has service 'iam' and an empty region"));
        }
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ProviderArnError("the account must be 12 digits"));
        }
        let Some(name) = resource.strip_prefix("saml-provider/") else {
            return Err(ProviderArnError("the resource must start with 'saml-provider/'"));
        };
        // IAM: 1-128 characters of letters, digits and '._-'.
        if name.is_empty()
            || name.len() > 128
            || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
        {
            return Err(ProviderArnError("the provider name must be 1-128 characters of letters, digits and '._-'"));
        }
        let account_start = 4 + partition.len() + ":iam::".len();
        Ok(Self { arn: s.to_owned(), account_start, name_start: s.len() - name.len() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_arns_parse_or_say_why_not() {
        let good = [
            ("arn:aws:iam::123456789012:saml-provider/Okta", "123456789012", "Okta"),
            ("arn:aws-us-gov:iam::210987654321:saml-provider/ad.fs-1_x", "210987654321", "ad.fs-1_x"),
            ("arn:aws-cn:iam::000000000001:saml-provider/E", "000000000001", "E"),
        ];
        for (text, account, name) in good {
            let arn: ProviderArn = text.parse().unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!((arn.account(), arn.name(), arn.as_str()), (account, name, text));
        }
        let bad = [
            ("", "expected"),
            ("arn:aws:iam::123456789012:role/Admin", "'saml-provider/'"),
            ("arn:aws:sts::123456789012:saml-provider/x", "service 'iam'"),
            ("arn:aws:iam:us-east-1:123456789012:saml-provider/x", "empty region"),
            ("arn:aws:iam::12345678901:saml-provider/x", "12 digits"),
            ("arn:gcp:iam::123456789012:saml-provider/x", "partition"),
            ("arn:aws:iam::123456789012:saml-provider/", "1-128"),
            ("arn:aws:iam::123456789012:saml-provider/a b", "1-128"),
            ("arn:aws:iam::123456789012:saml-provider/a\u{1b}[31m", "1-128"),
        ];
        for (text, why) in bad {
            let err = text.parse::<ProviderArn>().expect_err(text).to_string();
            assert!(err.contains(why), "{text:?}: {err}");
        }
        let long = format!("arn:aws:iam::123456789012:saml-provider/{}", "a".repeat(129));
        assert!(long.parse::<ProviderArn>().is_err());
    }
}
